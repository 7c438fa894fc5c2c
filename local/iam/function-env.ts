/**
 * Per-function environment in one process. On AWS a function sees only the env applyGrants gives
 * it (TABLE_*, QUEUE_*_URL, KEY_*_ARN, the usage-plan name for what it is granted) plus its own
 * catalogue `environment`. Locally every function shares process.env, so process.env becomes a
 * view: inside an invocation, catalogue-derived names the function is not granted read as unset
 * and its own `environment` wins; everything else (AWS endpoints, region, local stand-ins, LOG_LEVEL)
 * passes through. Outside any invocation process.env is unchanged.
 * Known limit: a value a shared module caches at first use (e.g. a client built from env) is
 * shared by every function of the process, as one container would never be on AWS.
 */
import {
  catalog,
  envNames,
  type FunctionSpec,
  queueGrantParts,
  queuePartId,
  queueSpec,
} from "../../lib/catalog/index.ts";

export interface FunctionEnv {
  /** Catalogue-derived names this function may see (from its grants). */
  readonly granted: ReadonlySet<string>;
  /** The function's own catalogue environment. */
  readonly own: Readonly<Record<string, string>>;
}

/** The names applyGrants (lib/function-grants.ts) sets for these grants. */
function grantedNames(fn: FunctionSpec): Set<string> {
  const names = new Set<string>();
  for (const id of Object.keys(fn.grants.tables ?? {})) names.add(envNames.table(id));
  for (const [id, access] of Object.entries(fn.grants.queues ?? {})) {
    for (const { part } of queueGrantParts(access, queueSpec(id)))
      names.add(envNames.queueUrl(queuePartId(id, part)));
  }
  for (const id of Object.keys(fn.grants.keys ?? {})) names.add(envNames.keyArn(id));
  if (fn.grants.usagePlan) names.add(envNames.usagePlanName);
  return names;
}

/** Every name some grant or some function's environment could set: hidden unless granted. */
function catalogueNames(): Set<string> {
  const names = new Set<string>([envNames.usagePlanName]);
  for (const table of catalog.tables) names.add(envNames.table(table.id));
  for (const queue of catalog.queues) {
    for (const part of ["queue", "dlq", "parked"] as const)
      names.add(envNames.queueUrl(queuePartId(queue.id, part)));
  }
  for (const key of catalog.keys) names.add(envNames.keyArn(key.id));
  for (const fn of catalog.functions) for (const name of Object.keys(fn.environment ?? {})) names.add(name);
  return names;
}

export const functionEnv = (fn: FunctionSpec): FunctionEnv => ({
  granted: grantedNames(fn),
  own: fn.environment ?? {},
});

/** Whether `name` is a catalogue-derived name this function must not see. */
const hiddenFrom = (env: FunctionEnv, managed: ReadonlySet<string>, name: string): boolean =>
  managed.has(name) && !env.granted.has(name) && !(name in env.own);

/**
 * The whole environment a function sees, as a plain copy of `base` (for a function that runs in
 * its own worker thread, whose process.env is private: local/workers/). Same rules as the view below.
 */
export function functionProcessEnv(
  fn: FunctionSpec,
  base: Readonly<Record<string, string | undefined>>,
): Record<string, string> {
  const env = functionEnv(fn);
  const managed = catalogueNames();
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(base)) {
    if (value !== undefined && !hiddenFrom(env, managed, name)) out[name] = value;
  }
  return { ...out, ...env.own };
}

let installed = false;

/** Makes process.env resolve per invocation; `current` returns the calling function's env, if any. */
export function installFunctionEnv(current: () => FunctionEnv | undefined): void {
  if (installed) return;
  installed = true;
  const real = process.env;
  const managed = catalogueNames();
  const hidden = (env: FunctionEnv, name: string): boolean => hiddenFrom(env, managed, name);
  process.env = new Proxy(real, {
    // Writes go to the one real env (receiver = target: Node's env object stores strings itself).
    set: (target, name, value) => Reflect.set(target, name, value),
    get(target, name) {
      const env = current();
      if (!env || typeof name !== "string") return Reflect.get(target, name);
      if (name in env.own) return env.own[name];
      return hidden(env, name) ? undefined : Reflect.get(target, name);
    },
    has(target, name) {
      const env = current();
      if (!env || typeof name !== "string") return Reflect.has(target, name);
      return name in env.own || (!hidden(env, name) && Reflect.has(target, name));
    },
    ownKeys(target) {
      const env = current();
      const keys = Reflect.ownKeys(target);
      if (!env) return keys;
      const visible = keys.filter((key) => typeof key !== "string" || !hidden(env, key));
      return [...new Set([...visible, ...Object.keys(env.own)])];
    },
    getOwnPropertyDescriptor(target, name) {
      const env = current();
      if (!env || typeof name !== "string") return Reflect.getOwnPropertyDescriptor(target, name);
      if (name in env.own) {
        return { value: env.own[name], writable: true, enumerable: true, configurable: true };
      }
      return hidden(env, name) ? undefined : Reflect.getOwnPropertyDescriptor(target, name);
    },
  });
}
