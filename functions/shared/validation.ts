import type * as z from "zod";
import { type FieldError, validationError } from "./problem.ts";

/** zod issues → field errors naming the offending field (unknown keys each get their own entry). */
export function fieldErrors(error: z.ZodError, prefix: string): FieldError[] {
  const join = (path: readonly PropertyKey[]): string =>
    [prefix, ...path.map(String)].filter((part) => part !== "").join(".") || "body";
  return error.issues.flatMap((issue): FieldError[] => {
    if (issue.code === "unrecognized_keys") {
      return issue.keys.map((key) => ({ field: join([...issue.path, key]), message: "unknown field" }));
    }
    return [{ field: join(issue.path), message: issue.message }];
  });
}

export function parseWith<S extends z.ZodType>(schema: S, input: unknown, prefix: string): z.infer<S> {
  const parsed = schema.safeParse(input);
  if (!parsed.success) throw validationError(fieldErrors(parsed.error, prefix));
  return parsed.data;
}
