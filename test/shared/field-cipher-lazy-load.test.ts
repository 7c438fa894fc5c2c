import { randomBytes } from "node:crypto";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { envNames } from "../../lib/catalog/env.ts";
import { FIELD_KEY_ID } from "../../lib/catalog/platform.ts";

/**
 * functions/shared/crypto.ts loads the Encryption SDK on first use instead of at import. The shared
 * cipher must still behave as before: it round-trips, binds the context, and a load that fails for
 * want of a key is not remembered (the next call, with the key in place, works).
 */
const saved = process.env[envNames.localKeyring];
afterEach(() => {
  if (saved === undefined) delete process.env[envNames.localKeyring];
  else process.env[envNames.localKeyring] = saved;
});

function localKeyring(): string {
  const path = join(mkdtempSync(join(tmpdir(), "tg-keyring-")), "keyring");
  writeFileSync(path, randomBytes(32));
  return path;
}

describe("the shared field cipher (Encryption SDK loaded on first use)", () => {
  it("fails while no key is configured, then works once one is, and round-trips with its context", async () => {
    const { fieldCipher } = await import("../../functions/shared/crypto.ts");
    delete process.env[envNames.localKeyring];
    delete process.env[envNames.keyArn(FIELD_KEY_ID)];
    const context = { accountId: "acc_lazy", field: "to" };
    await expect(fieldCipher().encrypt("+37255512345", context)).rejects.toThrow(/configuration/);

    process.env[envNames.localKeyring] = localKeyring();
    const sealed = await fieldCipher().encrypt("+37255512345", context);
    expect(sealed).not.toContain("37255512345");
    expect(await fieldCipher().decrypt(sealed, context)).toBe("+37255512345");
    await expect(fieldCipher().decrypt(sealed, { ...context, accountId: "acc_other" })).rejects.toThrow();
  });
});
