import { auditInput, type RequestMeta, userActor } from "../audit/context.ts";
import type { AuditEventInput, AuditLog } from "../audit/port.ts";
import {
  type ApiKeyMode,
  type ApiKeyRecord,
  createApiKey,
  getApiKey,
  listApiKeys,
  revokeApiKey,
} from "../auth/api-keys.ts";
import type { UsagePlanKeys } from "../auth/usage-plan-keys.ts";
import type { Clock } from "../shared/clock.ts";
import type { ApiKeyScope } from "../shared/principal.ts";
import { DomainError } from "../shared/problem.ts";
import type { UserPrincipal } from "./live-principal.ts";

/** API key administration: shown once at creation/rotation, listed by prefix, revoked at once. */
export interface KeysDeps {
  readonly clock: Clock;
  readonly audit: AuditLog;
  /** Usage-plan registration of key ids; defaults to the env-selected adapter (usage-plan-keys.ts). */
  readonly usagePlanKeys?: UsagePlanKeys;
}

async function auditKey(
  action: "apikey.created" | "apikey.revoked" | "apikey.rotated",
  keyId: string,
  principal: UserPrincipal,
  meta: RequestMeta,
  deps: Pick<KeysDeps, "audit">,
  details?: AuditEventInput["details"],
): Promise<void> {
  await deps.audit.record(
    auditInput(userActor(principal.principalId), meta, {
      accountId: principal.accountId,
      action,
      target: { type: "apiKey", id: keyId },
      ...(details ? { details } : {}),
    }),
  );
}

export const toKeyView = ({ accountId: _accountId, ...record }: ApiKeyRecord) => record;

export async function listKeys(principal: UserPrincipal) {
  const keys = await listApiKeys(principal.accountId);
  return { apiKeys: keys.map(toKeyView) };
}

/** What a caller names when creating a key (POST /v1/account/api-keys). */
interface NewKeyInput {
  readonly name: string;
  readonly scopes: ApiKeyScope[];
  readonly ipAllowList?: string[] | undefined;
  readonly mode?: ApiKeyMode | undefined;
}

/** Creates the key record (and its usage-plan registration); audited by the caller. */
async function mintKey(input: NewKeyInput, principal: UserPrincipal, deps: KeysDeps) {
  const { key, record } = await createApiKey(
    {
      accountId: principal.accountId,
      name: input.name,
      scopes: [...new Set(input.scopes)],
      ipAllowList: input.ipAllowList ?? [],
      mode: input.mode ?? "live",
    },
    deps.clock,
    // createApiKey registers the key id before returning; on failure it deletes the key and throws 503.
    deps.usagePlanKeys,
  );
  return { ...toKeyView(record), key };
}

export async function createKey(
  input: NewKeyInput,
  principal: UserPrincipal,
  meta: RequestMeta,
  deps: KeysDeps,
) {
  const created = await mintKey(input, principal, deps);
  await auditKey("apikey.created", created.keyId, principal, meta, deps, {
    prefix: created.prefix,
    scopes: created.scopes.join(" "),
  });
  return created;
}

async function revokeOrNotFound(keyId: string, principal: UserPrincipal, deps: KeysDeps): Promise<void> {
  if (!(await revokeApiKey(principal.accountId, keyId, deps.clock, deps.usagePlanKeys))) {
    throw new DomainError("not-found", "No active API key with this id in this account");
  }
}

export async function revokeKey(keyId: string, principal: UserPrincipal, meta: RequestMeta, deps: KeysDeps) {
  await revokeOrNotFound(keyId, principal, deps);
  await auditKey("apikey.revoked", keyId, principal, meta, deps);
}

/**
 * A new secret with the same name, scopes and allow-list; the old one is revoked immediately.
 * One action, one event: `apikey.rotated` on the old key names its replacement (not a created,
 * a revoked and a rotated event for the same click).
 */
export async function rotateKey(keyId: string, principal: UserPrincipal, meta: RequestMeta, deps: KeysDeps) {
  const old = await getApiKey(principal.accountId, keyId);
  if (old?.status !== "active") throw new DomainError("not-found", "No active API key with this id");
  const mode: ApiKeyMode = old.prefix.startsWith("tg_test_") ? "test" : "live";
  const created = await mintKey(
    { name: old.name, scopes: [...old.scopes], ipAllowList: [...old.ipAllowList], mode },
    principal,
    deps,
  );
  await revokeOrNotFound(keyId, principal, deps);
  await auditKey("apikey.rotated", keyId, principal, meta, deps, {
    replacedBy: created.keyId,
    prefix: created.prefix,
  });
  return created;
}
