import {
  CreateApiKeyCommand,
  CreateUsagePlanKeyCommand,
  DeleteApiKeyCommand,
  GetApiKeysCommand,
  GetUsagePlansCommand,
} from "@aws-sdk/client-api-gateway";
import { describe, expect, it } from "vitest";
import {
  localUsagePlanKeys,
  selectUsagePlanKeys,
  usageIdentifier,
  usageKeyName,
} from "../../functions/auth/usage-plan-keys.ts";
import { type ApiGatewaySender, apiGatewayUsagePlanKeys } from "../../functions/auth/usage-plan-keys-aws.ts";

/**
 * Pure logic of the API Gateway adapter against a small in-memory fake of the five API Gateway calls
 * it makes (there is no API Gateway emulator). The fake behaves like API Gateway where it matters:
 * values are unique (ConflictException), a key is in a plan once (ConflictException), nameQuery is a
 * prefix match, lists are paged.
 */
const PLAN = "textgate-prod-default-plan";

interface FakeKey {
  id: string;
  name: string;
  value: string;
  enabled: boolean;
}

const conflict = (message: string) => Object.assign(new Error(message), { name: "ConflictException" });

function fakeApiGateway(options: { planPage?: number } = {}) {
  const plans = [
    { id: "plan-other-1", name: "someone-elses-plan" },
    { id: "plan-other-2", name: `${PLAN}-but-longer` },
    { id: "plan-1", name: PLAN },
  ];
  const keys: FakeKey[] = [];
  const planKeys = new Map<string, Set<string>>();
  const calls: string[] = [];
  /** Names of commands that fail once (the next time they are sent). */
  const failNext = new Set<string>();
  let nextId = 1;

  const page = <T>(items: T[], input: { limit?: number; position?: string }, size: number) => {
    const start = Number(input.position ?? 0);
    const end = start + Math.min(size, input.limit ?? size);
    return { items: items.slice(start, end), ...(end < items.length ? { position: String(end) } : {}) };
  };

  const client: ApiGatewaySender = {
    async send(command: object) {
      const name = command.constructor.name;
      calls.push(name);
      if (failNext.delete(name))
        throw Object.assign(new Error("throttled"), { name: "TooManyRequestsException" });
      if (command instanceof GetUsagePlansCommand) return page(plans, command.input, options.planPage ?? 25);
      if (command instanceof CreateApiKeyCommand) {
        const { name: keyName = "", value = "", enabled = false } = command.input;
        if (keys.some((key) => key.value === value)) throw conflict("API Key already exists");
        const key = { id: `k${nextId++}`, name: keyName, value, enabled };
        keys.push(key);
        return { id: key.id, name: key.name };
      }
      if (command instanceof GetApiKeysCommand) {
        const matching = keys
          .filter((key) => key.name.startsWith(command.input.nameQuery ?? ""))
          .map((key) => (command.input.includeValues ? key : { ...key, value: undefined }));
        return page(matching, command.input, 1);
      }
      if (command instanceof CreateUsagePlanKeyCommand) {
        const { usagePlanId = "", keyId = "", keyType } = command.input;
        if (keyType !== "API_KEY") throw new Error("keyType must be API_KEY");
        if (!plans.some((plan) => plan.id === usagePlanId)) throw new Error("no such plan");
        if (!keys.some((key) => key.id === keyId)) throw new Error("no such key");
        const inPlan = planKeys.get(usagePlanId) ?? new Set<string>();
        if (inPlan.has(keyId)) throw conflict("Usage Plan already contains specified API Key");
        planKeys.set(usagePlanId, inPlan.add(keyId));
        return { id: keyId };
      }
      if (command instanceof DeleteApiKeyCommand) {
        const index = keys.findIndex((key) => key.id === command.input.apiKey);
        if (index < 0) throw Object.assign(new Error("gone"), { name: "NotFoundException" });
        keys.splice(index, 1);
        for (const inPlan of planKeys.values()) inPlan.delete(command.input.apiKey ?? "");
        return {};
      }
      throw new Error(`unexpected command ${name}`);
    },
  };
  return { client, plans, keys, planKeys, calls, failNext };
}

const keyName = (value: string) => `textgate-prod-${value}`;
const adapterFor = (fake: ReturnType<typeof fakeApiGateway>) =>
  apiGatewayUsagePlanKeys({ client: fake.client, planName: PLAN, keyName });

describe("API Gateway usage-plan keys", () => {
  it("register creates an enabled key with the value and adds it to the plan found by exact name", async () => {
    const fake = fakeApiGateway({ planPage: 1 }); // the plan is on the third page
    await adapterFor(fake).register(
      "key01HZX5ABCDEFGHJKMNPQRSTVWX",
      keyName("key01HZX5ABCDEFGHJKMNPQRSTVWX"),
    );

    expect(fake.keys).toEqual([
      {
        id: "k1",
        name: "textgate-prod-key01HZX5ABCDEFGHJKMNPQRSTVWX",
        value: "key01HZX5ABCDEFGHJKMNPQRSTVWX",
        enabled: true,
      },
    ]);
    expect([...(fake.planKeys.get("plan-1") ?? [])]).toEqual(["k1"]);
    expect(fake.planKeys.has("plan-other-2")).toBe(false);
  });

  it("looks the plan up once per container", async () => {
    const fake = fakeApiGateway();
    const adapter = adapterFor(fake);
    await adapter.register("acc01HZX5AAAAAAAAAAAAAAAAAAAA", keyName("acc01HZX5AAAAAAAAAAAAAAAAAAAA"));
    await adapter.register("key01HZX5BBBBBBBBBBBBBBBBBBBB", keyName("key01HZX5BBBBBBBBBBBBBBBBBBBB"));
    expect(fake.calls.filter((call) => call === "GetUsagePlansCommand")).toHaveLength(1);
    expect(fake.planKeys.get("plan-1")?.size).toBe(2);
  });

  it("a retry after a failure between the two steps finishes the job without a second key", async () => {
    const fake = fakeApiGateway();
    const adapter = adapterFor(fake);
    const value = "key01HZX5CCCCCCCCCCCCCCCCCCCC";
    // Other keys share the name prefix: the lookup must match the exact name and value.
    await adapter.register(`${value}X`, keyName(`${value}X`));
    fake.failNext.add("CreateUsagePlanKeyCommand");
    await expect(adapter.register(value, keyName(value))).rejects.toThrow("throttled");
    expect(fake.keys.filter((key) => key.value === value)).toHaveLength(1);
    expect(fake.planKeys.get("plan-1")?.size).toBe(1); // only the X key so far

    await adapter.register(value, keyName(value)); // CreateApiKey → Conflict → found by name
    const mine = fake.keys.filter((key) => key.value === value);
    expect(mine).toHaveLength(1);
    expect(fake.planKeys.get("plan-1")?.has(mine[0]?.id ?? "")).toBe(true);

    // A third attempt (both steps conflict) changes nothing and succeeds.
    await adapter.register(value, keyName(value));
    expect(fake.keys).toHaveLength(2);
    expect(fake.planKeys.get("plan-1")?.size).toBe(2);
  });

  it("refuses to adopt a key with the same value under another name", async () => {
    const fake = fakeApiGateway();
    fake.keys.push({
      id: "foreign",
      name: "hand-made",
      value: "acc01HZX5DDDDDDDDDDDDDDDDDDDD",
      enabled: true,
    });
    await expect(
      adapterFor(fake).register("acc01HZX5DDDDDDDDDDDDDDDDDDDD", keyName("acc01HZX5DDDDDDDDDDDDDDDDDDDD")),
    ).rejects.toThrow(/another name/);
    expect(fake.calls).not.toContain("CreateUsagePlanKeyCommand");
  });

  it("unregister deletes only the key with that exact name and value; unknown values are a no-op", async () => {
    const fake = fakeApiGateway();
    const adapter = adapterFor(fake);
    const value = "key01HZX5EEEEEEEEEEEEEEEEEEEE";
    await adapter.register(value, keyName(value));
    await adapter.register(`${value}2`, keyName(`${value}2`));

    await adapter.unregister(value);
    expect(fake.keys.map((key) => key.value)).toEqual([`${value}2`]);
    expect(fake.planKeys.get("plan-1")?.size).toBe(1);
    expect(fake.calls.filter((call) => call === "DeleteApiKeyCommand")).toHaveLength(1);

    await adapter.unregister(value); // already gone
    await adapter.unregister("key01HZX5NEVERREGISTEREDXXXXX");
    expect(fake.calls.filter((call) => call === "DeleteApiKeyCommand")).toHaveLength(1);
  });

  it("fails when the plan does not exist, and finds it once it does (no cached failure)", async () => {
    const fake = fakeApiGateway();
    const plan = fake.plans.splice(2, 1);
    const adapter = adapterFor(fake);
    await expect(adapter.register("acc01HZX5FFFFFFFFFFFFFFFFFFFF", "n")).rejects.toThrow(/not found/);
    expect(fake.keys).toEqual([]);
    fake.plans.push(...plan);
    await adapter.register("acc01HZX5FFFFFFFFFFFFFFFFFFFF", "n");
    expect(fake.planKeys.get("plan-1")?.size).toBe(1);
  });
});

describe("adapter selection", () => {
  it("the local platform (TEXTGATE_LOCAL_KEYRING) gets the no-op adapter; AWS needs the plan name", async () => {
    expect(await selectUsagePlanKeys({ TEXTGATE_LOCAL_KEYRING: "/tmp/keyring" })).toBe(localUsagePlanKeys);
    await expect(selectUsagePlanKeys({})).rejects.toThrow(/TEXTGATE_USAGE_PLAN_NAME/);
    const onAws = await selectUsagePlanKeys({ TEXTGATE_USAGE_PLAN_NAME: PLAN, AWS_REGION: "eu-central-1" });
    expect(onAws).not.toBe(localUsagePlanKeys); // built without any network call
  });

  it("usage identifiers are the ids without separators (API Gateway key values are alphanumeric)", () => {
    expect(usageIdentifier("key_01HZX5ABCDEFGHJKMNPQRSTVWX")).toBe("key01HZX5ABCDEFGHJKMNPQRSTVWX");
    expect(usageIdentifier("acc_01HZX5ABCDEFGHJKMNPQRSTVWX")).toBe("acc01HZX5ABCDEFGHJKMNPQRSTVWX");
  });

  it("names keys by stage and value", () => {
    expect(usageKeyName("key01HZX5", { TEXTGATE_STAGE: "dev" })).toBe("textgate-dev-key01HZX5");
  });
});
