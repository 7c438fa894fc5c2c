import type { LookupAddress } from "node:dns";
import { lookup } from "node:dns/promises";
import ipaddr from "ipaddr.js";

/**
 * SSRF guard for customer webhook URLs. A URL is acceptable only when it is http(s), carries no
 * credentials, and EVERY address its host resolves to is public unicast. It is checked at
 * registration and again before every send (DNS rebinding), and the send connects to the very
 * address checked here (see SafeTarget.address), so there is no second resolution in between.
 */
export interface SsrfPolicy {
  /**
   * Local platform only (it runs on the developer's machine): loopback receivers are allowed.
   * Private, link-local, metadata and every other non-public range stay refused.
   */
  readonly allowLoopback: boolean;
}

export interface SafeTarget {
  readonly url: URL;
  /** The checked address the connection must use (pinned). */
  readonly address: string;
  readonly family: 4 | 6;
}

export class UnsafeUrlError extends Error {
  override name = "UnsafeUrlError";
}

export type Resolver = (hostname: string) => Promise<readonly LookupAddress[]>;

const systemResolver: Resolver = (hostname) => lookup(hostname, { all: true, verbatim: true });

/**
 * ipaddr.js range names. Only "unicast" is public; everything else (private = RFC 1918, uniqueLocal =
 * fc00::/7 incl. fd00:ec2::254, linkLocal incl. 169.254.169.254, carrierGradeNat, loopback,
 * unspecified, multicast, reserved, and the v6 forms that embed a v4 address: rfc6052/NAT64,
 * 6to4, teredo) is refused. IPv4-mapped IPv6 (::ffff:a.b.c.d) is unwrapped first and judged as v4.
 */
export function rangeOf(address: string): string {
  return ipaddr.isValid(address) ? ipaddr.process(address).range() : "invalid";
}

export function isAllowedAddress(address: string, policy: SsrfPolicy): boolean {
  const range = rangeOf(address);
  return range === "unicast" || (policy.allowLoopback && range === "loopback");
}

/** Syntax-level checks that need no DNS: scheme, credentials, host present. */
export function parseWebhookUrl(raw: string): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch (error) {
    throw new UnsafeUrlError("must be an absolute http(s) URL", { cause: error });
  }
  if (url.protocol !== "https:" && url.protocol !== "http:") {
    throw new UnsafeUrlError("must use http or https");
  }
  if (url.username !== "" || url.password !== "") {
    throw new UnsafeUrlError("must not carry credentials");
  }
  if (url.hostname === "") throw new UnsafeUrlError("must name a host");
  return url;
}

/** Bracketed IPv6 literals ([::1]) come back from URL.hostname with their brackets. */
const bareHost = (hostname: string): string => hostname.replace(/^\[(.*)\]$/, "$1");

/**
 * Resolves the URL's host and returns the first address to connect to, or throws UnsafeUrlError when
 * any resolved address is not allowed (one bad record poisons the name: the resolver may pick any).
 */
export async function resolveSafeTarget(
  raw: string,
  policy: SsrfPolicy,
  resolve: Resolver = systemResolver,
): Promise<SafeTarget> {
  const url = parseWebhookUrl(raw);
  const host = bareHost(url.hostname);
  let addresses: readonly LookupAddress[];
  try {
    addresses = ipaddr.isValid(host)
      ? [{ address: host, family: host.includes(":") ? 6 : 4 }]
      : await resolve(host);
  } catch (error) {
    throw new UnsafeUrlError("host does not resolve", { cause: error });
  }
  if (addresses.length === 0) throw new UnsafeUrlError("host does not resolve");
  const refused = addresses.find((entry) => !isAllowedAddress(entry.address, policy));
  if (refused) {
    throw new UnsafeUrlError(`host resolves to a non-public address (${rangeOf(refused.address)})`);
  }
  const [first] = addresses;
  if (!first) throw new UnsafeUrlError("host does not resolve");
  return { url, address: first.address, family: first.family === 6 ? 6 : 4 };
}
