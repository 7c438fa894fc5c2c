import * as z from "zod";
import { catalog } from "../../lib/catalog/index.ts";
import { isAllowed } from "../shared/policy.ts";
import { storedCreatedBy } from "../shared/principal.ts";
import type { ClassCounts, DataClass } from "./exposure-schemas.ts";
import type { PrincipalFacts } from "./exposure-store.ts";

/**
 * What one stored item exposes, by how the scope could reach it:
 *   created  the principal itself sent it: it knew the number and the text (OTP texts are counted
 *            through their verification: the code never came back to the caller)
 *   handed   a carrier received it: number and text, an OTP code inside an OTP text
 *   stored   whoever could read and decrypt the table: number, and the text while it is still
 *            stored (OTP texts are dropped once final, so codes only while an OTP text waited)
 *   masked   readable without the data key, or through the customer API: masked number, status
 */
export type Reach = "created" | "handed" | "stored" | "masked";

export const storedMessage = z.object({
  id: z.string(),
  accountId: z.string(),
  priority: z.string(),
  toMasked: z.string(),
  textCipher: z.string().optional(),
  createdBy: storedCreatedBy.optional(),
});
export const storedVerification = z.object({
  id: z.string(),
  accountId: z.string(),
  toMasked: z.string(),
  createdBy: storedCreatedBy.optional(),
});
export type ScannedMessage = z.infer<typeof storedMessage>;
export type ScannedVerification = z.infer<typeof storedVerification>;

export const noClasses = (): ClassCounts => ({
  numbers: 0,
  bodies: 0,
  codes: 0,
  credentials: 0,
  metadata: 0,
});

export function messageClasses(message: ScannedMessage, reach: Reach): Partial<ClassCounts> | undefined {
  const otp = message.priority === "otp";
  switch (reach) {
    case "created":
      return otp ? undefined : { numbers: 1, bodies: 1 };
    case "handed":
      return otp ? { numbers: 1, codes: 1 } : { numbers: 1, bodies: 1 };
    case "stored":
      if (!message.textCipher) return { numbers: 1 };
      return otp ? { numbers: 1, codes: 1 } : { numbers: 1, bodies: 1 };
    case "masked":
      return { metadata: 1 };
  }
}

/** Verifications hold the number (encrypted) and only a keyed hash of the code: never a code. */
export const verificationClasses = (reach: Reach): Partial<ClassCounts> =>
  reach === "masked" ? { metadata: 1 } : { numbers: 1 };

/** Audit actions by a user that hand out a credential (a new key's secret, an invitation token). */
export const CREDENTIAL_ACTIONS: ReadonlySet<string> = new Set([
  "apikey.created",
  "apikey.rotated",
  "invitation.sent",
]);

/** What an API key or user could read through the customer API (functions/shared/policy.ts). */
export function readableBy(principal: PrincipalFacts): ("messages" | "verifications")[] {
  const asPrincipal = {
    accountId: principal.accountId,
    principalId: principal.id,
    type: principal.type,
    scopes: principal.scopes,
    ...(principal.role ? { role: principal.role } : {}),
  };
  return [
    ...(isAllowed(asPrincipal, "messages:read") ? (["messages"] as const) : []),
    ...(isAllowed(asPrincipal, "verify:read") ? (["verifications"] as const) : []),
  ];
}

const READABLE = new Set(["read", "readWrite", "readUpdate"]);

/** What a function's catalogue grants let it read: tables, and whether it can decrypt fields. */
export interface FunctionReach {
  readonly messages?: Reach;
  readonly verifications?: Reach;
  readonly credentials: boolean;
  readonly reachable: readonly DataClass[];
}

/** undefined for a function id the catalogue does not know. */
export function functionReach(functionId: string): FunctionReach | undefined {
  const spec = catalog.functions.find((candidate) => candidate.id === functionId);
  if (!spec) return undefined;
  const tables = spec.grants.tables ?? {};
  const reads = (table: string): boolean => READABLE.has(tables[table] ?? "");
  // Phone numbers and texts are sealed with the field key ("data"): without decrypt, only masks.
  const decrypts = spec.grants.keys?.data?.includes("decrypt") ?? false;
  const tableReach = decrypts ? "stored" : "masked";
  const messages = reads("messages") ? tableReach : undefined;
  const verifications = reads("verifications") ? tableReach : undefined;
  const credentials = reads("accounts");
  const reachable = new Set<DataClass>();
  if (messages === "stored")
    for (const dataClass of ["numbers", "bodies", "codes"] as const) reachable.add(dataClass);
  if (verifications === "stored") reachable.add("numbers");
  if (messages === "masked" || verifications === "masked") reachable.add("metadata");
  if (credentials) reachable.add("credentials");
  return {
    ...(messages ? { messages } : {}),
    ...(verifications ? { verifications } : {}),
    credentials,
    reachable: [...reachable],
  };
}
