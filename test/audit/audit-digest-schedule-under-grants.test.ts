/**
 * The catalogue functions do their audit work with exactly their grants (local IAM is enforced):
 * a writer with the `write` grant alone appends under contention (the lost race returns the head, no
 * read needed); the scheduled audit-digest function signs yesterday's digest (kms Sign); the API's
 * verify checks it (kms GetPublicKey).
 */
import { PutCommand } from "@aws-sdk/lib-dynamodb";
import { describe, expect, it } from "vitest";
import { accountPartition, activeDayPartition } from "../../functions/audit/chain.ts";
import { previousUtcDay, readDigests } from "../../functions/audit/digest.ts";
import { dynamoAuditLog } from "../../functions/audit/store.ts";
import { verifyAuditChains } from "../../functions/audit/verify.ts";
import { seedDemoAccount } from "../../functions/identity/seed.ts";
import { dynamoClient } from "../../functions/shared/aws.ts";
import { systemClock } from "../../functions/shared/clock.ts";
import { tableName } from "../../functions/shared/config.ts";
import { catalog, type FunctionSpec, functionSpec } from "../../lib/catalog/index.ts";
import { importHandler, invokeFunction } from "../../local/lambda-runtime.ts";
import { scheduledEvent } from "../../local/schedules.ts";
import { apiClient, signIn } from "../identity/client.ts";
import { useLocalPlatformEnv } from "../support/env.ts";
import { eventInput, freshAccountId } from "./chain-support.ts";

const env = useLocalPlatformEnv();
const stage = env.TEXTGATE_STAGE ?? "local";

describe("audit functions within their catalogue grants", () => {
  it("a writer holding only `write` on the audit table appends 5 concurrent events as one chain", async () => {
    const accountId = freshAccountId();
    const writer: FunctionSpec = {
      id: "audit-writer-test",
      purpose: "test",
      entry: "none.ts",
      memoryMb: 128,
      timeoutSeconds: 20,
      grants: { tables: { audit: "write" } },
    };
    const events = await invokeFunction(
      writer,
      {},
      {
        stage,
        loader: async () => () =>
          Promise.all(
            Array.from({ length: 5 }, (_, n) =>
              dynamoAuditLog(systemClock).record(eventInput(accountId, "user.enabled", n)),
            ),
          ),
      },
    );
    expect(Array.isArray(events) && events.map((event) => event.seq).sort()).toEqual([1, 2, 3, 4, 5]);
    const report = await verifyAuditChains(accountId, {
      clock: systemClock,
      publicKey: async () => {
        throw new Error("no digests expected");
      },
    });
    expect(report).toMatchObject({ valid: true, checked: 5 });
  });

  it("the hourly schedule signs yesterday's digest; GET /v1/audit/verify checks it", async () => {
    const account = await seedDemoAccount({});
    const client = apiClient();
    const { token } = await signIn(client, account.email, account.password);
    // The account had events yesterday: the day marker its first event of that day would have written.
    const yesterday = previousUtcDay(new Date());
    await dynamoClient().send(
      new PutCommand({
        TableName: tableName("audit"),
        Item: {
          pk: activeDayPartition(yesterday),
          sk: accountPartition(account.accountId),
          accountId: account.accountId,
          expiresAt: Math.floor(Date.now() / 1000) + 3600,
        },
      }),
    );
    const schedule = catalog.schedules.find((candidate) => candidate.function === "audit-digest");
    if (!schedule) throw new Error("no audit-digest schedule in the catalogue");
    const result = await invokeFunction(
      functionSpec("audit-digest"),
      scheduledEvent(schedule, stage, new Date()),
      {
        stage,
        loader: importHandler,
      },
    );
    expect(result).toMatchObject({ date: yesterday });
    const [digest] = await readDigests(account.accountId);
    expect(digest).toMatchObject({ date: yesterday, accountId: account.accountId, alg: "ES256" });

    const verify = await client.call("GET", "/v1/audit/verify", { token });
    expect(verify.status).toBe(200);
    expect(verify.body).toMatchObject({ valid: true, digests: { checked: 1 } });
  });
});
