import { describe, expect, it } from "vitest";
import { type Resolver, resolveSafeTarget, UnsafeUrlError } from "../../functions/webhooks/ssrf.ts";

const strict = { allowLoopback: false };
const local = { allowLoopback: true };

/** A resolver that answers every name with the given addresses (stands in for DNS). */
const answering =
  (...addresses: string[]): Resolver =>
  async () =>
    addresses.map((address) => ({ address, family: address.includes(":") ? 6 : 4 }));

const refused = async (url: string, resolver: Resolver = answering("93.184.215.14"), policy = strict) => {
  const outcome = await resolveSafeTarget(url, policy, resolver).then(
    () => "accepted",
    (error: unknown) => (error instanceof UnsafeUrlError ? "refused" : `threw ${String(error)}`),
  );
  return outcome === "refused";
};

describe("webhook URL SSRF guard", () => {
  it.each([
    ["loopback v4", "http://127.0.0.1/hook"],
    ["loopback v4 other", "http://127.5.6.7:8080/hook"],
    ["loopback v4 in decimal", "http://2130706433/hook"],
    ["loopback v6", "http://[::1]/hook"],
    ["unspecified", "http://0.0.0.0/hook"],
    ["RFC 1918 10/8", "https://10.1.2.3/hook"],
    ["RFC 1918 172.16/12", "https://172.20.0.1/hook"],
    ["RFC 1918 192.168/16", "https://192.168.1.10/hook"],
    ["ULA", "https://[fd12:3456::1]/hook"],
    ["link-local v4", "https://169.254.10.20/hook"],
    ["link-local v6", "https://[fe80::1]/hook"],
    ["CGNAT", "https://100.64.1.1/hook"],
    ["AWS metadata v4", "http://169.254.169.254/latest/meta-data/"],
    ["AWS metadata v6", "http://[fd00:ec2::254]/latest/meta-data/"],
    ["IPv4-mapped loopback", "http://[::ffff:127.0.0.1]/hook"],
    ["IPv4-mapped private", "http://[::ffff:10.0.0.1]/hook"],
    ["IPv4-mapped metadata", "http://[::ffff:169.254.169.254]/hook"],
    ["NAT64 embedding a private v4", "http://[64:ff9b::a00:1]/hook"],
    ["multicast", "http://224.0.0.1/hook"],
  ])("refuses a %s literal (%s)", async (_, url) => {
    expect(await refused(url)).toBe(true);
  });

  it.each([
    ["a private address", ["10.0.0.5"]],
    ["the metadata address", ["169.254.169.254"]],
    ["the v6 metadata address", ["fd00:ec2::254"]],
    ["an IPv4-mapped private address", ["::ffff:192.168.0.1"]],
    ["one public and one loopback address", ["93.184.215.14", "127.0.0.1"]],
    ["a CGNAT address", ["100.100.0.1"]],
  ])("refuses a host name that resolves to %s", async (_, addresses) => {
    expect(await refused("https://hooks.example.com/x", answering(...addresses))).toBe(true);
  });

  it.each([
    ["ftp", "ftp://example.com/hook"],
    ["file", "file:///etc/passwd"],
    ["javascript", "javascript:alert(1)"],
    ["credentials", "https://user:pass@example.com/hook"],
    ["not a URL", "example.com/hook"],
  ])("refuses a %s URL", async (_, url) => {
    expect(await refused(url)).toBe(true);
  });

  it("refuses a host that does not resolve", async () => {
    const failing: Resolver = async () => {
      throw new Error("ENOTFOUND");
    };
    expect(await refused("https://nowhere.invalid/hook", failing)).toBe(true);
  });

  it("accepts a public host on a standard or explicit port and pins the checked address", async () => {
    const target = await resolveSafeTarget(
      "https://hooks.example.com:8443/x",
      strict,
      answering("93.184.215.14", "2606:2800:21f:cb07:6820:80da:af6b:8b2c"),
    );
    expect(target.address).toBe("93.184.215.14");
    expect(target.family).toBe(4);
    expect(target.url.port).toBe("8443");
  });

  it("allows loopback only under the local policy, and nothing else non-public", async () => {
    expect(await refused("http://127.0.0.1:9999/hook", undefined, local)).toBe(false);
    expect(await refused("http://[::1]:9999/hook", undefined, local)).toBe(false);
    expect(await refused("http://10.0.0.1/hook", undefined, local)).toBe(true);
    expect(await refused("http://169.254.169.254/", undefined, local)).toBe(true);
  });
});
