import { requireLiveCaller } from "../identity/live-principal.ts";
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
  type StartVerificationInput,
  startVerification,
  type VerifyDeps,
} from "./service.ts";
import { startVerificationOnce } from "./start-once.ts";

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

const startInput = (
  accountId: string,
  request: StartVerificationBody,
  requester: Requester,
  extra: { sourceIp?: string; userAgent?: string | undefined; requestId?: string },
): StartVerificationInput => ({
  accountId,
  to: request.to.e164,
  requester,
  codeLength: request.codeLength,
  ...(request.locale ? { locale: request.locale } : {}),
  ...(request.template ? { template: request.template } : {}),
  ...(request.appName ? { appName: request.appName } : {}),
  ...(request.expirySeconds ? { expirySeconds: request.expirySeconds } : {}),
  ...(extra.sourceIp ? { sourceIp: extra.sourceIp } : {}),
  ...(extra.userAgent ? { userAgent: extra.userAgent } : {}),
  ...(extra.requestId ? { requestId: extra.requestId } : {}),
});

export const handler = httpHandler({
  "POST /v1/verifications": route({
    body: startVerificationBody,
    responses: { 201: verificationView },
    run: async ({ body, principal, idempotencyKey, sourceIp, userAgent, requestId }) => {
      const caller = await liveWriter(principal);
      const input = startInput(caller.accountId, body, requesterOf(caller), {
        sourceIp,
        userAgent,
        requestId,
      });
      if (!idempotencyKey) return { status: 201, body: await startVerification(input, verifyDeps()) };
      const { result, replayed } = await startVerificationOnce(input, idempotencyKey, verifyDeps());
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
