import { randomBytes } from "node:crypto";
import { RawAesKeyringNode, RawAesWrappingSuiteIdentifier } from "@aws-crypto/client-node";
import { describe, expect, it } from "vitest";
import { openField, sealField } from "../../functions/messages/sealed.ts";
import { createFieldCipher } from "../../functions/shared/encryption-sdk.ts";

/**
 * Message fields must hit the Encryption SDK's data-key cache: on AWS every keyring call is a KMS
 * request (GenerateDataKey / Decrypt), so one per field would be ~4 KMS calls per SMS.
 */
function countingKeyring() {
  const keyring = new RawAesKeyringNode({
    keyNamespace: "test",
    keyName: "data",
    unencryptedMasterKey: new Uint8Array(randomBytes(32)),
    wrappingSuite: RawAesWrappingSuiteIdentifier.AES256_GCM_IV12_TAG16_NO_PADDING,
  });
  const counts = { encrypt: 0, decrypt: 0 };
  const onEncrypt = keyring._onEncrypt.bind(keyring);
  const onDecrypt = keyring._onDecrypt.bind(keyring);
  const counted = Object.create(keyring, {
    _onEncrypt: {
      value: (...args: Parameters<typeof onEncrypt>) => {
        counts.encrypt++;
        return onEncrypt(...args);
      },
    },
    _onDecrypt: {
      value: (...args: Parameters<typeof onDecrypt>) => {
        counts.decrypt++;
        return onDecrypt(...args);
      },
    },
  }) as RawAesKeyringNode;
  return { keyring: counted, counts };
}

describe("message field encryption", () => {
  it("500 messages of one account cost one data key per field, not one per message", async () => {
    const { keyring, counts } = countingKeyring();
    const cipher = createFieldCipher(keyring);
    const sealed: { id: string; to: string; text: string }[] = [];
    for (let i = 0; i < 500; i++) {
      const id = `msg_${i}`;
      const binding = { accountId: "acc_1", messageId: id } as const;
      sealed.push({
        id,
        to: await sealField(cipher, { ...binding, field: "to" }, `+3725612${String(i).padStart(4, "0")}`),
        text: await sealField(cipher, { ...binding, field: "text" }, `hello ${i}`),
      });
    }
    for (const [i, message] of sealed.entries()) {
      const binding = { accountId: "acc_1", messageId: message.id } as const;
      expect(await openField(cipher, { ...binding, field: "text" }, message.text)).toBe(`hello ${i}`);
      await openField(cipher, { ...binding, field: "to" }, message.to);
    }
    expect(counts.encrypt).toBeLessThanOrEqual(2);
    expect(counts.decrypt).toBeLessThanOrEqual(2);
  });

  it("a sealed field does not open for another message, field or account", async () => {
    const cipher = createFieldCipher(countingKeyring().keyring);
    const binding = { accountId: "acc_1", messageId: "msg_a", field: "to" } as const;
    const sealed = await sealField(cipher, binding, "+37256123456");
    expect(await openField(cipher, binding, sealed)).toBe("+37256123456");
    await expect(openField(cipher, { ...binding, messageId: "msg_b" }, sealed)).rejects.toThrow();
    await expect(openField(cipher, { ...binding, field: "text" }, sealed)).rejects.toThrow();
    await expect(openField(cipher, { ...binding, accountId: "acc_2" }, sealed)).rejects.toThrow();
  });
});
