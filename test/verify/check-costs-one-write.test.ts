/**
 * Acceptance: a check costs at most ONE conditional write. A counting middleware on the shared
 * DynamoDB client (functions/shared/aws.ts) records every command the check sends.
 */
import { describe, expect, it } from "vitest";
import { dynamoClient } from "../../functions/shared/aws.ts";
import { checkVerification, startVerification } from "../../functions/verify/service.ts";
import { useLocalPlatformEnv } from "../support/env.ts";
import { domainError, estonianMobile, testAccountId, verifyHarness } from "./support.ts";

useLocalPlatformEnv();

interface Sent {
  readonly command: string;
  readonly table: string | undefined;
  readonly conditional: boolean;
}

const WRITES = new Set([
  "PutItemCommand",
  "UpdateItemCommand",
  "DeleteItemCommand",
  "TransactWriteItemsCommand",
  "BatchWriteItemCommand",
]);

let recording: Sent[] | undefined;
dynamoClient().middlewareStack.add(
  (next, context) => async (args) => {
    const input = args.input as { TableName?: string; ConditionExpression?: string };
    recording?.push({
      command: String(context.commandName),
      table: input.TableName,
      conditional: typeof input.ConditionExpression === "string",
    });
    return next(args);
  },
  { step: "initialize", name: "verifyCommandCounter" },
);

async function record<T>(run: () => Promise<T>): Promise<{ result: T | undefined; sent: Sent[] }> {
  recording = [];
  let result: T | undefined;
  try {
    result = await run();
  } catch {
    // the caller inspects the commands
  }
  const sent = recording;
  recording = undefined;
  return { result, sent };
}

/** A fresh pending verification (its code is in the harness's outbox). */
async function pendingVerification() {
  const h = verifyHarness();
  const accountId = testAccountId();
  const to = estonianMobile();
  const { id } = await startVerification(
    { accountId, to, requester: { type: "apiKey", id: "key_cost" } },
    h.deps,
  );
  return { h, accountId, to, id };
}

describe("a verification check costs one conditional write", () => {
  it("wrong code: one read and exactly one (conditional) write", async () => {
    const { h, accountId, to, id } = await pendingVerification();
    const wrong = h.lastCodeTo(to) === "000000" ? "000001" : "000000";
    const { sent } = await record(() =>
      checkVerification({ accountId, verificationId: id, code: wrong }, h.deps),
    );
    const writes = sent.filter((c) => WRITES.has(c.command));
    expect(writes).toHaveLength(1);
    expect(writes[0]).toMatchObject({ command: "UpdateItemCommand", conditional: true });
    expect(writes[0]?.table).toMatch(/verifications$/);
    expect(sent.filter((c) => c.command === "GetItemCommand")).toHaveLength(1);
  });

  it("right code: one conditional write on the verification; besides it only the text still queued is cancelled and fraud counters bumped", async () => {
    const { h, accountId, to, id } = await pendingVerification();
    const { result, sent } = await record(() =>
      checkVerification({ accountId, verificationId: id, code: h.lastCodeTo(to) }, h.deps),
    );
    expect(result?.status).toBe("approved");
    const writes = sent.filter((c) => WRITES.has(c.command));
    const conditional = writes.filter((c) => c.conditional);
    expect(conditional.filter((c) => c.table?.endsWith("verifications"))).toHaveLength(1);
    expect(writes.filter((c) => c.table?.endsWith("verifications"))).toHaveLength(1);
    // The harness never dispatches, so the code's text is still queued: the approval cancels it
    // (status write, then its body removed): otp-text-forgotten-on-close.test.ts.
    for (const other of conditional.filter((c) => !c.table?.endsWith("verifications"))) {
      expect(other).toMatchObject({ command: "UpdateItemCommand" });
      expect(other.table).toMatch(/messages$/);
    }
    for (const other of writes.filter((c) => !c.conditional)) {
      expect(other).toMatchObject({ command: "UpdateItemCommand" });
      expect(other.table).toMatch(/ephemeral$/);
    }
  });

  it("a check on a closed verification writes nothing", async () => {
    const { h, accountId, to, id } = await pendingVerification();
    const code = h.lastCodeTo(to);
    await checkVerification({ accountId, verificationId: id, code }, h.deps);
    const { sent } = await record(() =>
      domainError(checkVerification({ accountId, verificationId: id, code }, h.deps)),
    );
    expect(sent.filter((c) => WRITES.has(c.command))).toHaveLength(0);
  });
});
