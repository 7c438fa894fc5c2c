import { readFile } from "node:fs/promises";
import { join } from "node:path";
import type { AwsCredentialIdentity, AwsCredentialIdentityProvider } from "@smithy/types";
import * as z from "zod";
import { CliError, exitCodes } from "./errors.ts";

/** Where the CLI sends signed requests and with which credentials. */
export interface Target {
  readonly apiUrl: string;
  readonly region: string;
  readonly credentials: AwsCredentialIdentity | AwsCredentialIdentityProvider;
  readonly description: string;
}

const localJson = z.object({
  apiUrl: z.url(),
  operator: z.object({ accessKeyId: z.string().min(1), secretAccessKey: z.string().min(1) }),
});

/** The local platform: `npm start` writes its URL and operator credentials to local.json. */
export async function localTarget(home = process.env.TEXTGATE_HOME ?? ".textgate"): Promise<Target> {
  const path = join(home, "local.json");
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (error) {
    throw new CliError(
      `no local platform found (${path}); run npm start, or pass --stage`,
      exitCodes.unavailable,
      {
        cause: error,
      },
    );
  }
  const parsed = localJson.safeParse(JSON.parse(text));
  if (!parsed.success) {
    throw new CliError(`${path} has no operator credentials; restart npm start`, exitCodes.unavailable);
  }
  return {
    apiUrl: parsed.data.apiUrl,
    region: "eu-central-1",
    credentials: parsed.data.operator,
    description: `local platform at ${parsed.data.apiUrl}`,
  };
}

/**
 * A deployed stage: the API URL is the stack's ApiUrl output (read with the operator's own AWS
 * credentials from the default provider chain) unless --api-url names it.
 */
export async function stageTarget(
  stage: string,
  options: { region: string; apiUrl?: string },
): Promise<Target> {
  // The SDK's default provider chain: env, SSO, profiles, instance/container roles.
  const { defaultProvider } = await import("@aws-sdk/credential-provider-node");
  const credentials = defaultProvider();
  const apiUrl = options.apiUrl ?? (await stackApiUrl(`Textgate-${stage}`, options.region, credentials));
  return { apiUrl, region: options.region, credentials, description: `stage ${stage} at ${apiUrl}` };
}

/** CloudFormation DescribeStacks (query protocol) signed with the operator's credentials. */
async function stackApiUrl(
  stackName: string,
  region: string,
  credentials: AwsCredentialIdentityProvider,
): Promise<string> {
  const { signedFetch } = await import("./client.ts");
  const body = new URLSearchParams({ Action: "DescribeStacks", Version: "2010-05-15", StackName: stackName });
  const response = await signedFetch({
    url: `https://cloudformation.${region}.amazonaws.com/`,
    method: "POST",
    service: "cloudformation",
    region,
    credentials,
    body: body.toString(),
    contentType: "application/x-www-form-urlencoded",
  });
  const text = await response.text();
  if (!response.ok) {
    throw new CliError(
      `cannot read stack ${stackName} in ${region} (HTTP ${response.status})`,
      exitCodes.unavailable,
    );
  }
  const output = /<OutputKey>ApiUrl<\/OutputKey>\s*<OutputValue>([^<]+)<\/OutputValue>/.exec(text);
  if (!output?.[1]) throw new CliError(`stack ${stackName} has no ApiUrl output`, exitCodes.unavailable);
  return output[1];
}
