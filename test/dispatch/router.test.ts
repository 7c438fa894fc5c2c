import { describe, expect, it } from "vitest";
import type { CarrierRoute } from "../../functions/carriers/model.ts";
import { chooseRoute, rankRoutes } from "../../functions/carriers/router.ts";

const route = (carrierId: string, overrides: Partial<CarrierRoute> = {}): CarrierRoute => ({
  carrierId,
  name: carrierId,
  protocol: "http",
  baseUrl: `https://${carrierId}.example`,
  tls: true,
  prefixes: [""],
  priority: 100,
  weight: 1,
  enabled: true,
  ...overrides,
});

const EE = "+37256123456";

describe("carrier router", () => {
  it("prefers the longest matching prefix", () => {
    const routes = [
      route("all"),
      route("ee", { prefixes: ["+372"] }),
      route("ee-mobile", { prefixes: ["+3725"] }),
    ];
    expect(chooseRoute(routes, { to: EE, requireTls: false })?.carrierId).toBe("ee-mobile");
    expect(chooseRoute(routes, { to: "+37161234567", requireTls: false })?.carrierId).toBe("all");
  });

  it("ignores routes whose prefixes do not match", () => {
    const routes = [route("lv", { prefixes: ["+371"] })];
    expect(chooseRoute(routes, { to: EE, requireTls: false })).toBeUndefined();
  });

  it("uses the best prefix among a route's several prefixes", () => {
    const routes = [route("multi", { prefixes: ["+371", "+3725"] }), route("ee", { prefixes: ["+372"] })];
    expect(chooseRoute(routes, { to: EE, requireTls: false })?.carrierId).toBe("multi");
  });

  it("keeps only TLS routes when TLS is required, even if a plain route is more specific", () => {
    const routes = [
      route("plain", { prefixes: ["+3725"], tls: false }),
      route("secure", { prefixes: ["+372"] }),
    ];
    expect(chooseRoute(routes, { to: EE, requireTls: true })?.carrierId).toBe("secure");
    expect(chooseRoute(routes, { to: EE, requireTls: false })?.carrierId).toBe("plain");
    expect(chooseRoute([routes[0] as CarrierRoute], { to: EE, requireTls: true })).toBeUndefined();
  });

  it("breaks prefix ties by priority (lower first)", () => {
    const routes = [route("backup", { priority: 200 }), route("primary", { priority: 10 })];
    expect(rankRoutes(routes, { to: EE, requireTls: false }).map((r) => r.carrierId)).toEqual([
      "primary",
      "backup",
    ]);
  });

  it("prefers a TLS route over an equally good plain one, even when TLS is not required", () => {
    const routes = [route("plain", { tls: false, weight: 1000 }), route("secure", { weight: 1 })];
    for (const r of [0, 0.5, 0.999])
      expect(chooseRoute(routes, { to: EE, requireTls: false }, () => r)?.carrierId).toBe("secure");
    // Priority still decides first: a better-priority plain route beats a TLS backup.
    const byPriority = [route("plain", { tls: false, priority: 1 }), route("secure", { priority: 2 })];
    expect(chooseRoute(byPriority, { to: EE, requireTls: false })?.carrierId).toBe("plain");
  });

  it("skips disabled routes", () => {
    const routes = [route("off", { prefixes: ["+372"], enabled: false }), route("on")];
    expect(chooseRoute(routes, { to: EE, requireTls: false })?.carrierId).toBe("on");
  });

  it("splits equal routes by weight", () => {
    const routes = [route("a", { weight: 1 }), route("b", { weight: 3 })];
    expect(chooseRoute(routes, { to: EE, requireTls: false }, () => 0.1)?.carrierId).toBe("a");
    expect(chooseRoute(routes, { to: EE, requireTls: false }, () => 0.3)?.carrierId).toBe("b");
    expect(chooseRoute(routes, { to: EE, requireTls: false }, () => 0.99)?.carrierId).toBe("b");
  });

  it("never draws a route of worse priority by weight", () => {
    const routes = [route("a", { priority: 1, weight: 1 }), route("b", { priority: 2, weight: 1000 })];
    for (const r of [0, 0.5, 0.999])
      expect(chooseRoute(routes, { to: EE, requireTls: false }, () => r)?.carrierId).toBe("a");
  });
});
