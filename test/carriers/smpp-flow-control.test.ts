import { describe, expect, it } from "vitest";
import { parseSmppCarrierEntry } from "../../functions/carriers/smpp/entry.ts";
import { backoffMs, type RateClock, SegmentRateLimiter, Window } from "../../functions/carriers/smpp/flow.ts";
import { chooseSmppCarrier } from "../../functions/carriers/smpp/routing.ts";

/** Virtual time: a sleep ends (and moves the clock) only after the caller yields. */
function fakeClock(): RateClock & { slept: number[] } {
  let now = 0;
  const slept: number[] = [];
  return {
    slept,
    now: () => now,
    sleep: async (ms) => {
      const start = now;
      slept.push(ms);
      await Promise.resolve();
      now = Math.max(now, start + ms);
    },
  };
}

describe("window of outstanding submit_sm", () => {
  it("lets at most `size` through until one is released, then the oldest waiter", async () => {
    const window = new Window(2);
    const order: number[] = [];
    await window.acquire();
    await window.acquire();
    const third = window.acquire().then(() => order.push(3));
    const fourth = window.acquire().then(() => order.push(4));
    await Promise.resolve();
    expect(order).toEqual([]);
    window.release();
    await third;
    expect(order).toEqual([3]);
    expect(window.outstanding).toBe(2);
    window.release();
    await fourth;
    expect(order).toEqual([3, 4]);
  });
});

describe("segment rate limit", () => {
  it("spaces segments beyond the one-second burst at 1/tps", async () => {
    const clock = fakeClock();
    const limiter = new SegmentRateLimiter(4, clock);
    for (let i = 0; i < 8; i += 1) await limiter.take(1);
    // 4 go at once; the next 4 wait 250 ms each.
    expect(clock.slept).toEqual([250, 250, 250, 250]);
    expect(clock.now()).toBe(1000);
  });

  it("holds the limit for concurrent takers", async () => {
    const clock = fakeClock();
    const limiter = new SegmentRateLimiter(2, clock);
    await Promise.all(Array.from({ length: 6 }, () => limiter.take(1)));
    // The 3rd..6th reserved in order: waits of 0.5, 1, 1.5, 2 s from the same instant.
    expect(clock.slept).toEqual([500, 1000, 1500, 2000]);
  });
});

describe("reconnect back-off", () => {
  it("grows exponentially up to the cap, with full jitter", () => {
    const options = { baseMs: 100, capMs: 1000 };
    expect([1, 2, 3, 4, 5].map((attempt) => backoffMs(attempt, options, () => 0.999))).toEqual([
      99, 199, 399, 799, 999,
    ]);
    expect(backoffMs(5, options, () => 0)).toBe(0);
  });
});

const entry = (overrides: Record<string, unknown>) =>
  parseSmppCarrierEntry({
    id: "c1",
    type: "smpp",
    host: "smsc.example",
    port: 3550,
    systemId: "tg",
    passwordEnv: "SMPP_C1_PASSWORD",
    prefixes: ["+372"],
    ...overrides,
  });

describe("SMPP carrier entries and routes", () => {
  it("refuses a plaintext carrier unless the entry allows it, naming the carrier", () => {
    expect(() => entry({ id: "plain", tls: false })).toThrow(/carrier plain: tls: plaintext SMPP is refused/);
    expect(entry({ tls: false, allowPlaintext: true }).tls).toBe(false);
  });

  it("defaults to TLS, a window of 10 and UDH concatenation", () => {
    expect(entry({})).toMatchObject({
      tls: true,
      windowSize: 10,
      concatenation: "udh",
      allowPlaintext: false,
    });
  });

  it("refuses unknown fields", () => {
    expect(() => entry({ password: "in the file" })).toThrow(/carrier c1/);
  });

  it("never sends an OTP over plaintext while a TLS carrier serves the number", () => {
    const plain = entry({ id: "plain", tls: false, allowPlaintext: true, prefixes: ["+37255"] });
    const secure = entry({ id: "secure", prefixes: ["+372"] });
    const to = "+37255512345";
    expect(chooseSmppCarrier([plain, secure], { to, requireTls: false, otp: false })?.id).toBe("plain");
    expect(chooseSmppCarrier([plain, secure], { to, requireTls: false, otp: true })?.id).toBe("secure");
    expect(chooseSmppCarrier([plain], { to, requireTls: true, otp: false })).toBeUndefined();
  });
});
