import { UpdateCommand } from "@aws-sdk/lib-dynamodb";
import { dynamoClient } from "../shared/aws.ts";
import { epochSeconds } from "../shared/clock.ts";
import { tableName } from "../shared/config.ts";
import { appliedUnlessConditionFails } from "../shared/dynamo.ts";
import { type OutboxMark, outboxDueAfterGrace, outboxMark, withOutboxMark } from "../webhooks/outbox.ts";
import { messageEventTypeOf, type WebhookEventPublisher } from "../webhooks/publish.ts";
import type { WebhookEventType } from "../webhooks/schemas.ts";
import { dynamoEventSubscriptions, type EventSubscriptions } from "../webhooks/subscriptions.ts";
import type {
  MessageAudience,
  MessageError,
  MessageRepository,
  StoredMessage,
  SubmissionLease,
} from "./model.ts";
import { type MessageStatus, sourcesOf } from "./status.ts";
import { withStatusEvents } from "./status-events.ts";
import { dynamoMessageRepository, messageKey, readMessageAudience, toStoredMessage } from "./store.ts";

export type { MessageAudience } from "./model.ts";

/**
 * Conditional status transitions on the messages table. Each method returns false when its condition
 * did not hold (another worker or a DLR got there first); the caller re-reads and decides.
 * `audience`: the message as the caller already read it, when it has (see MessageAudience).
 */
export interface MessageStateStore {
  get(id: string): Promise<StoredMessage | undefined>;
  /** queued|scheduled → submitting, or takes over a dead attempt's lease (submitting, lease over). */
  claim(
    id: string,
    lease: SubmissionLease,
    takeOver?: { submissionId: string; nowMs: number },
  ): Promise<boolean>;
  /** submitting (this attempt) → sent. If a DLR overtook it, records sentAt/carrier id only. */
  /**
   * forgetText drops the encrypted body once the carrier has it: one-time codes must not outlive
   * their purpose in the messages table (retention there is the account's, e.g. 30 days).
   */
  markSent(
    id: string,
    lease: SubmissionLease,
    carrierMessageId: string,
    at: string,
    forgetText?: boolean,
    audience?: MessageAudience,
  ): Promise<boolean>;
  /**
   * → failed | expired, from any status that may reach it (and only for this attempt, if given).
   * onlyFrom narrows the sources further, e.g. to queued|scheduled for a message nobody claimed.
   * Like applyReport (every move to a final status), it drops an OTP message's encrypted body.
   */
  finish(
    id: string,
    to: "failed" | "expired",
    error: MessageError,
    at: string,
    submissionId?: string,
    onlyFrom?: readonly MessageStatus[],
    audience?: MessageAudience,
  ): Promise<boolean>;
  /**
   * queued|scheduled → cancelled (nobody claimed it yet, so no carrier has it). Drops an OTP
   * message's encrypted body like every final move. False when it already left the queue.
   */
  cancelQueued(id: string, at: string): Promise<boolean>;
  /** Records the last transient error of an attempt (the lease stays until it runs out). */
  /** notAccepted: the carrier refused this attempt for now (recorded on the lease; see SubmissionLease). */
  noteAttemptError(
    id: string,
    submissionId: string,
    error: MessageError,
    notAccepted?: boolean,
  ): Promise<void>;
  /** A delivery report: sent|submitting → delivered|undelivered|failed, only for the carrier that has it. */
  applyReport(
    id: string,
    report: {
      status: "delivered" | "undelivered" | "failed";
      carrierId: string;
      carrierMessageId: string;
      at: string;
      error?: MessageError;
    },
  ): Promise<boolean>;
}

/** A transition's outcome: whether its write applied and, if it did, the item as that write left it. */
export interface Moved {
  readonly applied: boolean;
  /** ReturnValues ALL_NEW of the applied write: what the layers above need, without a re-read. */
  readonly after?: StoredMessage;
}

type Transition<Method extends (...args: never[]) => Promise<boolean>> = (
  ...args: Parameters<Method>
) => Promise<Moved>;

/**
 * The state store as its layers see it (webhook events, carrier quality): every status write hands
 * up the item it produced, so a layer reads nothing again. asStateStore gives callers the booleans.
 */
export interface MessageTransitions extends Omit<MessageStateStore, "markSent" | "finish" | "applyReport"> {
  markSent: Transition<MessageStateStore["markSent"]>;
  finish: Transition<MessageStateStore["finish"]>;
  applyReport: Transition<MessageStateStore["applyReport"]>;
}

export function asStateStore(transitions: MessageTransitions): MessageStateStore {
  return {
    ...transitions,
    markSent: async (...args) => (await transitions.markSent(...args)).applied,
    finish: async (...args) => (await transitions.finish(...args)).applied,
    applyReport: async (...args) => (await transitions.applyReport(...args)).applied,
  };
}

type UpdateSpec = {
  update: string;
  condition: string;
  names: Record<string, string>;
  values: Record<string, unknown>;
  /** The webhook event this status change owes, recorded in the same write (transactional outbox). */
  outbox?: OutboxMark;
};

/**
 * Whether a status change of message `id` owes a webhook event of `type`: only when someone would
 * receive it (the message's callbackUrl or a subscribed endpoint of its account). A message nobody
 * listens to costs no outbox mark (GSI write), no enqueue and no clear write.
 */
export type EventReceivers = (
  id: string,
  type: WebhookEventType,
  audience?: MessageAudience,
) => Promise<boolean>;

export function messageEventReceivers(
  audienceOf: (id: string) => Promise<MessageAudience | undefined> = readMessageAudience,
  subscriptions: EventSubscriptions = dynamoEventSubscriptions(),
): EventReceivers {
  return async (id, type, audience) => {
    const message = audience ?? (await audienceOf(id));
    // Not found: the conditional write fails anyway; recording keeps the old behaviour.
    if (!message) return true;
    return message.callbackUrl !== undefined || subscriptions.wants(message.accountId, type);
  };
}

/** A status with a webhook event (and a receiver) records it as pending in the very write that moves to it. */
async function eventMark(
  receivers: EventReceivers,
  id: string,
  to: MessageStatus,
  audience?: MessageAudience,
): Promise<OutboxMark | undefined> {
  const type = messageEventTypeOf(to);
  if (!type || !(await receivers(id, type, audience))) return undefined;
  return outboxMark(id, type, outboxDueAfterGrace(new Date()));
}

const updateCommand = (id: string, spec: UpdateSpec, returnItem: boolean) =>
  new UpdateCommand({
    TableName: tableName("messages"),
    Key: messageKey(id),
    UpdateExpression: withOutboxMark(spec.update, spec.outbox),
    // An item past its retention is gone, even while DynamoDB has not deleted it yet.
    ConditionExpression: `attribute_exists(pk) AND (attribute_not_exists(expiresAt) OR expiresAt > :nowSeconds) AND (${spec.condition})`,
    // DynamoDB refuses an empty names map.
    ...(Object.keys(spec.names).length > 0 ? { ExpressionAttributeNames: spec.names } : {}),
    ExpressionAttributeValues: {
      ...spec.values,
      ...spec.outbox?.values,
      ":nowSeconds": epochSeconds(new Date()),
    },
    // The new image costs no extra capacity and spares the layers above a read of the item.
    ...(returnItem ? { ReturnValues: "ALL_NEW" as const } : {}),
  });

/** returnItem false: a write whose caller needs only whether it applied (claim, attempt errors). */
async function conditionalUpdate(id: string, spec: UpdateSpec, returnItem = true): Promise<Moved> {
  let after: Record<string, unknown> | undefined;
  const applied = await appliedUnlessConditionFails(
    dynamoClient()
      .send(updateCommand(id, spec, returnItem))
      .then((output) => {
        after = output.Attributes;
      }),
  );
  return applied && after ? { applied, after: toStoredMessage(after) } : { applied };
}

/**
 * A move to a final status (failed, expired, undelivered, delivered…). One-time codes must not
 * outlive their message, whichever way it ended, nor bodies of an account that keeps none
 * (messageBodyDays 0): when the message is one of those and its encrypted body is still there (it never reached "sent", or a DLR overtook the dispatcher), the body is dropped now.
 * The write's own new image tells, so other messages pay nothing extra.
 */
async function finalUpdate(id: string, spec: UpdateSpec): Promise<Moved> {
  const moved = await conditionalUpdate(id, spec);
  const after = moved.after;
  const forget = after?.priority === "otp" || after?.forgetBodyWhenSent === true;
  if (after && forget && after.textCipher !== undefined) {
    const forgotten = await conditionalUpdate(id, {
      update: "REMOVE textCipher",
      condition: "#priority = :otp OR forgetBodyWhenSent = :true",
      names: { "#priority": "priority" },
      values: { ":otp": "otp", ":true": true },
    });
    if (forgotten.after) return { applied: true, after: forgotten.after };
  }
  return moved;
}

/** "#status IN (:s0, :s1, …)" for the statuses that may move to `to`. */
function fromStatuses(
  to: MessageStatus,
  onlyFrom?: readonly MessageStatus[],
): { expression: string; values: Record<string, string> } {
  const sources = sourcesOf(to).filter((status) => !onlyFrom || onlyFrom.includes(status));
  if (sources.length === 0) throw new Error(`no status in [${onlyFrom?.join(", ")}] may move to ${to}`);
  const values = Object.fromEntries(sources.map((status, i) => [`:from${i}`, status]));
  return { expression: `#status IN (${Object.keys(values).join(", ")})`, values };
}

/**
 * The state store every status writer uses: conditional transitions that record their webhook
 * event in the same write and publish it right after (`publisher`: tests inject a failing one).
 */
export function dynamoMessageStateStore(
  repository: MessageRepository = dynamoMessageRepository(),
  publisher?: WebhookEventPublisher,
  receivers: EventReceivers = messageEventReceivers(),
): MessageStateStore {
  return asStateStore(dynamoMessageTransitions(repository, publisher, receivers));
}

/** dynamoMessageStateStore for a layer that wraps it (carrier quality) and needs each write's item. */
export function dynamoMessageTransitions(
  repository: MessageRepository = dynamoMessageRepository(),
  publisher?: WebhookEventPublisher,
  receivers: EventReceivers = messageEventReceivers(),
): MessageTransitions {
  return withStatusEvents(conditionalStateStore(repository, receivers), publisher);
}

function conditionalStateStore(repository: MessageRepository, receivers: EventReceivers): MessageTransitions {
  return {
    get: (id) => repository.get(id),
    async claim(id, lease, takeOver) {
      const base = {
        update: "SET #status = :submitting, submission = :lease, carrierId = :carrier",
        names: { "#status": "status" } as Record<string, string>,
        values: { ":submitting": "submitting", ":lease": lease, ":carrier": lease.carrierId } as Record<
          string,
          unknown
        >,
      };
      const spec = takeOver
        ? {
            ...base,
            condition: "#status = :submitting AND submission.id = :old AND submission.leaseUntil < :nowMs",
            values: { ...base.values, ":old": takeOver.submissionId, ":nowMs": takeOver.nowMs },
          }
        : {
            ...base,
            condition: "#status IN (:queued, :scheduled)",
            values: { ...base.values, ":queued": "queued", ":scheduled": "scheduled" },
          };
      return (await conditionalUpdate(id, spec, false)).applied;
    },
    async markSent(id, lease, carrierMessageId, at, forgetText = false, audience) {
      const forget = forgetText ? ", textCipher" : "";
      const moved = await conditionalUpdate(id, {
        update: `SET #status = :sent, sentAt = :at, carrierMessageId = :cm REMOVE lastError${forget}`,
        condition: "#status = :submitting AND submission.id = :sid",
        names: { "#status": "status" },
        outbox: await eventMark(receivers, id, "sent", audience),
        values: {
          ":sent": "sent",
          ":submitting": "submitting",
          ":at": at,
          ":cm": carrierMessageId,
          ":sid": lease.id,
        },
      });
      if (moved.applied) return moved;
      // A DLR may have moved it past "sent" already: keep the later status, fill in what we know.
      return conditionalUpdate(id, {
        update: `SET sentAt = if_not_exists(sentAt, :at), carrierMessageId = if_not_exists(carrierMessageId, :cm)${
          forgetText ? " REMOVE textCipher" : ""
        }`,
        condition: "submission.id = :sid",
        names: {},
        values: { ":at": at, ":cm": carrierMessageId, ":sid": lease.id },
      });
    },
    async finish(id, to, error, at, submissionId, onlyFrom, audience) {
      const from = fromStatuses(to, onlyFrom);
      return finalUpdate(id, {
        update: `SET #status = :to, failedAt = :at, #error = :error`,
        outbox: await eventMark(receivers, id, to, audience),
        condition: submissionId ? `${from.expression} AND submission.id = :sid` : from.expression,
        names: { "#status": "status", "#error": "error" },
        values: {
          ...from.values,
          ":to": to,
          ":at": at,
          ":error": error,
          ...(submissionId ? { ":sid": submissionId } : {}),
        },
      });
    },
    async cancelQueued(id, at) {
      const from = fromStatuses("cancelled");
      const moved = await finalUpdate(id, {
        update: "SET #status = :to, cancelledAt = :at",
        condition: from.expression,
        names: { "#status": "status" },
        values: { ...from.values, ":to": "cancelled", ":at": at },
      });
      return moved.applied;
    },
    async noteAttemptError(id, submissionId, error, notAccepted = false) {
      await conditionalUpdate(
        id,
        {
          update: `SET lastError = :error${notAccepted ? ", submission.notAccepted = :notAccepted" : ""}`,
          condition: "submission.id = :sid",
          names: {},
          values: { ":error": error, ":sid": submissionId, ...(notAccepted ? { ":notAccepted": true } : {}) },
        },
        false,
      );
    },
    async applyReport(id, report) {
      const from = fromStatuses(report.status);
      const timestamp = report.status === "delivered" ? "deliveredAt" : "failedAt";
      return finalUpdate(id, {
        update: `SET #status = :to, ${timestamp} = :at, carrierMessageId = :cm${
          report.error ? ", #error = :error" : ""
        }`,
        condition: `${from.expression} AND carrierId = :carrier AND (attribute_not_exists(carrierMessageId) OR carrierMessageId = :cm)`,
        outbox: await eventMark(receivers, id, report.status),
        names: { "#status": "status", ...(report.error ? { "#error": "error" } : {}) },
        values: {
          ...from.values,
          ":to": report.status,
          ":at": report.at,
          ":cm": report.carrierMessageId,
          ":carrier": report.carrierId,
          ...(report.error ? { ":error": report.error } : {}),
        },
      });
    },
  };
}
