/**
 * The rules table (functions/audit/rules.ts) is the one place that knows every audit action: each
 * action string recorded in functions/ has a rule, and docs/audit.md lists every rule with its class.
 * Pure: reads the source tree, no platform needed.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { auditedRateLimits } from "../../functions/audit/context.ts";
import { auditClassFor, auditRuleFor, auditRules } from "../../functions/audit/rules.ts";

const ROOT = join(import.meta.dirname, "../..");
const ACTION_LITERAL = /"([a-z]+(?:\.[a-z-]+)+)"/g;

/** Every TypeScript file under functions/ that talks to the audit port (by name). */
function auditingSources(): string[] {
  const files = readdirSync(join(ROOT, "functions"), { recursive: true, encoding: "utf8" })
    .filter((path) => path.endsWith(".ts") && path !== join("audit", "rules.ts"))
    .map((path) => readFileSync(join(ROOT, "functions", path), "utf8"));
  return files.filter((source) => /\baudit\b/.test(source));
}

/** Dotted string literals in those files: the actions handed to record() (directly or via helpers). */
function recordedActions(): string[] {
  const actions = new Set<string>();
  for (const source of auditingSources()) {
    for (const match of source.matchAll(ACTION_LITERAL)) {
      const literal = match[1] ?? "";
      const limitName = (auditedRateLimits as readonly string[]).includes(literal);
      if (!limitName && !/\.(ts|js|json|html|md)$/.test(literal)) actions.add(literal);
    }
  }
  return [...actions].sort();
}

describe("audit rules", () => {
  it("finds the actions recorded today (the scan itself works)", () => {
    expect(recordedActions()).toEqual(
      expect.arrayContaining(["auth.login", "apikey.created", "verify.blocked"]),
    );
  });

  it("every audited rate limit is recorded under the ratelimit family", () => {
    for (const limit of auditedRateLimits) expect(auditClassFor(`ratelimit.${limit}`)).toBe("short");
  });

  it("every action recorded in functions/ has a rule", () => {
    const missing = recordedActions().filter((action) => auditRuleFor(action) === undefined);
    expect(missing, "add these to functions/audit/rules.ts and docs/audit.md").toEqual([]);
  });

  it("docs/audit.md lists every rule with its class", () => {
    const doc = readFileSync(join(ROOT, "docs", "audit.md"), "utf8");
    const missing = auditRules.filter((rule) => !doc.includes(`| \`${rule.action}\` | ${rule.class} |`));
    expect(missing.map((rule) => rule.action)).toEqual([]);
  });

  it("exact rules win over families; families match by prefix; an unknown action is kept (persistent)", () => {
    expect(auditClassFor("auth.login.failed")).toBe("short");
    expect(auditClassFor("auth.login")).toBe("persistent");
    expect(auditClassFor("verify.blocked")).toBe("short");
    expect(auditClassFor("message.sent")).toBe("short");
    expect(auditClassFor("verifyx.sent")).toBe("persistent");
    expect(auditRuleFor("nothing.like.this")).toBeUndefined();
    expect(auditClassFor("nothing.like.this")).toBe("persistent");
  });

  it("no two rules name the same action", () => {
    const actions = auditRules.map((rule) => rule.action);
    expect(new Set(actions).size).toBe(actions.length);
  });
});
