import { describe, expect, it } from "vitest";
import { ipAllowed } from "../../functions/auth/ip-allow-list.ts";
import { maskPhone } from "../../functions/shared/mask.ts";

describe("IP allow-list", () => {
  it("allows everything when empty", () => expect(ipAllowed("203.0.113.9", [])).toBe(true));
  it("matches CIDRs and single addresses, v4 and v6", () => {
    const list = ["198.51.100.0/24", "203.0.113.7", "2001:db8::/32"];
    expect(ipAllowed("198.51.100.200", list)).toBe(true);
    expect(ipAllowed("203.0.113.7", list)).toBe(true);
    expect(ipAllowed("203.0.113.8", list)).toBe(false);
    expect(ipAllowed("2001:db8::1", list)).toBe(true);
    expect(ipAllowed("not-an-ip", list)).toBe(false);
  });
});

describe("maskPhone", () => {
  it("keeps only the last 3 digits", () => {
    expect(maskPhone("+37255512345")).toBe("+********345");
    expect(maskPhone("+37255512345")).not.toMatch(/5551/);
  });
});
