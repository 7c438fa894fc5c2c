/**
 * The seam to the carrier simulator (local/carrier-sim/, built by the messaging capability). The
 * platform starts it when present; without it the outbox is simply empty.
 */
import { existsSync } from "node:fs";
import { resolve } from "node:path";
import { pathToFileURL } from "node:url";
import type { CarrierEntry, SmppCarrierEntry } from "./carrier-config.ts";
import { projectRoot } from "./lambda-runtime.ts";

export interface CarrierSimOptions {
  readonly port: number;
  /** Base URL of the local API (the simulator posts delivery reports to its DLR route). */
  readonly apiUrl: string;
  readonly dlrUrl: string;
}

export interface CarrierSim {
  readonly url: string;
  /** What the simulated carrier received, newest first; `to` filters by recipient. */
  outbox(to?: string): unknown;
  stop?(): Promise<void>;
}

type StartCarrierSim = (options: CarrierSimOptions) => Promise<CarrierSim>;

const SIM_ENTRY = resolve(projectRoot, "local/carrier-sim/index.ts");

export async function startCarrier(options: CarrierSimOptions): Promise<CarrierSim | undefined> {
  if (!existsSync(SIM_ENTRY)) return undefined;
  const mod = (await import(pathToFileURL(SIM_ENTRY).href)) as { startCarrierSim?: StartCarrierSim };
  if (typeof mod.startCarrierSim !== "function") return undefined;
  return mod.startCarrierSim(options);
}

/** Destinations the simulated AWS End User Messaging SMS carrier serves in the local platform. */
export const LOCAL_AWS_SMS_PREFIX = "+37259";
export const LOCAL_AWS_SMS_CARRIER_ID = "aws-sim";

/**
 * The simulated AWS End User Messaging SMS carrier: its PinpointSMSVoiceV2 port, registered as an
 * "aws-sms" carrier for LOCAL_AWS_SMS_PREFIX, publishing delivery events to the aws-sms-events queue.
 * Needs the platform env (tables, queues, SQS endpoint) in process.env.
 */
export async function startLocalAwsSmsCarrier(stage: string): Promise<{
  readonly url: string;
  outbox(to?: string): unknown[];
  stop(): Promise<void>;
}> {
  const [{ startAwsSmsSim }, { registerCarrier }, { sqsClient }, catalog] = await Promise.all([
    import("./carrier-sim/aws-sms.ts"),
    import("../functions/carriers/store.ts"),
    import("../functions/shared/aws.ts"),
    import("../lib/catalog/index.ts"),
  ]);
  const configurationSetName = catalog.smsConfigurationSetName(stage);
  process.env[catalog.envNames.smsConfigurationSet] = configurationSetName;
  const sim = await startAwsSmsSim({
    sqs: sqsClient(),
    eventTypes: catalog.AWS_SMS_EVENT_TYPES,
    ...(process.env[catalog.envNames.queueUrl(catalog.AWS_SMS_EVENTS_QUEUE)]
      ? { eventsQueueUrl: process.env[catalog.envNames.queueUrl(catalog.AWS_SMS_EVENTS_QUEUE)] }
      : {}),
  });
  try {
    await registerCarrier({
      protocol: "aws-sms",
      carrierId: LOCAL_AWS_SMS_CARRIER_ID,
      name: "Local AWS End User Messaging SMS simulator",
      baseUrl: sim.url,
      prefixes: [LOCAL_AWS_SMS_PREFIX],
      priority: 100,
      awsSms: { configurationSetName },
    });
  } catch (error) {
    await sim.stop();
    throw error;
  }
  return sim;
}

/**
 * Registers exactly the carriers of a carriers file (local/carrier-config.ts) in place of the
 * simulators and removes any other carrier record. SMPP entries are returned for the SMPP connector,
 * which holds the binds; http and aws-sms entries are routed by the dispatcher directly.
 */
export async function registerConfiguredCarriers(
  entries: readonly CarrierEntry[],
  apiUrl: string,
): Promise<{ readonly smpp: readonly SmppCarrierEntry[] }> {
  const [{ registerCarrier, removeCarriersExcept }, { registrationOf }] = await Promise.all([
    import("../functions/carriers/store.ts"),
    import("../functions/carriers/entry-schema.ts"),
  ]);
  await removeCarriersExcept(entries.map((entry) => entry.id));
  const smpp: SmppCarrierEntry[] = [];
  for (const entry of entries) {
    if (entry.type === "smpp") {
      // The dispatcher hands these to the sms-smpp queue; the connector (local/smpp.ts) binds.
      await registerCarrier(registrationOf(entry));
      smpp.push(entry);
    } else if (entry.type === "http") {
      const secrets = { apiToken: entry.password, dlrSecret: entry.dlrSecret };
      await registerCarrier(
        registrationOf({ ...entry, ...secrets }, `${apiUrl}/v1/carriers/${entry.id}/dlr`),
      );
    } else {
      await registerCarrier(registrationOf(entry));
    }
  }
  return { smpp };
}

/** The outboxes of the running simulators as one list, newest first. */
export function mergedOutbox(
  sims: readonly ({ outbox(to?: string): unknown } | undefined)[],
  to: string | undefined,
): unknown[] {
  const received = (entry: unknown): string => {
    const at = (entry as { receivedAt?: unknown } | null)?.receivedAt;
    return typeof at === "string" ? at : "";
  };
  return sims
    .flatMap((sim) => {
      const entries = sim?.outbox(to);
      return Array.isArray(entries) ? (entries as unknown[]) : [];
    })
    .sort((a, b) => received(b).localeCompare(received(a)));
}
