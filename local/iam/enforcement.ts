/**
 * Per-function IAM for the in-process Lambda runtime. Every invocation runs inside an
 * AsyncLocalStorage context naming its function; one hook on the SDK send path (every v3 client's
 * send() is @smithy/core's Client.prototype.send: DynamoDB incl. the document client, SQS, KMS, ...)
 * refuses any call the function's catalogue grants do not allow, with the error AWS returns. The
 * local KMS stand-ins (keyring file, signing-key file) are guarded the same way (key-guard.ts).
 * Code outside any invocation (tests, seeding, tools, the SQS poller acting as Lambda) is not
 * restricted, as the platform itself is not an IAM principal.
 */
import { AsyncLocalStorage } from "node:async_hooks";
import { randomUUID } from "node:crypto";
import { Client, ServiceException } from "@smithy/core/client";
import { type FunctionSpec, physicalName } from "../../lib/catalog/index.ts";
import { LOCAL_ACCOUNT_ID, LOCAL_REGION } from "../local-account.ts";
import { type FunctionEnv, functionEnv, installFunctionEnv } from "./function-env.ts";
import { allows, type PolicyScope, type PolicyStatement, policyStatements } from "./policy.ts";
import { type AuthorizationRequest, authorizationRequests } from "./requests.ts";

export interface FunctionIdentity {
  readonly functionId: string;
  readonly functionName: string;
  /** arn:aws:sts::<account>:assumed-role/<role>/<function name>, as AWS names a Lambda caller. */
  readonly principalArn: string;
  readonly statements: readonly PolicyStatement[];
  readonly scope: PolicyScope;
  /** What process.env shows inside its invocations (see function-env.ts). */
  readonly env: FunctionEnv;
}

const invocations = new AsyncLocalStorage<FunctionIdentity>();

/** Built once per function spec and stage: invocations on the hot path only look it up. */
const identities = new WeakMap<FunctionSpec, Map<string, FunctionIdentity>>();

export function functionIdentity(fn: FunctionSpec, stage: string): FunctionIdentity {
  let byStage = identities.get(fn);
  if (!byStage) {
    byStage = new Map();
    identities.set(fn, byStage);
  }
  let identity = byStage.get(stage);
  if (!identity) {
    identity = buildIdentity(fn, stage);
    byStage.set(stage, identity);
  }
  return identity;
}

function buildIdentity(fn: FunctionSpec, stage: string): FunctionIdentity {
  const functionName = physicalName(stage, fn.id);
  const scope: PolicyScope = { stage, region: LOCAL_REGION, account: LOCAL_ACCOUNT_ID };
  return {
    functionId: fn.id,
    functionName,
    principalArn: `arn:aws:sts::${LOCAL_ACCOUNT_ID}:assumed-role/${functionName}-role/${functionName}`,
    statements: policyStatements(fn.grants, scope),
    scope,
    env: functionEnv(fn),
  };
}

/** The function whose invocation the caller runs in, if any. */
export const currentFunction = (): FunctionIdentity | undefined => invocations.getStore();

/**
 * Runs `body` (a handler invocation) as the function: its SDK calls are checked against its grants
 * and process.env shows only what its grants and its own environment give it.
 */
export function runAsFunction<T>(identity: FunctionIdentity, body: () => T): T {
  installSdkEnforcement();
  installFunctionEnv(() => invocations.getStore()?.env);
  return invocations.run(identity, body);
}

type ErrorStyle = { readonly name: string; readonly status: number; readonly extra?: Record<string, string> };

/**
 * What each service answers for an IAM refusal. DynamoDB and KMS: AccessDeniedException, HTTP 400.
 * SQS: AccessDenied (query-compatible code), HTTP 403, and it writes the action in lower case.
 */
function errorStyle(action: string): ErrorStyle {
  if (action.startsWith("sqs:")) {
    return { name: "AccessDenied", status: 403, extra: { Code: "AccessDenied", Type: "Sender" } };
  }
  return { name: "AccessDeniedException", status: 400 };
}

export function accessDenied(identity: FunctionIdentity, request: AuthorizationRequest): ServiceException {
  const style = errorStyle(request.action);
  const action = request.action.startsWith("sqs:") ? request.action.toLowerCase() : request.action;
  const error = new ServiceException({
    name: style.name,
    $fault: "client",
    $metadata: { httpStatusCode: style.status, requestId: randomUUID(), attempts: 1, totalRetryDelay: 0 },
    message:
      `User: ${identity.principalArn} is not authorized to perform: ${action} on resource: ` +
      `${request.resource} because no identity-based policy allows the ${action} action`,
  });
  return Object.assign(error, style.extra ?? {});
}

/** Throws AWS's refusal for the first request the identity's policy does not allow. */
export function authorize(identity: FunctionIdentity, requests: readonly AuthorizationRequest[]): void {
  const refused = requests.find((request) => !allows(identity.statements, request));
  if (!refused) return;
  // Functions often map errors to a bare 500; this line (ids and ARNs only) names the missing grant.
  console.warn(`local IAM: ${identity.functionId} refused ${refused.action} on ${refused.resource}`);
  throw accessDenied(identity, refused);
}

type Send = (this: Client<never, never, never, never>, command: unknown, ...rest: unknown[]) => unknown;
let installed = false;

/**
 * Wraps Client.prototype.send once per process. Tools that patch send too (bench/sdk-meter, chaos)
 * chain with it: whichever is outermost, the check runs before the request leaves the process. (A
 * tool that later restores a send saved before this one removes the check: tools only.)
 */
export function installSdkEnforcement(): void {
  if (installed) return;
  installed = true;
  const current = Client.prototype.send as unknown as Send;
  const enforcedSend = function (
    this: Client<never, never, never, never>,
    command: unknown,
    ...rest: unknown[]
  ): unknown {
    const identity = invocations.getStore();
    if (identity) {
      const serviceId = (this as unknown as { config?: { serviceId?: string } }).config?.serviceId;
      const cmd = command as { constructor: { name: string }; input?: unknown };
      const requests = authorizationRequests(
        identity.scope,
        serviceId ?? this.constructor.name.replace(/(Document)?Client$/, ""),
        cmd.constructor.name,
        cmd.input,
      );
      try {
        authorize(identity, requests);
      } catch (error) {
        const callback = rest.find((arg) => typeof arg === "function") as
          | ((error: unknown) => void)
          | undefined;
        if (!callback) return Promise.reject(error);
        callback(error);
        return undefined;
      }
    }
    return current.call(this, command, ...rest);
  } as Send;
  Client.prototype.send = enforcedSend as never;
}
