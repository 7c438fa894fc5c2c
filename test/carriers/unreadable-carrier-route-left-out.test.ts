import { randomInt } from "node:crypto";
import { DeleteCommand, PutCommand } from "@aws-sdk/lib-dynamodb";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { changeCarrierRoute, readCarrierRoutes, registerCarrier } from "../../functions/carriers/store.ts";
import { dynamoClient } from "../../functions/shared/aws.ts";
import { tableName } from "../../functions/shared/config.ts";
import { MalformedItemError } from "../../functions/shared/stored-item.ts";
import { useLocalPlatformEnv } from "../support/env.ts";

useLocalPlatformEnv();

/**
 * A carrier record that cannot be read (here: a priority stored as a string) is left out of routing,
 * while every other route still reads: one broken record must not stop dispatch through the other
 * carriers. The operator's change of that very record fails loudly instead. Own ids and prefix.
 */
const suffix = randomInt(0, 1e9);
const prefix = `+99${String(randomInt(0, 1e6)).padStart(6, "0")}`;
const goodId = `readable-${suffix}`;
const brokenId = `broken-${suffix}`;
const carrierKey = (carrierId: string) => ({ pk: "CARRIER", sk: carrierId });

beforeAll(async () => {
  await registerCarrier({
    carrierId: goodId,
    baseUrl: "https://carrier.example.com",
    prefixes: [prefix],
    enabled: false,
    apiToken: "token",
    dlrSecret: "whsec_c2VjcmV0c2VjcmV0",
  });
  await dynamoClient().send(
    new PutCommand({
      TableName: tableName("accounts"),
      Item: {
        ...carrierKey(brokenId),
        carrierId: brokenId,
        name: "broken",
        protocol: "http",
        baseUrl: "https://broken.example.com",
        tls: true,
        prefixes: [prefix],
        priority: "first",
        weight: 1,
        enabled: false,
        updatedAt: new Date().toISOString(),
      },
    }),
  );
});

// A record no reader can use would otherwise log an error on every route read of this test run.
afterAll(async () => {
  await dynamoClient().send(
    new DeleteCommand({ TableName: tableName("accounts"), Key: carrierKey(brokenId) }),
  );
});

describe("an unreadable carrier record", () => {
  it("is left out of the routes while the other routes still read", async () => {
    const carrierIds = (await readCarrierRoutes()).map((route) => route.carrierId);
    expect(carrierIds).toContain(goodId);
    expect(carrierIds).not.toContain(brokenId);
  });

  it("fails the operator's change of that record with the field named", async () => {
    const change = changeCarrierRoute(brokenId, { weight: 2 });
    await expect(change).rejects.toBeInstanceOf(MalformedItemError);
    await expect(change).rejects.toMatchObject({ table: "accounts", field: "priority" });
  });
});
