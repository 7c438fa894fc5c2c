import { beforeAll, describe, expect, it } from "vitest";
import {
  catalog,
  type FunctionSpec,
  queueGrantParts,
  queueSpec,
  TABLE_ACTIONS,
} from "../../lib/catalog/index.ts";
import { KMS_ACTIONS } from "../../lib/function-grants.ts";
import {
  allTemplates,
  asList,
  logicalId,
  type PolicyStatementJson,
  referencedIds,
  resourceLabels,
  type Synthesized,
  statementsOfRole,
  synthStack,
} from "./synth.ts";

/**
 * What usagePlan "manage" may do, written out here (not imported) so a widened grant fails: find the
 * plan and keys (GET collections), create a key, add a key to a plan, delete a key. No PATCH, no
 * plan changes, no stage/API resources.
 */
const APIGW = "arn:aws:apigateway:eu-central-1::";
const USAGE_PLAN_KEY_CALLS = [
  `apigateway:GET ${APIGW}/usageplans`,
  `apigateway:GET ${APIGW}/apikeys`,
  `apigateway:POST ${APIGW}/apikeys`,
  // The stage's own plan, by id (a resource built from the UsagePlan's Ref), not /usageplans/*.
  `apigateway:POST ${APIGW}/usageplans/{stage usage plan}/keys`,
  `apigateway:DELETE ${APIGW}/apikeys/*`,
];

let synth: Synthesized;
let labels: Map<string, string>;
beforeAll(() => {
  synth = synthStack();
  labels = resourceLabels(synth.stack);
});

interface PolicyResource {
  Properties: { PolicyDocument: { Statement: PolicyStatementJson[] } };
}

/** Every inline policy deployed: the parent's and each nested stack's (the function roles' among them). */
const policies = (): [string, PolicyResource][] =>
  allTemplates(synth).flatMap(
    ([, template]) =>
      Object.entries(template.findResources("AWS::IAM::Policy")) as [string, PolicyResource][],
  );

/** Partial wildcards CDK's grants emit for the CMK behind tables/queues; acknowledged in cdk-nag. */
const ACKNOWLEDGED_PARTIAL_WILDCARDS = new Set(["kms:GenerateDataKey*", "kms:ReEncrypt*"]);
const WRITE_ACTIONS = [
  "dynamodb:PutItem",
  "dynamodb:UpdateItem",
  "dynamodb:DeleteItem",
  "dynamodb:BatchWriteItem",
];
const READ_ACTIONS = ["dynamodb:GetItem", "dynamodb:Query", "dynamodb:Scan", "dynamodb:BatchGetItem"];

/** What a function may reference, derived from its catalogue grants. */
function expectedLabels(spec: FunctionSpec): Set<string> {
  const grants = spec.grants;
  const expected = new Set<string>([`logs:${spec.id}`]);
  for (const id of Object.keys(grants.tables ?? {})) expected.add(`table:${id}`);
  for (const [id, access] of Object.entries(grants.queues ?? {})) {
    // e.g. consumeDeadLetters reaches the queue's DLQ, never the work queue itself.
    for (const { part } of queueGrantParts(access, queueSpec(id))) expected.add(`${part}:${id}`);
  }
  for (const id of Object.keys(grants.keys ?? {})) expected.add(`key:${id}`);
  if (grants.usagePlan === "manage") expected.add("usage-plan");
  // Table and queue grants include the key they are encrypted with (never the field key).
  if (Object.keys(grants.tables ?? {}).length > 0) expected.add(`key:${atRestKeyId("tables")}`);
  const queueAccesses = Object.values(grants.queues ?? {});
  // inspect is GetQueueAttributes only, which needs no key.
  if (queueAccesses.some((access) => access !== "inspect")) expected.add(`key:${atRestKeyId("queues")}`);
  return expected;
}

const atRestKeyId = (use: "tables" | "queues"): string => {
  for (const [id, key] of synth.stack.data.keys) if (key === synth.stack.data.atRest(use)) return id;
  throw new Error(`no ${use} key`);
};

describe("IAM policies", () => {
  it("never grant Action '*' or a whole-service wildcard like dynamodb:*", () => {
    for (const [, policy] of policies()) {
      for (const statement of policy.Properties.PolicyDocument.Statement) {
        for (const action of asList(statement.Action)) {
          expect(action).not.toBe("*");
          expect(action).not.toMatch(/^[a-z0-9-]+:\*$/);
          if (action.includes("*")) expect(ACKNOWLEDGED_PARTIAL_WILDCARDS.has(action), action).toBe(true);
        }
      }
    }
  });

  it("use Resource '*' only for X-Ray, which has no resource-level permissions", () => {
    for (const [, policy] of policies()) {
      for (const statement of policy.Properties.PolicyDocument.Statement) {
        if (!asList(statement.Resource).includes("*")) continue;
        for (const action of asList(statement.Action)) expect(action).toMatch(/^xray:/);
      }
    }
  });
});

describe.each(catalog.functions.map((spec) => [spec.id, spec] as const))("function %s", (_id, spec) => {
  const statements = () => statementsOfRole(synth, synth.stack.functions.fn(spec.id).role ?? fail());

  it("touches exactly the tables, queues and keys in its catalogue grants (plus its log group)", () => {
    const touched = new Set<string>();
    for (const statement of statements()) {
      for (const ref of referencedIds(statement.Resource)) {
        // Pseudo parameters (partition, region, account) in ARNs built by hand are not resources.
        if (ref.startsWith("AWS::")) continue;
        const label = labels.get(ref);
        expect(label, `unexpected resource ${ref} in ${spec.id}'s policy`).toBeDefined();
        if (label) touched.add(label);
      }
    }
    expect([...touched].sort()).toEqual([...expectedLabels(spec)].sort());
  });

  it("gets read-only table actions for read grants and no reads for write-only grants", () => {
    for (const [tableId, access] of Object.entries(spec.grants.tables ?? {})) {
      const tableRef = logicalId(synth.stack.data.table(tableId));
      const actions = statements()
        .filter((statement) => referencedIds(statement.Resource).has(tableRef))
        .flatMap((statement) => asList(statement.Action));
      if (access === "read") for (const action of WRITE_ACTIONS) expect(actions).not.toContain(action);
      if (access === "write") for (const action of READ_ACTIONS) expect(actions).not.toContain(action);
      if (access === "readUpdate") {
        // Stamps fields on existing items: UpdateItem is the only write.
        expect(actions.filter((action) => WRITE_ACTIONS.includes(action))).toEqual(["dynamodb:UpdateItem"]);
      }
      if (access !== "write") expect(actions).toContain("dynamodb:GetItem");
      if (access === "write" || access === "readWrite") expect(actions).toContain("dynamodb:PutItem");
    }
  });

  it("gets exactly the catalogue's IAM actions on each granted table and queue (the list the local platform enforces)", () => {
    const actionsOn = (ref: string) =>
      new Set(
        statements()
          .filter((statement) => referencedIds(statement.Resource).has(ref))
          .flatMap((statement) => asList(statement.Action)),
      );
    for (const [tableId, access] of Object.entries(spec.grants.tables ?? {})) {
      expect(actionsOn(logicalId(synth.stack.data.table(tableId)))).toEqual(new Set(TABLE_ACTIONS[access]));
    }
    for (const [queueId, access] of Object.entries(spec.grants.queues ?? {})) {
      for (const { part, actions } of queueGrantParts(access, queueSpec(queueId))) {
        const queue = synth.stack.messaging.part(queueId, part);
        expect(actionsOn(logicalId(queue))).toEqual(new Set(actions));
      }
    }
  });

  it("gets exactly the KMS actions of its key grants on keys that encrypt nothing at rest", () => {
    for (const [keyId, accesses] of Object.entries(spec.grants.keys ?? {})) {
      const keyRef = logicalId(synth.stack.data.key(keyId));
      const actions = new Set(
        statements()
          .filter((statement) => referencedIds(statement.Resource).has(keyRef))
          .flatMap((statement) => asList(statement.Action)),
      );
      const wanted = accesses.flatMap((access) => KMS_ACTIONS[access]);
      for (const action of wanted) expect(actions).toContain(action);
      // A key that encrypts no table or queue is reached only through this grant: exactly its actions.
      if (keyId !== atRestKeyId("tables") && keyId !== atRestKeyId("queues")) {
        expect([...actions].sort()).toEqual([...new Set(wanted)].sort());
      }
    }
  });

  it("gets exactly the API Gateway usage-plan key calls if (and only if) it has the usagePlan grant", () => {
    const granted = statements()
      .filter((statement) => asList(statement.Action).some((action) => action.startsWith("apigateway:")))
      .flatMap((statement) =>
        asList(statement.Action).flatMap((action) =>
          asList(statement.Resource as unknown).map((resource) => `${action} ${usagePlanResource(resource)}`),
        ),
      );
    const expected = spec.grants.usagePlan === "manage" ? USAGE_PLAN_KEY_CALLS : [];
    expect(granted.sort()).toEqual([...expected].sort());
  });

  it("may SendTextMessage only with the smsVoice grant: through the stage's configuration set, from this account's identities", () => {
    const granted = statements().filter((statement) =>
      asList(statement.Action).some((action) => action.startsWith("sms-voice:")),
    );
    if (spec.grants.smsVoice !== "send") {
      expect(granted).toEqual([]);
      return;
    }
    expect(granted.flatMap((statement) => asList(statement.Action))).toEqual(["sms-voice:SendTextMessage"]);
    const resources = granted
      .flatMap((statement) => asList(statement.Resource))
      .map((r) => JSON.stringify(r));
    // The stack's own partition, region and account (pseudo parameters), never another account's.
    const inThisAccount =
      '{"Ref":"AWS::Partition"},":sms-voice:",{"Ref":"AWS::Region"},":",{"Ref":"AWS::AccountId"},":';
    expect(resources).toContainEqual(
      expect.stringContaining(`${inThisAccount}configuration-set/textgate-prod-sms`),
    );
    for (const resource of resources) {
      expect(resource).toContain(inThisAccount);
      expect(resource).toMatch(
        /:(configuration-set\/textgate-prod-sms|phone-number\/\*|pool\/\*|sender-id\/\*|opt-out-list\/\*)"/,
      );
    }
  });

  it("can send to / consume from exactly the queues it is granted", () => {
    for (const [queueId, access] of Object.entries(spec.grants.queues ?? {})) {
      const actionsOnPart = (part: "queue" | "dlq" | "parked") => {
        const queueRef = logicalId(synth.stack.messaging.part(queueId, part));
        return statements()
          .filter((statement) => referencedIds(statement.Resource).has(queueRef))
          .flatMap((statement) => asList(statement.Action));
      };
      const actions = actionsOnPart(access === "consumeDeadLetters" ? "dlq" : "queue");
      if (access === "operateDeadLetters") {
        // The operator redrives INTO the work queue and never takes work from its consumers.
        expect(actions).toContain("sqs:SendMessage");
        expect(actions).not.toContain("sqs:ReceiveMessage");
        expect(actions).not.toContain("sqs:DeleteMessage");
        expect(actionsOnPart("dlq")).toContain("sqs:ReceiveMessage");
        expect(actionsOnPart("dlq")).not.toContain("sqs:SendMessage");
      } else if (access === "send") {
        expect(actions).toContain("sqs:SendMessage");
        expect(actions).not.toContain("sqs:ReceiveMessage");
      } else if (access === "inspect") {
        expect([...new Set(actions)]).toEqual(["sqs:GetQueueAttributes"]);
      } else if (access === "consumeAndSend" || access === "consumeRetryAndDeadLetter") {
        // A consumer that re-enqueues its own delayed retries (the webhook sender).
        expect(actions).toEqual(
          expect.arrayContaining(["sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:SendMessage"]),
        );
        if (access === "consumeRetryAndDeadLetter") {
          // ...and moves dead events to its DLQ: send only, never receive there.
          const dlqActions = statements()
            .filter((statement) =>
              referencedIds(statement.Resource).has(logicalId(synth.stack.messaging.dlq(queueId))),
            )
            .flatMap((statement) => asList(statement.Action));
          expect(dlqActions).toContain("sqs:SendMessage");
          expect(dlqActions).not.toContain("sqs:ReceiveMessage");
        }
      } else {
        expect(actions).toContain("sqs:ReceiveMessage");
        expect(actions).toContain("sqs:DeleteMessage");
        expect(actions).not.toContain("sqs:SendMessage");
      }
    }
  });
});

/** A resource string, or the plan-key ARN built from the stage's UsagePlan Ref, written out. */
function usagePlanResource(resource: unknown): string {
  if (typeof resource === "string") return resource;
  const planRef = logicalId(synth.stack.api.usagePlan);
  const text = JSON.stringify(resource);
  if (!referencedIds(resource).has(planRef) || !text.includes("/keys")) return text;
  return `${APIGW}/usageplans/{stage usage plan}/keys`;
}

function fail(): never {
  throw new Error("function has no role");
}
