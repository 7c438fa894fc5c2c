/** Request and response schemas of GET /v1/audit/events (the OpenAPI document reads them too). */
import * as z from "zod";

const isoDate = z.iso.datetime({ offset: true }).transform((value) => new Date(value).toISOString());

export const auditQuery = z
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

export const auditEventView = z.object({
  id: z.string(),
  at: z.string().describe("ISO-8601 UTC"),
  accountId: z.string(),
  action: z.string().describe('Dotted verb, e.g. "auth.login", "apikey.created"'),
  actor: z.object({ type: z.enum(["user", "apiKey", "system", "anonymous", "operator"]), id: z.string() }),
  outcome: z.enum(["success", "failure", "blocked"]),
  target: z.object({ type: z.string(), id: z.string() }).optional(),
  sourceIp: z.string().optional(),
  userAgent: z.string().optional().describe("The caller's User-Agent header (at most 256 characters)"),
  requestId: z.string().optional(),
  details: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])).optional(),
  class: z.enum(["persistent", "short"]).describe("persistent: kept for the account's life; short: 7 days"),
});

export const auditPageView = z.object({
  events: z.array(auditEventView).describe("Newest first"),
  nextCursor: z.string().optional().describe("Pass as `cursor` for the next page"),
});
