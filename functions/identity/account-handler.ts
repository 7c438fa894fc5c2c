import { requestMetaOf } from "../audit/context.ts";
import {
  accountSettingsPatch,
  accountSettingsView,
  changeAccountSettings,
  dynamoAccountSettingsStore,
  readAccountSettings,
} from "../retention/account-settings.ts";
import { httpHandler, noContent, route } from "../shared/http.ts";
import { DomainError } from "../shared/problem.ts";
import { identityDeps } from "./deps.ts";
import {
  acceptInvitation,
  inviteUser,
  listAccountInvitations,
  revokeInvitation,
} from "./invitations-service.ts";
import { createKey, listKeys, revokeKey, rotateKey } from "./keys-service.ts";
import { requireLiveUser } from "./live-principal.ts";
import {
  confirmSmsEnrolment,
  confirmTotpEnrolment,
  regenerateRecoveryCodes,
  removeSecondFactor,
  startSmsEnrolment,
  startTotpEnrolment,
} from "./mfa-service.ts";
import { changePassword } from "./password-service.ts";
import { reauthenticate } from "./reauth.ts";
import {
  acceptedInvitation,
  acceptInvitationBody,
  apiKeyList,
  createdApiKey,
  invitationList,
  invitationParams,
  inviteBody,
  inviteResponse,
  keyCreateBody,
  keyParams,
  meView,
  mfaMethodParams,
  passwordChangeBody,
  passwordChanged,
  reauthBody,
  reauthResponse,
  recoveryCodes,
  secondFactorEnabled,
  secondFactorRemoved,
  smsConfirmBody,
  smsEnrolmentStarted,
  smsStartBody,
  totpConfirmBody,
  totpEnrolment,
  userList,
  userParams,
  userPatchBody,
  userView,
} from "./schemas.ts";
import { changeUser, listAccountUsers } from "./users-service.ts";
import { getUser, toUserView } from "./users-store.ts";

/** Account administration (users, invitations, API keys) and the signed-in user's own factors. */

export const handler = httpHandler({
  "GET /v1/account/me": route({
    responses: { 200: meView },
    run: async (request) => {
      const principal = await requireLiveUser(request.principal, "account:read", identityDeps().clock);
      const user = await getUser(principal.accountId, principal.principalId);
      if (!user) throw new DomainError("unauthorized");
      return { status: 200, body: { accountId: principal.accountId, ...toUserView(user) } };
    },
  }),
  "GET /v1/account/settings": route({
    responses: { 200: accountSettingsView },
    run: async (request) => {
      const principal = await requireLiveUser(request.principal, "settings:manage", identityDeps().clock);
      const body = await readAccountSettings(principal.accountId, { settings: dynamoAccountSettingsStore });
      return { status: 200, body };
    },
  }),
  "PATCH /v1/account/settings": route({
    body: accountSettingsPatch,
    responses: { 200: accountSettingsView },
    run: async (request) => {
      const deps = identityDeps();
      const principal = await requireLiveUser(request.principal, "settings:manage", deps.clock);
      const body = await changeAccountSettings(
        request.body,
        { accountId: principal.accountId, userId: principal.principalId, ...requestMetaOf(request) },
        { settings: dynamoAccountSettingsStore, audit: deps.audit },
      );
      return { status: 200, body };
    },
  }),
  "GET /v1/account/users": route({
    responses: { 200: userList },
    run: async (request) => {
      const principal = await requireLiveUser(request.principal, "users:manage", identityDeps().clock);
      return { status: 200, body: await listAccountUsers(principal) };
    },
  }),
  "PATCH /v1/account/users/{userId}": route({
    params: userParams,
    body: userPatchBody,
    responses: { 200: userView },
    run: async (request) => {
      const deps = identityDeps();
      const principal = await requireLiveUser(request.principal, "users:manage", deps.clock);
      const body = await changeUser(
        { ...request.params, ...request.body },
        principal,
        requestMetaOf(request),
        deps,
      );
      return { status: 200, body };
    },
  }),
  "POST /v1/account/invitations": route({
    body: inviteBody,
    responses: { 201: inviteResponse },
    run: async (request) => {
      const deps = identityDeps();
      const principal = await requireLiveUser(request.principal, "users:manage", deps.clock);
      return { status: 201, body: await inviteUser(request.body, principal, requestMetaOf(request), deps) };
    },
  }),
  "GET /v1/account/invitations": route({
    responses: { 200: invitationList },
    run: async (request) => {
      const deps = identityDeps();
      const principal = await requireLiveUser(request.principal, "users:manage", deps.clock);
      return { status: 200, body: await listAccountInvitations(principal, deps) };
    },
  }),
  "DELETE /v1/account/invitations/{invitationId}": route({
    params: invitationParams,
    responses: { 204: noContent },
    run: async (request) => {
      const deps = identityDeps();
      const principal = await requireLiveUser(request.principal, "users:manage", deps.clock);
      await revokeInvitation(request.params.invitationId, principal, requestMetaOf(request), deps);
      return { status: 204 };
    },
  }),
  "POST /v1/account/invitations/accept": route({
    body: acceptInvitationBody,
    // Public, but an invalid, used or expired invitation token is refused as unauthorized.
    problems: ["unauthorized"],
    responses: { 201: acceptedInvitation },
    run: async (request) => ({
      status: 201,
      body: await acceptInvitation(request.body, requestMetaOf(request), identityDeps()),
    }),
  }),
  "GET /v1/account/api-keys": route({
    responses: { 200: apiKeyList },
    run: async (request) => {
      const principal = await requireLiveUser(request.principal, "keys:manage", identityDeps().clock);
      return { status: 200, body: await listKeys(principal) };
    },
  }),
  "POST /v1/account/api-keys": route({
    body: keyCreateBody,
    responses: { 201: createdApiKey },
    run: async (request) => {
      const deps = identityDeps();
      const principal = await requireLiveUser(request.principal, "keys:manage", deps.clock);
      return { status: 201, body: await createKey(request.body, principal, requestMetaOf(request), deps) };
    },
  }),
  "POST /v1/account/api-keys/{keyId}/rotate": route({
    params: keyParams,
    responses: { 201: createdApiKey },
    run: async (request) => {
      const deps = identityDeps();
      const principal = await requireLiveUser(request.principal, "keys:manage", deps.clock);
      return {
        status: 201,
        body: await rotateKey(request.params.keyId, principal, requestMetaOf(request), deps),
      };
    },
  }),
  "DELETE /v1/account/api-keys/{keyId}": route({
    params: keyParams,
    responses: { 204: noContent },
    run: async (request) => {
      const deps = identityDeps();
      const principal = await requireLiveUser(request.principal, "keys:manage", deps.clock);
      await revokeKey(request.params.keyId, principal, requestMetaOf(request), deps);
      return { status: 204 };
    },
  }),
  "POST /v1/account/mfa/totp": route({
    responses: { 201: totpEnrolment },
    run: async (request) => {
      const deps = identityDeps();
      const principal = await requireLiveUser(request.principal, "profile:manage", deps.clock);
      return { status: 201, body: await startTotpEnrolment(principal, deps) };
    },
  }),
  "POST /v1/account/mfa/totp/confirm": route({
    body: totpConfirmBody,
    responses: { 200: secondFactorEnabled },
    run: async (request) => {
      const deps = identityDeps();
      const principal = await requireLiveUser(request.principal, "profile:manage", deps.clock);
      return {
        status: 200,
        body: await confirmTotpEnrolment(request.body, principal, requestMetaOf(request), deps),
      };
    },
  }),
  "POST /v1/account/mfa/sms": route({
    body: smsStartBody,
    responses: { 202: smsEnrolmentStarted },
    run: async (request) => {
      const deps = identityDeps();
      const principal = await requireLiveUser(request.principal, "profile:manage", deps.clock);
      return {
        status: 202,
        body: await startSmsEnrolment(request.body, principal, requestMetaOf(request), deps),
      };
    },
  }),
  "POST /v1/account/mfa/sms/confirm": route({
    body: smsConfirmBody,
    responses: { 200: secondFactorEnabled },
    run: async (request) => {
      const deps = identityDeps();
      const principal = await requireLiveUser(request.principal, "profile:manage", deps.clock);
      return {
        status: 200,
        body: await confirmSmsEnrolment(request.body, principal, requestMetaOf(request), deps),
      };
    },
  }),
  "POST /v1/account/password": route({
    body: passwordChangeBody,
    responses: { 200: passwordChanged },
    run: async (request) => {
      const deps = identityDeps();
      const principal = await requireLiveUser(request.principal, "profile:manage", deps.clock);
      return {
        status: 200,
        body: await changePassword(request.body, principal, requestMetaOf(request), deps),
      };
    },
  }),
  "DELETE /v1/account/mfa/{method}": route({
    params: mfaMethodParams,
    responses: { 200: secondFactorRemoved },
    run: async (request) => {
      const deps = identityDeps();
      const principal = await requireLiveUser(request.principal, "profile:manage", deps.clock);
      return {
        status: 200,
        body: await removeSecondFactor(request.params.method, principal, requestMetaOf(request), deps),
      };
    },
  }),
  "POST /v1/account/reauth": route({
    body: reauthBody,
    responses: { 200: reauthResponse },
    run: async (request) => {
      const deps = identityDeps();
      const principal = await requireLiveUser(request.principal, "profile:manage", deps.clock);
      return {
        status: 200,
        body: await reauthenticate(request.body, principal, requestMetaOf(request), deps),
      };
    },
  }),
  "POST /v1/account/mfa/recovery-codes": route({
    responses: { 201: recoveryCodes },
    run: async (request) => {
      const deps = identityDeps();
      const principal = await requireLiveUser(request.principal, "profile:manage", deps.clock);
      return { status: 201, body: await regenerateRecoveryCodes(principal, requestMetaOf(request), deps) };
    },
  }),
});
