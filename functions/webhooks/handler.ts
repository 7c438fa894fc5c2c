import { requestMetaOf } from "../audit/context.ts";
import { requireLiveUser } from "../identity/live-principal.ts";
import { httpHandler, noContent, route } from "../shared/http.ts";
import {
  accountSigningSecret,
  deliveryList,
  deliveryListQuery,
  deliveryParams,
  replayResponse,
  webhookCreateBody,
  webhookList,
  webhookParams,
  webhookPatchBody,
  webhookView,
  webhookWithSecret,
} from "./schemas.ts";
import {
  changeWebhook,
  createWebhook,
  deleteWebhook,
  getWebhook,
  listDeliveries,
  listWebhooks,
  replayDelivery,
  rotateAccountSigningSecret,
  rotateWebhookSecret,
} from "./service.ts";
import { webhookDeps } from "./wiring.ts";

/** Webhook endpoints of the signed-in user's account: owners and admins (live role check). */
const manager = (principal: Parameters<typeof requireLiveUser>[0]) =>
  requireLiveUser(principal, "webhooks:manage", webhookDeps().clock);

export const handler = httpHandler({
  "POST /v1/account/webhooks": route({
    body: webhookCreateBody,
    responses: { 201: webhookWithSecret },
    run: async (request) => {
      const principal = await manager(request.principal);
      return {
        status: 201,
        body: await createWebhook(request.body, principal, requestMetaOf(request), webhookDeps()),
      };
    },
  }),
  "GET /v1/account/webhooks": route({
    responses: { 200: webhookList },
    run: async (request) => ({
      status: 200,
      body: await listWebhooks(await manager(request.principal), webhookDeps()),
    }),
  }),
  "POST /v1/account/webhooks/signing-secret": route({
    responses: { 201: accountSigningSecret },
    run: async (request) => {
      const principal = await manager(request.principal);
      return {
        status: 201,
        body: await rotateAccountSigningSecret(principal, requestMetaOf(request), webhookDeps()),
      };
    },
  }),
  "GET /v1/account/webhooks/{webhookId}": route({
    params: webhookParams,
    responses: { 200: webhookView },
    run: async (request) => ({
      status: 200,
      body: await getWebhook(await manager(request.principal), request.params.webhookId, webhookDeps()),
    }),
  }),
  "PATCH /v1/account/webhooks/{webhookId}": route({
    params: webhookParams,
    body: webhookPatchBody,
    responses: { 200: webhookView },
    run: async (request) => {
      const principal = await manager(request.principal);
      const body = await changeWebhook(
        request.params.webhookId,
        request.body,
        principal,
        requestMetaOf(request),
        webhookDeps(),
      );
      return { status: 200, body };
    },
  }),
  "DELETE /v1/account/webhooks/{webhookId}": route({
    params: webhookParams,
    responses: { 204: noContent },
    run: async (request) => {
      const principal = await manager(request.principal);
      await deleteWebhook(request.params.webhookId, principal, requestMetaOf(request), webhookDeps());
      return { status: 204 };
    },
  }),
  "POST /v1/account/webhooks/{webhookId}/rotate-secret": route({
    params: webhookParams,
    responses: { 201: webhookWithSecret },
    run: async (request) => {
      const principal = await manager(request.principal);
      const body = await rotateWebhookSecret(
        request.params.webhookId,
        principal,
        requestMetaOf(request),
        webhookDeps(),
      );
      return { status: 201, body };
    },
  }),
  "GET /v1/account/webhooks/{webhookId}/deliveries": route({
    params: webhookParams,
    query: deliveryListQuery,
    responses: { 200: deliveryList },
    run: async (request) => {
      const principal = await manager(request.principal);
      const body = await listDeliveries(
        request.params.webhookId,
        request.query.limit,
        principal,
        webhookDeps(),
      );
      return { status: 200, body };
    },
  }),
  "POST /v1/account/webhooks/{webhookId}/deliveries/{deliveryId}/replay": route({
    params: deliveryParams,
    responses: { 202: replayResponse },
    run: async (request) => {
      const principal = await manager(request.principal);
      return {
        status: 202,
        body: await replayDelivery(request.params, principal, requestMetaOf(request), webhookDeps()),
      };
    },
  }),
});
