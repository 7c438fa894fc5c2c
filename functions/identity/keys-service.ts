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

export interface RequestMeta {
  readonly sourceIp: string;
  readonly requestId: string;
}

async function auditKey(
  action: "apikey.created" | "apikey.revoked" | "apikey.rotated",
  keyId: string,
  principal: UserPrincipal,
  meta: RequestMeta,
  deps: Pick<KeysDeps, "audit">,
  details?: AuditEventInput["details"],
): Promise<void> {
  await deps.audit.record({
    accountId: principal.accountId,
    action,
    actor: { type: "user", id: principal.principalId },
    outcome: "success",
    target: { type: "apiKey", id: keyId },
    sourceIp: meta.sourceIp,
    requestId: meta.requestId,
    ...(details ? { details } : {}),
  });
}

export const toKeyView = ({ accountId: _accountId, ...record }: ApiKeyRecord) => record;

export async function listKeys(principal: UserPrincipal) {
  const keys = await listApiKeys(principal.accountId);
  return { apiKeys: keys.map(toKeyView) };
}

export async function createKey(
  input: {
    name: string;
    scopes: ApiKeyScope[];
    ipAllowList?: string[] | undefined;
    mode?: ApiKeyMode | undefined;
  },
  principal: UserPrincipal,
  meta: RequestMeta,
  deps: KeysDeps,
) {
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
  await auditKey("apikey.created", record.keyId, principal, meta, deps, {
    prefix: record.prefix,
    scopes: record.scopes.join(" "),
  });
  return { ...toKeyView(record), key };
}

export async function revokeKey(keyId: string, principal: UserPrincipal, meta: RequestMeta, deps: KeysDeps) {
  if (!(await revokeApiKey(principal.accountId, keyId, deps.clock, deps.usagePlanKeys))) {
    throw new DomainError("not-found", "No active API key with this id in this account");
  }
  await auditKey("apikey.revoked", keyId, principal, meta, deps);
}

/** A new secret with the same name, scopes and allow-list; the old one is revoked immediately. */
export async function rotateKey(keyId: string, principal: UserPrincipal, meta: RequestMeta, deps: KeysDeps) {
  const old = await getApiKey(principal.accountId, keyId);
  if (old?.status !== "active") throw new DomainError("not-found", "No active API key with this id");
  const mode: ApiKeyMode = old.prefix.startsWith("tg_test_") ? "test" : "live";
  const created = await createKey(
    { name: old.name, scopes: [...old.scopes], ipAllowList: [...old.ipAllowList], mode },
    principal,
    meta,
    deps,
  );
  await revokeKey(keyId, principal, meta, deps);
  await auditKey("apikey.rotated", keyId, principal, meta, deps, { replacedBy: created.keyId });
  return created;
}
