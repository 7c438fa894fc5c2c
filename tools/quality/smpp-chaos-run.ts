/**
 * `npm run chaos -- --smpp`: SMPP faults over the connector, in-process against the local platform's
 * DynamoDB and SQS. Messages are accepted as the send handler accepts them (encrypted, priced) and
 * queued on sms-smpp; the connector consumes the queue over a TLS bind to an SMSC that throttles,
 * answers system errors and "queue full", drops the link mid-window, refuses numbers and sends
 * receipts naming hex ids in decimal without TLVs. Then every message is accounted for at the SMSC:
 * lost (never arrived whole and not refused), duplicated (a part arrived twice), final statuses.
 */

import { SendMessageCommand } from "@aws-sdk/client-sqs";
import { SmppConnector } from "../../functions/carriers/smpp/connector.ts";
import { parseSmppCarrierEntry } from "../../functions/carriers/smpp/entry.ts";
import { dynamoSmppPartStore } from "../../functions/carriers/smpp/part-store.ts";
import { startQueueLoop } from "../../functions/carriers/smpp/queue-loop.ts";
import type { MessageQueue } from "../../functions/messages/model.ts";
import { segmentInfo } from "../../functions/messages/segments.ts";
import { acceptMessage, defaultMessagingDeps } from "../../functions/messages/service.ts";
import { dynamoMessageStateStore } from "../../functions/messages/state-store.ts";
import { sqsClient } from "../../functions/shared/aws.ts";
import { systemClock } from "../../functions/shared/clock.ts";
import { queueUrl } from "../../functions/shared/config.ts";
import { fieldCipher } from "../../functions/shared/crypto.ts";
import { startSmsc } from "../../local/carrier-sim/smsc.ts";
import { startLocalPlatform } from "../../local/platform.ts";

export interface SmppChaosOptions {
  readonly messages: number;
  readonly log?: (line: string) => void;
  readonly drainTimeoutSeconds?: number;
}

export interface SmppChaosReport {
  readonly accepted: number;
  readonly finalStatus: Readonly<Record<string, number>>;
  readonly lost: readonly string[];
  readonly duplicates: number;
  readonly wrongStatus: readonly string[];
  readonly smsc: Readonly<Record<string, number>>;
  readonly seconds: number;
}

type Kind = "delivered" | "rejected" | "undelivered";
const SUFFIX: Record<Kind, string> = { delivered: "55", rejected: "01", undelivered: "02" };
const EXPECTED: Record<Kind, string> = {
  delivered: "delivered",
  rejected: "failed",
  undelivered: "undelivered",
};

export async function runSmppChaos(options: SmppChaosOptions): Promise<SmppChaosReport> {
  const log = options.log ?? (() => {});
  const started = Date.now();
  const platform = await startLocalPlatform({
    port: 0,
    home: ".textgate/smpp-chaos",
    seed: true,
    schedules: false,
  });
  const smsc = await startSmsc({
    faults: {
      throttleEvery: 9,
      systemErrorEvery: 17,
      queueFullEvery: 23,
      dropEvery: 41,
      rejectSuffix: SUFFIX.rejected,
      undeliveredSuffix: SUFFIX.undelivered,
      idBase: "hex",
      receiptTextBase: "decimal",
      receiptTlv: false,
    },
  });
  const entry = parseSmppCarrierEntry({
    id: "smpp-chaos",
    type: "smpp",
    host: smsc.host,
    port: smsc.port,
    caFile: smsc.caFile,
    systemId: smsc.systemId,
    passwordEnv: "SMPP_CHAOS_PASSWORD",
    prefixes: [""],
    windowSize: 10,
    tps: 500,
  });
  const store = dynamoMessageStateStore();
  const connector = new SmppConnector({
    carriers: [entry],
    passwordOf: () => smsc.password,
    store,
    parts: dynamoSmppPartStore(),
    cipher: fieldCipher(),
    clock: systemClock,
    leaseMs: 60_000,
    defaultSender: "Textgate",
    reconnect: { baseMs: 50, capMs: 1000 },
  });
  connector.start();
  const loop = startQueueLoop({
    queueUrl: queueUrl("sms-smpp"),
    submit: (id) => connector.submit(id),
    waitSeconds: 1,
  });
  try {
    const accountId = platform.demo?.accountId;
    if (!accountId) throw new Error("the chaos platform has no demo account");
    // The send handler's use case, with its queue pointed at sms-smpp (what a dispatch hand-off does).
    const toSmppQueue: MessageQueue = {
      enqueue: async (_queue, messageId) => {
        await sqsClient().send(
          new SendMessageCommand({
            QueueUrl: queueUrl("sms-smpp"),
            MessageBody: JSON.stringify({ v: 1, messageId }),
          }),
        );
      },
    };
    const deps = { ...defaultMessagingDeps(), queue: toSmppQueue };
    const plan = Array.from({ length: options.messages }, (_, i) => {
      const kind: Kind = i % 20 === 3 ? "rejected" : i % 20 === 7 ? "undelivered" : "delivered";
      const text =
        i % 10 === 0 ? `Хаос ${i}: ${"длинный текст для проверки склейки ".repeat(4)}` : `Chaos ${i}`;
      return { kind, text, to: `+37256${String(i).padStart(4, "0")}${SUFFIX[kind]}` };
    });
    const messages = [];
    for (let i = 0; i < plan.length; i += 25) {
      const batch = plan.slice(i, i + 25);
      const ids = await Promise.all(
        batch.map((item) =>
          acceptMessage({ accountId, to: item.to, text: item.text, priority: "normal" }, deps),
        ),
      );
      messages.push(...batch.map((item, j) => ({ ...item, id: ids[j]?.id ?? "" })));
    }
    log(`accepted ${messages.length} messages onto sms-smpp`);
    const until = Date.now() + (options.drainTimeoutSeconds ?? 180) * 1000;
    let statuses: string[] = [];
    for (;;) {
      statuses = await Promise.all(
        messages.map(async (message) => (await store.get(message.id))?.status ?? "gone"),
      );
      const open = statuses.filter((status) => ["queued", "submitting", "sent"].includes(status)).length;
      if (open === 0 || Date.now() > until) break;
      log(`  ${open} not settled yet`);
      await new Promise((resolve) => setTimeout(resolve, 2000));
    }
    const finalStatus: Record<string, number> = {};
    for (const status of statuses) finalStatus[status] = (finalStatus[status] ?? 0) + 1;
    const lost: string[] = [];
    const wrongStatus: string[] = [];
    messages.forEach((message, i) => {
      const arrived = smsc.delivered(message.to);
      const whole = arrived.filter(
        (item) => item.text === message.text && item.parts === segmentInfo(message.text).segments,
      );
      if (message.kind !== "rejected" && whole.length === 0) lost.push(message.id);
      if (statuses[i] !== EXPECTED[message.kind]) wrongStatus.push(`${message.id}:${statuses[i]}`);
    });
    const seen = new Map<string, number>();
    for (const part of smsc.accepted()) {
      const key = `${part.destination}#${part.concat?.reference ?? "-"}#${part.concat?.seq ?? 1}`;
      seen.set(key, (seen.get(key) ?? 0) + 1);
    }
    const duplicates = [...seen.values()].filter((count) => count > 1).length;
    return {
      accepted: messages.length,
      finalStatus,
      lost,
      duplicates,
      wrongStatus,
      smsc: smsc.stats(),
      seconds: Math.round((Date.now() - started) / 1000),
    };
  } finally {
    await loop.stop();
    await connector.stop();
    await smsc.stop();
    await platform.stop();
  }
}
