import { randomBytes } from "node:crypto";
import { chmodSync, existsSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";

/**
 * The local stand-in for the KMS data key: 32 random bytes made once per TEXTGATE_HOME, so data
 * persisted with --persist stays readable across restarts. Never used on AWS.
 */
export function ensureLocalKeyring(home: string): string {
  mkdirSync(home, { recursive: true, mode: 0o700 });
  const path = join(home, "local-keyring.bin");
  if (!existsSync(path)) writeFileSync(path, randomBytes(32), { mode: 0o600, flag: "wx" });
  chmodSync(path, 0o600);
  return path;
}
