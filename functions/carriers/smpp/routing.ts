import type { SmppCarrierEntry } from "./entry.ts";

/**
 * Which SMPP carrier takes a destination: the longest matching prefix wins (the most specific
 * agreement), TLS before plaintext among equals. A message that requires TLS never goes to a
 * plaintext carrier; an OTP never goes over plaintext while any TLS carrier serves its number.
 */
export interface SmppRouteRequest {
  readonly to: string;
  readonly requireTls: boolean;
  readonly otp: boolean;
}

function longestPrefix(entry: SmppCarrierEntry, to: string): number {
  return Math.max(-1, ...entry.prefixes.filter((prefix) => to.startsWith(prefix)).map((p) => p.length));
}

export function chooseSmppCarrier(
  entries: readonly SmppCarrierEntry[],
  request: SmppRouteRequest,
): SmppCarrierEntry | undefined {
  const serving = entries
    .map((entry) => ({ entry, match: longestPrefix(entry, request.to) }))
    .filter(({ match }) => match >= 0);
  const tlsOnly = request.requireTls || (request.otp && serving.some(({ entry }) => entry.tls));
  return serving
    .filter(({ entry }) => !tlsOnly || entry.tls)
    .sort((a, b) => b.match - a.match || Number(b.entry.tls) - Number(a.entry.tls))[0]?.entry;
}
