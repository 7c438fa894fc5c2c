import { createHmac, hkdfSync, randomBytes, timingSafeEqual } from "node:crypto";
import { GetCommand, PutCommand } from "@aws-sdk/lib-dynamodb";
import { dynamoClient } from "./aws.ts";
import { tableName } from "./config.ts";
import { type FieldCipher, fieldCipher } from "./crypto.ts";
import { isConditionalCheckFailure } from "./dynamo.ts";

/**
 * Keyed hashes (HMAC-SHA256) for values we must compare but never store: OTP codes, recovery codes,
 * blind indexes of phone numbers. One random root secret per deployment lives in the accounts table,
 * encrypted with the data key; per-purpose keys are derived from it with HKDF, so a leaked table
 * alone reveals nothing. Creating the root is a deploy/start step (bootstrapRootSecret), reading it
 * needs only read access and one decrypt per container.
 */
export type HmacPurpose =
  | "otp"
  | "phone-index"
  | "recovery-code"
  | "invitation"
  | "refresh-token"
  | "device-token";

const ROOT_KEY = { pk: "SYSTEM", sk: "HMAC_ROOT" } as const;
const ROOT_CONTEXT = { purpose: "hmac-root" } as const;

export interface Hasher {
  hmac(purpose: HmacPurpose, value: string): Promise<string>;
  /** Constant-time comparison of a candidate against a stored HMAC. */
  matches(purpose: HmacPurpose, candidate: string, storedHex: string): Promise<boolean>;
}

export function createHasher(loadRoot: () => Promise<Buffer>): Hasher {
  let root: Promise<Buffer> | undefined;
  const keys = new Map<HmacPurpose, Buffer>();
  const keyFor = async (purpose: HmacPurpose): Promise<Buffer> => {
    const cached = keys.get(purpose);
    if (cached) return cached;
    root ??= loadRoot().catch((error: unknown) => {
      root = undefined; // do not cache a failure: the next call retries
      throw error;
    });
    const derived = Buffer.from(hkdfSync("sha256", await root, "", `textgate:${purpose}`, 32));
    keys.set(purpose, derived);
    return derived;
  };
  const hmac = async (purpose: HmacPurpose, value: string): Promise<string> =>
    createHmac("sha256", await keyFor(purpose))
      .update(value, "utf8")
      .digest("hex");
  return {
    hmac,
    async matches(purpose, candidate, storedHex) {
      const actual = Buffer.from(await hmac(purpose, candidate), "hex");
      const expected = Buffer.from(storedHex, "hex");
      return actual.length === expected.length && timingSafeEqual(actual, expected);
    },
  };
}

async function readRoot(cipher: FieldCipher): Promise<Buffer> {
  const { Item } = await dynamoClient().send(
    new GetCommand({ TableName: tableName("accounts"), Key: ROOT_KEY }),
  );
  const encrypted = Item?.secret;
  if (typeof encrypted !== "string") throw new Error("HMAC root secret missing: run the bootstrap step");
  return Buffer.from(await cipher.decrypt(encrypted, ROOT_CONTEXT), "base64");
}

/** Creates the root secret once; a second call (or a race) leaves the first one in place. */
export async function bootstrapRootSecret(
  cipher: FieldCipher = fieldCipher(),
): Promise<"created" | "exists"> {
  const secret = await cipher.encrypt(randomBytes(32).toString("base64"), ROOT_CONTEXT);
  try {
    await dynamoClient().send(
      new PutCommand({
        TableName: tableName("accounts"),
        Item: { ...ROOT_KEY, secret, createdAt: new Date().toISOString() },
        ConditionExpression: "attribute_not_exists(pk)",
      }),
    );
    return "created";
  } catch (error) {
    if (isConditionalCheckFailure(error)) return "exists";
    throw error;
  }
}

let shared: Hasher | undefined;

export function hasher(): Hasher {
  shared ??= createHasher(() => readRoot(fieldCipher()));
  return shared;
}
