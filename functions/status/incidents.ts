/**
 * Incidents on the status page, posted by operators (POST/PATCH /v1/admin/incidents…) and shown on
 * /status and /status.json. Stored in the "status" table under one partition (pk = INCIDENT, sk =
 * incident id, a ULID so they sort by creation): a handful per quarter, so one Query reads them all.
 * A resolved incident expires 90 days after resolution; open ones never expire.
 */
import { QueryCommand, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import * as z from "zod";
import { dynamoClient } from "../shared/aws.ts";
import { type Clock, epochSeconds } from "../shared/clock.ts";
import { tableName } from "../shared/config.ts";
import { allPages, isConditionalCheckFailure } from "../shared/dynamo.ts";
import { DomainError } from "../shared/problem.ts";
import { PROBE_RETENTION_SECONDS } from "./store.ts";

/** "INCIDENT" is upper case: component ids (the probe partitions) are lower case, so they never meet. */
const INCIDENT_PARTITION = "INCIDENT";
/** Resolved incidents stay on the page this long, then only in the table (until they expire). */
export const RESOLVED_SHOWN_DAYS = 7;

export const incidentImpacts = ["minor", "major", "critical"] as const;
export const openIncidentStatuses = ["investigating", "identified", "monitoring"] as const;
export const incidentStatuses = [...openIncidentStatuses, "resolved"] as const;

export const incidentUpdate = z.object({
  at: z.string(),
  status: z.enum(incidentStatuses),
  message: z.string(),
});

export const incident = z.object({
  incidentId: z.string(),
  title: z.string(),
  impact: z.enum(incidentImpacts),
  components: z.array(z.string()),
  status: z.enum(incidentStatuses),
  createdAt: z.string(),
  updatedAt: z.string(),
  resolvedAt: z.string().optional(),
  updates: z.array(incidentUpdate).describe("newest first"),
});

export type Incident = z.infer<typeof incident>;
export type IncidentUpdate = z.infer<typeof incidentUpdate>;
export type OpenIncidentStatus = (typeof openIncidentStatuses)[number];

/** The stored item: the incident plus its keys and TTL (parsed with zod, extra keys dropped). */
const storedIncident = incident.omit({ incidentId: true, updates: true }).extend({
  sk: z.string(),
  // Stored oldest first (list_append adds at the end); the API shows newest first.
  updates: z.array(incidentUpdate),
});

function fromItem(item: Record<string, unknown>): Incident {
  const { sk, updates, ...rest } = storedIncident.parse(item);
  return { incidentId: sk, ...rest, updates: [...updates].reverse() };
}

const key = (incidentId: string) => ({ pk: INCIDENT_PARTITION, sk: incidentId });

export interface NewIncident {
  readonly incidentId: string;
  readonly title: string;
  readonly impact: Incident["impact"];
  readonly components: readonly string[];
  readonly message: string;
}

export async function createIncident(input: NewIncident, clock: Clock): Promise<Incident> {
  const at = clock.now().toISOString();
  const { Attributes } = await dynamoClient().send(
    new UpdateCommand({
      TableName: tableName("status"),
      Key: key(input.incidentId),
      UpdateExpression:
        "SET #title = :title, #impact = :impact, #components = :components, #status = :status, #created = :at, #updated = :at, #updates = :updates",
      // The id is fresh; the condition keeps a retried request from overwriting a later update.
      ConditionExpression: "attribute_not_exists(pk)",
      ExpressionAttributeNames: {
        "#title": "title",
        "#impact": "impact",
        "#components": "components",
        "#status": "status",
        "#created": "createdAt",
        "#updated": "updatedAt",
        "#updates": "updates",
      },
      ExpressionAttributeValues: {
        ":title": input.title,
        ":impact": input.impact,
        ":components": [...input.components],
        ":status": "investigating",
        ":at": at,
        ":updates": [{ at, status: "investigating", message: input.message }],
      },
      ReturnValues: "ALL_NEW",
    }),
  );
  return fromItem(Attributes ?? {});
}

/**
 * Adds an update to an open incident (conditional write: a resolved or missing incident is refused).
 * Resolving stamps resolvedAt and the TTL.
 */
export async function addIncidentUpdate(
  incidentId: string,
  status: IncidentUpdate["status"],
  message: string,
  clock: Clock,
): Promise<Incident> {
  const now = clock.now();
  const at = now.toISOString();
  const resolving = status === "resolved";
  try {
    const { Attributes } = await dynamoClient().send(
      new UpdateCommand({
        TableName: tableName("status"),
        Key: key(incidentId),
        UpdateExpression: `SET #status = :status, #updated = :at, #updates = list_append(#updates, :update)${
          resolving ? ", #resolved = :at, #exp = :exp" : ""
        }`,
        ConditionExpression: "attribute_exists(pk) AND #status <> :resolved",
        ExpressionAttributeNames: {
          "#status": "status",
          "#updated": "updatedAt",
          "#updates": "updates",
          ...(resolving ? { "#resolved": "resolvedAt", "#exp": "expiresAt" } : {}),
        },
        ExpressionAttributeValues: {
          ":status": status,
          ":at": at,
          ":update": [{ at, status, message }],
          ":resolved": "resolved",
          ...(resolving ? { ":exp": epochSeconds(now) + PROBE_RETENTION_SECONDS } : {}),
        },
        ReturnValues: "ALL_NEW",
      }),
    );
    return fromItem(Attributes ?? {});
  } catch (error) {
    if (!isConditionalCheckFailure(error)) throw error;
    const existing = await readIncident(incidentId);
    if (!existing) throw new DomainError("not-found", "No such incident");
    throw new DomainError("conflict", "The incident is already resolved");
  }
}

async function readIncident(incidentId: string): Promise<Incident | undefined> {
  const items = await queryIncidents(incidentId);
  const item = items[0];
  return item ? fromItem(item) : undefined;
}

const queryIncidents = (exactId?: string) =>
  allPages(async (start) =>
    dynamoClient().send(
      new QueryCommand({
        TableName: tableName("status"),
        KeyConditionExpression: exactId ? "#pk = :pk AND #sk = :sk" : "#pk = :pk",
        ExpressionAttributeNames: { "#pk": "pk", ...(exactId ? { "#sk": "sk" } : {}) },
        ExpressionAttributeValues: { ":pk": INCIDENT_PARTITION, ...(exactId ? { ":sk": exactId } : {}) },
        // Newest first.
        ScanIndexForward: false,
        ...(start ? { ExclusiveStartKey: start } : {}),
      }),
    ),
  );

/** What the status page shows: every open incident and those resolved in the last 7 days, newest first. */
export async function shownIncidents(clock: Clock): Promise<{ open: Incident[]; resolved: Incident[] }> {
  const cutoff = clock.now().getTime() - RESOLVED_SHOWN_DAYS * 24 * 3600 * 1000;
  const all = (await queryIncidents()).map(fromItem);
  return {
    open: all.filter((shown) => shown.status !== "resolved"),
    resolved: all.filter((shown) => shown.resolvedAt !== undefined && Date.parse(shown.resolvedAt) >= cutoff),
  };
}
