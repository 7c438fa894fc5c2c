/**
 * Operator CLI: registers (or re-registers, to rotate secrets) an HTTP carrier route in a deployed
 * stage. Runs with the operator's AWS credentials, through the same store code the functions use.
 *
 *   CARRIER_API_TOKEN=… CARRIER_DLR_SECRET=… npx tsx tools/register-carrier.ts \
 *     --stage prod --carrier acme --url https://sms.acme.example --prefix +372 --prefix +371 \
 *     --key-arn arn:aws:kms:eu-central-1:…:key/… [--priority 10] [--disable] [--allow-plaintext]
 *
 * Secrets come from the environment, never from flags (shell history, process lists).
 */
import { parseArgs } from "node:util";
import { envNames, physicalName } from "../lib/catalog/env.ts";

const { values } = parseArgs({
  options: {
    stage: { type: "string", default: "prod" },
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

const apiToken = process.env.CARRIER_API_TOKEN ?? fail("set CARRIER_API_TOKEN in the environment");
const dlrSecret = process.env.CARRIER_DLR_SECRET ?? fail("set CARRIER_DLR_SECRET in the environment");
const carrierId = values.carrier ?? fail("--carrier is required");
const baseUrl = values.url ?? fail("--url is required");
const keyArn = values["key-arn"] ?? fail("--key-arn (the stage's data key) is required");
// Secure carrier links are the default; a plaintext route needs an explicit, reviewed decision.
if (new URL(baseUrl).protocol !== "https:" && !values["allow-plaintext"]) {
  fail("the carrier URL is not https; pass --allow-plaintext only for a carrier without TLS");
}

process.env[envNames.table("accounts")] ??= physicalName(values.stage, "accounts");
process.env[envNames.keyArn("data")] = keyArn;

const { registerCarrier } = await import("../functions/carriers/store.ts");
const route = await registerCarrier({
  carrierId,
  baseUrl,
  apiToken,
  dlrSecret,
  ...(values.name ? { name: values.name } : {}),
  ...(values.prefix ? { prefixes: values.prefix } : {}),
  ...(values.priority ? { priority: Number(values.priority) } : {}),
  enabled: !values.disable,
});
console.log(JSON.stringify({ registered: route.carrierId, tls: route.tls, prefixes: route.prefixes }));
