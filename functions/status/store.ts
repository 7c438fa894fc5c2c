/**
 * ProbeStore on the "status" table: pk = component, sk = minute (YYYY-MM-DDTHH:MMZ) for probes and
 * sk = DAY#YYYY-MM-DD for day tallies ("D" sorts after every digit, so minute ranges never meet
 * tallies). Everything expires after 90 days; reads skip expired items (DynamoDB deletes them late).
 */
import { TransactionCanceledException } from "@aws-sdk/client-dynamodb";
import { TransactWriteCommand } from "@aws-sdk/lib-dynamodb";
import { dynamoClient } from "../shared/aws.ts";
import { type Clock, epochSeconds } from "../shared/clock.ts";
import { tableName } from "../shared/config.ts";
import { queryAll } from "../shared/dynamo.ts";
import {
  type ComponentState,
  type DayTally,
  dayIso,
  dayOf,
  isUp,
  minuteIso,
  type ProbeRecord,
  type ProbeStore,
  parseDayIso,
  parseMinuteIso,
} from "./model.ts";

export const PROBE_RETENTION_SECONDS = 90 * 24 * 3600;
const DAY_PREFIX = "DAY#";
const STATES: ReadonlySet<string> = new Set<ComponentState>(["operational", "degraded", "outage"]);
const isComponentState = (value: unknown): value is ComponentState =>
  typeof value === "string" && STATES.has(value);
/** Two prober runs for the same minute (a retry racing the next tick) may conflict; one retry settles it. */
const CONFLICT_RETRIES = 2;

const notExpired = "(attribute_not_exists(#exp) OR #exp > :now)";

/** Items of one component between two sort keys, live ones only, through all pages. */
const queryRange = (
  component: string,
  from: string,
  to: string,
  projection: string[],
  now: number,
): Promise<Record<string, unknown>[]> =>
  queryAll({
    TableName: tableName("status"),
    KeyConditionExpression: "#pk = :pk AND #sk BETWEEN :from AND :to",
    FilterExpression: notExpired,
    ProjectionExpression: ["#sk", ...projection.map((_, i) => `#p${i}`)].join(", "),
    ExpressionAttributeNames: {
      "#pk": "pk",
      "#sk": "sk",
      "#exp": "expiresAt",
      ...Object.fromEntries(projection.map((name, i) => [`#p${i}`, name])),
    },
    ExpressionAttributeValues: { ":pk": component, ":from": from, ":to": to, ":now": now },
  });

const isConditionFailure = (error: TransactionCanceledException): boolean =>
  (error.CancellationReasons ?? []).some((reason) => reason.Code === "ConditionalCheckFailed");
const isConflict = (error: TransactionCanceledException): boolean =>
  (error.CancellationReasons ?? []).some((reason) => reason.Code === "TransactionConflict");

export function dynamoProbeStore(clock: Clock): ProbeStore {
  return {
    async record(probe) {
      const expiresAt = epochSeconds(clock.now()) + PROBE_RETENTION_SECONDS;
      const up = isUp(probe.state) ? 1 : 0;
      const command = new TransactWriteCommand({
        TransactItems: [
          {
            Put: {
              TableName: tableName("status"),
              Item: {
                pk: probe.component,
                sk: minuteIso(probe.minute),
                state: probe.state,
                ...(probe.waiting === undefined ? {} : { waiting: probe.waiting }),
                expiresAt,
              },
              // One probe per component per minute: a retried run must not count the minute twice.
              ConditionExpression: "attribute_not_exists(pk)",
            },
          },
          {
            Update: {
              TableName: tableName("status"),
              Key: { pk: probe.component, sk: `${DAY_PREFIX}${dayIso(dayOf(probe.minute))}` },
              UpdateExpression: "ADD #probed :one, #up :up SET #exp = :exp",
              ExpressionAttributeNames: { "#probed": "probed", "#up": "up", "#exp": "expiresAt" },
              ExpressionAttributeValues: { ":one": 1, ":up": up, ":exp": expiresAt },
            },
          },
        ],
      });
      for (let attempt = 0; ; attempt++) {
        try {
          await dynamoClient().send(command);
          return "recorded";
        } catch (error) {
          if (!(error instanceof TransactionCanceledException)) throw error;
          if (isConditionFailure(error)) return "duplicate";
          if (!isConflict(error) || attempt >= CONFLICT_RETRIES) throw error;
        }
      }
    },

    async minutes(component, fromMinute, toMinute) {
      if (toMinute < fromMinute) return [];
      const items = await queryRange(
        component,
        minuteIso(fromMinute),
        minuteIso(toMinute),
        ["state", "waiting"],
        epochSeconds(clock.now()),
      );
      return items.flatMap((item): ProbeRecord[] => {
        const minute = parseMinuteIso(String(item.sk));
        const state = item.state;
        if (minute === undefined || !isComponentState(state)) return [];
        return [
          {
            component,
            minute,
            state,
            ...(typeof item.waiting === "number" ? { waiting: item.waiting } : {}),
          },
        ];
      });
    },

    async days(component, fromDay, toDay) {
      if (toDay < fromDay) return [];
      const items = await queryRange(
        component,
        `${DAY_PREFIX}${dayIso(fromDay)}`,
        `${DAY_PREFIX}${dayIso(toDay)}`,
        ["probed", "up"],
        epochSeconds(clock.now()),
      );
      return items.flatMap((item): DayTally[] => {
        const day = parseDayIso(String(item.sk).slice(DAY_PREFIX.length));
        if (day === undefined || typeof item.probed !== "number" || typeof item.up !== "number") return [];
        return [{ component, day, probed: item.probed, up: item.up }];
      });
    },
  };
}
