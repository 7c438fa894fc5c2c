/**
 * What the design could change to cut the cost per SMS, each priced by the cost model on the same
 * measured inputs (bench/cost.ts priceLevers). Shown under the total as "what it would take", never
 * as the total: none of these is built.
 */
import type { CostInputs, Lever } from "./cost.ts";

/** A batch endpoint: one request, one authorizer-checked send invocation, one trace per `size` SMS. */
export const batchSend = (size: number): Lever => ({
  name: `batch send endpoint, ${size} SMS per request`,
  whatItTakes:
    "a new route (e.g. POST /v1/messages/batch) with per-item results and per-item idempotency; API Gateway, WAF, access-log line, send invocation and X-Ray root are paid per request, not per SMS (send compute per SMS assumed unchanged)",
  combinable: true,
  apply: (inputs) => ({
    ...inputs,
    api: { ...inputs.api, requestsPerSms: inputs.api.requestsPerSms / size },
    lambda: inputs.lambda.map((use) =>
      use.trigger === "api"
        ? { ...use, invocationsPerSms: use.invocationsPerSms / size, durationMs: use.durationMs * size }
        : use,
    ),
  }),
});

const httpApi: Lever = {
  name: "HTTP API instead of REST API",
  whatItTakes:
    "not a drop-in: HTTP APIs have no usage plans (per-key throttles), no WAF association and no request validators; the throttles and WAF rules would move elsewhere",
  combinable: false,
  apply: (inputs) => ({ ...inputs, api: { ...inputs.api, kind: "http", waf: false } }),
};

const eventuallyConsistentReads: Lever = {
  name: "eventually consistent reads",
  whatItTakes:
    "ConsistentRead off wherever a read need not see the write just before it (each such read costs half); the claim and status conditions stay in the conditional writes",
  combinable: true,
  apply: (inputs) => ({
    ...inputs,
    dynamo: {
      ...inputs.dynamo,
      rcuPerSms: inputs.dynamo.rcuPerSms - inputs.dynamo.rcuConsistentPerSms / 2,
      rcuConsistentPerSms: 0,
    },
  }),
};

/** Index entries a message gets with keys-only projections: byNumber at accept (the outbox entry only while events are owed). */
const KEYS_ONLY_INDEX_WRITES_PER_SMS = 1;

type Dynamo = CostInputs["dynamo"];
type MessagesWrites = Dynamo["messages"];

/** The dynamo inputs with the messages table's writes replaced (totals kept in step). */
function withMessages(dynamo: Dynamo, next: MessagesWrites): Dynamo {
  const before = dynamo.messages;
  const base = (m: MessagesWrites) => m.putBaseWcu + m.updateBaseWcu;
  return {
    ...dynamo,
    wcuPerSms: dynamo.wcuPerSms - base(before) - before.gsiWcu + base(next) + next.gsiWcu,
    gsiWcuPerSms: dynamo.gsiWcuPerSms - before.gsiWcu + next.gsiWcu,
    messages: next,
  };
}

const keysOnlyIndexes: Lever = {
  name: "messages GSIs projecting keys only",
  whatItTakes: `built (2026-12-01): byNumber and outbox are keys-only and the unread byCarrierRef index is gone, so a status update that changes no index key writes no index entry (≈ ${KEYS_ONLY_INDEX_WRITES_PER_SMS} small index write per SMS: numberKey at accept); this row shows what is left above that floor`,
  combinable: true,
  apply: (inputs) => ({
    ...inputs,
    dynamo: withMessages(inputs.dynamo, {
      ...inputs.dynamo.messages,
      gsiWcu: Math.min(inputs.dynamo.messages.gsiWcu, KEYS_ONLY_INDEX_WRITES_PER_SMS),
    }),
  }),
};

/** Write units per messages write today, from the measured base-table units (≥ 1: items over 1 KB cost more). */
const unitsPerMessageWrite = (m: MessagesWrites) =>
  Math.max(1, (m.putBaseWcu + m.updateBaseWcu) / Math.max(1e-9, m.puts + m.updates));

const smallStatusItem: Lever = {
  name: "status writes on an item ≤ 1 KB",
  whatItTakes:
    "toCipher and textCipher (two Encryption SDK messages, each with its own header and wrapped data key: the bulk of the item) in a payload item written once beside a small status item that the claim, sent and final Updates rewrite, or both fields sealed in one ciphertext if that keeps the item ≤ 1 KB: each Update and each index entry it rewrites then costs 1 WRU instead of the measured size; exactly-once is untouched (same conditional writes on the status item)",
  combinable: true,
  apply: (inputs) => {
    const m = inputs.dynamo.messages;
    return {
      ...inputs,
      dynamo: withMessages(inputs.dynamo, {
        ...m,
        // The payload Put keeps its size; the status item's Put adds one unit.
        putBaseWcu: m.putBaseWcu + m.puts,
        updateBaseWcu: m.updates,
        gsiWcu: m.gsiWcu / unitsPerMessageWrite(m),
      }),
    };
  },
};

const qualityPerBatch: Lever = {
  name: "carrier-quality counters per batch",
  whatItTakes:
    "built (2026-12-01) for the SQS consumers (dispatch, dead letters, AWS delivery events): one ADD per carrier, country, prefix and hour per batch instead of one per SMS; REST delivery reports still write one each (a request has no batch); this row shows what is left",
  combinable: true,
  apply: (inputs) => {
    const eventBatches = inputs.deliveryEvents.eventsPerSms / Math.max(1, inputs.deliveryEvents.batchSize);
    const quality = (inputs.dynamo.qualityWcuPerSms / 2) * (inputs.sqs.batchesPerSms + eventBatches);
    return {
      ...inputs,
      dynamo: {
        ...inputs.dynamo,
        wcuPerSms: inputs.dynamo.wcuPerSms - inputs.dynamo.qualityWcuPerSms + quality,
        qualityWcuPerSms: quality,
      },
    };
  },
};

const noPlatformLogLines: Lever = {
  name: "Lambda system log level WARN",
  whatItTakes:
    "loggingFormat JSON with systemLogLevel WARN on every function (lib/functions-construct.ts): no START/END/REPORT lines per invocation; duration and memory stay in Lambda's metrics and X-Ray",
  combinable: true,
  apply: (inputs) => ({
    ...inputs,
    logs: { ...inputs.logs, platformBytesPerInvocation: 0, platformLinesPerInvocation: 0 },
  }),
};

const sampledInfoLines = (share: number): Lever => ({
  name: `INFO state-change lines sampled at ${share * 100}%`,
  whatItTakes:
    "loses the per-message trail in the logs (support looks a message up by id); the message item and webhooks still carry every status",
  combinable: false,
  apply: (inputs) => ({
    ...inputs,
    logs: {
      ...inputs.logs,
      appBytesPerSms: inputs.logs.appBytesPerSms * share,
      appLinesPerSms: inputs.logs.appLinesPerSms * share,
    },
  }),
});

const xraySampledAt = (share: number): Lever => ({
  name: `X-Ray at ${share * 100}%`,
  whatItTakes:
    "an X-Ray sampling rule for the API stage at this rate with a small reservoir (API Gateway honours sampling rules) and Tracing.PASS_THROUGH on queue consumers, whose own sampling Lambda does not let us configure",
  combinable: true,
  apply: (inputs) => ({ ...inputs, xray: { sampledShare: share } }),
});

const finalEventsOnly: Lever = {
  name: "final delivery events only, through EventBridge",
  whatItTakes:
    "a rule on aws.sms-voice 'Text Message Delivery Status Updated' matching detail.isFinal=true → the events queue (input path $.detail): no SNS publish and no non-final TEXT_SUCCESSFUL. Not a drop-in: EventBridge delivers these service events best effort, the configuration-set destination is the documented path",
  combinable: false,
  apply: (inputs) => ({
    ...inputs,
    deliveryEvents: { ...inputs.deliveryEvents, via: "eventbridge", eventsPerSms: 1 },
  }),
};

export const LEVERS: readonly Lever[] = [
  batchSend(10),
  httpApi,
  eventuallyConsistentReads,
  // Before keysOnlyIndexes: together, the index entries left are the keys-only ones.
  smallStatusItem,
  keysOnlyIndexes,
  qualityPerBatch,
  noPlatformLogLines,
  sampledInfoLines(0.1),
  xraySampledAt(0.01),
  finalEventsOnly,
];

/** The same inputs with delivery reports as a signed REST callback per SMS (HTTP carriers). */
export const withRestDeliveryReports = (
  inputs: CostInputs,
  dlrFunction: CostInputs["deliveryEvents"]["consumer"],
): CostInputs => ({
  ...inputs,
  deliveryEvents: { ...inputs.deliveryEvents, via: "api-gateway", eventsPerSms: 1, consumer: dlrFunction },
});
