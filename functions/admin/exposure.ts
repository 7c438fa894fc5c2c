import { createHash } from "node:crypto";
import * as z from "zod";
import type { AuditLog } from "../audit/port.ts";
import type { Clock } from "../shared/clock.ts";
import { DomainError, validationError } from "../shared/problem.ts";
import {
  CREDENTIAL_ACTIONS,
  functionReach,
  messageClasses,
  noClasses,
  type Reach,
  readableBy,
  storedMessage,
  storedVerification,
  verificationClasses,
} from "./exposure-classes.ts";
import type {
  AccountExposure,
  ClassCounts,
  DataClass,
  ExposurePage,
  ExposureRequest,
  ExposureSample,
} from "./exposure-schemas.ts";
import type { ExposureStore, PrincipalFacts, ScanKey, WindowFilter } from "./exposure-store.ts";
import { OPERATOR_LOG } from "./operator-log.ts";
import type { OperatorCall } from "./ports.ts";

/**
 * The incident exposure query (issue 13): given a window and a scope, which accounts had which
 * data classes exposed, with counts and masked samples. Scope meanings are in
 * docs/runbooks/incident-response.md. Stateless: one request runs phases (table scans) for about
 * `timeBudgetMs`, then answers the counts of what it scanned and a cursor for the rest.
 */
export interface ExposureDeps {
  readonly clock: Clock;
  readonly audit: AuditLog;
  readonly store: ExposureStore;
  /** Stop starting new scan pages after this long (the function's timeout is longer). */
  readonly timeBudgetMs: number;
}

type Phase = "messages" | "verifications" | "credentials" | "audit";

interface Plan {
  readonly scope: ExposurePage["scope"];
  readonly phases: readonly Phase[];
  readonly filter: WindowFilter;
  readonly reachable: readonly DataClass[];
  readonly principal?: PrincipalFacts;
  readonly canRead: readonly ("messages" | "verifications")[];
  /** How an item of the table is reached; undefined: not counted. */
  messageReach(createdById: string | undefined): Reach | undefined;
  verificationReach(createdById: string | undefined): Reach | undefined;
}

const SAMPLES_PER_ACCOUNT = 3;

const cursorSchema = z.object({
  v: z.literal(1),
  query: z.string(),
  phase: z.int().min(0),
  start: z.record(z.string(), z.union([z.string(), z.number()])).optional(),
  auditCursor: z.string().optional(),
});
type Cursor = z.infer<typeof cursorSchema>;

/** A cursor belongs to one query (scope and window): replaying it with another body is refused. */
const queryHash = (request: ExposureRequest): string =>
  createHash("sha256")
    .update(JSON.stringify([request.scope, request.from, request.to]))
    .digest("base64url")
    .slice(0, 16);

function decodeCursor(cursor: string, request: ExposureRequest): Cursor {
  const invalid = () =>
    validationError([{ field: "cursor", message: "not a cursor of this query (same scope, from and to)" }]);
  // A client error, not ours: the parse failure itself is of no use to the caller.
  const parsed = cursorSchema.safeParse(parseJson(Buffer.from(cursor, "base64url").toString("utf8")));
  if (!parsed.success || parsed.data.query !== queryHash(request)) throw invalid();
  return parsed.data;
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

const encodeCursor = (cursor: Cursor): string => Buffer.from(JSON.stringify(cursor)).toString("base64url");

async function principalPlan(
  type: "apiKey" | "user",
  id: string,
  window: { from: string; to: string },
  store: ExposureStore,
): Promise<Plan> {
  const principal = await store.findPrincipal(type, id);
  if (!principal) throw new DomainError("not-found", `No ${type === "apiKey" ? "API key" : "user"} ${id}`);
  const canRead = readableBy(principal);
  const byPrincipal = (createdById: string | undefined, table: "messages" | "verifications") =>
    createdById === id ? "created" : canRead.includes(table) ? "masked" : undefined;
  return {
    scope: { kind: type, id },
    principal,
    canRead,
    phases: ["messages", "verifications", ...(type === "user" ? (["audit"] as const) : [])],
    filter: {
      ...window,
      createdById: id,
      // What it could read: every item of its account (the customer API shows masked numbers).
      ...(canRead.length > 0 ? { accountId: principal.accountId } : {}),
    },
    reachable: [
      "numbers",
      "bodies",
      ...(type === "user" ? (["credentials"] as const) : []),
      ...(canRead.length > 0 ? (["metadata"] as const) : []),
    ],
    messageReach: (createdById) => byPrincipal(createdById, "messages"),
    verificationReach: (createdById) => byPrincipal(createdById, "verifications"),
  };
}

async function planFor(request: ExposureRequest, store: ExposureStore): Promise<Plan> {
  const window = { from: request.from, to: request.to };
  const { scope } = request;
  const base = { filter: window, canRead: [] };
  if ("apiKey" in scope) return principalPlan("apiKey", scope.apiKey, window, store);
  if ("user" in scope) return principalPlan("user", scope.user, window, store);
  if ("carrier" in scope) {
    return {
      ...base,
      scope: { kind: "carrier", id: scope.carrier },
      phases: ["messages"],
      filter: { ...window, carrierId: scope.carrier },
      reachable: ["numbers", "bodies", "codes"],
      messageReach: () => "handed",
      verificationReach: () => undefined,
    };
  }
  if ("function" in scope) {
    const reach = functionReach(scope.function);
    if (!reach) throw new DomainError("not-found", `No function ${scope.function} in the catalogue`);
    return {
      ...base,
      scope: { kind: "function", id: scope.function },
      phases: [
        ...(reach.messages ? (["messages"] as const) : []),
        ...(reach.verifications ? (["verifications"] as const) : []),
        ...(reach.credentials ? (["credentials"] as const) : []),
      ],
      reachable: reach.reachable,
      messageReach: () => reach.messages,
      verificationReach: () => reach.verifications,
    };
  }
  return {
    ...base,
    scope: { kind: "all", id: "all" },
    phases: ["messages", "verifications"],
    reachable: ["numbers", "bodies", "codes"],
    messageReach: () => "stored",
    verificationReach: () => "stored",
  };
}

/** Per-account totals of one page. */
class Tally {
  private readonly accounts = new Map<string, AccountExposure>();

  add(
    accountId: string,
    principal: string,
    classes: Partial<ClassCounts>,
    record: keyof AccountExposure["records"],
    sample: ExposureSample,
  ): void {
    const current = this.accounts.get(accountId) ?? {
      accountId,
      principals: [],
      classes: noClasses(),
      records: { messages: 0, verifications: 0, auditEvents: 0, credentialItems: 0 },
      samples: [],
    };
    const next: AccountExposure = {
      accountId,
      principals: current.principals.includes(principal)
        ? current.principals
        : [...current.principals, principal],
      classes: addClasses(current.classes, classes),
      records: { ...current.records, [record]: current.records[record] + 1 },
      samples: current.samples.length < SAMPLES_PER_ACCOUNT ? [...current.samples, sample] : current.samples,
    };
    this.accounts.set(accountId, next);
  }

  list(): AccountExposure[] {
    return [...this.accounts.values()].sort((a, b) => a.accountId.localeCompare(b.accountId));
  }
}

const addClasses = (sum: ClassCounts, more: Partial<ClassCounts>): ClassCounts => ({
  numbers: sum.numbers + (more.numbers ?? 0),
  bodies: sum.bodies + (more.bodies ?? 0),
  codes: sum.codes + (more.codes ?? 0),
  credentials: sum.credentials + (more.credentials ?? 0),
  metadata: sum.metadata + (more.metadata ?? 0),
});

const principalName = (createdBy: { type: string; id: string } | undefined): string =>
  createdBy ? `${createdBy.type}:${createdBy.id}` : "unknown";

/** Runs one page of the current phase; returns where the next page starts (undefined: phase done). */
async function runPage(
  phase: Phase,
  plan: Plan,
  position: Cursor,
  deps: ExposureDeps,
  tally: Tally,
  scanned: ExposurePage["scanned"],
): Promise<{ start?: ScanKey; auditCursor?: string }> {
  const start: ScanKey | undefined = position.start;
  if (phase === "audit") {
    const principal = plan.principal;
    if (!principal) return {};
    const page = await deps.store.auditByActor(
      principal.accountId,
      principal.id,
      plan.filter,
      position.auditCursor,
    );
    scanned.audit += page.events.length;
    for (const event of page.events) {
      const credentials = CREDENTIAL_ACTIONS.has(event.action) ? 1 : 0;
      tally.add(principal.accountId, `user:${principal.id}`, { credentials }, "auditEvents", {
        kind: "auditEvent",
        id: event.id,
      });
    }
    return page.nextCursor ? { auditCursor: page.nextCursor } : {};
  }
  if (phase === "credentials") {
    const page = await deps.store.scanCredentials(start);
    scanned.accounts += page.scanned;
    for (const item of page.items) {
      const pk = String(item.pk ?? "");
      const sk = String(item.sk ?? "");
      tally.add(pk.slice("ACC#".length), "unknown", { credentials: 1 }, "credentialItems", {
        kind: "credential",
        id: sk.slice(sk.indexOf("#") + 1),
      });
    }
    return page.next ? { start: page.next } : {};
  }
  const page = await deps.store.scanWindow(phase, plan.filter, start);
  scanned[phase] += page.scanned;
  for (const item of page.items) {
    if (phase === "messages") {
      const message = storedMessage.parse(item);
      const reach = plan.messageReach(message.createdBy?.id);
      const classes = reach ? messageClasses(message, reach) : undefined;
      if (!classes) continue;
      tally.add(message.accountId, principalName(message.createdBy), classes, "messages", {
        kind: "message",
        id: message.id,
        to: message.toMasked,
      });
    } else {
      const verification = storedVerification.parse(item);
      const reach = plan.verificationReach(verification.createdBy?.id);
      if (!reach) continue;
      tally.add(
        verification.accountId,
        principalName(verification.createdBy),
        verificationClasses(reach),
        "verifications",
        { kind: "verification", id: verification.id, to: verification.toMasked },
      );
    }
  }
  return page.next ? { start: page.next } : {};
}

export async function queryExposure(
  request: ExposureRequest,
  call: OperatorCall,
  deps: ExposureDeps,
): Promise<ExposurePage> {
  const startedAt = Date.now();
  let position: Cursor = request.cursor
    ? decodeCursor(request.cursor, request)
    : { v: 1, query: queryHash(request), phase: 0 };
  const plan = await planFor(request, deps.store);
  if (!request.cursor) await recordQuery(request, plan, call, deps);
  const tally = new Tally();
  const scanned = { messages: 0, verifications: 0, accounts: 0, audit: 0 };
  let pages = 0;
  while (position.phase < plan.phases.length) {
    // At least one page per request, so every request makes progress.
    if (pages > 0 && Date.now() - startedAt >= deps.timeBudgetMs) break;
    const phase = plan.phases[position.phase] as Phase;
    const next = await runPage(phase, plan, position, deps, tally, scanned);
    pages += 1;
    position =
      next.start || next.auditCursor
        ? { v: 1, query: position.query, phase: position.phase, ...next }
        : { v: 1, query: position.query, phase: position.phase + 1 };
  }
  return {
    from: request.from,
    to: request.to,
    scope: plan.scope,
    ...(plan.principal
      ? {
          principal: {
            type: plan.principal.type,
            id: plan.principal.id,
            accountId: plan.principal.accountId,
            status: plan.principal.status,
            canRead: [...plan.canRead],
          },
        }
      : {}),
    reachable: [...plan.reachable],
    accounts: tally.list(),
    scanned,
    ...(position.phase < plan.phases.length ? { nextCursor: encodeCursor(position) } : {}),
  };
}

/** The query names customers' data: it is itself in the operator log (once, on its first page). */
async function recordQuery(
  request: ExposureRequest,
  plan: Plan,
  call: OperatorCall,
  deps: Pick<ExposureDeps, "audit">,
): Promise<void> {
  await deps.audit.record({
    accountId: OPERATOR_LOG,
    action: "incident.exposure.queried",
    actor: { type: "operator", id: call.arn },
    outcome: "success",
    target: { type: plan.scope.kind, id: plan.scope.id },
    sourceIp: call.sourceIp,
    requestId: call.requestId,
    details: {
      from: request.from,
      to: request.to,
      ...(plan.principal ? { accountId: plan.principal.accountId } : {}),
    },
  });
}
