/**
 * The SMPP connector process: `node --import tsx functions/carriers/smpp/main.ts`. Locally the
 * platform starts it as a child process; on AWS it is the ECS Fargate service's command. It binds
 * to every carrier in TEXTGATE_SMPP_CARRIERS, consumes the sms-smpp queue and writes statuses to the
 * messages table. SIGTERM/SIGINT unbind cleanly; submits in flight finish or resolve as unanswered.
 */

import { Metrics, MetricUnit } from "@aws-lambda-powertools/metrics";
import { GetSecretValueCommand, SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import * as z from "zod";
import { envNames, SMPP_LEASE_SECONDS } from "../../../lib/catalog/index.ts";
import { systemClock } from "../../shared/clock.ts";
import { queueUrl } from "../../shared/config.ts";
import { fieldCipher } from "../../shared/crypto.ts";
import { logger } from "../../shared/logger.ts";
import { metricsEnabled } from "../../shared/metrics-enabled.ts";
import { qualityRecordingStore } from "../quality/recording-store.ts";
import { noSmppMetrics, SmppConnector, type SmppMetrics } from "./connector.ts";
import { parseSmppCarrierEntry, type SmppCarrierEntry } from "./entry.ts";
import { dynamoSmppPartStore } from "./part-store.ts";
import { startQueueLoop } from "./queue-loop.ts";

export function carriersFromEnv(env: NodeJS.ProcessEnv = process.env): SmppCarrierEntry[] {
  const raw = env[envNames.smppCarriers];
  if (!raw) throw new Error(`${envNames.smppCarriers} is not set: no SMPP carrier to bind to`);
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch (error) {
    throw new Error(`${envNames.smppCarriers} is not JSON`, { cause: error });
  }
  if (!Array.isArray(value))
    throw new Error(`${envNames.smppCarriers} must be a JSON array of carrier entries`);
  return value.map(parseSmppCarrierEntry);
}

/** Bind passwords by passwordEnv name: from the Secrets Manager secret on AWS, else from the env. */
export async function passwordsFor(
  carriers: readonly SmppCarrierEntry[],
  env: NodeJS.ProcessEnv = process.env,
): Promise<Map<string, string>> {
  const secretArn = env[envNames.smppSecretArn];
  let source: Record<string, string | undefined> = env;
  if (secretArn) {
    const { SecretString } = await new SecretsManagerClient({}).send(
      new GetSecretValueCommand({ SecretId: secretArn }),
    );
    source = z.record(z.string(), z.string()).parse(JSON.parse(SecretString ?? "{}"));
  }
  const passwords = new Map<string, string>();
  for (const carrier of carriers) {
    const password = source[carrier.passwordEnv];
    if (!password) throw new Error(`carrier ${carrier.id}: no password in ${carrier.passwordEnv}`);
    passwords.set(carrier.id, password);
  }
  return passwords;
}

function cloudWatchMetrics(): SmppMetrics {
  if (!metricsEnabled()) return noSmppMetrics;
  const metrics = new Metrics({ namespace: "Textgate", serviceName: "smpp-connector" });
  const count = (name: string, dimensions: Record<string, string>) => {
    const single = metrics.singleMetric();
    for (const [key, value] of Object.entries(dimensions)) single.addDimension(key, value);
    single.addMetric(name, MetricUnit.Count, 1);
  };
  return {
    plaintextSubmission: (carrierId) => count("PlaintextSubmissions", { Carrier: carrierId }),
    outcome: (outcome) => count("SmppOutcome", { Outcome: outcome }),
    receipt: (carrierId, outcome) => count("SmppReceipts", { Carrier: carrierId, Outcome: outcome }),
  };
}

async function main(): Promise<void> {
  const carriers = carriersFromEnv();
  const passwords = await passwordsFor(carriers);
  const connector = new SmppConnector({
    carriers,
    passwordOf: (entry) => passwords.get(entry.id) ?? "",
    // TLS share per carrier from its entry: the connector has no read of the carrier records.
    store: qualityRecordingStore(
      async (carrierId) => carriers.find((entry) => entry.id === carrierId)?.tls ?? false,
    ),
    parts: dynamoSmppPartStore(),
    cipher: fieldCipher(),
    clock: systemClock,
    leaseMs: SMPP_LEASE_SECONDS * 1000,
    defaultSender: process.env.TEXTGATE_DEFAULT_SENDER ?? "Textgate",
    metrics: cloudWatchMetrics(),
  });
  connector.start();
  const loop = startQueueLoop({ queueUrl: queueUrl("sms-smpp"), submit: (id) => connector.submit(id) });
  // The parent (local platform) or ECS reads this line to know the connector is up.
  console.log(`smpp connector ready: ${carriers.map((carrier) => carrier.id).join(", ")}`);
  const shutdown = async () => {
    await loop.stop();
    await connector.stop();
    process.exit(0);
  };
  process.once("SIGTERM", () => void shutdown());
  process.once("SIGINT", () => void shutdown());
}

if (import.meta.url === `file://${process.argv[1]}`) {
  main().catch((error: unknown) => {
    logger.error("smpp connector failed to start", {
      error: error instanceof Error ? error.message : String(error),
    });
    process.exit(1);
  });
}
