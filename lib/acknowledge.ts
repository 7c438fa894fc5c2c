import { Validations } from "aws-cdk-lib";
import type { IConstruct } from "constructs";

export interface Acknowledgment {
  /** cdk-nag rule id, or RuleId[FindingId] for one finding, e.g. AwsSolutions-IAM5[Resource::*]. */
  readonly id: string;
  /** Why this is acceptable here: specific, never "not needed". */
  readonly reason: string;
}

/**
 * Acknowledges cdk-nag findings on a construct and everything below it (cdk-nag v3 uses CDK's
 * Validations). Reasons are required and reviewed like code.
 */
export function acknowledge(scope: IConstruct, acks: readonly Acknowledgment[]): void {
  for (const ack of acks) {
    if (ack.reason.trim().length < 30) throw new Error(`acknowledgment ${ack.id} needs a specific reason`);
    Validations.of(scope).acknowledge({ id: ack.id, reason: ack.reason });
  }
}
