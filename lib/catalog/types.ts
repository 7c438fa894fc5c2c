/**
 * Types of the resource catalogue. Plain data, no CDK imports: the CDK constructs in lib/ and the
 * local platform in local/ both read the same objects, so nothing is declared twice.
 */
import type { apiResources } from "./api.ts";

/**
 * readUpdate: read plus UpdateItem only (no Put/Delete/BatchWrite), for a function that stamps a
 * field on existing items (the authorizer's API-key "last used").
 */
export type TableAccess = "read" | "write" | "readWrite" | "readUpdate";
/**
 * inspect: GetQueueAttributes only (depth checks by the status prober); no message access.
 * consumeDeadLetters: consume the queue's DLQ (not the queue itself), for its deadLetterConsumer.
 * operateDeadLetters: an operator's redrive and discard: consume the queue's DLQ and parked queue,
 * and send to the work queue (never receive from it).
 * consumeAndSend: a consumer that also re-enqueues on its own queue (delayed retries).
 * consumeRetryAndDeadLetter: consumeAndSend, plus SendMessage to the queue's DLQ, for a consumer
 * that moves what it gives up on to the DLQ itself (dead webhook events: alarmed and redriven there).
 */
export type QueueAccess =
  | "send"
  | "consume"
  | "consumeAndSend"
  | "consumeRetryAndDeadLetter"
  | "inspect"
  | "consumeDeadLetters"
  | "operateDeadLetters";
export type KeyAccess = "encrypt" | "decrypt" | "sign" | "getPublicKey";
export type UsagePlanAccess = "manage";
export type MailAccess = "send";
/** send: sms-voice:SendTextMessage through the stage's configuration set (AWS End User Messaging SMS). */
export type SmsVoiceAccess = "send";

/**
 * What a global secondary index copies of each item. DynamoDB writes an index whenever an update
 * changes a projected attribute, so "all" re-writes the whole item (1–2 KB of ciphertexts on a
 * message) into the index on every status update; "keys" (table and index keys only) and "include"
 * (keys plus a few small attributes) write the index only when what it holds changes. A reader that
 * needs more fetches the base items (GetItem/BatchGetItem: a read unit costs a fraction of a write).
 * DynamoDB cannot change a projection in place: a changed projection needs a new index name.
 */
export type IndexProjection =
  | { readonly type: "keys" }
  | { readonly type: "include"; readonly attributes: readonly string[] }
  | { readonly type: "all" };

export interface IndexSpec {
  readonly name: string;
  readonly partitionKey: string;
  readonly sortKey?: string;
  readonly projection: IndexProjection;
}

export interface TableSpec {
  /** Logical id; the physical name is derived per stage. */
  readonly id: string;
  readonly purpose: string;
  readonly partitionKey: string;
  readonly sortKey?: string;
  /** Epoch-seconds attribute DynamoDB TTL deletes on; every read also filters on it. */
  readonly ttlAttribute?: string;
  readonly indexes?: readonly IndexSpec[];
}

export interface QueueConsumerSpec {
  /** Function id (see functions) that consumes this queue through an event-source mapping. */
  readonly function: string;
  readonly batchSize: number;
  readonly maxBatchingWindowSeconds: number;
  /**
   * Most concurrent invocations this mapping may start (Lambda's MaximumConcurrency, 2–1000; the
   * local poller runs at most this many batches at once). Queue consumers share the account's
   * concurrency with the API functions: the caps keep a backlog from taking all of it.
   */
  readonly maximumConcurrency: number;
}

export interface QueueSpec {
  readonly id: string;
  readonly purpose: string;
  readonly visibilityTimeoutSeconds: number;
  /** Receives before SQS moves a message to the queue's DLQ. */
  readonly maxReceiveCount: number;
  readonly retentionDays: number;
  readonly consumer?: QueueConsumerSpec;
  /**
   * Consumer of the queue's DLQ (needs the "consumeDeadLetters" grant on this queue). Records it
   * cannot settle come back to it (the DLQ's visibility timeout) until parkAfterReceives.
   */
  readonly deadLetterConsumer?: QueueConsumerSpec;
  /**
   * With a deadLetterConsumer: receives of one dead letter before SQS moves it on to the queue's
   * parked queue (<name>-parked: no consumer, an alarm on its depth, listed and redriven by an
   * operator; docs/runbooks/dlq-redrive.md). Without it, a record the consumer can never settle
   * would loop in flight, invisible to depth alarms, until retention deleted it.
   */
  readonly parkAfterReceives?: number;
}

/** What AWS services encrypt at rest with a catalogue key (no function grant needed for that). */
export type AtRestUse = "tables" | "queues" | "logs" | "alarms";

export interface KeySpec {
  readonly id: string;
  readonly purpose: string;
  /**
   * Resources AWS encrypts with this key. Each use belongs to exactly one key; a key with none is
   * reached only through functions' `keys` grants (e.g. the field key).
   */
  readonly encryptsAtRest?: readonly AtRestUse[];
  readonly usage: "ENCRYPT_DECRYPT" | "SIGN_VERIFY";
  readonly keySpec: "SYMMETRIC_DEFAULT" | "ECC_NIST_P256";
  readonly alias: string;
}

export interface FunctionGrants {
  readonly tables?: Readonly<Record<string, TableAccess>>;
  readonly queues?: Readonly<Record<string, QueueAccess>>;
  readonly keys?: Readonly<Record<string, readonly KeyAccess[]>>;
  /**
   * "manage": create API Gateway API keys, add them to the stage's usage plan and delete them, for
   * functions that create or revoke what the authorizer returns as usageIdentifierKey (API key ids,
   * account ids). Gets the plan name in env (envNames.usagePlanName).
   */
  readonly usagePlan?: UsagePlanAccess;
  /**
   * "send": SESv2 SendEmail from the stage's sender identity only (deploy context mailSender).
   * Gets the sender and the invitation page in env (envNames.mailSender, envNames.invitationUrl).
   */
  readonly mail?: MailAccess;
  /**
   * "send": sms-voice:SendTextMessage scoped to the stage's configuration set and the origination
   * identities named in context (lib/function-grants.ts). Gets the configuration set name in env
   * (envNames.smsConfigurationSet).
   */
  readonly smsVoice?: SmsVoiceAccess;
}

export interface FunctionSpec {
  readonly id: string;
  readonly purpose: string;
  /** Path from the project root to the module exporting `handler`. */
  readonly entry: string;
  readonly memoryMb: number;
  readonly timeoutSeconds: number;
  readonly grants: FunctionGrants;
  /** Extra plain environment (no secrets). */
  readonly environment?: Readonly<Record<string, string>>;
}

/**
 * public: no authorizer. authorized: the Lambda authorizer must allow the principal for `permission`.
 * iam: AWS IAM (SigV4) — only principals granted execute-api:Invoke on the route (the stack's
 * operator policy) may call it; bearer credentials are never accepted there.
 * localOnly routes exist only in the local platform and are never deployed.
 */
export type RouteAuth = "public" | "authorized" | "iam";

/** The resource a route belongs to (see apiResources in api.ts). */
export type ApiResource = keyof typeof apiResources;

/**
 * Who calls a route. Only "customers" routes are in the customer API reference; carrier callbacks
 * and operator routes are deployed but documented elsewhere.
 */
export type RouteAudience = "customers" | "carriers" | "operators";

export interface RouteSpec {
  readonly method: "GET" | "POST" | "PUT" | "PATCH" | "DELETE";
  /** API Gateway resource path, e.g. /v1/messages/{id}. */
  readonly path: string;
  readonly function: string;
  readonly auth: RouteAuth;
  /** Permission the principal needs (see functions/shared/policy.ts); required when auth is "authorized". */
  readonly permission?: string;
  readonly summary: string;
  /** Reference grouping (OpenAPI tag). */
  readonly resource: ApiResource;
  /** Default "customers". */
  readonly audience?: RouteAudience;
  /** Method-level throttle override (requests per second, burst). */
  readonly throttle?: { readonly rateLimit: number; readonly burstLimit: number };
  readonly localOnly?: boolean;
}

/**
 * A function invoked on a fixed rate: an EventBridge rule on AWS, a timer in the local platform
 * (local/schedules.ts). The event is EventBridge's "Scheduled Event".
 */
export interface ScheduleSpec {
  readonly id: string;
  readonly purpose: string;
  /** Function id (see functions) the schedule invokes. */
  readonly function: string;
  readonly rateMinutes: number;
}

export interface Catalog {
  readonly tables: readonly TableSpec[];
  readonly queues: readonly QueueSpec[];
  readonly keys: readonly KeySpec[];
  readonly functions: readonly FunctionSpec[];
  readonly routes: readonly RouteSpec[];
  readonly schedules: readonly ScheduleSpec[];
}
