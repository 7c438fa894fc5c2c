import { type NativeAttributeValue, ScanCommand } from "@aws-sdk/lib-dynamodb";
import * as z from "zod";
import { queryAuditEvents } from "../audit/store.ts";
import { dynamoClient } from "../shared/aws.ts";
import { type Clock, epochSeconds } from "../shared/clock.ts";
import { tableName } from "../shared/config.ts";
import { apiKeyScopes, roles } from "../shared/principal.ts";

/**
 * Reads of the incident exposure query. Items are found by full-table Scans with a filter on the
 * time window: the tables are keyed by id (every customer path reads by id), and this query is rare
 * and operator-only, so no index is paid for on every write. A Scan reads (and bills) every item,
 * whatever the filter: about 128 RCU per MB read, so 1M messages of ~1 KB ≈ 1 GB ≈ 128k eventually
 * consistent RCU ≈ $0.03 on demand, and a few minutes of paging (docs/runbooks/incident-response.md).
 */
export type ExposureTable = "messages" | "verifications" | "accounts";
export type ScanKey = Record<string, NativeAttributeValue>;

export interface WindowFilter {
  readonly from: string;
  readonly to: string;
  /** Items created by this principal id (createdBy.id) … */
  readonly createdById?: string;
  /** … or (with createdById: also) any item of this account. */
  readonly accountId?: string;
  readonly carrierId?: string;
}

export interface ScanPage {
  readonly items: readonly Record<string, unknown>[];
  readonly scanned: number;
  readonly next?: ScanKey;
}

export interface PrincipalFacts {
  readonly type: "apiKey" | "user";
  readonly id: string;
  readonly accountId: string;
  readonly status: string;
  readonly scopes: readonly (typeof apiKeyScopes)[number][];
  readonly role?: (typeof roles)[number];
}

export interface AuditActionPage {
  readonly events: readonly { id: string; action: string; at: string; targetId?: string }[];
  readonly nextCursor?: string;
}

export interface ExposureStore {
  /** One page of items live now and created in the window (messages, verifications), filtered. */
  scanWindow(table: "messages" | "verifications", filter: WindowFilter, start?: ScanKey): Promise<ScanPage>;
  /** One page of credential items (API keys, users) of every account: not bound to the window. */
  scanCredentials(start?: ScanKey): Promise<ScanPage>;
  /** The API key or user with this id, whatever its account (a Scan of the accounts table). */
  findPrincipal(type: "apiKey" | "user", id: string): Promise<PrincipalFacts | undefined>;
  /** Audit events of one actor in one account's log, in the window. */
  auditByActor(
    accountId: string,
    actorId: string,
    window: { from: string; to: string },
    cursor?: string,
  ): Promise<AuditActionPage>;
}

const keyItem = z.object({
  accountId: z.string(),
  status: z.string(),
  scopes: z.array(z.enum(apiKeyScopes)).catch([]),
});
const userItem = z.object({
  pk: z.string().startsWith("ACC#"),
  status: z.string().catch("unknown"),
  role: z.enum(roles).optional().catch(undefined),
});

async function scan(
  table: ExposureTable,
  filter: string,
  names: Record<string, string>,
  values: Record<string, NativeAttributeValue>,
  start?: ScanKey,
): Promise<ScanPage> {
  const page = await dynamoClient().send(
    new ScanCommand({
      TableName: tableName(table),
      FilterExpression: filter,
      ExpressionAttributeNames: names,
      ExpressionAttributeValues: values,
      ...(start ? { ExclusiveStartKey: start } : {}),
    }),
  );
  return {
    items: page.Items ?? [],
    scanned: page.ScannedCount ?? 0,
    ...(page.LastEvaluatedKey ? { next: page.LastEvaluatedKey } : {}),
  };
}

export function dynamoExposureStore(clock: Clock): ExposureStore {
  const live = () => ({ ":now": epochSeconds(clock.now()) });
  return {
    scanWindow(table, filter, start) {
      const names: Record<string, string> = { "#pk": "pk", "#created": "createdAt", "#exp": "expiresAt" };
      const values: Record<string, NativeAttributeValue> = {
        ...live(),
        ":from": filter.from,
        ":to": filter.to,
      };
      // Messages: only message items (not Idempotency-Key bindings); verifications: only ver_ items
      // (not number pointers or key bindings).
      const clauses = ["begins_with(#pk, :kind)", "#created BETWEEN :from AND :to", "#exp > :now"];
      values[":kind"] = table === "messages" ? "MSG#" : "ver_";
      const owner: string[] = [];
      if (filter.createdById) {
        names["#createdBy"] = "createdBy";
        names["#id"] = "id";
        values[":principal"] = filter.createdById;
        owner.push("#createdBy.#id = :principal");
      }
      if (filter.accountId) {
        names["#account"] = "accountId";
        values[":account"] = filter.accountId;
        owner.push("#account = :account");
      }
      if (owner.length > 0) clauses.push(`(${owner.join(" OR ")})`);
      if (filter.carrierId) {
        names["#carrier"] = "carrierId";
        values[":carrier"] = filter.carrierId;
        clauses.push("#carrier = :carrier");
      }
      return scan(table, clauses.join(" AND "), names, values, start);
    },

    scanCredentials(start) {
      return scan(
        "accounts",
        "begins_with(#pk, :acc) AND (begins_with(#sk, :key) OR begins_with(#sk, :user)) AND (attribute_not_exists(#exp) OR #exp > :now)",
        { "#pk": "pk", "#sk": "sk", "#exp": "expiresAt" },
        { ...live(), ":acc": "ACC#", ":key": "KEY#", ":user": "USER#" },
        start,
      );
    },

    async findPrincipal(type, id) {
      const sk = type === "apiKey" ? `KEY#${id}` : `USER#${id}`;
      let start: ScanKey | undefined;
      do {
        const page = await scan("accounts", "#sk = :sk", { "#sk": "sk" }, { ":sk": sk }, start);
        const item = page.items[0];
        if (item) return principalFacts(type, id, item);
        start = page.next;
      } while (start);
      return undefined;
    },

    async auditByActor(accountId, actorId, window, cursor) {
      const page = await queryAuditEvents(
        {
          accountId,
          from: window.from,
          to: window.to,
          actor: actorId,
          limit: 100,
          ...(cursor ? { cursor } : {}),
        },
        clock,
      );
      return {
        events: page.events.map((event) => ({
          id: event.id,
          action: event.action,
          at: event.at,
          ...(event.target ? { targetId: event.target.id } : {}),
        })),
        ...(page.nextCursor ? { nextCursor: page.nextCursor } : {}),
      };
    },
  };
}

function principalFacts(type: "apiKey" | "user", id: string, item: Record<string, unknown>): PrincipalFacts {
  if (type === "apiKey") {
    const key = keyItem.parse(item);
    return { type, id, accountId: key.accountId, status: key.status, scopes: key.scopes };
  }
  const user = userItem.parse(item);
  return {
    type,
    id,
    accountId: user.pk.slice("ACC#".length),
    status: user.status,
    scopes: [],
    ...(user.role ? { role: user.role } : {}),
  };
}
