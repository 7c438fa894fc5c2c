import { randomUUID } from "node:crypto";
import { GetQueueAttributesCommand, SendMessageCommand } from "@aws-sdk/client-sqs";
import { GetCommand, PutCommand, QueryCommand, TransactWriteCommand } from "@aws-sdk/lib-dynamodb";
import { describe, expect, it } from "vitest";
import { tokenSigner } from "../../functions/identity/signing.ts";
import { dynamoClient, sqsClient } from "../../functions/shared/aws.ts";
import { queueUrl, tableName } from "../../functions/shared/config.ts";
import { fieldCipher } from "../../functions/shared/crypto.ts";
import type { FunctionGrants, FunctionSpec } from "../../lib/catalog/index.ts";
import { NUMBER_INDEX } from "../../lib/catalog/privacy.ts";
import { invokeFunction } from "../../local/lambda-runtime.ts";
import { useLocalPlatformEnv } from "../support/env.ts";

/**
 * The local runtime enforces each function's catalogue grants on its AWS SDK calls and on the local
 * KMS stand-ins, refusing with AWS's AccessDenied shape. Fake catalogue functions run through the
 * real invocation path (invokeFunction, the one the gateway, pollers and schedules use) against the
 * real emulators; the test itself runs outside any function and is not restricted.
 */
const env = useLocalPlatformEnv();
const stage = env.TEXTGATE_STAGE ?? "local";
// Resolved outside any function: a function without the grant does not even get the name in env
// (see "per-function environment"), but nothing stops it from writing the name down.
const table = {
  ephemeral: tableName("ephemeral"),
  accounts: tableName("accounts"),
  messages: tableName("messages"),
};
const bulkQueueUrl = queueUrl("sms-bulk");
const ACCOUNT = "000000000000";
const REGION = "eu-central-1";
const principal = (id: string) =>
  `arn:aws:sts::${ACCOUNT}:assumed-role/textgate-${stage}-${id}-role/textgate-${stage}-${id}`;

/** Runs `body` as a one-off catalogue function with these grants (and environment). */
function runAs<T>(
  id: string,
  grants: FunctionGrants,
  body: () => Promise<T>,
  environment?: Record<string, string>,
): Promise<T> {
  const fn: FunctionSpec = {
    id,
    purpose: "test",
    entry: "none.ts",
    memoryMb: 128,
    timeoutSeconds: 5,
    grants,
    ...(environment ? { environment } : {}),
  };
  return invokeFunction(fn, {}, { stage, loader: async () => body }) as Promise<T>;
}

const denial = (action: string, resource: string, id: string) =>
  `User: ${principal(id)} is not authorized to perform: ${action} on resource: ${resource} because no identity-based policy allows the ${action} action`;
const tableArn = (id: string) => `arn:aws:dynamodb:${REGION}:${ACCOUNT}:table/textgate-${stage}-${id}`;

describe("DynamoDB calls outside a function's grants", () => {
  it("a table the function has no grant for: AccessDeniedException, 400, AWS's message", async () => {
    const pk = `IAMTEST#${randomUUID()}`;
    const put = runAs("no-grants", {}, () =>
      dynamoClient().send(new PutCommand({ TableName: table.ephemeral, Item: { pk } })),
    );
    await expect(put).rejects.toMatchObject({
      name: "AccessDeniedException",
      $fault: "client",
      $metadata: { httpStatusCode: 400 },
      message: denial("dynamodb:PutItem", tableArn("ephemeral"), "no-grants"),
    });
    // Nothing reached the table.
    const { Item } = await dynamoClient().send(
      new GetCommand({ TableName: table.ephemeral, Key: { pk }, ConsistentRead: true }),
    );
    expect(Item).toBeUndefined();
  });

  it("a read grant reads but cannot write", async () => {
    const pk = `IAMTEST#${randomUUID()}`;
    await dynamoClient().send(new PutCommand({ TableName: table.ephemeral, Item: { pk, v: 1 } }));
    const grants: FunctionGrants = { tables: { ephemeral: "read" } };
    const read = await runAs("reader", grants, () =>
      dynamoClient().send(new GetCommand({ TableName: table.ephemeral, Key: { pk } })),
    );
    expect(read.Item).toEqual({ pk, v: 1 });
    await expect(
      runAs("reader", grants, () =>
        dynamoClient().send(new PutCommand({ TableName: table.ephemeral, Item: { pk, v: 2 } })),
      ),
    ).rejects.toMatchObject({
      name: "AccessDeniedException",
      message: denial("dynamodb:PutItem", tableArn("ephemeral"), "reader"),
    });
  });

  it("a Query on an index is authorised on the index ARN: write-only is refused, read is allowed", async () => {
    const query = () =>
      dynamoClient().send(
        new QueryCommand({
          TableName: table.messages,
          IndexName: NUMBER_INDEX.name,
          KeyConditionExpression: "#k = :k",
          ExpressionAttributeNames: { "#k": NUMBER_INDEX.partitionKey },
          ExpressionAttributeValues: { ":k": `acc#${randomUUID()}` },
        }),
      );
    await expect(runAs("writer", { tables: { messages: "write" } }, query)).rejects.toMatchObject({
      name: "AccessDeniedException",
      message: denial("dynamodb:Query", `${tableArn("messages")}/index/${NUMBER_INDEX.name}`, "writer"),
    });
    const allowed = await runAs("reader", { tables: { messages: "read" } }, query);
    expect(allowed.Items).toEqual([]);
  });

  it("a transaction is authorised per item: one item outside the grants refuses the whole call", async () => {
    const pk = `IAMTEST#${randomUUID()}`;
    const transaction = () =>
      dynamoClient().send(
        new TransactWriteCommand({
          TransactItems: [
            { Put: { TableName: table.ephemeral, Item: { pk } } },
            {
              Update: {
                TableName: table.accounts,
                Key: { pk, sk: "IAMTEST" },
                UpdateExpression: "SET touched = :t",
                ExpressionAttributeValues: { ":t": true },
              },
            },
          ],
        }),
      );
    const grants: FunctionGrants = { tables: { ephemeral: "readWrite", accounts: "read" } };
    await expect(runAs("mixed", grants, transaction)).rejects.toMatchObject({
      name: "AccessDeniedException",
      message: denial("dynamodb:UpdateItem", tableArn("accounts"), "mixed"),
    });
    const { Item } = await dynamoClient().send(
      new GetCommand({ TableName: table.ephemeral, Key: { pk }, ConsistentRead: true }),
    );
    expect(Item).toBeUndefined();
    // readUpdate allows exactly the UpdateItem the transaction needs on accounts.
    await runAs("mixed", { tables: { ephemeral: "readWrite", accounts: "readUpdate" } }, transaction);
  });
});

describe("SQS calls outside a function's grants", () => {
  it("inspect may read queue attributes but not send: AccessDenied, 403, action in lower case", async () => {
    const grants: FunctionGrants = { queues: { "sms-bulk": "inspect" } };
    const attributes = await runAs("prober", grants, () =>
      sqsClient().send(
        new GetQueueAttributesCommand({
          QueueUrl: bulkQueueUrl,
          AttributeNames: ["ApproximateNumberOfMessages"],
        }),
      ),
    );
    expect(attributes.Attributes?.ApproximateNumberOfMessages).toMatch(/^\d+$/);
    const send = runAs("prober", grants, () =>
      sqsClient().send(new SendMessageCommand({ QueueUrl: bulkQueueUrl, MessageBody: "{}" })),
    );
    await expect(send).rejects.toMatchObject({
      name: "AccessDenied",
      $fault: "client",
      $metadata: { httpStatusCode: 403 },
      message: denial(
        "sqs:sendmessage",
        `arn:aws:sqs:${REGION}:${ACCOUNT}:textgate-${stage}-sms-bulk`,
        "prober",
      ),
    });
  });
});

describe("local KMS stand-ins outside a function's key grants", () => {
  const keyArn = (id: string) => `arn:aws:kms:${REGION}:${ACCOUNT}:key/textgate-${stage}-${id}`;
  const context = { purpose: "iam-test" };

  it("the keyring: decrypt-only may decrypt but not encrypt; no grant may do neither", async () => {
    const sealed = await runAs("sealer", { keys: { data: ["encrypt"] } }, () =>
      fieldCipher().encrypt("hello", context),
    );
    await expect(
      runAs("opener", { keys: { data: ["decrypt"] } }, () => fieldCipher().decrypt(sealed, context)),
    ).resolves.toBe("hello");
    await expect(
      runAs("opener", { keys: { data: ["decrypt"] } }, () => fieldCipher().encrypt("x", context)),
    ).rejects.toMatchObject({
      name: "AccessDeniedException",
      $metadata: { httpStatusCode: 400 },
      message: denial("kms:Encrypt", keyArn("data"), "opener"),
    });
    await expect(runAs("no-keys", {}, () => fieldCipher().decrypt(sealed, context))).rejects.toMatchObject({
      name: "AccessDeniedException",
      message: denial("kms:Decrypt", keyArn("data"), "no-keys"),
    });
  });

  it("the signing key: getPublicKey may verify but not sign", async () => {
    const grants: FunctionGrants = { keys: { signing: ["getPublicKey"] } };
    await expect(runAs("verifier", grants, () => tokenSigner().kid())).resolves.toMatch(/^[\w-]{43}$/);
    await expect(
      runAs("verifier", grants, () => tokenSigner().sign(new Uint8Array([1, 2, 3]))),
    ).rejects.toMatchObject({
      name: "AccessDeniedException",
      message: denial("kms:Sign", keyArn("signing"), "verifier"),
    });
  });
});

describe("per-function environment", () => {
  it("a function sees the resource names of its grants and its own environment, nothing of others'", async () => {
    // Another function's catalogue environment (verify's), as the shared process holds it.
    process.env.VERIFY_DEFAULT_EXPIRY_SECONDS = "600";
    const seen = () =>
      Promise.resolve({
        ephemeral: process.env.TABLE_EPHEMERAL,
        accounts: process.env.TABLE_ACCOUNTS,
        smsOtp: process.env.QUEUE_SMS_OTP_URL,
        verifyExpiry: process.env.VERIFY_DEFAULT_EXPIRY_SECONDS,
        region: process.env.AWS_REGION,
        listsAccounts: Object.keys(process.env).includes("TABLE_ACCOUNTS"),
      });
    await expect(runAs("narrow", { tables: { ephemeral: "read" } }, seen)).resolves.toEqual({
      ephemeral: `textgate-${stage}-ephemeral`,
      accounts: undefined,
      smsOtp: undefined,
      verifyExpiry: undefined,
      region: REGION,
      listsAccounts: false,
    });
    const own = await runAs("own-env", {}, seen, { VERIFY_DEFAULT_EXPIRY_SECONDS: "60" });
    expect(own.verifyExpiry).toBe("60");
    // Outside any function nothing is hidden.
    expect(process.env.TABLE_ACCOUNTS).toBe(`textgate-${stage}-accounts`);
    expect(process.env.VERIFY_DEFAULT_EXPIRY_SECONDS).toBe("600");
  });
});
