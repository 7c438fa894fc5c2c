import { requestMetaOf } from "../audit/context.ts";
import { httpHandler, noContent, route } from "../shared/http.ts";
import { completeMfa, login, logout, refresh, sendMfaSms } from "./auth-service.ts";
import { identityDeps } from "./deps.ts";
import { requireLiveUser } from "./live-principal.ts";
import {
  loginBody,
  mfaBody,
  mfaRequiredResponse,
  mfaSmsBody,
  mfaSmsSent,
  refreshBody,
  tokenPairResponse,
} from "./schemas.ts";

/** Sign-in: password, second factor, refresh, logout. */

/** Public routes that still answer 401: wrong password, factor, challenge or refresh token. */
const SIGN_IN_PROBLEMS = ["unauthorized"] as const;
/** Starting a session also answers 403 when the account is suspended or closed. */
const SESSION_START_PROBLEMS = ["unauthorized", "forbidden"] as const;

export const handler = httpHandler({
  "POST /v1/auth/login": route({
    problems: SESSION_START_PROBLEMS,
    body: loginBody,
    responses: { 200: tokenPairResponse.or(mfaRequiredResponse) },
    run: async (request) => ({
      status: 200,
      body: await login(request.body, requestMetaOf(request), identityDeps()),
    }),
  }),
  "POST /v1/auth/mfa": route({
    problems: SESSION_START_PROBLEMS,
    body: mfaBody,
    responses: { 200: tokenPairResponse },
    run: async (request) => ({
      status: 200,
      body: await completeMfa(request.body, requestMetaOf(request), identityDeps()),
    }),
  }),
  "POST /v1/auth/mfa/sms": route({
    problems: SIGN_IN_PROBLEMS,
    body: mfaSmsBody,
    responses: { 202: mfaSmsSent },
    run: async (request) => ({
      status: 202,
      body: await sendMfaSms(request.body, requestMetaOf(request), identityDeps()),
    }),
  }),
  "POST /v1/auth/refresh": route({
    problems: SIGN_IN_PROBLEMS,
    body: refreshBody,
    responses: { 200: tokenPairResponse },
    run: async (request) => ({
      status: 200,
      body: await refresh(request.body, requestMetaOf(request), identityDeps()),
    }),
  }),
  "POST /v1/auth/logout": route({
    responses: { 204: noContent },
    run: async (request) => {
      const deps = identityDeps();
      const principal = await requireLiveUser(request.principal, "session:manage", deps.clock);
      await logout(principal, requestMetaOf(request), deps);
      return { status: 204 };
    },
  }),
});
