import * as z from "zod";
import { httpHandler, route } from "../shared/http.ts";

const healthResponse = z.object({ status: z.literal("ok") });

export const handler = httpHandler({
  "GET /health": route({
    responses: { 200: healthResponse },
    run: async () => ({ status: 200, body: { status: "ok" } }),
  }),
});
