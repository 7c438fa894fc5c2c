/**
 * Public status page: GET /status.json and GET /status (HTML). Public and unauthenticated, so the
 * report is computed at most once per CACHE_SECONDS per container and shared by concurrent callers.
 */
import { type Clock, systemClock } from "../shared/clock.ts";
import { htmlPage, httpHandler, route } from "../shared/http.ts";
import { type Incident, shownIncidents } from "./incidents.ts";
import { STATUS_PAGE_CSP, statusPage } from "./page.ts";
import { statusResponse } from "./schemas.ts";
import { type StatusReport, statusReport } from "./service.ts";
import { dynamoProbeStore } from "./store.ts";

export const CACHE_SECONDS = 30;
// Nothing per caller on these pages: overrides the chain's no-store.
const PUBLIC_CACHE = `public, max-age=${CACHE_SECONDS}`;

const clock: Clock = systemClock;
const store = dynamoProbeStore(clock);
let cached: { at: number; report: Promise<StatusReport> } | undefined;

function currentReport(): Promise<StatusReport> {
  const now = clock.now().getTime();
  if (!cached || now - cached.at >= CACHE_SECONDS * 1000) {
    const report = statusReport({ store, clock });
    const entry = { at: now, report };
    cached = entry;
    // A failed computation is not cached: the next request tries again.
    report.catch(() => {
      if (cached === entry) cached = undefined;
    });
  }
  return cached.report;
}

/**
 * Incidents are read on every request, not cached with the report: an operator's post or update
 * must show at once. It is one Query of one small partition (a handful of items), and the route's
 * throttle bounds how often it runs.
 */
async function currentStatus(): Promise<
  StatusReport & { incidents: { open: Incident[]; resolved: Incident[] } }
> {
  const [report, incidents] = await Promise.all([currentReport(), shownIncidents(clock)]);
  return { ...report, incidents };
}

export const handler = httpHandler({
  "GET /status.json": route({
    responses: { 200: statusResponse },
    run: async () => ({
      status: 200,
      body: await currentStatus(),
      headers: { "Cache-Control": PUBLIC_CACHE },
    }),
  }),
  "GET /status": route({
    responses: { 200: htmlPage },
    run: async () => ({
      status: 200,
      rawBody: statusPage(await currentStatus()),
      headers: {
        "Content-Type": "text/html; charset=utf-8",
        "Content-Security-Policy": STATUS_PAGE_CSP,
        "Cache-Control": PUBLIC_CACHE,
      },
    }),
  }),
});
