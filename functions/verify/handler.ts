import { AsyncLocalStorage } from "node:async_hooks";
import { functionSpec } from "../../lib/catalog/index.ts";
import { requireLiveCaller } from "../identity/live-principal.ts";
import { idempotent } from "../messages/idempotency.ts";
import { systemClock } from "../shared/clock.ts";
import { httpHandler, route } from "../shared/http.ts";
import type { Principal } from "../shared/principal.ts";
import { DomainError } from "../shared/problem.ts";
import { sqsWebhookPublisher } from "../webhooks/publish.ts";
import {
  checkVerificationBody,
  type StartVerificationBody,
  startVerificationBody,
  verificationParams,
  verificationView,
} from "./schemas.ts";
import {
  cancelVerification,
  checkVerification,
  defaultVerifyDeps,
  getVerification,
  type Requester,
  startVerification,
  type VerificationView,
  type VerifyDeps,
} from "./service.ts";

let deps: VerifyDeps | undefined;
const verifyDeps = (): VerifyDeps => {
  deps ??= { ...defaultVerifyDeps(), events: sqsWebhookPublisher() };
  return deps;
};

function principalOf(principal: Principal | undefined): Principal {
  if (!principal) throw new DomainError("unauthorized");
  return principal;
}

/** Routes that send (and bill) an OTP or change a verification: a user token needs a live session. */
const liveWriter = (principal: Principal | undefined): Promise<Principal> =>
  requireLiveCaller(principal, "verify:write", systemClock);

const requesterOf = (principal: Principal): Requester => ({
  type: principal.type,
  id: principal.principalId,
});

interface StartCall {
  readonly request: StartVerificationBody;
  /** Part of the idempotency payload: the same key from another API key is another request. */
  readonly requester: Requester;
}

const start = (accountId: string, call: StartCall, extra: { sourceIp?: string; requestId?: string }) =>
  startVerification(
    {
      accountId,
      to: call.request.to.e164,
      requester: call.requester,
      codeLength: call.request.codeLength,
      ...(call.request.locale ? { locale: call.request.locale } : {}),
      ...(call.request.template ? { template: call.request.template } : {}),
      ...(call.request.appName ? { appName: call.request.appName } : {}),
      ...(call.request.expirySeconds ? { expirySeconds: call.request.expirySeconds } : {}),
      ...extra,
    },
    verifyDeps(),
  );

/** Per-request facts for audit events that must not be part of the idempotency payload. */
const requestFacts = new AsyncLocalStorage<{ sourceIp?: string; requestId?: string }>();

// Reuses the send API's Idempotency-Key mechanism (Powertools Idempotency, ephemeral table).
const startOnce = idempotent<StartCall, VerificationView>(
  "verify-start",
  ({ accountId, body }) => start(accountId, body, requestFacts.getStore() ?? {}),
  { functionTimeoutMs: functionSpec("verify").timeoutSeconds * 1000 },
);

export const handler = httpHandler({
  "POST /v1/verifications": route({
    body: startVerificationBody,
    responses: { 201: verificationView },
    run: async ({ body, principal, idempotencyKey, sourceIp, requestId }) => {
      const caller = await liveWriter(principal);
      const call: StartCall = { request: body, requester: requesterOf(caller) };
      if (!idempotencyKey) {
        return { status: 201, body: await start(caller.accountId, call, { sourceIp, requestId }) };
      }
      const { result, replayed } = await requestFacts.run({ sourceIp, requestId }, () =>
        startOnce({ accountId: caller.accountId, idempotencyKey, body: call }),
      );
      const headers: Record<string, string> = replayed ? { "Idempotent-Replayed": "true" } : {};
      return { status: 201, body: result, headers };
    },
  }),
  "GET /v1/verifications/{id}": route({
    params: verificationParams,
    responses: { 200: verificationView },
    run: async ({ params, principal }) => {
      const { accountId } = principalOf(principal);
      return {
        status: 200,
        body: await getVerification({ accountId, verificationId: params.id }, verifyDeps()),
      };
    },
  }),
  "POST /v1/verifications/{id}/checks": route({
    params: verificationParams,
    body: checkVerificationBody,
    responses: { 200: verificationView },
    run: async ({ params, body, principal }) => {
      const { accountId } = await liveWriter(principal);
      const view = await checkVerification(
        { accountId, verificationId: params.id, code: body.code },
        verifyDeps(),
      );
      return { status: 200, body: view };
    },
  }),
  "POST /v1/verifications/{id}/cancel": route({
    params: verificationParams,
    responses: { 200: verificationView },
    run: async ({ params, principal }) => {
      const { accountId } = await liveWriter(principal);
      return {
        status: 200,
        body: await cancelVerification({ accountId, verificationId: params.id }, verifyDeps()),
      };
    },
  }),
});
