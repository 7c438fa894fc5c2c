import {
  IdempotencyAlreadyInProgressError,
  IdempotencyConfig,
  IdempotencyValidationError,
  makeIdempotent,
} from "@aws-lambda-powertools/idempotency";
import { DynamoDBPersistenceLayer } from "@aws-lambda-powertools/idempotency/dynamodb";
import type { Context } from "aws-lambda";
import { tableName } from "../shared/config.ts";
import { DomainError } from "../shared/problem.ts";

/**
 * Idempotency-Key for POST endpoints that create no SMS of their own (Powertools Idempotency on the
 * ephemeral table; Verify's start). POST /v1/messages does NOT use this: its key must be bound to
 * the message in the same write (see send-once.ts), which a separate success record cannot do.
 * Key = hash of [accountId, Idempotency-Key]: keys are scoped per account, so two customers using
 * the same key never collide. Payload validation hashes the parsed body: same key + other body → 409.
 * A request that throws (validation, 4xx, 5xx) deletes its in-progress record: nothing is kept and
 * the client may retry with the same key. Records live 24 h.
 */
export interface IdempotentCall<B> {
  readonly accountId: string;
  readonly idempotencyKey: string;
  readonly body: B;
}

export interface Replayable<R> {
  readonly result: R;
  /** True when the stored response of an earlier request with the same key was returned. */
  readonly replayed: boolean;
}

const RECORD_TTL_SECONDS = 24 * 3600;

/**
 * `functionTimeoutMs`: an in-progress record older than this belongs to a crashed request and may be
 * taken over (otherwise a crash would block the key until the record expires).
 */
export function idempotent<B, R>(
  scope: string,
  fn: (call: IdempotentCall<B>) => Promise<R>,
  options: { functionTimeoutMs: number },
): (call: IdempotentCall<B>) => Promise<Replayable<R>> {
  let wrapped: ((call: IdempotentCall<B>) => Promise<Replayable<R>>) | undefined;
  const build = () => {
    const config = new IdempotencyConfig({
      eventKeyJmesPath: "[accountId, idempotencyKey]",
      payloadValidationJmesPath: "body",
      throwOnNoIdempotencyKey: true,
      expiresAfterSeconds: RECORD_TTL_SECONDS,
      hashFunction: "sha256",
      responseHook: (response) =>
        typeof response === "object" && response !== null && !Array.isArray(response)
          ? { ...response, replayed: true }
          : response,
    });
    // Outside a handler signature Powertools cannot see the Lambda context; all it reads from it is
    // the remaining time, which sets the in-progress record's expiry (now + function timeout).
    config.registerLambdaContext({
      getRemainingTimeInMillis: () => options.functionTimeoutMs,
    } as unknown as Context);
    return makeIdempotent(
      async (call: IdempotentCall<B>): Promise<Replayable<R>> => ({
        result: await fn(call),
        replayed: false,
      }),
      {
        persistenceStore: new DynamoDBPersistenceLayer({
          tableName: tableName("ephemeral"),
          keyAttr: "pk",
          expiryAttr: "expiresAt",
        }),
        config,
        keyPrefix: `idem#${scope}`,
      },
    );
  };
  return async (call) => {
    wrapped ??= build();
    try {
      return await wrapped(call);
    } catch (error) {
      if (error instanceof IdempotencyValidationError) {
        throw new DomainError(
          "idempotency-key-reused",
          "This Idempotency-Key was already used with a different request body",
        );
      }
      if (error instanceof IdempotencyAlreadyInProgressError) {
        throw new DomainError(
          "idempotency-in-progress",
          "A request with this Idempotency-Key is still being processed; retry shortly",
          {},
          { "Retry-After": "1" },
        );
      }
      throw error;
    }
  };
}
