import { randomBytes } from "node:crypto";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { createFieldCipher, keyringFromEnv } from "../../functions/shared/encryption-sdk.ts";
import { createHasher } from "../../functions/shared/secrets.ts";

function localKeyring(): string {
  const path = join(mkdtempSync(join(tmpdir(), "tg-keyring-")), "keyring");
  writeFileSync(path, randomBytes(32));
  return path;
}

describe("field encryption", () => {
  const cipher = createFieldCipher(keyringFromEnv({ TEXTGATE_LOCAL_KEYRING: localKeyring() }));
  const context = { accountId: "acc_1", messageId: "msg_1", field: "to" };

  it("round-trips and hides the plaintext", async () => {
    const sealed = await cipher.encrypt("+37255512345", context);
    expect(sealed).not.toContain("37255512345");
    expect(Buffer.from(sealed, "base64").toString("latin1")).not.toContain("37255512345");
    expect(await cipher.decrypt(sealed, context)).toBe("+37255512345");
  });

  it("refuses a ciphertext moved to another record (encryption context binding)", async () => {
    const sealed = await cipher.encrypt("secret text", context);
    await expect(cipher.decrypt(sealed, { ...context, accountId: "acc_2" })).rejects.toThrow();
  });

  it("refuses a ciphertext made under another keyring", async () => {
    const other = createFieldCipher(keyringFromEnv({ TEXTGATE_LOCAL_KEYRING: localKeyring() }));
    const sealed = await other.encrypt("secret", context);
    await expect(cipher.decrypt(sealed, context)).rejects.toThrow();
  });

  it("fails fast on a keyring of the wrong size", () => {
    const path = join(mkdtempSync(join(tmpdir(), "tg-keyring-")), "short");
    writeFileSync(path, randomBytes(16));
    expect(() => keyringFromEnv({ TEXTGATE_LOCAL_KEYRING: path })).toThrow(/32 bytes/);
  });
});

describe("keyed hashes", () => {
  const root = randomBytes(32);
  const hasher = createHasher(async () => root);

  it("is deterministic per purpose and differs across purposes", async () => {
    const a = await hasher.hmac("otp", "ver_1:+3725:123456");
    expect(await hasher.hmac("otp", "ver_1:+3725:123456")).toBe(a);
    expect(await hasher.hmac("recovery-code", "ver_1:+3725:123456")).not.toBe(a);
  });

  it("matches only the right candidate", async () => {
    const stored = await hasher.hmac("otp", "code-1");
    expect(await hasher.matches("otp", "code-1", stored)).toBe(true);
    expect(await hasher.matches("otp", "code-2", stored)).toBe(false);
    expect(await hasher.matches("otp", "code-1", "abcd")).toBe(false);
  });

  it("retries loading the root after a failure instead of caching it", async () => {
    let calls = 0;
    const flaky = createHasher(async () => {
      calls += 1;
      if (calls === 1) throw new Error("transient");
      return root;
    });
    await expect(flaky.hmac("otp", "x")).rejects.toThrow("transient");
    await expect(flaky.hmac("otp", "x")).resolves.toMatch(/^[0-9a-f]{64}$/);
  });
});
