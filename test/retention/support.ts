/**
 * Helpers of the retention tests: accounts with chosen retention, a clock moved FORWARD from today
 * (DynamoDB Local's TTL sweeps items whose expiresAt is in the real past, so nothing here is dated
 * before now), and the purge run the way the schedule runs it: the catalogue function through the
 * local runtime (its grants enforced), with that clock and scoped to the test's own accounts.
 */
import { randomBytes } from "node:crypto";
import { GetCommand } from "@aws-sdk/lib-dynamodb";
import { expect } from "vitest";
import { createApiKey } from "../../functions/auth/api-keys.ts";
import { createAccountWithOwner } from "../../functions/identity/accounts.ts";
import type { PurgeCursor, PurgeReport, PurgeStore } from "../../functions/retention/purge.ts";
import { purgeHandler } from "../../functions/retention/purge-handler.ts";
import { dynamoPurgeStore } from "../../functions/retention/purge-store.ts";
import type { RetentionSettings } from "../../functions/retention/settings.ts";
import { dynamoClient } from "../../functions/shared/aws.ts";
import { type Clock, systemClock } from "../../functions/shared/clock.ts";
import { tableName } from "../../functions/shared/config.ts";
import { catalog, functionSpec } from "../../lib/catalog/index.ts";
import { invokeFunction } from "../../local/lambda-runtime.ts";
import { scheduledEvent } from "../../local/schedules.ts";
import { call } from "../messages/support.ts";

export const DAY_MS = 24 * 3600 * 1000;

/** Today's clock moved `offsetMs` ahead; it keeps running forward like the real one. */
export const clockAhead = (offsetMs: number): Clock => ({ now: () => new Date(Date.now() + offsetMs) });

export interface RetentionAccount {
  readonly accountId: string;
  readonly apiKey: string;
}

export async function accountWithRetention(retention: RetentionSettings): Promise<RetentionAccount> {
  const { account } = await createAccountWithOwner(
    {
      name: "retention test",
      allowedCountries: ["EE"],
      retention,
      owner: {
        email: `retention+${randomBytes(6).toString("hex")}@textgate.local`,
        role: "owner",
        passwordHash: "not-a-login",
      },
    },
    systemClock,
  );
  const { key } = await createApiKey(
    { accountId: account.accountId, name: "retention", scopes: ["send", "read", "verify"], mode: "test" },
    systemClock,
  );
  return { accountId: account.accountId, apiKey: key };
}

/** A random Estonian mobile whose last digit avoids the carrier simulator's fault hooks. */
export const mobile = (): string =>
  `+37256${String(Math.floor(Math.random() * 10 ** 5)).padStart(5, "0")}${5 + Math.floor(Math.random() * 5)}`;

/** Sends one SMS and waits until the carrier reports it delivered; returns its id. */
export async function sendDelivered(account: RetentionAccount, extra: Record<string, unknown> = {}) {
  const sent = await call("POST", "/v1/messages", {
    apiKey: account.apiKey,
    json: { to: mobile(), text: "retention body", ...extra },
  });
  expect(sent.status, JSON.stringify(sent.body)).toBe(202);
  const id = sent.body.id as string;
  await expect
    .poll(async () => (await call("GET", `/v1/messages/${id}`, { apiKey: account.apiKey })).body?.status, {
      timeout: 20_000,
      interval: 200,
    })
    .toBe("delivered");
  return id;
}

export async function rawMessage(id: string): Promise<Record<string, unknown> | undefined> {
  const { Item } = await dynamoClient().send(
    new GetCommand({
      TableName: tableName("messages"),
      Key: { pk: `MSG#${id}`, sk: "MESSAGE" },
      ConsistentRead: true,
    }),
  );
  return Item;
}

/** The real store with a cursor of its own: each test walks a whole cycle, whatever ran before. */
function withOwnCursor(store: PurgeStore): PurgeStore {
  let cursor: PurgeCursor | undefined;
  return {
    ...store,
    loadCursor: async () => cursor,
    saveCursor: async (next) => {
      cursor = next;
    },
  };
}

const schedule = catalog.schedules.find((s) => s.function === "retention-purge");

/**
 * Runs the scheduled purge function until it completes a cycle, at `clock`'s time, touching only
 * `accountIds` (other test files share the tables). Returns the reports of its runs.
 */
export async function runPurgeAt(clock: Clock, accountIds: readonly string[]): Promise<PurgeReport[]> {
  if (!schedule) throw new Error("no schedule invokes retention-purge");
  const scope = new Set(accountIds);
  const fn = functionSpec("retention-purge");
  const stage = process.env.TEXTGATE_STAGE ?? "local";
  let cursorStore: PurgeStore | undefined;
  const reports: PurgeReport[] = [];
  for (let run = 0; run < 20; run++) {
    const event = scheduledEvent(schedule, stage, clock.now());
    const report = (await invokeFunction(fn, event, {
      stage,
      loader: async () => (_event, context) => {
        // Built inside the invocation: its SDK calls run as the function, under its grants.
        cursorStore ??= withOwnCursor(dynamoPurgeStore());
        return purgeHandler({ clock, store: cursorStore, accountScope: (id) => scope.has(id) })(
          event,
          context,
        );
      },
    })) as PurgeReport;
    reports.push(report);
    if (report.cycleCompleted) return reports;
  }
  throw new Error("the purge did not complete a cycle in 20 runs");
}
