import type { CarrierRoute } from "./model.ts";

/**
 * Picks the carrier for a destination: only enabled routes whose prefix matches, only TLS routes
 * when the message requires TLS; then the longest matching prefix wins (the most specific
 * agreement), then the lowest priority number, then TLS over plain (secure carrier links are
 * preferred even where not required), then a weighted draw among what is left.
 */
export interface RouteRequest {
  readonly to: string;
  readonly requireTls: boolean;
}

/** The longest of `prefixes` that `to` starts with ("" serves everything); undefined if none. */
export function matchedPrefix(prefixes: readonly string[], to: string): string | undefined {
  let best: string | undefined;
  for (const prefix of prefixes) {
    if (to.startsWith(prefix) && prefix.length > (best?.length ?? -1)) best = prefix;
  }
  return best;
}

function longestPrefix(route: CarrierRoute, to: string): number {
  return matchedPrefix(route.prefixes, to)?.length ?? -1;
}

/** Candidates in preference order (the head is the choice; ties keep catalogue order). */
export function rankRoutes(routes: readonly CarrierRoute[], request: RouteRequest): CarrierRoute[] {
  return routes
    .filter((route) => route.enabled && (!request.requireTls || route.tls))
    .map((route) => ({ route, match: longestPrefix(route, request.to) }))
    .filter(({ match }) => match >= 0)
    .sort(
      (a, b) =>
        b.match - a.match || a.route.priority - b.route.priority || Number(b.route.tls) - Number(a.route.tls),
    )
    .map(({ route }) => route);
}

/** `random` in [0, 1) makes the weighted draw testable. */
export function chooseRoute(
  routes: readonly CarrierRoute[],
  request: RouteRequest,
  random: () => number = Math.random,
): CarrierRoute | undefined {
  const ranked = rankRoutes(routes, request);
  const head = ranked[0];
  if (!head) return undefined;
  const headMatch = longestPrefix(head, request.to);
  const tied = ranked.filter(
    (route) =>
      route.priority === head.priority &&
      route.tls === head.tls &&
      longestPrefix(route, request.to) === headMatch,
  );
  const total = tied.reduce((sum, route) => sum + Math.max(0, route.weight), 0);
  if (tied.length === 1 || total <= 0) return head;
  let draw = random() * total;
  for (const route of tied) {
    draw -= Math.max(0, route.weight);
    if (draw < 0) return route;
  }
  return head;
}
