import { describe, expect, it } from "vitest";
import { allows, policyStatements } from "../../local/iam/policy.ts";
import { authorizationRequests } from "../../local/iam/requests.ts";

/** How SDK commands become IAM (action, resource) pairs, and how grants evaluate them. Pure logic. */
const scope = { stage: "t", region: "eu-central-1", account: "000000000000" };
const table = (name: string) => `arn:aws:dynamodb:eu-central-1:000000000000:table/${name}`;

describe("SDK command → IAM requests", () => {
  it("batches name every table with the batch action; transactions authorise each item by its own action", () => {
    expect(
      authorizationRequests(scope, "DynamoDB", "BatchWriteCommand", {
        RequestItems: { "textgate-t-messages": [], "textgate-t-audit": [] },
      }),
    ).toEqual([
      { action: "dynamodb:BatchWriteItem", resource: table("textgate-t-messages") },
      { action: "dynamodb:BatchWriteItem", resource: table("textgate-t-audit") },
    ]);
    expect(
      authorizationRequests(scope, "DynamoDB", "TransactGetItemsCommand", {
        TransactItems: [{ Get: { TableName: "textgate-t-accounts", Key: {} } }],
      }),
    ).toEqual([{ action: "dynamodb:GetItem", resource: table("textgate-t-accounts") }]);
    expect(
      authorizationRequests(scope, "DynamoDB", "TransactWriteCommand", {
        TransactItems: [
          { ConditionCheck: { TableName: "textgate-t-accounts" } },
          { Delete: { TableName: "textgate-t-messages" } },
        ],
      }),
    ).toEqual([
      { action: "dynamodb:ConditionCheckItem", resource: table("textgate-t-accounts") },
      { action: "dynamodb:DeleteItem", resource: table("textgate-t-messages") },
    ]);
  });

  it("SQS batch calls need their single-message action; services without a grant type map to '*'", () => {
    expect(
      authorizationRequests(scope, "SQS", "DeleteMessageBatchCommand", {
        QueueUrl: "http://127.0.0.1:4566/000000000000/textgate-t-sms-otp-dlq",
        Entries: [],
      }),
    ).toEqual([
      {
        action: "sqs:DeleteMessage",
        resource: "arn:aws:sqs:eu-central-1:000000000000:textgate-t-sms-otp-dlq",
      },
    ]);
    expect(authorizationRequests(scope, "SESv2", "SendEmailCommand", {})).toEqual([
      { action: "sesv2:SendEmail", resource: "*" },
    ]);
  });
});

describe("catalogue grants → policy", () => {
  it("consumeDeadLetters reaches the DLQ only; readUpdate writes only with UpdateItem", () => {
    const statements = policyStatements(
      { queues: { "sms-otp": "consumeDeadLetters" }, tables: { accounts: "readUpdate" } },
      scope,
    );
    const queue = (name: string) => `arn:aws:sqs:eu-central-1:000000000000:${name}`;
    expect(
      allows(statements, { action: "sqs:ReceiveMessage", resource: queue("textgate-t-sms-otp-dlq") }),
    ).toBe(true);
    expect(allows(statements, { action: "sqs:ReceiveMessage", resource: queue("textgate-t-sms-otp") })).toBe(
      false,
    );
    const accounts = table("textgate-t-accounts");
    expect(allows(statements, { action: "dynamodb:UpdateItem", resource: accounts })).toBe(true);
    expect(allows(statements, { action: "dynamodb:Query", resource: `${accounts}/index/gsi1` })).toBe(true);
    for (const action of ["dynamodb:PutItem", "dynamodb:DeleteItem", "dynamodb:BatchWriteItem"]) {
      expect(allows(statements, { action, resource: accounts })).toBe(false);
    }
  });

  it("operateDeadLetters consumes the DLQ and parked queue and only sends to the work queue", () => {
    const statements = policyStatements({ queues: { "sms-otp": "operateDeadLetters" } }, scope);
    const queue = (name: string) => `arn:aws:sqs:eu-central-1:000000000000:${name}`;
    for (const part of ["textgate-t-sms-otp-dlq", "textgate-t-sms-otp-parked"]) {
      for (const action of ["sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:ChangeMessageVisibility"]) {
        expect(allows(statements, { action, resource: queue(part) })).toBe(true);
      }
      expect(allows(statements, { action: "sqs:SendMessage", resource: queue(part) })).toBe(false);
    }
    const work = queue("textgate-t-sms-otp");
    expect(allows(statements, { action: "sqs:SendMessage", resource: work })).toBe(true);
    for (const action of ["sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:PurgeQueue"]) {
      expect(allows(statements, { action, resource: work })).toBe(false);
    }
    // sms-smpp has no parked queue: nothing is granted under that name.
    const smpp = policyStatements({ queues: { "sms-smpp": "operateDeadLetters" } }, scope);
    expect(
      allows(smpp, { action: "sqs:ReceiveMessage", resource: queue("textgate-t-sms-smpp-parked") }),
    ).toBe(false);
  });
});
