import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import { backoffRules, backoffSeconds, dynamoFailureTracker } from "../../functions/identity/brute-force.ts";
import type { Clock } from "../../functions/shared/clock.ts";
import { useLocalPlatformEnv } from "../support/env.ts";
import { seedBackoff } from "./backoff-seed.ts";

useLocalPlatformEnv();

/**
 * The reservation behind every guessing limit, against DynamoDB Local with a clock the test holds:
 * N parallel attempts get exactly the slots N sequential attempts would get, never more.
 */
// Now, not a fixed date: counters carry expiresAt = now + TTL, and DynamoDB Local's TTL deletes
// items whose expiresAt is in the real past (late, in batches). A held clock in the past let it delete
// a counter mid-test, which then read as fresh and gave out extra slots (seen once in CI: 8 of 12).
const T0 = Math.floor(Date.now() / 1000) * 1000;
const rule = backoffRules.loginEmail;

function heldClock(start = T0) {
  let now = start;
  const clock: Clock = { now: () => new Date(now) };
  return { clock, advance: (seconds: number) => (now += seconds * 1000) };
}

const allowedOf = async (attempts: Promise<{ allowed: boolean }>[]) =>
  (await Promise.all(attempts)).filter((r) => r.allowed).length;

describe("failure reservations", () => {
  it("parallel attempts on a fresh subject get exactly the free failures, then one per back-off window", async () => {
    const { clock, advance } = heldClock();
    const tracker = dynamoFailureTracker(clock);
    const subject = `parallel-${randomUUID()}`;
    const burst = () => Array.from({ length: 12 }, () => tracker.reserve(rule, subject));

    expect(await allowedOf(burst())).toBe(rule.freeFailures);
    const refused = await tracker.reserve(rule, subject);
    expect(refused).toEqual({ allowed: false, waitSeconds: backoffSeconds(rule, rule.freeFailures) });

    advance(backoffSeconds(rule, rule.freeFailures));
    expect(await allowedOf(burst())).toBe(1);
    expect(await tracker.reserve(rule, subject)).toEqual({
      allowed: false,
      waitSeconds: backoffSeconds(rule, rule.freeFailures + 1),
    });
  });

  it("a release gives one slot back without clearing the others; a reset clears all", async () => {
    const { clock } = heldClock();
    const tracker = dynamoFailureTracker(clock);
    const subject = `release-${randomUUID()}`;
    for (let i = 0; i < rule.freeFailures; i++)
      expect((await tracker.reserve(rule, subject)).allowed).toBe(true);
    await tracker.release(rule, subject);
    // One slot back, and the success imposed no wait: exactly one more attempt fits before back-off.
    expect(await tracker.reserve(rule, subject)).toEqual({ allowed: true, failures: rule.freeFailures });
    expect((await tracker.reserve(rule, subject)).allowed).toBe(false);
    await tracker.reset(rule, subject);
    expect(await tracker.reserve(rule, subject)).toEqual({ allowed: true, failures: 1 });
  });

  it("an expired counter still in the table counts as none", async () => {
    const subject = `expired-${randomUUID()}`;
    await seedBackoff(rule, subject, { failures: 50, blockedForSeconds: 600 });
    const { clock } = heldClock(Date.now() + 2 * 3600 * 1000); // past the seeded item's expiresAt
    const tracker = dynamoFailureTracker(clock);
    expect(await tracker.reserve(rule, subject)).toEqual({ allowed: true, failures: 1 });
  });
});
