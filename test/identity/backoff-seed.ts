import { PutCommand } from "@aws-sdk/lib-dynamodb";
import { type BackoffRule, backoffKey } from "../../functions/identity/brute-force.ts";
import { dynamoClient } from "../../functions/shared/aws.ts";

/**
 * Fast-forwards a guessing counter: `failures` earlier failures whose back-off ends in
 * `blockedForSeconds` (0 = the window is open now). Lets a test start in the back-off phase without
 * waiting through the doubling delays, so what it asserts does not depend on timing.
 */
export async function seedBackoff(
  rule: BackoffRule,
  subject: string,
  state: { failures: number; blockedForSeconds: number },
): Promise<void> {
  const now = Math.floor(Date.now() / 1000);
  await dynamoClient().send(
    new PutCommand({
      TableName: process.env.TABLE_EPHEMERAL,
      Item: {
        ...backoffKey(rule, subject),
        failures: state.failures,
        // Long ago: code that derived the wait from the last failure would also see the window open.
        lastFailedAt: now - 86_400,
        blockedUntil: now + state.blockedForSeconds,
        expiresAt: now + 3600,
      },
    }),
  );
}
