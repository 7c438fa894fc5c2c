import { beforeAll, describe, expect, it } from "vitest";
import { catalog, functionSpec } from "../../lib/catalog/index.ts";
import { FIELD_KEY_ID } from "../../lib/catalog/platform.ts";
import { KMS_ACTIONS } from "../../lib/function-grants.ts";
import {
  asList,
  logicalId,
  type PolicyStatementJson,
  referencedIds,
  type Synthesized,
  statementsOfRole,
  synthStack,
} from "./synth.ts";

/**
 * One key per purpose: a table-read grant must not open sealed fields (phone numbers, bodies, TOTP
 * seeds, the HMAC root), and the services that encrypt logs and alarm notifications must not hold a
 * key that protects data.
 */
let synth: Synthesized;
beforeAll(() => {
  synth = synthStack();
});

type Resource = { Properties: Record<string, unknown> };
const resourcesOf = (type: string) => Object.values(synth.template.findResources(type)) as Resource[];
const keyArn = (key: Parameters<typeof logicalId>[0]) => ({ "Fn::GetAtt": [logicalId(key), "Arn"] });
const fieldKey = () => synth.stack.data.key(FIELD_KEY_ID);

function statementsOf(fnId: string): PolicyStatementJson[] {
  return statementsOfRole(synth, synth.stack.functions.fn(fnId).role ?? fail(fnId));
}

function fail(what: string): never {
  throw new Error(`no role for ${what}`);
}

describe("KMS keys by purpose", () => {
  it("tables and queues, logs and alarms, and sealed fields each have their own key", () => {
    const tables = synth.stack.data.atRest("tables");
    const logs = synth.stack.data.atRest("logs");
    expect(synth.stack.data.atRest("queues")).toBe(tables);
    expect(synth.stack.data.atRest("alarms")).toBe(logs);
    expect(new Set([tables, logs, fieldKey()]).size).toBe(3);
  });

  it("every table and queue uses the table key, every log group the logs key, the alarm topic too", () => {
    const tableKey = keyArn(synth.stack.data.atRest("tables"));
    for (const table of resourcesOf("AWS::DynamoDB::GlobalTable")) {
      for (const replica of table.Properties.Replicas as { SSESpecification: unknown }[]) {
        expect(replica.SSESpecification).toEqual({ KMSMasterKeyId: tableKey });
      }
    }
    for (const queue of resourcesOf("AWS::SQS::Queue"))
      expect(queue.Properties.KmsMasterKeyId).toEqual(tableKey);
    const logsKey = keyArn(synth.stack.data.atRest("logs"));
    for (const group of resourcesOf("AWS::Logs::LogGroup"))
      expect(group.Properties.KmsKeyId).toEqual(logsKey);
    // The alarm topic is on the logs key; the SMS delivery-events topic feeds a queue, so it is on
    // the queue key (its own test: test/infra/carriers.test.ts).
    const topics = resourcesOf("AWS::SNS::Topic");
    const queueKey = { "Fn::GetAtt": [logicalId(synth.stack.data.atRest("queues")), "Arn"] };
    expect(
      topics.filter((topic) => JSON.stringify(topic.Properties.KmsMasterKeyId) === JSON.stringify(logsKey))
        .length,
    ).toBeGreaterThan(0);
    for (const topic of topics) expect([logsKey, queueKey]).toContainEqual(topic.Properties.KmsMasterKeyId);
  });

  it.each(catalog.functions.map((spec) => [spec.id, spec] as const))(
    "%s reaches the field key only through its own grant, with exactly its actions",
    (id, spec) => {
      const fieldRef = logicalId(fieldKey());
      const actions = new Set(
        statementsOf(id)
          .filter((statement) => referencedIds(statement.Resource).has(fieldRef))
          .flatMap((statement) => asList(statement.Action)),
      );
      const granted = spec.grants.keys?.[FIELD_KEY_ID] ?? [];
      expect([...actions].sort()).toEqual(
        [...new Set(granted.flatMap((access) => KMS_ACTIONS[access]))].sort(),
      );
    },
  );

  it("the logs key serves AWS services; the table key only SNS delivering from our events topic; the field key none", () => {
    type Statement = { Principal?: { Service?: unknown }; Condition?: unknown };
    const serviceStatements = (key: Parameters<typeof logicalId>[0]) => {
      const policy = synth.template.toJSON().Resources[logicalId(key)].Properties.KeyPolicy;
      return (policy.Statement as Statement[]).filter((statement) => statement.Principal?.Service);
    };
    expect(serviceStatements(synth.stack.data.atRest("logs")).length).toBeGreaterThan(0);
    const tableKey = serviceStatements(synth.stack.data.atRest("tables"));
    // SNS delivers SMS delivery events to the (encrypted) events queue: only from our events
    // topic (aws:SourceArn), never for anyone's.
    expect(tableKey.map((statement) => statement.Principal?.Service)).toEqual(["sns.amazonaws.com"]);
    for (const statement of tableKey) expect(JSON.stringify(statement.Condition)).toContain("aws:SourceArn");
    expect(serviceStatements(fieldKey())).toEqual([]);
  });

  it("send reads the accounts table and never writes it", () => {
    expect(functionSpec("send").grants.tables?.accounts).toBe("read");
  });
});
