import type { HttpRequest } from "../shared/http.ts";
import { DomainError } from "../shared/problem.ts";
import type { OperatorCall } from "./ports.ts";

/**
 * Who calls an operator route. API Gateway lets only SigV4-signed calls by principals holding the
 * operator policy reach these functions (AWS_IAM); the caller's ARN comes from the verified identity.
 */
export function operatorCall(request: HttpRequest, reason?: string): OperatorCall {
  // Defence in depth: a route deployed without AWS_IAM would have no verified caller.
  if (!request.callerArn)
    throw new DomainError("forbidden", "Operator routes need an AWS IAM signed request");
  return {
    arn: request.callerArn,
    sourceIp: request.sourceIp,
    requestId: request.requestId,
    ...(request.userAgent ? { userAgent: request.userAgent } : {}),
    ...(reason ? { reason } : {}),
  };
}
