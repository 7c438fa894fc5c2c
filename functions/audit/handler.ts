import * as z from "zod";
import { systemClock } from "../shared/clock.ts";
import { httpHandler, route } from "../shared/http.ts";
import { DomainError } from "../shared/problem.ts";
import { queryAuditEvents } from "./store.ts";

const isoDate = z.iso.datetime({ offset: true }).transform((value) => new Date(value).toISOString());

const auditQuery = z
  .strictObject({
    from: isoDate.optional(),
    to: isoDate.optional(),
    action: z
      .string()
      .regex(/^[a-z.]{1,64}$/, "lower-case dotted action")
      .optional(),
    actor: z.string().max(64).optional(),
    cursor: z.string().max(1024).optional(),
    limit: z.coerce.number().int().min(1).max(100).default(50),
  })
  // DynamoDB rejects BETWEEN with lower > upper (a 500 found by the fuzz): refuse it as a 400.
  .refine((query) => !query.from || !query.to || query.from <= query.to, {
    message: "from must not be after to",
    path: ["from"],
  });

export const handler = httpHandler({
  "GET /v1/audit/events": route({
    query: auditQuery,
    run: async ({ query, principal }) => {
      if (!principal) throw new DomainError("unauthorized");
      try {
        const page = await queryAuditEvents({ ...query, accountId: principal.accountId }, systemClock);
        return { status: 200, body: page };
      } catch (error) {
        if ((error as Error).name === "InvalidCursor") {
          throw new DomainError("validation-failed", "cursor is not valid", {
            errors: [{ field: "cursor", message: "not a cursor from this listing" }],
          });
        }
        throw error;
      }
    },
  }),
});
