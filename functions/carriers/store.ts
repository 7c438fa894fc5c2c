import { DeleteCommand, GetCommand, PutCommand, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import { dynamoClient } from "../shared/aws.ts";
import { tableName } from "../shared/config.ts";
import { type FieldCipher, fieldCipher } from "../shared/crypto.ts";
import { isConditionalCheckFailure, queryAll } from "../shared/dynamo.ts";
import { logger } from "../shared/logger.ts";
import { MalformedItemError } from "../shared/stored-item.ts";
import { CARRIER_ID } from "./entry-schema.ts";
import type {
  AwsSmsSettings,
  CarrierProtocol,
  CarrierRoute,
  CarrierSecrets,
  QualityProbeSettings,
} from "./model.ts";
import { carrierRouteOf } from "./stored-route.ts";

/**
 * Carrier records in the accounts table: pk=CARRIER sk=<carrierId>. One partition holds every
 * carrier (a handful of items), read with one Query and cached per container. The API token and the
 * DLR signing secret are stored encrypted (FieldCipher, context {carrierId, field}).
 */
const PK = "CARRIER";
const CACHE_MS = 30_000;

// Defined with the entry schema (which the stored route schema reuses); still importable from here.
export { CARRIER_ID };

export type RegisterCarrierInput =
  | RegisterHttpCarrierInput
  | RegisterAwsSmsCarrierInput
  | RegisterSmppCarrierInput;

interface RegisterCommonInput {
  readonly carrierId: string;
  /** Delivery rate (0..1) agreed with the carrier (quality/assessment.ts). */
  readonly agreedDeliveryRate?: number;
  /** Scheduled test sends to these numbers (quality/test-sends.ts). */
  readonly qualityProbe?: QualityProbeSettings;
  readonly name?: string;
  readonly prefixes?: readonly string[];
  readonly priority?: number;
  readonly weight?: number;
  readonly enabled?: boolean;
}

/** AWS End User Messaging SMS: no secrets (the function role signs); baseUrl only overrides the endpoint. */
export interface RegisterAwsSmsCarrierInput extends RegisterCommonInput {
  readonly protocol: "aws-sms";
  readonly baseUrl?: string;
  readonly awsSms?: AwsSmsSettings;
}

/**
 * SMPP: the route only tells the dispatcher to hand the message to the connector's queue; the binds,
 * hosts and passwords live in the connector's own configuration (TEXTGATE_SMPP_CARRIERS + secret).
 */
export interface RegisterSmppCarrierInput extends RegisterCommonInput {
  readonly protocol: "smpp";
  /** Whether the connector's link to this SMSC is TLS (OTP may require TLS routes). */
  readonly tls: boolean;
}

export interface RegisterHttpCarrierInput {
  readonly protocol?: "http";
  readonly carrierId: string;
  readonly agreedDeliveryRate?: number;
  readonly qualityProbe?: QualityProbeSettings;
  readonly name?: string;
  readonly baseUrl: string;
  readonly prefixes?: readonly string[];
  readonly priority?: number;
  readonly weight?: number;
  readonly enabled?: boolean;
  readonly apiToken: string;
  readonly dlrSecret: string;
  readonly dlrUrl?: string;
}

interface CarrierItem extends CarrierRoute {
  readonly apiTokenCipher?: string;
  readonly dlrSecretCipher?: string;
  readonly updatedAt: string;
}

let routesCache: { at: number; routes: CarrierRoute[] } | undefined;
const secretsCache = new Map<string, { at: number; secrets: CarrierSecrets }>();
/** Rotated secrets (re-registered carriers) reach every container within this long. */
const SECRETS_CACHE_MS = 5 * 60_000;

/** Thrown by registerCarrier with onlyIfNew when the id is taken. */
export class CarrierExistsError extends Error {
  override name = "CarrierExistsError";
}

/**
 * Creates or replaces a carrier (the local platform registers its simulator with this). With
 * `onlyIfNew` (the operator API's add) an existing record is left alone: CarrierExistsError.
 */
export async function registerCarrier(
  input: RegisterCarrierInput,
  cipher: FieldCipher = fieldCipher(),
  options: { readonly onlyIfNew?: boolean } = {},
): Promise<CarrierRoute> {
  if (!CARRIER_ID.test(input.carrierId)) throw new Error("carrierId must match [a-z0-9-]{2,32}");
  const protocol: CarrierProtocol = input.protocol ?? "http";
  const baseUrl = input.protocol === "smpp" ? "" : (input.baseUrl ?? "");
  // aws-sms without an endpoint override uses the SDK's regional HTTPS endpoint.
  const url =
    input.protocol === "smpp"
      ? undefined
      : baseUrl === "" && protocol === "aws-sms"
        ? new URL("https://sms-voice.amazonaws.com")
        : new URL(baseUrl);
  if (url && url.protocol !== "https:" && url.protocol !== "http:")
    throw new Error("baseUrl must be http(s)");
  const prefixes = input.prefixes ?? [""];
  const agreed = input.agreedDeliveryRate;
  if (agreed !== undefined && !(agreed > 0 && agreed <= 1))
    throw new Error("agreedDeliveryRate must be in (0, 1]");
  if (prefixes.some((prefix) => prefix !== "" && !/^\+[0-9]{1,15}$/.test(prefix))) {
    throw new Error('prefixes must be "" or "+" followed by digits');
  }
  const context = (field: string) => ({ carrierId: input.carrierId, field });
  const route: CarrierRoute = {
    carrierId: input.carrierId,
    name: input.name ?? input.carrierId,
    protocol,
    baseUrl: baseUrl.replace(/\/+$/, ""),
    tls: input.protocol === "smpp" ? input.tls : url?.protocol === "https:",
    prefixes: [...prefixes],
    priority: input.priority ?? 100,
    weight: input.weight ?? 1,
    enabled: input.enabled ?? true,
    ...(input.agreedDeliveryRate !== undefined ? { agreedDeliveryRate: input.agreedDeliveryRate } : {}),
    ...(input.qualityProbe
      ? {
          qualityProbe: {
            accountId: input.qualityProbe.accountId,
            testNumbers: [...input.qualityProbe.testNumbers],
          },
        }
      : {}),
    ...((input.protocol === undefined || input.protocol === "http") && input.dlrUrl
      ? { dlrUrl: input.dlrUrl }
      : {}),
    ...(input.protocol === "aws-sms" && input.awsSms ? { awsSms: { ...input.awsSms } } : {}),
  };
  const item: CarrierItem = {
    ...route,
    ...(input.protocol === "aws-sms" || input.protocol === "smpp"
      ? {}
      : {
          apiTokenCipher: await cipher.encrypt(input.apiToken, context("apiToken")),
          dlrSecretCipher: await cipher.encrypt(input.dlrSecret, context("dlrSecret")),
        }),
    updatedAt: new Date().toISOString(),
  };
  try {
    await dynamoClient().send(
      new PutCommand({
        TableName: tableName("accounts"),
        Item: { pk: PK, sk: input.carrierId, ...item },
        ...(options.onlyIfNew ? { ConditionExpression: "attribute_not_exists(pk)" } : {}),
      }),
    );
  } catch (error) {
    if (isConditionalCheckFailure(error))
      throw new CarrierExistsError(`carrier ${input.carrierId} exists`, { cause: error });
    throw error;
  }
  routesCache = undefined;
  secretsCache.delete(input.carrierId);
  return route;
}

/**
 * A route that cannot be read is left out of routing, with an error log naming the carrier and the
 * field (MalformedItemError carries no value): one broken record must not stop every dispatch through
 * the other carriers, as a thrown error here would. An operator re-registers or changes it.
 */
function readableRoutes(items: readonly Record<string, unknown>[]): CarrierRoute[] {
  return items.flatMap((item) => {
    try {
      return [carrierRouteOf(item)];
    } catch (error) {
      if (!(error instanceof MalformedItemError)) throw error;
      logger.error("carrier route unreadable: left out of routing", { carrierId: String(item.sk), error });
      return [];
    }
  });
}

export async function listCarrierRoutes(): Promise<CarrierRoute[]> {
  if (routesCache && Date.now() - routesCache.at < CACHE_MS) return routesCache.routes;
  const items = await queryAll({
    TableName: tableName("accounts"),
    KeyConditionExpression: "pk = :pk",
    ExpressionAttributeValues: { ":pk": PK },
  });
  const now = Math.floor(Date.now() / 1000);
  const live = items.filter((item) => typeof item.expiresAt !== "number" || item.expiresAt > now);
  routesCache = { at: Date.now(), routes: readableRoutes(live) };
  return routesCache.routes;
}

/** Every route read now, past this container's cache (the operator plane shows what is stored). */
export async function readCarrierRoutes(): Promise<CarrierRoute[]> {
  routesCache = undefined;
  return listCarrierRoutes();
}

export async function getCarrierRoute(carrierId: string): Promise<CarrierRoute | undefined> {
  const cached = (await listCarrierRoutes()).find((route) => route.carrierId === carrierId);
  if (cached) return cached;
  // Registered since the cache was filled (or unknown): one direct read decides.
  routesCache = undefined;
  return (await listCarrierRoutes()).find((route) => route.carrierId === carrierId);
}

/** Decrypted token and DLR secret, cached per container for 5 minutes (rotation: re-register). */
export async function carrierSecrets(
  carrierId: string,
  cipher: FieldCipher = fieldCipher(),
): Promise<CarrierSecrets | undefined> {
  const cached = secretsCache.get(carrierId);
  if (cached && Date.now() - cached.at < SECRETS_CACHE_MS) return cached.secrets;
  const { Item } = await dynamoClient().send(
    new GetCommand({ TableName: tableName("accounts"), Key: { pk: PK, sk: carrierId } }),
  );
  const expired = typeof Item?.expiresAt === "number" && Item.expiresAt <= Math.floor(Date.now() / 1000);
  if (
    !Item ||
    expired ||
    typeof Item.apiTokenCipher !== "string" ||
    typeof Item.dlrSecretCipher !== "string"
  ) {
    return undefined;
  }
  const context = (field: string) => ({ carrierId, field });
  const secrets: CarrierSecrets = {
    apiToken: await cipher.decrypt(Item.apiTokenCipher, context("apiToken")),
    dlrSecret: await cipher.decrypt(Item.dlrSecretCipher, context("dlrSecret")),
  };
  secretsCache.set(carrierId, { at: Date.now(), secrets });
  return secrets;
}

/**
 * Deletes every carrier record whose id is not in `keep` (the local platform with a carriers file
 * routes through exactly those carriers, even over data kept with --persist). Returns the removed ids.
 */
export async function removeCarriersExcept(keep: readonly string[]): Promise<string[]> {
  routesCache = undefined;
  const stale = (await listCarrierRoutes()).filter((route) => !keep.includes(route.carrierId));
  for (const route of stale) {
    await dynamoClient().send(
      new DeleteCommand({ TableName: tableName("accounts"), Key: { pk: PK, sk: route.carrierId } }),
    );
    secretsCache.delete(route.carrierId);
  }
  routesCache = undefined;
  return stale.map((route) => route.carrierId);
}

/** What an operator may change on a registered route; null removes an optional setting. */
export interface CarrierRouteChange {
  readonly name?: string;
  readonly prefixes?: readonly string[];
  readonly priority?: number;
  readonly weight?: number;
  readonly enabled?: boolean;
  readonly agreedDeliveryRate?: number | null;
  readonly qualityProbe?: QualityProbeSettings | null;
  /** New secrets of an http carrier (rotation): sealed here, never stored or logged in clear. */
  readonly secrets?: CarrierSecrets;
}

/**
 * Changes the named fields of an existing route in one conditional UpdateItem (the secrets' ciphers
 * are kept unless new secrets are given). Undefined when no such carrier exists.
 */
export async function changeCarrierRoute(
  carrierId: string,
  change: CarrierRouteChange,
  cipher: FieldCipher = fieldCipher(),
): Promise<CarrierRoute | undefined> {
  const sets: Record<string, unknown> = { updatedAt: new Date().toISOString() };
  const removes: string[] = [];
  for (const field of ["name", "prefixes", "priority", "weight", "enabled"] as const) {
    if (change[field] !== undefined) sets[field] = change[field];
  }
  for (const field of ["agreedDeliveryRate", "qualityProbe"] as const) {
    if (change[field] === null) removes.push(field);
    else if (change[field] !== undefined) sets[field] = change[field];
  }
  if (change.secrets) {
    const context = (field: string) => ({ carrierId, field });
    sets.apiTokenCipher = await cipher.encrypt(change.secrets.apiToken, context("apiToken"));
    sets.dlrSecretCipher = await cipher.encrypt(change.secrets.dlrSecret, context("dlrSecret"));
  }
  const names = Object.fromEntries([...Object.keys(sets), ...removes].map((field) => [`#${field}`, field]));
  const setClause = `SET ${Object.keys(sets)
    .map((field) => `#${field} = :${field}`)
    .join(", ")}`;
  const removeClause = removes.length > 0 ? ` REMOVE ${removes.map((field) => `#${field}`).join(", ")}` : "";
  try {
    const { Attributes } = await dynamoClient().send(
      new UpdateCommand({
        TableName: tableName("accounts"),
        Key: { pk: PK, sk: carrierId },
        UpdateExpression: `${setClause}${removeClause}`,
        ConditionExpression: "attribute_exists(pk)",
        ExpressionAttributeNames: names,
        ExpressionAttributeValues: Object.fromEntries(
          Object.entries(sets).map(([field, value]) => [`:${field}`, value]),
        ),
        ReturnValues: "ALL_NEW",
      }),
    );
    // The operator acts on this very record: a malformed one throws (500, logged without values).
    return Attributes ? carrierRouteOf(Attributes) : undefined;
  } catch (error) {
    if (isConditionalCheckFailure(error)) return undefined;
    throw error;
  } finally {
    routesCache = undefined;
    secretsCache.delete(carrierId);
  }
}
