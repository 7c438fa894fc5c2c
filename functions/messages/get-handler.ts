import { httpHandler, route } from "../shared/http.ts";
import { DomainError } from "../shared/problem.ts";
import { getMessage } from "./read.ts";
import { dynamoMessageRepository } from "./store.ts";
import { messageIdParams, messageView } from "./views.ts";

const messages = dynamoMessageRepository();

export const handler = httpHandler({
  "GET /v1/messages/{id}": route({
    params: messageIdParams,
    responses: { 200: messageView },
    run: async ({ params, principal }) => {
      if (!principal) throw new DomainError("unauthorized");
      return {
        status: 200,
        body: await getMessage({ accountId: principal.accountId, id: params.id }, { messages }),
      };
    },
  }),
});
