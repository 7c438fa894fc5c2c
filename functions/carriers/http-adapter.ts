import {
  type CarrierAdapter,
  type LookupOutcome,
  PermanentCarrierError,
  type Submission,
  TransientCarrierError,
} from "./model.ts";

/**
 * HTTP carrier API: POST {baseUrl}/v1/sms (Bearer token) → {carrierMessageId};
 * GET {baseUrl}/v1/sms?reference=… → 200 {carrierMessageId}
 *                                  | 404 {code: "reference-not-found", reference} (never received).
 * Submit: 5xx, 429, timeouts and network errors are transient; other 4xx are permanent with the
 * carrier's reason. Lookup: only the 404 that names the code and echoes our reference means "not
 * received"; any other 404 (a carrier without a lookup route answers a generic one), error or
 * timeout is "unknown".
 */
export interface HttpAdapterOptions {
  readonly baseUrl: string;
  readonly apiToken: string;
  readonly timeoutMs?: number;
  readonly fetch?: typeof fetch;
}

const DEFAULT_TIMEOUT_MS = 4000;
export const REFERENCE_NOT_FOUND = "reference-not-found";

async function readJson(response: Response): Promise<Record<string, unknown>> {
  try {
    const value: unknown = await response.json();
    return typeof value === "object" && value !== null ? (value as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

const str = (value: unknown, fallback: string): string =>
  typeof value === "string" && value.length > 0 ? value.slice(0, 200) : fallback;

export function httpCarrierAdapter(options: HttpAdapterOptions): CarrierAdapter {
  const doFetch = options.fetch ?? fetch;
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const call = async (path: string, init: RequestInit): Promise<Response> => {
    try {
      return await doFetch(`${options.baseUrl}${path}`, {
        ...init,
        headers: {
          Authorization: `Bearer ${options.apiToken}`,
          Accept: "application/json",
          ...(init.body ? { "Content-Type": "application/json" } : {}),
        },
        signal: AbortSignal.timeout(timeoutMs),
      });
    } catch (error) {
      const name = (error as { name?: string }).name;
      throw new TransientCarrierError(name === "TimeoutError" ? "carrier timed out" : "carrier unreachable");
    }
  };
  return {
    async submit(submission: Submission) {
      const response = await call("/v1/sms", {
        method: "POST",
        body: JSON.stringify({
          reference: submission.reference,
          from: submission.from,
          to: submission.to,
          text: submission.text,
          encoding: submission.encoding,
          ...(submission.dlrUrl ? { dlrUrl: submission.dlrUrl } : {}),
        }),
      });
      const body = await readJson(response);
      if (response.ok) {
        if (typeof body.carrierMessageId !== "string" || body.carrierMessageId === "") {
          throw new TransientCarrierError("carrier answered without carrierMessageId");
        }
        return { carrierMessageId: body.carrierMessageId };
      }
      if (response.status >= 500 || response.status === 429 || response.status === 408) {
        // 429 is a refusal before acceptance (rate limit): the next attempt needs no lookup and may
        // go to another route. A 5xx may come after the carrier stored the message: ambiguous.
        throw new TransientCarrierError(`carrier answered ${response.status}`, {
          notAccepted: response.status === 429,
        });
      }
      throw new PermanentCarrierError(
        str(body.code, `http-${response.status}`),
        str(body.reason ?? body.message, `carrier rejected the message (HTTP ${response.status})`),
      );
    },
    async lookup(reference: string): Promise<LookupOutcome> {
      let response: Response;
      try {
        response = await call(`/v1/sms?reference=${encodeURIComponent(reference)}`, { method: "GET" });
      } catch (error) {
        return { outcome: "unknown", reason: `lookup: ${(error as Error).message}` };
      }
      const body = await readJson(response);
      if (response.ok && typeof body.carrierMessageId === "string" && body.carrierMessageId !== "") {
        return { outcome: "received", carrierMessageId: body.carrierMessageId };
      }
      if (response.status === 404 && body.code === REFERENCE_NOT_FOUND && body.reference === reference) {
        return { outcome: "not-received" };
      }
      return { outcome: "unknown", reason: `carrier lookup answered ${response.status}` };
    },
  };
}
