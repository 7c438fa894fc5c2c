/**
 * GET /v1/audit/verify: re-walks both chains of an account (consistent reads, key order = chain
 * order per class), re-hashes every event, checks each link and the heads, then checks the signed
 * daily digests: their signature, and that the chain still holds the digested hash at that seq.
 * The short chain starts at its oldest retained event (older ones expired after 7 days).
 */
import type { KeyObject } from "node:crypto";
import { QueryCommand } from "@aws-sdk/lib-dynamodb";
import type * as z from "zod";
import { dynamoClient } from "../shared/aws.ts";
import { type Clock, epochSeconds } from "../shared/clock.ts";
import { tableName } from "../shared/config.ts";
import {
  AUDIT_CLASSES,
  accountPartition,
  EVENT_KEYS_FROM,
  EVENT_KEYS_TO,
  eventHash,
  GENESIS_HASH,
} from "./chain.ts";
import {
  digestSignatureValid,
  readChainHead,
  readChainHeads,
  readDigests,
  type StoredDigest,
} from "./digest.ts";
import { type AuditClass, SHORT_RETENTION_SECONDS } from "./port.ts";
import { type auditVerifyView, chainedEvent } from "./schemas.ts";
import type { ChainHead } from "./store.ts";

export type VerifyReport = z.infer<typeof auditVerifyView>;
type ChainBreak = NonNullable<VerifyReport["firstBreak"]>;

interface ChainWalk {
  headSeq: number;
  headHash?: string;
  headAt?: string;
  checked: number;
  last?: { seq: number; hash: string; id: string; at: string };
  anchoredAt?: { seq: number; at: string };
  /** seq → the digested hash and the digest's date, from signature-checked digests. */
  readonly digested: Map<number, { hash: string; date: string }>;
  /** Set once events newer than the head snapshot begin: the rest of the chain is not checked. */
  snapshotDone?: boolean;
}

export interface VerifyDeps {
  readonly clock: Clock;
  /** The platform signing key's public half (KMS GetPublicKey on AWS). */
  readonly publicKey: () => Promise<KeyObject>;
}

const expired = (at: string, now: Date): boolean =>
  epochSeconds(new Date(at)) + SHORT_RETENTION_SECONDS <= epochSeconds(now);

class BreakFound extends Error {
  constructor(readonly found: ChainBreak) {
    super(found.reason);
  }
}

const fail = (id: string, at: string, reason: string): never => {
  throw new BreakFound({ id, at, reason });
};

/** Checks one event against the walk of its chain so far; throws BreakFound at the first break. */
function checkLink(walk: ChainWalk, auditClass: AuditClass, event: z.infer<typeof chainedEvent>): void {
  if (eventHash(event) !== event.hash) fail(event.id, event.at, "hash does not match the event's content");
  if (walk.last) {
    if (event.seq !== walk.last.seq + 1) {
      fail(event.id, event.at, `events missing between seq ${walk.last.seq} and ${event.seq}`);
    }
    if (event.prevHash !== walk.last.hash)
      fail(event.id, event.at, "prevHash does not match the previous event");
  } else if (event.seq === 1) {
    if (event.prevHash !== GENESIS_HASH)
      fail(event.id, event.at, "the first event does not start from genesis");
  } else if (auditClass === "persistent") {
    fail(event.id, event.at, `events before seq ${event.seq} are missing`);
  } else {
    walk.anchoredAt = { seq: event.seq, at: event.at };
  }
  const digested = walk.digested.get(event.seq);
  if (digested && digested.hash !== event.hash) {
    fail(event.id, event.at, `differs from the signed digest of ${digested.date}`);
  }
  walk.digested.delete(event.seq);
  walk.checked++;
  walk.last = { seq: event.seq, hash: event.hash, id: event.id, at: event.at };
}

/** After the walk: the chain reaches its head, and every digested seq still retained was seen. */
function checkEnd(walk: ChainWalk, auditClass: AuditClass, now: Date): void {
  const lastSeq = walk.last?.seq ?? 0;
  const id = walk.last?.id ?? `chain-${auditClass}`;
  const at = walk.last?.at ?? walk.headAt ?? now.toISOString();
  const headGone = auditClass === "short" && walk.headAt !== undefined && expired(walk.headAt, now);
  if (lastSeq < walk.headSeq && !headGone) {
    fail(
      id,
      at,
      `events after seq ${lastSeq} are missing (the ${auditClass} head is at seq ${walk.headSeq})`,
    );
  }
  if (walk.last && lastSeq === walk.headSeq && walk.last.hash !== walk.headHash) {
    fail(id, at, `the last event differs from the ${auditClass} chain head`);
  }
  // Short events before the first retained one expired (all of them, when none is left).
  const firstRetained = walk.anchoredAt?.seq ?? (walk.last ? 1 : walk.headSeq + 1);
  for (const [seq, digested] of walk.digested) {
    if (auditClass === "short" && seq < firstRetained) continue;
    fail(
      id,
      at,
      `event seq ${seq} of the ${auditClass} chain, signed in the digest of ${digested.date}, is missing`,
    );
  }
}

async function checkDigests(
  accountId: string,
  digests: readonly (StoredDigest | null)[],
  walks: Record<AuditClass, ChainWalk>,
  deps: VerifyDeps,
) {
  if (digests.length === 0) return 0;
  const publicKey = await deps.publicKey();
  for (const digest of digests) {
    if (!digest || digest.accountId !== accountId || !digestSignatureValid(digest, publicKey)) {
      const date = digest?.date ?? "unknown";
      fail(
        `digest-${date}`,
        digest?.signedAt ?? deps.clock.now().toISOString(),
        "digest signature does not verify",
      );
    }
    for (const auditClass of AUDIT_CLASSES) {
      const head = digest?.heads[auditClass];
      if (head) walks[auditClass].digested.set(head.seq, { hash: head.hash, date: digest?.date ?? "" });
    }
  }
  return digests.length;
}

/**
 * An event past the head read before the walk: written since (the head has moved on to it, and every
 * later event of the chain is newer still), or the head was deleted or moved back to hide it.
 */
async function checkBeyondHead(accountId: string, walk: ChainWalk, event: z.infer<typeof chainedEvent>) {
  if (walk.snapshotDone) return;
  const head = await readChainHead(accountId, event.class);
  if (!head || head.seq < event.seq) {
    fail(event.id, event.at, `the event is beyond the ${event.class} chain head (removed or moved back)`);
  }
  walk.snapshotDone = true;
}

async function walkEvents(accountId: string, walks: Record<AuditClass, ChainWalk>, now: Date): Promise<void> {
  let start: Record<string, unknown> | undefined;
  let chainsStarted = false;
  do {
    const page = await dynamoClient().send(
      new QueryCommand({
        TableName: tableName("audit"),
        KeyConditionExpression: "pk = :pk AND sk BETWEEN :from AND :to",
        ExpressionAttributeValues: {
          ":pk": accountPartition(accountId),
          ":from": EVENT_KEYS_FROM,
          ":to": EVENT_KEYS_TO,
        },
        ConsistentRead: true,
        ...(start ? { ExclusiveStartKey: start } : {}),
      }),
    );
    for (const item of page.Items ?? []) {
      const parsed = chainedEvent.safeParse(item);
      if (!parsed.success) {
        // Events from before chaining began precede the first chained one; any later is a break.
        if (chainsStarted) fail(String(item.id ?? item.sk), String(item.at ?? ""), "event is not on a chain");
        continue;
      }
      chainsStarted = true;
      const event = parsed.data;
      const walk = walks[event.class];
      if (event.seq > walk.headSeq) {
        await checkBeyondHead(accountId, walk, event);
        continue;
      }
      // Expired and not yet deleted by TTL (always the oldest ones: a chain's time only moves on).
      if (event.class === "short" && expired(event.at, now) && !walk.last) continue;
      checkLink(walk, event.class, event);
    }
    start = page.LastEvaluatedKey;
  } while (start);
}

const startWalk = (head: ChainHead | undefined): ChainWalk => ({
  headSeq: head?.seq ?? 0,
  checked: 0,
  digested: new Map(),
  ...(head ? { headHash: head.hash, headAt: head.at } : {}),
});

export async function verifyAuditChains(accountId: string, deps: VerifyDeps): Promise<VerifyReport> {
  const now = deps.clock.now();
  // Digests before heads: every digested head is then at or before the head read (a digest signed
  // during the walk is left for the next verify, like events appended during it).
  const digests = await readDigests(accountId);
  const heads = await readChainHeads(accountId);
  const walks: Record<AuditClass, ChainWalk> = {
    persistent: startWalk(heads.persistent),
    short: startWalk(heads.short),
  };
  let digestsChecked = 0;
  let firstBreak: ChainBreak | undefined;
  try {
    digestsChecked = await checkDigests(accountId, digests, walks, deps);
    await walkEvents(accountId, walks, now);
    for (const auditClass of AUDIT_CLASSES) checkEnd(walks[auditClass], auditClass, now);
  } catch (error) {
    if (!(error instanceof BreakFound)) throw error;
    firstBreak = error.found;
  }
  const summary = (walk: ChainWalk) => ({
    checked: walk.checked,
    headSeq: walk.headSeq,
    ...(walk.anchoredAt ? { anchoredAt: walk.anchoredAt } : {}),
  });
  return {
    valid: firstBreak === undefined,
    checked: walks.persistent.checked + walks.short.checked,
    ...(firstBreak ? { firstBreak } : {}),
    chains: { persistent: summary(walks.persistent), short: summary(walks.short) },
    digests: { checked: firstBreak ? 0 : digestsChecked },
  };
}
