import { envUsagePlanKeys } from "../auth/usage-plan-keys.ts";
import { identityDeps } from "../identity/deps.ts";
import { dynamoAccountStore } from "./accounts-store.ts";
import type { AdminDeps } from "./ports.ts";

/** Production wiring of the operator plane, built on first use (cold start does no I/O). */
let shared: AdminDeps | undefined;

export function adminDeps(): AdminDeps {
  shared ??= { ...identityDeps(), accounts: dynamoAccountStore, usagePlan: envUsagePlanKeys };
  return shared;
}
