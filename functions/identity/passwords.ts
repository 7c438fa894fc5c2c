import { randomBytes, scrypt as scryptCallback, timingSafeEqual } from "node:crypto";
import { promisify } from "node:util";

const scrypt = promisify(scryptCallback) as (
  password: string,
  salt: Buffer,
  keylen: number,
  options: { N: number; r: number; p: number; maxmem: number },
) => Promise<Buffer>;

/**
 * Memory-hard password hashing (scrypt, per-user salt). Encoded as scrypt$N$r$p$salt$hash so
 * parameters can be raised later: needsRehash tells the login flow to upgrade a stored hash.
 */
export const CURRENT_PARAMS = { N: 2 ** 15, r: 8, p: 1 } as const;
const KEY_LENGTH = 32;

const maxmem = (N: number, r: number): number => 128 * N * r * 2;

export async function hashPassword(password: string, params = CURRENT_PARAMS): Promise<string> {
  const salt = randomBytes(16);
  const hash = await scrypt(password.normalize("NFKC"), salt, KEY_LENGTH, {
    ...params,
    maxmem: maxmem(params.N, params.r),
  });
  return [
    "scrypt",
    params.N,
    params.r,
    params.p,
    salt.toString("base64url"),
    hash.toString("base64url"),
  ].join("$");
}

function parse(encoded: string): { N: number; r: number; p: number; salt: Buffer; hash: Buffer } | undefined {
  const [scheme, N, r, p, salt, hash] = encoded.split("$");
  if (scheme !== "scrypt" || !N || !r || !p || !salt || !hash) return undefined;
  return {
    N: Number(N),
    r: Number(r),
    p: Number(p),
    salt: Buffer.from(salt, "base64url"),
    hash: Buffer.from(hash, "base64url"),
  };
}

export async function verifyPassword(password: string, encoded: string): Promise<boolean> {
  const parsed = parse(encoded);
  if (!parsed) return false;
  const candidate = await scrypt(password.normalize("NFKC"), parsed.salt, parsed.hash.length, {
    N: parsed.N,
    r: parsed.r,
    p: parsed.p,
    maxmem: maxmem(parsed.N, parsed.r),
  });
  return timingSafeEqual(candidate, parsed.hash);
}

export function needsRehash(encoded: string, params = CURRENT_PARAMS): boolean {
  const parsed = parse(encoded);
  return !parsed || parsed.N !== params.N || parsed.r !== params.r || parsed.p !== params.p;
}
