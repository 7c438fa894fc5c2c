import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { App, Aws, Tags } from "aws-cdk-lib";
import { catalog } from "../lib/catalog/index.ts";
import { atRestKeySpec, stageAlias } from "../lib/data-construct.ts";
import { applyNag } from "../lib/nag.ts";
import { ReplicaKeyStack } from "../lib/replica-key-stack.ts";
import { readSettings } from "../lib/settings.ts";
import { TextgateStack } from "../lib/textgate-stack.ts";

/**
 * CDK app. Context: region (eu-central-1), stage (prod), replicaRegion (optional), domainName +
 * certificateArn (optional). Synth is offline: the account stays the deploy-time AWS::AccountId.
 */
const projectRoot = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const app = new App();
const settings = readSettings(app.node);
const name = `Textgate-${settings.stage}`;

const stack = new TextgateStack(app, name, {
  env: { account: Aws.ACCOUNT_ID, region: settings.region },
  settings,
  projectRoot,
  description: `Textgate SMS + verification platform (${settings.stage})`,
});

if (settings.replicaRegion) {
  const tableKey = atRestKeySpec(catalog.keys, "tables");
  const replicaKeys = new ReplicaKeyStack(app, `${name}-replica-key`, {
    env: { account: Aws.ACCOUNT_ID, region: settings.replicaRegion },
    stage: settings.stage,
    alias: stageAlias(settings.stage, tableKey),
  });
  stack.addStackDependency(replicaKeys, "table replicas are encrypted with the replica-region key");
}

// Cost allocation and ownership on every resource that supports tags.
Tags.of(app).add("project", "textgate");
Tags.of(app).add("stage", settings.stage);
applyNag(app);
