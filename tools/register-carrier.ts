/**
 * Operator CLI: registers (or re-registers, to rotate secrets) a carrier route in a deployed stage.
 * Runs with the operator's AWS credentials, through the same store code the functions use.
 *
 *   http (default):
 *   CARRIER_API_TOKEN=… CARRIER_DLR_SECRET=… npx tsx tools/register-carrier.ts \
 *     --stage prod --carrier acme --url https://sms.acme.example --prefix +372 --prefix +371 \
 *     --key-arn arn:aws:kms:eu-central-1:…:key/… [--priority 10] [--disable] [--allow-plaintext]
 *   aws-sms (no secrets: the dispatch role signs):
 *     --protocol aws-sms --carrier aws --prefix +372 [--origination-identity …]
 *     [--configuration-set …] [--max-price 0.05] [--url <endpoint override>]
 *   smpp (the route hands messages to the connector; its binds come from TEXTGATE_SMPP_CARRIERS):
 *     --protocol smpp --carrier smsc-a --prefix +371 [--allow-plaintext for a plaintext bind]
 *   any protocol: [--agreed-delivery-rate 0.95] [--test-account acc_… --test-number +372… …]
 *
 * Secrets come from the environment, never from flags (shell history, process lists).
 */
import { parseArgs } from "node:util";
import type { RegisterCarrierInput } from "../functions/carriers/store.ts";
import { envNames, physicalName } from "../lib/catalog/env.ts";

const { values } = parseArgs({
  options: {
    stage: { type: "string", default: "prod" },
    protocol: { type: "string", default: "http" },
    "origination-identity": { type: "string" },
    "configuration-set": { type: "string" },
    "max-price": { type: "string" },
    "agreed-delivery-rate": { type: "string" },
    "test-number": { type: "string", multiple: true },
    "test-account": { type: "string" },
    carrier: { type: "string" },
    name: { type: "string" },
    url: { type: "string" },
    prefix: { type: "string", multiple: true },
    priority: { type: "string" },
    "key-arn": { type: "string" },
    disable: { type: "boolean", default: false },
    "allow-plaintext": { type: "boolean", default: false },
  },
});

function fail(message: string): never {
  console.error(`register-carrier: ${message}`);
  process.exit(2);
}

const carrierId = values.carrier ?? fail("--carrier is required");
const keyArn = values["key-arn"] ?? fail("--key-arn (the stage's data key) is required");
process.env[envNames.table("accounts")] ??= physicalName(values.stage, "accounts");
process.env[envNames.keyArn("data")] = keyArn;
const common = {
  carrierId,
  ...(values.name ? { name: values.name } : {}),
  ...(values.prefix ? { prefixes: values.prefix } : {}),
  ...(values.priority ? { priority: Number(values.priority) } : {}),
  enabled: !values.disable,
  ...(values["agreed-delivery-rate"] ? { agreedDeliveryRate: Number(values["agreed-delivery-rate"]) } : {}),
  // Hourly proactive test sends to these numbers, owned by the operator's test account.
  ...(values["test-number"]
    ? {
        qualityProbe: {
          accountId:
            values["test-account"] ?? fail("--test-number needs --test-account (the account they bill to)"),
          testNumbers: values["test-number"],
        },
      }
    : {}),
};

function httpInput(): RegisterCarrierInput {
  const apiToken = process.env.CARRIER_API_TOKEN ?? fail("set CARRIER_API_TOKEN in the environment");
  const dlrSecret = process.env.CARRIER_DLR_SECRET ?? fail("set CARRIER_DLR_SECRET in the environment");
  const baseUrl = values.url ?? fail("--url is required");
  // Secure carrier links are the default; a plaintext route needs an explicit, reviewed decision.
  if (new URL(baseUrl).protocol !== "https:" && !values["allow-plaintext"]) {
    fail("the carrier URL is not https; pass --allow-plaintext only for a carrier without TLS");
  }
  return { ...common, baseUrl, apiToken, dlrSecret };
}

function awsSmsInput(): RegisterCarrierInput {
  const maxPrice = values["max-price"];
  if (maxPrice !== undefined && !/^[0-9]{1,2}(\.[0-9]{1,5})?$/.test(maxPrice)) {
    fail("--max-price must be a price per segment like 0.05");
  }
  return {
    ...common,
    protocol: "aws-sms",
    ...(values.url ? { baseUrl: values.url } : {}),
    awsSms: {
      ...(values["origination-identity"] ? { originationIdentity: values["origination-identity"] } : {}),
      ...(values["configuration-set"] ? { configurationSetName: values["configuration-set"] } : {}),
      ...(maxPrice ? { maxPricePerSegment: maxPrice } : {}),
    },
  };
}

const inputs: Record<string, () => RegisterCarrierInput> = {
  http: httpInput,
  "aws-sms": awsSmsInput,
  // TLS unless the operator decided otherwise (the connector refuses plaintext without allowPlaintext too).
  smpp: () => ({ ...common, protocol: "smpp", tls: !values["allow-plaintext"] }),
};
const build = inputs[values.protocol] ?? fail('--protocol must be "http", "aws-sms" or "smpp"');

const { registerCarrier } = await import("../functions/carriers/store.ts");
const route = await registerCarrier(build());
console.log(
  JSON.stringify({
    registered: route.carrierId,
    protocol: route.protocol,
    tls: route.tls,
    prefixes: route.prefixes,
  }),
);
