import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { App, Stack } from "aws-cdk-lib";
import * as logs from "aws-cdk-lib/aws-logs";
import { describe, expect, it } from "vitest";
import { catalog, type FunctionSpec } from "../../lib/catalog/index.ts";
import { DataConstruct } from "../../lib/data-construct.ts";
import { FunctionsConstruct } from "../../lib/functions-construct.ts";
import { MessagingConstruct } from "../../lib/messaging-construct.ts";
import { projectRoot } from "./synth.ts";

/** A stack with only the given functions, bundled for real with the local esbuild (no Docker). */
function bundle(specs: readonly FunctionSpec[]): { outdir: string; stack: Stack } {
  const app = new App({ builtinCloudFormationValidation: false });
  const stack = new Stack(app, "Bundling", { env: { account: "123456789012", region: "eu-central-1" } });
  const data = new DataConstruct(stack, "Data", { stage: "test", keys: catalog.keys, tables: [] });
  const messaging = new MessagingConstruct(stack, "Messaging", {
    stage: "test",
    queues: [],
    key: data.atRest("queues"),
  });
  new FunctionsConstruct(stack, "Functions", {
    stage: "test",
    specs,
    targets: { data, messaging },
    logKey: data.atRest("logs"),
    logRetention: logs.RetentionDays.ONE_DAY,
    bundling: "esbuild",
    projectRoot,
  });
  return { outdir: app.synth().directory, stack };
}

describe("function bundling (esbuild, no Docker)", () => {
  const health = catalog.functions.find((spec) => spec.id === "health");

  it("produces one minified ESM index.mjs with the createRequire banner and no source map", () => {
    if (!health) throw new Error("catalogue has no health function");
    const { outdir } = bundle([health]);
    const assets = readdirSync(outdir).filter((name) => name.startsWith("asset."));
    expect(assets).toHaveLength(1);
    const assetDir = join(outdir, assets[0] ?? "");
    expect(readdirSync(assetDir)).toEqual(["index.mjs"]);
    const code = readFileSync(join(assetDir, "index.mjs"), "utf8");
    expect(code.startsWith("import { createRequire as __textgateCreateRequire } from 'node:module';")).toBe(
      true,
    );
    expect(code).not.toContain("sourceMappingURL");
    expect(code).toMatch(/export\s*\{[^}]*handler/);
    const template = JSON.parse(readFileSync(join(outdir, "Bundling.template.json"), "utf8")) as {
      Resources: Record<string, { Type: string; Properties: Record<string, unknown> }>;
    };
    const fn = Object.values(template.Resources).find((r) => r.Type === "AWS::Lambda::Function");
    expect(fn?.Properties.Handler).toBe("index.handler");
  }, 60_000);

  it("refuses to synth when a catalogue entry file is missing, naming every missing one", () => {
    const missing: FunctionSpec = {
      id: "ghost",
      purpose: "not written yet",
      entry: "functions/ghost/handler.ts",
      memoryMb: 128,
      timeoutSeconds: 3,
      grants: {},
    };
    expect(existsSync(join(projectRoot, missing.entry))).toBe(false);
    expect(() => bundle([missing])).toThrow(/do not exist yet:\n {2}- ghost: functions\/ghost\/handler\.ts/);
  });
});
