/**
 * Signed daily digests: for each account with events on a UTC day, the heads (seq, hash) of its
 * chains, signed with the platform signing key (ES256; KMS on AWS). A later rewrite of a whole chain
 * recomputes every hash consistently, but cannot change a digest without the key: verify checks
 * that the chain still holds the digested hash at the digested seq.
 */
import { type KeyObject, verify as verifySignature } from "node:crypto";
import { GetCommand, PutCommand } from "@aws-sdk/lib-dynamodb";
import * as z from "zod";
import type { TokenSigner } from "../identity/signing.ts";
import { dynamoClient } from "../shared/aws.ts";
import type { Clock } from "../shared/clock.ts";
import { tableName } from "../shared/config.ts";
import { appliedUnlessConditionFails, queryAll } from "../shared/dynamo.ts";
import {
  AUDIT_CLASSES,
  accountPartition,
  activeDayPartition,
  canonicalJson,
  chainHeadKey,
  digestKey,
} from "./chain.ts";
import type { AuditClass } from "./port.ts";
import type { ChainHead } from "./store.ts";

const headSchema = z.object({ seq: z.number().int().positive(), hash: z.string(), at: z.string() });
const digestedHead = z.object({ seq: z.number().int().positive(), hash: z.string() });

/** What is signed: the canonical JSON (chain.ts) of exactly these fields. */
export const digestPayload = z.object({
  accountId: z.string(),
  date: z.string().describe("UTC day, YYYY-MM-DD"),
  signedAt: z.string(),
  heads: z.object({ persistent: digestedHead.optional(), short: digestedHead.optional() }),
});
export type DigestPayload = z.infer<typeof digestPayload>;

export const storedDigest = digestPayload.extend({
  alg: z.literal("ES256"),
  kid: z.string(),
  /** base64url of the raw (r||s) ECDSA P-256 signature over the payload's canonical JSON. */
  signature: z.string(),
});
export type StoredDigest = z.infer<typeof storedDigest>;

export interface DigestDeps {
  readonly clock: Clock;
  readonly signer: TokenSigner;
}

/** The UTC day before `now`: the day a run just after midnight digests. */
export const previousUtcDay = (now: Date): string =>
  new Date(now.getTime() - 24 * 3600 * 1000).toISOString().slice(0, 10);

/** The head of one chain, read consistently (undefined: the chain has no event yet). */
export async function readChainHead(
  accountId: string,
  auditClass: AuditClass,
): Promise<ChainHead | undefined> {
  const out = await dynamoClient().send(
    new GetCommand({
      TableName: tableName("audit"),
      Key: { pk: accountPartition(accountId), sk: chainHeadKey(auditClass) },
      ConsistentRead: true,
    }),
  );
  return out.Item ? headSchema.parse(out.Item) : undefined;
}

export async function readChainHeads(accountId: string): Promise<Partial<Record<AuditClass, ChainHead>>> {
  const heads: Partial<Record<AuditClass, ChainHead>> = {};
  for (const auditClass of AUDIT_CLASSES) {
    const head = await readChainHead(accountId, auditClass);
    if (head) heads[auditClass] = head;
  }
  return heads;
}

/** Signs one account's heads as its digest of `date`; false when that digest already exists. */
export async function signAccountDigest(accountId: string, date: string, deps: DigestDeps): Promise<boolean> {
  const heads = await readChainHeads(accountId);
  const payload: DigestPayload = {
    accountId,
    date,
    signedAt: deps.clock.now().toISOString(),
    heads: Object.fromEntries(
      Object.entries(heads).map(([auditClass, head]) => [auditClass, { seq: head.seq, hash: head.hash }]),
    ),
  };
  const signature = await deps.signer.sign(new TextEncoder().encode(canonicalJson(payload)));
  const digest: StoredDigest = {
    ...payload,
    alg: "ES256",
    kid: await deps.signer.kid(),
    signature: Buffer.from(signature).toString("base64url"),
  };
  // The first digest of a day stands: a later run (hourly schedule) or a replay never replaces it.
  return appliedUnlessConditionFails(
    dynamoClient().send(
      new PutCommand({
        TableName: tableName("audit"),
        Item: { pk: accountPartition(accountId), sk: digestKey(date), ...digest },
        ConditionExpression: "attribute_not_exists(pk)",
      }),
    ),
  );
}

/** Digests every account that had events on `date` (UTC); counts new and already-signed ones. */
export async function signDailyDigests(
  date: string,
  deps: DigestDeps,
): Promise<{ readonly signed: number; readonly existing: number }> {
  const markers = await queryAll({
    TableName: tableName("audit"),
    KeyConditionExpression: "pk = :pk",
    ExpressionAttributeValues: { ":pk": activeDayPartition(date) },
  });
  let signed = 0;
  for (const marker of markers) {
    const { accountId } = z.object({ accountId: z.string() }).parse(marker);
    if (await signAccountDigest(accountId, date, deps)) signed++;
  }
  return { signed, existing: markers.length - signed };
}

/** Every digest stored for the account, oldest first; unreadable items come back as null. */
export async function readDigests(accountId: string): Promise<(StoredDigest | null)[]> {
  const items = await queryAll({
    TableName: tableName("audit"),
    KeyConditionExpression: "pk = :pk AND begins_with(sk, :prefix)",
    ExpressionAttributeValues: { ":pk": accountPartition(accountId), ":prefix": digestKey("") },
    ConsistentRead: true,
  });
  return items.map((item) => storedDigest.safeParse(item).data ?? null);
}

/** Whether the digest's signature is the platform key's over its payload's canonical JSON. */
export function digestSignatureValid(digest: StoredDigest, publicKey: KeyObject): boolean {
  const payload: DigestPayload = digestPayload.parse(digest);
  return verifySignature(
    "sha256",
    new TextEncoder().encode(canonicalJson(payload)),
    { key: publicKey, dsaEncoding: "ieee-p1363" },
    Buffer.from(digest.signature, "base64url"),
  );
}
