/**
 * auditRateLimitBlock: a 429 refusal writes exactly one ratelimit.<limit> event and is rethrown
 * unchanged; any other outcome (success, another error) writes nothing. Pure logic: an in-memory
 * audit log stands in for the table.
 */
import { describe, expect, it } from "vitest";
import { anonymousActor, auditInput, auditRateLimitBlock } from "../../functions/audit/context.ts";
import type { AuditEvent, AuditEventInput, AuditLog } from "../../functions/audit/port.ts";
import { DomainError, rateLimited } from "../../functions/shared/problem.ts";

function memoryAuditLog(): AuditLog & { readonly events: AuditEventInput[] } {
  const events: AuditEventInput[] = [];
  return {
    events,
    async record(input): Promise<AuditEvent> {
      events.push(input);
      return {
        ...input,
        id: `evt_${events.length}`,
        at: new Date().toISOString(),
        class: input.class ?? "persistent",
      };
    },
  };
}

const meta = { sourceIp: "192.0.2.7", requestId: "req-1", userAgent: "agent/1" };
const block = (audit: AuditLog) => ({
  audit,
  accountId: "acc_1",
  limit: "login",
  actor: anonymousActor(meta.sourceIp),
  meta,
  target: { type: "user", id: "usr_1" },
});

describe("rate-limit blocks in the audit trail", () => {
  it("a 429 refusal is recorded once as a short-class blocked event and rethrown as it was", async () => {
    const audit = memoryAuditLog();
    const refusal = rateLimited(42);
    await expect(
      auditRateLimitBlock(async () => {
        throw refusal;
      }, block(audit)),
    ).rejects.toBe(refusal);
    expect(audit.events).toEqual([
      {
        accountId: "acc_1",
        action: "ratelimit.login",
        actor: { type: "anonymous", id: "192.0.2.7" },
        outcome: "blocked",
        class: "short",
        target: { type: "user", id: "usr_1" },
        sourceIp: "192.0.2.7",
        userAgent: "agent/1",
        requestId: "req-1",
        details: { retryAfterSeconds: 42 },
      },
    ]);
  });

  it("an allowed request and any other refusal write nothing", async () => {
    const audit = memoryAuditLog();
    await expect(auditRateLimitBlock(async () => "allowed", block(audit))).resolves.toBe("allowed");
    const forbidden = new DomainError("forbidden");
    await expect(
      auditRateLimitBlock(async () => {
        throw forbidden;
      }, block(audit)),
    ).rejects.toBe(forbidden);
    expect(audit.events).toEqual([]);
  });
});

describe("audit inputs", () => {
  it("cut a caller's User-Agent to 256 characters and leave out what the request did not have", () => {
    const input = auditInput(
      anonymousActor("192.0.2.7"),
      { ...meta, userAgent: "u".repeat(1000) },
      {
        accountId: "acc_1",
        action: "auth.login.failed",
        outcome: "failure",
        details: {},
      },
    );
    expect(input.userAgent).toHaveLength(256);
    expect(input).not.toHaveProperty("details");
    expect(input).not.toHaveProperty("target");
    const withoutRequest = auditInput(anonymousActor("-"), undefined, { accountId: "acc_1", action: "x.y" });
    expect(withoutRequest).toEqual({
      accountId: "acc_1",
      action: "x.y",
      actor: { type: "anonymous", id: "-" },
      outcome: "success",
    });
  });
});
