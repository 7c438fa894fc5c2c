import type { CloudFormationCustomResourceEvent } from "aws-lambda";
import { logger } from "../shared/logger.ts";
import { bootstrapRootSecret } from "../shared/secrets.ts";

/**
 * Deploy-time step (CloudFormation custom resource through the CDK Provider framework, called when
 * the stack creates the resource; see lib/bootstrap-construct.ts): creates the deployment's HMAC root
 * secret once. An update only makes sure it exists (idempotent); a delete leaves it alone: deleting
 * it would make every stored code, recovery code and blind index unverifiable.
 */
export async function handler(
  event: CloudFormationCustomResourceEvent,
): Promise<{ PhysicalResourceId: string }> {
  if (event.RequestType === "Create" || event.RequestType === "Update") {
    const outcome = await bootstrapRootSecret();
    logger.info("hmac root secret", { outcome });
  }
  return { PhysicalResourceId: "textgate-hmac-root" };
}
