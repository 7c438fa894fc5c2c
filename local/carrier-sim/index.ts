/**
 * Carrier simulator (local only, never deployed): speaks the HTTP carrier API the dispatcher uses,
 * keeps an outbox of everything it received, and posts signed delivery reports (Standard Webhooks).
 *
 *   POST /v1/sms              Bearer <apiToken>; {reference, from, to, text, encoding, dlrUrl?}
 *                             → 202 {carrierMessageId}
 *   GET  /v1/sms?reference=…  → 200 {carrierMessageId, status}             (reconciliation)
 *                             | 404 {code: "reference-not-found", reference}
 *   GET  /outbox?to=…         → 200 [OutboxEntry…] newest first        (no auth: local only)
 *
 * Deterministic behaviour by destination: …0000 → "undelivered" DLR; …0001 → permanent 400 reject;
 * …0002 → never answers (the dispatcher's timeout fires). failureRate/latencyMs add chaos.
 */
import { randomBytes, randomUUID } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { Webhook } from "standardwebhooks";
import { readBody } from "./request-body.ts";

export interface CarrierSimOptions {
  /** 0 or unset: a free port. The server listens on 127.0.0.1 only. */
  readonly port?: number;
  /** Default DLR URL when a submission carries none. */
  readonly dlrUrl?: string;
  /** Base URL of the local API (informational; the platform passes it). */
  readonly apiUrl?: string;
  /** Delay before the DLR is posted. Default 200 ms. */
  readonly dlrDelayMs?: number;
  /** Share of submissions answered with 503 (0..1). Default 0. */
  readonly failureRate?: number;
  /** Added latency on every API answer. Default 0. */
  readonly latencyMs?: number;
  /** Answer submissions with 503 while this is > 0 (counts down). For retry tests. */
  readonly failNextSubmissions?: number;
  readonly apiToken?: string;
  readonly dlrSecret?: string;
  /** Random source for failureRate (tests pass a seeded one). */
  readonly random?: () => number;
  /**
   * Register the simulator as a carrier route (accounts table; needs the platform env). Default:
   * when `dlrUrl` names a carrier DLR route (…/v1/carriers/<id>/dlr), register as <id> serving every
   * destination — that is how the local platform starts it. `false` never registers.
   */
  readonly register?: { readonly carrierId: string; readonly prefixes?: readonly string[] } | false;
}

export interface OutboxEntry {
  readonly to: string;
  readonly from: string;
  readonly text: string;
  readonly encoding: string;
  readonly reference: string;
  readonly carrierMessageId: string;
  readonly receivedAt: string;
  /** Status the simulator reported (or will report) for this submission. */
  dlrStatus: "pending" | "delivered" | "undelivered" | "dlr-failed";
}

export interface CarrierSimFaults {
  failureRate: number;
  latencyMs: number;
  failNextSubmissions: number;
}

export interface CarrierSimHandle {
  readonly url: string;
  readonly apiToken: string;
  readonly dlrSecret: string;
  /** Newest first; `to` filters by recipient (E.164). */
  outbox(to?: string): OutboxEntry[];
  /** How many times each reference was accepted (exactly-once checks; rejects and 503s not counted). */
  submissionsByReference(): Map<string, number>;
  /** Change fault injection at runtime. */
  faults: CarrierSimFaults;
  stop(): Promise<void>;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function send(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { "Content-Type": "application/json" });
  res.end(JSON.stringify(body));
}

interface SubmitBody {
  reference: string;
  from: string;
  to: string;
  text: string;
  encoding: string;
  dlrUrl?: string;
}

function parseSubmit(raw: string): SubmitBody | undefined {
  try {
    const body = JSON.parse(raw) as Record<string, unknown>;
    const str = (key: string) => (typeof body[key] === "string" ? (body[key] as string) : undefined);
    const reference = str("reference");
    const to = str("to");
    const text = str("text");
    if (!reference || !to || !/^\+[0-9]{7,15}$/.test(to) || text === undefined) return undefined;
    const dlrUrl = str("dlrUrl");
    return {
      reference,
      to,
      text,
      from: str("from") ?? "",
      encoding: str("encoding") ?? "GSM-7",
      ...(dlrUrl ? { dlrUrl } : {}),
    };
  } catch {
    return undefined;
  }
}

function registrationFor(
  options: CarrierSimOptions,
): { carrierId: string; prefixes?: readonly string[] } | undefined {
  if (options.register === false) return undefined;
  if (options.register) return options.register;
  const match = options.dlrUrl ? /\/v1\/carriers\/([a-z0-9-]+)\/dlr$/.exec(options.dlrUrl) : null;
  return match?.[1] ? { carrierId: match[1] } : undefined;
}

export async function startCarrierSim(options: CarrierSimOptions = {}): Promise<CarrierSimHandle> {
  const apiToken = options.apiToken ?? `sim_${randomBytes(24).toString("base64url")}`;
  const dlrSecret = options.dlrSecret ?? `whsec_${randomBytes(24).toString("base64")}`;
  const webhook = new Webhook(dlrSecret);
  const random = options.random ?? Math.random;
  const dlrDelayMs = options.dlrDelayMs ?? 200;
  const faults: CarrierSimFaults = {
    failureRate: options.failureRate ?? 0,
    latencyMs: options.latencyMs ?? 0,
    failNextSubmissions: options.failNextSubmissions ?? 0,
  };
  const entries: OutboxEntry[] = [];
  const submissions = new Map<string, number>();
  const timers = new Set<NodeJS.Timeout>();
  const hanging = new Set<ServerResponse>();
  let stopped = false;

  async function postDlr(entry: OutboxEntry, dlrUrl: string): Promise<void> {
    const status = entry.to.endsWith("0000") ? "undelivered" : "delivered";
    const payload = JSON.stringify({
      reference: entry.reference,
      carrierMessageId: entry.carrierMessageId,
      status,
      ...(status === "undelivered"
        ? { errorCode: "absent-subscriber", errorReason: "handset unreachable" }
        : {}),
      doneAt: new Date().toISOString(),
    });
    const id = `dlr_${randomUUID()}`;
    // Like a real carrier: a few tries with backoff, then give up.
    for (let attempt = 0; attempt < 4 && !stopped; attempt++) {
      const now = new Date();
      try {
        const response = await fetch(dlrUrl, {
          method: "POST",
          headers: {
            "Content-Type": "application/json",
            "webhook-id": id,
            "webhook-timestamp": String(Math.floor(now.getTime() / 1000)),
            "webhook-signature": webhook.sign(id, now, payload),
          },
          body: payload,
          signal: AbortSignal.timeout(5000),
        });
        if (response.ok) {
          entry.dlrStatus = status;
          return;
        }
      } catch {
        // retry below
      }
      await sleep(250 * 2 ** attempt);
    }
    entry.dlrStatus = "dlr-failed";
  }

  async function submit(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (req.headers.authorization !== `Bearer ${apiToken}`) {
      return send(res, 401, { code: "unauthorized", reason: "bad API token" });
    }
    const body = parseSubmit(await readBody(req));
    if (!body)
      return send(res, 400, { code: "bad-request", reason: "reference, to (E.164) and text are required" });
    if (body.to.endsWith("0002")) {
      hanging.add(res); // never answered: the client's timeout decides
      res.on("close", () => hanging.delete(res));
      return;
    }
    if (faults.failNextSubmissions > 0) {
      faults.failNextSubmissions -= 1;
      return send(res, 503, { code: "unavailable", reason: "injected failure" });
    }
    if (faults.failureRate > 0 && random() < faults.failureRate) {
      return send(res, 503, { code: "unavailable", reason: "injected failure" });
    }
    if (body.to.endsWith("0001")) {
      return send(res, 400, { code: "invalid-destination", reason: "destination rejected by the carrier" });
    }
    const entry: OutboxEntry = {
      to: body.to,
      from: body.from,
      text: body.text,
      encoding: body.encoding,
      reference: body.reference,
      carrierMessageId: `sim_${randomUUID()}`,
      receivedAt: new Date().toISOString(),
      dlrStatus: "pending",
    };
    entries.push(entry);
    // Only accepted submissions count: they are what would reach a handset.
    submissions.set(body.reference, (submissions.get(body.reference) ?? 0) + 1);
    const dlrUrl = body.dlrUrl ?? options.dlrUrl;
    if (dlrUrl) {
      const timer = setTimeout(() => {
        timers.delete(timer);
        void postDlr(entry, dlrUrl);
      }, dlrDelayMs);
      timers.add(timer);
    }
    send(res, 202, { carrierMessageId: entry.carrierMessageId });
  }

  function outbox(to?: string): OutboxEntry[] {
    return entries.filter((entry) => to === undefined || entry.to === to).reverse();
  }

  const server = createServer((req, res) => {
    void (async () => {
      const url = new URL(req.url ?? "/", "http://127.0.0.1");
      if (faults.latencyMs > 0) await sleep(faults.latencyMs);
      if (req.method === "POST" && url.pathname === "/v1/sms") return submit(req, res);
      if (req.method === "GET" && url.pathname === "/v1/sms") {
        if (req.headers.authorization !== `Bearer ${apiToken}`)
          return send(res, 401, { code: "unauthorized" });
        const reference = url.searchParams.get("reference") ?? "";
        const found = entries.filter((entry) => entry.reference === reference).at(-1);
        if (!found) {
          // The lookup contract's "never received" (a bare 404 would mean "cannot tell").
          return send(res, 404, {
            code: "reference-not-found",
            reference,
            reason: "no message with this reference",
          });
        }
        return send(res, 200, { carrierMessageId: found.carrierMessageId, status: found.dlrStatus });
      }
      if (req.method === "GET" && url.pathname === "/outbox") {
        return send(res, 200, outbox(url.searchParams.get("to") ?? undefined));
      }
      send(res, 404, { code: "not-found" });
    })().catch(() => {
      if (!res.headersSent) send(res, 500, { code: "internal" });
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, "127.0.0.1", () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const url = `http://127.0.0.1:${port}`;

  const registration = registrationFor(options);
  if (registration) {
    try {
      const { registerCarrier } = await import("../../functions/carriers/store.ts");
      await registerCarrier({
        carrierId: registration.carrierId,
        name: "Local carrier simulator",
        baseUrl: url,
        prefixes: registration.prefixes ?? [""],
        priority: 100,
        apiToken,
        dlrSecret,
        ...(options.dlrUrl ? { dlrUrl: options.dlrUrl } : {}),
      });
    } catch (error) {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      throw error;
    }
  }

  return {
    url,
    apiToken,
    dlrSecret,
    outbox,
    submissionsByReference: () => new Map(submissions),
    faults,
    stop: async () => {
      stopped = true;
      for (const timer of timers) clearTimeout(timer);
      for (const res of hanging) res.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
