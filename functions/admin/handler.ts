import { httpHandler, route } from "../shared/http.ts";
import { countDeadLetters, discardDeadLetters, peekDeadLetters, redriveDeadLetters } from "./dead-letters.ts";
import { postIncident, resolveIncident, updateIncident } from "./incidents.ts";
import { operatorCall } from "./operator-call.ts";
import {
  accountList,
  accountParams,
  accountView,
  actionBody,
  adminUserView,
  createAccountBody,
  createdAccount,
  deadLetterCounts,
  deadLetterMove,
  deadLetterParams,
  deadLetterPeek,
  discardBody,
  incidentParams,
  incidentView,
  listQuery,
  peekDeadLettersQuery,
  postIncidentBody,
  redriveBody,
  resetMfaBody,
  resolveIncidentBody,
  updateAccountBody,
  updateIncidentBody,
  userParams,
} from "./schemas.ts";
import {
  closeAccount,
  createAccount,
  listAccounts,
  reactivateAccount,
  showAccount,
  suspendAccount,
  updateAccountSettings,
} from "./service.ts";
import { resetSecondFactors, unlockUserAsOperator } from "./users.ts";
import { adminDeps } from "./wiring.ts";

/** The operator API (accounts, users, incidents, dead letters); carriers are functions/carriers/admin/handler.ts. */
export const handler = httpHandler({
  "POST /v1/admin/accounts": route({
    body: createAccountBody,
    responses: { 201: createdAccount },
    run: async (request) => {
      const { reason, ...input } = request.body;
      const body = await createAccount(input, operatorCall(request, reason), adminDeps());
      return { status: 201, body };
    },
  }),
  "GET /v1/admin/accounts": route({
    query: listQuery,
    responses: { 200: accountList },
    run: async (request) => {
      operatorCall(request);
      return { status: 200, body: await listAccounts(request.query, adminDeps()) };
    },
  }),
  "GET /v1/admin/accounts/{accountId}": route({
    params: accountParams,
    responses: { 200: accountView },
    run: async (request) => {
      operatorCall(request);
      return { status: 200, body: await showAccount(request.params.accountId, adminDeps()) };
    },
  }),
  "PATCH /v1/admin/accounts/{accountId}": route({
    params: accountParams,
    body: updateAccountBody,
    responses: { 200: accountView },
    run: async (request) => {
      const { reason, ...changes } = request.body;
      const call = operatorCall(request, reason);
      const body = await updateAccountSettings(request.params.accountId, changes, call, adminDeps());
      return { status: 200, body };
    },
  }),
  "POST /v1/admin/accounts/{accountId}/suspend": route({
    params: accountParams,
    body: actionBody,
    responses: { 200: accountView },
    run: async (request) => {
      const call = operatorCall(request, request.body.reason);
      return { status: 200, body: await suspendAccount(request.params.accountId, call, adminDeps()) };
    },
  }),
  "POST /v1/admin/accounts/{accountId}/reactivate": route({
    params: accountParams,
    body: actionBody,
    responses: { 200: accountView },
    run: async (request) => {
      const call = operatorCall(request, request.body.reason);
      return { status: 200, body: await reactivateAccount(request.params.accountId, call, adminDeps()) };
    },
  }),
  "POST /v1/admin/accounts/{accountId}/close": route({
    params: accountParams,
    body: actionBody,
    responses: { 200: accountView },
    run: async (request) => {
      const call = operatorCall(request, request.body.reason);
      return { status: 200, body: await closeAccount(request.params.accountId, call, adminDeps()) };
    },
  }),
  "POST /v1/admin/accounts/{accountId}/users/{userId}/unlock": route({
    params: userParams,
    body: actionBody,
    responses: { 200: adminUserView },
    run: async (request) => {
      const call = operatorCall(request, request.body.reason);
      const user = await unlockUserAsOperator(request.params, call, adminDeps());
      return { status: 200, body: { accountId: request.params.accountId, ...user } };
    },
  }),
  "POST /v1/admin/accounts/{accountId}/users/{userId}/reset-mfa": route({
    params: userParams,
    body: resetMfaBody,
    responses: { 200: adminUserView },
    run: async (request) => {
      const call = { ...operatorCall(request), reason: request.body.reason };
      const user = await resetSecondFactors(request.params, call, adminDeps());
      return { status: 200, body: { accountId: request.params.accountId, ...user } };
    },
  }),
  "POST /v1/admin/incidents": route({
    body: postIncidentBody,
    responses: { 201: incidentView },
    run: async (request) => {
      const body = await postIncident(request.body, operatorCall(request), adminDeps());
      return { status: 201, body };
    },
  }),
  "PATCH /v1/admin/incidents/{incidentId}": route({
    params: incidentParams,
    body: updateIncidentBody,
    responses: { 200: incidentView },
    run: async (request) => {
      const call = operatorCall(request);
      return {
        status: 200,
        body: await updateIncident(request.params.incidentId, request.body, call, adminDeps()),
      };
    },
  }),
  "POST /v1/admin/incidents/{incidentId}/resolve": route({
    params: incidentParams,
    body: resolveIncidentBody,
    responses: { 200: incidentView },
    run: async (request) => {
      const call = operatorCall(request);
      const { incidentId } = request.params;
      return {
        status: 200,
        body: await resolveIncident(incidentId, request.body.message, call, adminDeps()),
      };
    },
  }),
  "GET /v1/admin/dead-letters": route({
    responses: { 200: deadLetterCounts },
    run: async (request) => {
      operatorCall(request);
      return { status: 200, body: { queues: await countDeadLetters(adminDeps()) } };
    },
  }),
  "GET /v1/admin/dead-letters/{queue}": route({
    params: deadLetterParams,
    query: peekDeadLettersQuery,
    responses: { 200: deadLetterPeek },
    run: async (request) => {
      operatorCall(request);
      const { queue } = request.params;
      const records = await peekDeadLetters(queue, request.query, adminDeps());
      return { status: 200, body: { queue, source: request.query.source, records } };
    },
  }),
  "POST /v1/admin/dead-letters/{queue}/redrive": route({
    params: deadLetterParams,
    body: redriveBody,
    responses: { 200: deadLetterMove },
    run: async (request) => {
      const { reason, ...move } = request.body;
      const call = operatorCall(request, reason);
      return { status: 200, body: await redriveDeadLetters(request.params.queue, move, call, adminDeps()) };
    },
  }),
  "POST /v1/admin/dead-letters/{queue}/discard": route({
    params: deadLetterParams,
    body: discardBody,
    responses: { 200: deadLetterMove },
    run: async (request) => {
      const call = operatorCall(request, request.body.reason);
      return {
        status: 200,
        body: await discardDeadLetters(request.params.queue, request.body, call, adminDeps()),
      };
    },
  }),
});
