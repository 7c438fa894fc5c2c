/**
 * Simulated AWS End User Messaging SMS (local only, never deployed): answers the PinpointSMSVoiceV2
 * JSON protocol (awsJson1_0: POST / with X-Amz-Target) on its own port, so the dispatcher's real SDK
 * client is used with an endpoint override, and writes the same delivery-event JSON the configuration
 * set → SNS (raw delivery) path puts on the aws-sms-events queue.
 *
 *   SendTextMessage → 200 {MessageId}; events TEXT_PENDING (not final), then TEXT_DELIVERED (final)
 *
 * Deterministic behaviour by destination (last four digits):
 *   0000 → final TEXT_UNREACHABLE event     0001 → ValidationException (INVALID_ARGUMENTS)
 *   0003 → ConflictException (DESTINATION_PHONE_NUMBER_OPTED_OUT)
 *   0004 → ThrottlingException               0010 → ServiceQuotaExceededException
 *   0011 → InternalServerException           0012 → AccessDeniedException
 * Any other operation answers UnknownOperationException.
 */
import { randomUUID } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { SendMessageCommand, type SQSClient } from "@aws-sdk/client-sqs";
import type { OutboxEntry } from "./index.ts";
import { readBody } from "./request-body.ts";

export interface AwsSmsSimOptions {
  /** 0 or unset: a free port on 127.0.0.1. */
  readonly port?: number;
  /** Queue the events go to (the local aws-sms-events queue); unset = no events. */
  readonly eventsQueueUrl?: string;
  readonly sqs?: Pick<SQSClient, "send">;
  /** Event types the simulated configuration set forwards (like MatchingEventTypes); unset = all. */
  readonly eventTypes?: readonly string[];
  /** Delay before the final event. Default 100 ms. */
  readonly eventDelayMs?: number;
}

export interface AwsSmsSimHandle {
  readonly url: string;
  /** Accepted (non dry-run) messages, newest first; `to` filters by recipient. */
  outbox(to?: string): OutboxEntry[];
  /** Every SendTextMessage request body as received (dry runs included), oldest first. */
  requests(): readonly Record<string, unknown>[];
  /** Fault injection: the next N sends are answered with ThrottlingException (counts down). */
  faults: { throttleNext: number };
  stop(): Promise<void>;
}

const FAULTS: Readonly<Record<string, { status: number; type: string; reason?: string }>> = {
  "0001": { status: 400, type: "ValidationException", reason: "INVALID_ARGUMENTS" },
  "0003": { status: 400, type: "ConflictException", reason: "DESTINATION_PHONE_NUMBER_OPTED_OUT" },
  "0004": { status: 400, type: "ThrottlingException" },
  "0010": {
    status: 402,
    type: "ServiceQuotaExceededException",
    reason: "MONTHLY_SPEND_LIMIT_REACHED_FOR_TEXT",
  },
  "0011": { status: 500, type: "InternalServerException" },
  "0012": { status: 403, type: "AccessDeniedException", reason: "ACCOUNT_DISABLED" },
};

function answer(res: ServerResponse, status: number, body: unknown, errorType?: string): void {
  res.writeHead(status, {
    "Content-Type": "application/x-amz-json-1.0",
    "x-amzn-RequestId": randomUUID(),
    ...(errorType ? { "x-amzn-ErrorType": errorType } : {}),
  });
  res.end(JSON.stringify(body));
}

const fail = (res: ServerResponse, status: number, type: string, message: string, reason?: string) =>
  answer(res, status, { __type: type, Message: message, ...(reason ? { Reason: reason } : {}) }, type);

const str = (body: Record<string, unknown>, key: string): string | undefined =>
  typeof body[key] === "string" ? (body[key] as string) : undefined;

export async function startAwsSmsSim(options: AwsSmsSimOptions = {}): Promise<AwsSmsSimHandle> {
  const entries: OutboxEntry[] = [];
  const received: Record<string, unknown>[] = [];
  const timers = new Set<NodeJS.Timeout>();
  const eventDelayMs = options.eventDelayMs ?? 100;
  const faults = { throttleNext: 0 };

  async function publish(event: Record<string, unknown>): Promise<void> {
    if (!options.eventsQueueUrl || !options.sqs) return;
    if (options.eventTypes && !options.eventTypes.includes(String(event.eventType))) return;
    await options.sqs.send(
      new SendMessageCommand({ QueueUrl: options.eventsQueueUrl, MessageBody: JSON.stringify(event) }),
    );
  }

  function scheduleEvents(body: Record<string, unknown>, entry: OutboxEntry): void {
    const context = typeof body.Context === "object" && body.Context !== null ? body.Context : undefined;
    const base = {
      eventVersion: "1.0",
      destinationPhoneNumber: entry.to,
      messageId: entry.carrierMessageId,
      messageRequestTimestamp: Date.parse(entry.receivedAt),
      messageEncoding: entry.encoding,
      messageType: str(body, "MessageType") ?? "TRANSACTIONAL",
      totalMessageParts: 1,
      ...(context ? { context } : {}),
    };
    const unreachable = entry.to.endsWith("0000");
    const final = unreachable
      ? {
          eventType: "TEXT_UNREACHABLE",
          messageStatus: "UNREACHABLE",
          messageStatusDescription: "handset off",
        }
      : { eventType: "TEXT_DELIVERED", messageStatus: "DELIVERED", messageStatusDescription: "delivered" };
    const send = async () => {
      await publish({
        ...base,
        eventType: "TEXT_PENDING",
        messageStatus: "PENDING",
        isFinal: false,
        eventTimestamp: Date.now(),
      });
      entry.dlrStatus = unreachable ? "undelivered" : "delivered";
      await publish({ ...base, ...final, isFinal: true, eventTimestamp: Date.now() });
    };
    const timer = setTimeout(() => {
      timers.delete(timer);
      send().catch(() => {
        entry.dlrStatus = "dlr-failed";
      });
    }, eventDelayMs);
    timers.add(timer);
  }

  async function sendTextMessage(req: IncomingMessage, res: ServerResponse): Promise<void> {
    let body: Record<string, unknown>;
    try {
      const parsed: unknown = JSON.parse(await readBody(req));
      body = typeof parsed === "object" && parsed !== null ? (parsed as Record<string, unknown>) : {};
    } catch {
      return fail(res, 400, "ValidationException", "body is not JSON", "INVALID_REQUEST");
    }
    received.push(body);
    const to = str(body, "DestinationPhoneNumber");
    if (!to || !/^\+[0-9]{7,15}$/.test(to)) {
      return fail(
        res,
        400,
        "ValidationException",
        "DestinationPhoneNumber must be E.164",
        "INVALID_PARAMETER",
      );
    }
    if (faults.throttleNext > 0) {
      faults.throttleNext -= 1;
      return fail(res, 400, "ThrottlingException", "simulated throttling (injected)");
    }
    const fault = FAULTS[to.slice(-4)];
    if (fault) return fail(res, fault.status, fault.type, `simulated ${fault.type}`, fault.reason);
    const messageId = randomUUID();
    if (body.DryRun === true) return answer(res, 200, { MessageId: messageId });
    const text = str(body, "MessageBody") ?? "";
    const entry: OutboxEntry = {
      to,
      from: str(body, "OriginationIdentity") ?? "",
      text,
      // Events name the encoding GSM or UCS2; printable ASCII stands in for the GSM-7 test here.
      encoding: /^[\x20-\x7E\n\r]*$/.test(text) ? "GSM" : "UCS2",
      reference: (body.Context as Record<string, string> | undefined)?.messageId ?? "",
      carrierMessageId: messageId,
      receivedAt: new Date().toISOString(),
      dlrStatus: "pending",
    };
    entries.push(entry);
    scheduleEvents(body, entry);
    answer(res, 200, { MessageId: messageId });
  }

  const server = createServer((req, res) => {
    const target = String(req.headers["x-amz-target"] ?? "");
    const run =
      req.method === "POST" && target === "PinpointSMSVoiceV2.SendTextMessage"
        ? sendTextMessage(req, res)
        : Promise.resolve(fail(res, 400, "UnknownOperationException", `unsupported operation ${target}`));
    run.catch(() => {
      if (!res.headersSent) fail(res, 500, "InternalServerException", "simulator error");
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, "127.0.0.1", () => resolve());
  });
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    outbox: (to) => entries.filter((entry) => to === undefined || entry.to === to).reverse(),
    requests: () => [...received],
    faults,
    stop: async () => {
      for (const timer of timers) clearTimeout(timer);
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
