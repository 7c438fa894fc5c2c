import { describe, expect, it } from "vitest";
import { type ApiKeyRecord, apiKeyRecordOf } from "../../functions/auth/api-keys.ts";
import { expectMalformedItem } from "../support/stored-items.ts";

/**
 * Both API key items (the authorizer's lookup item and the admins' listing item) read back as an
 * ApiKeyRecord by a parse (pure: TEXTGATE_TEST_PLATFORM=0): the hash and keys never come along, a key
 * never used reads without lastUsedAt, and a malformed item fails with table and field, not the value.
 */
const record: ApiKeyRecord = {
  keyId: "key_01JKEY",
  accountId: "acc_01JKEY",
  name: "ci",
  prefix: "tg_live_abcd",
  scopes: ["send", "read"],
  ipAllowList: ["203.0.113.0/24"],
  status: "active",
  createdAt: new Date().toISOString(),
  lastUsedAt: new Date().toISOString(),
};
const listingItem = () => ({
  pk: `ACC#${record.accountId}`,
  sk: `KEY#${record.keyId}`,
  hash: "f00d",
  ...record,
});
const lookupItem = () => ({ pk: "APIKEY#f00d", sk: "LOOKUP", ...record });

describe("stored API key mapping", () => {
  it("maps both items to the record, without the hash or the keys", () => {
    expect(apiKeyRecordOf(listingItem())).toStrictEqual(record);
    expect(apiKeyRecordOf(lookupItem())).toStrictEqual(record);
  });

  it("reads a key that was never used", () => {
    const { lastUsedAt: _never, ...unused } = listingItem();
    expect(apiKeyRecordOf(unused)).not.toHaveProperty("lastUsedAt");
  });

  it.each([
    ["a scope outside the known ones", { scopes: ["+37255512345"] }, "scopes.0"],
    ["an allow-list of another type", { ipAllowList: "+37255512345" }, "ipAllowList"],
    ["a status of another type", { status: 37255512345 }, "status"],
    ["a required field missing", { accountId: undefined }, "accountId"],
  ])("refuses %s, naming the table and field but not the value", (_case, change, field) => {
    const item = { ...lookupItem(), ...change };
    expectMalformedItem(() => apiKeyRecordOf(item), { table: "accounts", field }, "37255512345");
  });
});
