import { httpHandler, route } from "../shared/http.ts";

export const handler = httpHandler({
  "GET /health": route({ run: async () => ({ status: 200, body: { status: "ok" } }) }),
});
