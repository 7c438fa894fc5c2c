/**
 * The catalogue's hourly schedule invokes the real purge module through the local runtime (its
 * grants enforced, the system clock): a run completes or leaves its resume cursor in the accounts
 * table for the next one.
 */
import { GetCommand } from "@aws-sdk/lib-dynamodb";
import { describe, expect, it } from "vitest";
import type { PurgeReport } from "../../functions/retention/purge.ts";
import { dynamoClient } from "../../functions/shared/aws.ts";
import { tableName } from "../../functions/shared/config.ts";
import { catalog, functionSpec } from "../../lib/catalog/index.ts";
import { importHandler, invokeFunction } from "../../local/lambda-runtime.ts";
import { scheduledEvent } from "../../local/schedules.ts";
import { useLocalPlatformEnv } from "../support/env.ts";

const env = useLocalPlatformEnv();

describe("the scheduled retention purge", () => {
  it("is scheduled hourly, runs under its own grants and saves where the next run resumes", async () => {
    const schedule = catalog.schedules.find((s) => s.function === "retention-purge");
    if (!schedule) throw new Error("no schedule invokes retention-purge");
    expect(schedule.rateMinutes).toBe(60);
    const stage = env.TEXTGATE_STAGE ?? "local";
    const event = scheduledEvent(schedule, stage, new Date());
    const report = (await invokeFunction(functionSpec("retention-purge"), event, {
      stage,
      loader: importHandler,
    })) as PurgeReport;
    expect(report.scanned).toBeGreaterThan(0);
    const { Item } = await dynamoClient().send(
      new GetCommand({
        TableName: tableName("accounts"),
        Key: { pk: "PURGE#retention", sk: "CURSOR" },
        ConsistentRead: true,
      }),
    );
    expect(Item).toMatchObject({ phase: report.phase, cycleStartedAt: expect.any(String) });
  });
});
