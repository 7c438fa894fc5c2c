import { envUsagePlanKeys } from "../auth/usage-plan-keys.ts";
import { identityDeps } from "../identity/deps.ts";
import { dynamoAccountStore } from "./accounts-store.ts";
import type { DeadLetterDeps } from "./dead-letters.ts";
import { sqsDeadLetterQueues } from "./dead-letters-sqs.ts";
import type { AdminDeps } from "./ports.ts";

/** Production wiring of the operator plane, built on first use (cold start does no I/O). */
let shared: (AdminDeps & DeadLetterDeps) | undefined;

export function adminDeps(): AdminDeps & DeadLetterDeps {
  shared ??= {
    ...identityDeps(),
    accounts: dynamoAccountStore,
    usagePlan: envUsagePlanKeys,
    deadLetters: sqsDeadLetterQueues(),
  };
  return shared;
}
