import { setTimeout as sleep } from "node:timers/promises";
import { TransactWriteCommand, type TransactWriteCommandInput } from "@aws-sdk/lib-dynamodb";
import * as z from "zod";
import { dynamoClient } from "../shared/aws.ts";
import { type Clock, epochSeconds } from "../shared/clock.ts";
import { tableName } from "../shared/config.ts";
import { isTransactionCancelled } from "../shared/dynamo.ts";
import { newId } from "../shared/ids.ts";
import {
  accountPartition,
  activeDayPartition,
  chainHeadKey,
  eventHash,
  eventSortKey,
  GENESIS_HASH,
} from "./chain.ts";
import { MAX_USER_AGENT_LENGTH } from "./context.ts";
import type { AuditClass, AuditEventInput, AuditLog, ChainedAuditEvent } from "./port.ts";
import { SHORT_RETENTION_SECONDS } from "./port.ts";
import { auditClassFor } from "./rules.ts";

export { type AuditPage, type AuditQuery, queryAuditEvents } from "./query.ts";

/** The newest event of a chain, as its head item holds it. */
export interface ChainHead {
  readonly seq: number;
  readonly hash: string;
  readonly at: string;
}

/**
 * Appending contends with every other writer of the same chain; each lost race hands back the
 * winner's head, so one more try usually wins. Bounded: a storm of writers on one account fails
 * loudly rather than holding a request forever.
 */
const MAX_APPEND_ATTEMPTS = 30;
const BACKOFF_CAP_MS = 80;
/** Day markers only need to outlive the digest of their day. */
const DAY_MARKER_SECONDS = 3 * 24 * 3600;

/** The head of each chain this container appended to last: a warm writer usually wins first time. */
const knownHeads = new Map<string, ChainHead>();

const storedHead = z.object({ seq: z.number().int().positive(), hash: z.string(), at: z.string() });

/** A cancellation reason's Item comes back in wire form ({ N: "3" }); a head has three fields. */
function headFromCancellation(item: unknown): ChainHead | undefined {
  if (!item || typeof item !== "object") return undefined;
  const plain = Object.fromEntries(
    Object.entries(item).map(([name, value]) => {
      if (value && typeof value === "object" && "N" in value) return [name, Number(value.N)];
      if (value && typeof value === "object" && "S" in value) return [name, value.S];
      return [name, value];
    }),
  );
  const parsed = storedHead.safeParse(plain);
  return parsed.success ? parsed.data : undefined;
}

const utcDay = (iso: string): string => iso.slice(0, 10);

/** Full jitter: spreads writers that lost the same race. */
const backoff = (attempt: number): Promise<void> =>
  sleep(Math.floor(Math.random() * Math.min(BACKOFF_CAP_MS, 5 * 2 ** attempt)));

function nextEvent(input: AuditEventInput, auditClass: AuditClass, head: ChainHead | undefined, now: Date) {
  const nowIso = now.toISOString();
  const { userAgent, ...rest } = input;
  const unhashed = {
    ...rest,
    // The same bound auditInput applies, for writers that build their input by hand.
    ...(userAgent ? { userAgent: userAgent.slice(0, MAX_USER_AGENT_LENGTH) } : {}),
    id: newId("evt"),
    // A chain's time never goes backwards (clock skew between writers): key order stays chain order.
    at: head && head.at > nowIso ? head.at : nowIso,
    class: auditClass,
    seq: (head?.seq ?? 0) + 1,
    prevHash: head?.hash ?? GENESIS_HASH,
  };
  const event: ChainedAuditEvent = { ...unhashed, hash: eventHash(unhashed) };
  return event;
}

/**
 * One append: the event, the head moved from the expected one (conditional) and, on the chain's
 * first event of a UTC day, the day marker the digest reads. All or nothing.
 */
function appendTransaction(event: ChainedAuditEvent, head: ChainHead | undefined): TransactWriteCommandInput {
  const table = tableName("audit");
  const pk = accountPartition(event.accountId);
  const expiresAt =
    event.class === "short" ? { expiresAt: epochSeconds(new Date(event.at)) + SHORT_RETENTION_SECONDS } : {};
  const newDay = !head || utcDay(head.at) !== utcDay(event.at);
  return {
    TransactItems: [
      {
        Put: {
          TableName: table,
          Item: { pk, sk: eventSortKey(event), ...event, ...expiresAt },
          ConditionExpression: "attribute_not_exists(pk)",
        },
      },
      {
        Update: {
          TableName: table,
          Key: { pk, sk: chainHeadKey(event.class) },
          UpdateExpression: "SET #seq = :seq, #hash = :hash, #at = :at",
          ConditionExpression: head ? "#seq = :expected" : "attribute_not_exists(pk)",
          ExpressionAttributeNames: { "#seq": "seq", "#hash": "hash", "#at": "at" },
          ExpressionAttributeValues: {
            ":seq": event.seq,
            ":hash": event.hash,
            ":at": event.at,
            ...(head ? { ":expected": head.seq } : {}),
          },
          // A lost race returns the winner's head: the retry needs no read (writers hold write only).
          ReturnValuesOnConditionCheckFailure: "ALL_OLD",
        },
      },
      ...(newDay
        ? [
            {
              Put: {
                TableName: table,
                Item: {
                  pk: activeDayPartition(utcDay(event.at)),
                  sk: pk,
                  accountId: event.accountId,
                  expiresAt: epochSeconds(new Date(event.at)) + DAY_MARKER_SECONDS,
                },
              },
            },
          ]
        : []),
    ],
  };
}

const cancellationReasons = (error: unknown): { Code?: string; Item?: unknown }[] =>
  (error as { CancellationReasons?: { Code?: string; Item?: unknown }[] }).CancellationReasons ?? [];

/**
 * The audit log as a hash chain per (account, class). Short events expire after 7 days, so they
 * get a chain of their own: the persistent chain stays verifiable from its first event.
 */
export interface ChainedAuditLog extends AuditLog {
  record(event: AuditEventInput): Promise<ChainedAuditEvent>;
}

export function dynamoAuditLog(clock: Clock): ChainedAuditLog {
  return {
    async record(input) {
      const auditClass = input.class ?? auditClassFor(input.action);
      const chain = `${input.accountId}#${auditClass}`;
      let head = knownHeads.get(chain);
      let lastError: unknown;
      for (let attempt = 0; attempt < MAX_APPEND_ATTEMPTS; attempt++) {
        const event = nextEvent(input, auditClass, head, clock.now());
        try {
          await dynamoClient().send(new TransactWriteCommand(appendTransaction(event, head)));
          knownHeads.set(chain, { seq: event.seq, hash: event.hash, at: event.at });
          return event;
        } catch (error) {
          if (!isTransactionCancelled(error)) throw error;
          lastError = error;
          const headReason = cancellationReasons(error)[1];
          // ConditionalCheckFailed: another writer moved the head (its values came back) or, with no
          // Item, the head is gone; anything else (TransactionConflict) keeps the head we had.
          if (headReason?.Code === "ConditionalCheckFailed") head = headFromCancellation(headReason.Item);
          knownHeads.delete(chain);
          await backoff(attempt);
        }
      }
      throw new Error(
        `audit: could not append to the ${auditClass} chain after ${MAX_APPEND_ATTEMPTS} tries`,
        {
          cause: lastError,
        },
      );
    },
  };
}
