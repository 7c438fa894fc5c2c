/**
 * SMPP tests: a local SMSC (local/carrier-sim/smsc.ts) with the faults a test asks for, and the
 * connector in this worker against the shared emulators. Messages are stored through acceptMessage
 * with a recording queue (test/dispatch/support.ts), so only the connector ever submits them.
 */
import { randomInt } from "node:crypto";
import { SmppConnector, type SmppMetrics } from "../../functions/carriers/smpp/connector.ts";
import { parseSmppCarrierEntry, type SmppCarrierEntry } from "../../functions/carriers/smpp/entry.ts";
import { dynamoSmppPartStore } from "../../functions/carriers/smpp/part-store.ts";
import { dynamoMessageStateStore } from "../../functions/messages/state-store.ts";
import { systemClock } from "../../functions/shared/clock.ts";
import { fieldCipher } from "../../functions/shared/crypto.ts";
import { type SmscHandle, type SmscOptions, startSmsc } from "../../local/carrier-sim/smsc.ts";

export function carrierEntryFor(smsc: SmscHandle, overrides: Record<string, unknown> = {}): SmppCarrierEntry {
  return parseSmppCarrierEntry({
    id: `smpp-test-${randomInt(0, 1e9)}`,
    type: "smpp",
    host: smsc.host,
    port: smsc.port,
    tls: smsc.tls,
    ...(smsc.caFile ? { caFile: smsc.caFile } : {}),
    systemId: smsc.systemId,
    passwordEnv: "SMPP_TEST_PASSWORD",
    prefixes: ["+49"],
    windowSize: 10,
    tps: 1000,
    ...overrides,
  });
}

export interface SmppRig {
  readonly smsc: SmscHandle;
  readonly entry: SmppCarrierEntry;
  readonly connector: SmppConnector;
  readonly plaintextSubmissions: () => number;
  stop(): Promise<void>;
}

export async function startSmppRig(
  smscOptions: SmscOptions,
  entryOverrides: Record<string, unknown> = {},
): Promise<SmppRig> {
  const smsc = await startSmsc(smscOptions);
  const entry = carrierEntryFor(smsc, entryOverrides);
  let plaintext = 0;
  const metrics: SmppMetrics = {
    plaintextSubmission: () => {
      plaintext += 1;
    },
    outcome: () => {},
    receipt: () => {},
  };
  const connector = new SmppConnector({
    carriers: [entry],
    passwordOf: () => smsc.password,
    store: dynamoMessageStateStore(),
    parts: dynamoSmppPartStore(),
    cipher: fieldCipher(),
    clock: systemClock,
    leaseMs: 60_000,
    defaultSender: "Textgate",
    metrics,
    reconnect: { baseMs: 50, capMs: 500 },
    retry: { baseMs: 20, capMs: 300 },
  });
  connector.start();
  return {
    smsc,
    entry,
    connector,
    plaintextSubmissions: () => plaintext,
    stop: async () => {
      await connector.stop();
      await smsc.stop();
    },
  };
}

/** Polls `read` until `done` holds for it or the deadline passes; returns the last value read. */
export async function eventually<T>(
  read: () => Promise<T>,
  done: (value: T) => boolean,
  timeoutMs = 60_000,
): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (done(value) || Date.now() > until) return value;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}
