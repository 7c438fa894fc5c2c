import { Duration, Stack, type StackProps } from "aws-cdk-lib";
import * as kms from "aws-cdk-lib/aws-kms";
import type { Construct } from "constructs";
import { KEEP_UNLESS_CREATE_FAILED } from "./data-construct.ts";

export interface ReplicaKeyStackProps extends StackProps {
  readonly stage: string;
  /** Same alias as the primary table key: the primary stack finds this key by alias ARN. */
  readonly alias: string;
}

/**
 * The customer-managed key that encrypts the DynamoDB global-table replicas in the replica region.
 * Deployed before the primary stack (dependency set in bin/); referenced there by alias ARN, so no
 * cross-region export is needed.
 */
export class ReplicaKeyStack extends Stack {
  readonly key: kms.Key;

  constructor(scope: Construct, id: string, props: ReplicaKeyStackProps) {
    super(scope, id, props);
    this.key = new kms.Key(this, "ReplicaDataKey", {
      description: `textgate ${props.stage}: encrypts DynamoDB replicas in this region`,
      alias: props.alias,
      enableKeyRotation: true,
      pendingWindow: Duration.days(30),
      removalPolicy: KEEP_UNLESS_CREATE_FAILED,
    });
  }
}
