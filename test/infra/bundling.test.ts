import { spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { App, Stack } from "aws-cdk-lib";
import * as logs from "aws-cdk-lib/aws-logs";
import { describe, expect, it } from "vitest";
import { catalog, envNames, type FunctionSpec, functionSpec } from "../../lib/catalog/index.ts";
import { DataConstruct } from "../../lib/data-construct.ts";
import { FunctionsConstruct } from "../../lib/functions-construct.ts";
import { MessagingConstruct } from "../../lib/messaging-construct.ts";
import { projectRoot } from "./synth.ts";

/** A stack with only the given functions, bundled for real with the local esbuild (no Docker). */
function bundle(specs: readonly FunctionSpec[]): { outdir: string; stack: Stack; assetDirs: string[] } {
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
  const outdir = app.synth().directory;
  const assetDirs = readdirSync(outdir)
    .filter((name) => name.startsWith("asset."))
    .map((name) => join(outdir, name));
  return { outdir, stack, assetDirs };
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

/** Files of `dir` that loading `file` reads: itself and what it imports statically, transitively. */
function staticallyImported(dir: string, file: string, seen = new Set<string>()): Set<string> {
  seen.add(file);
  const code = readFileSync(join(dir, file), "utf8");
  // Minified static imports: `import{a as b}from"./chunk-X.mjs"` or `import"./chunk-X.mjs"`.
  for (const [, name = ""] of code.matchAll(/(?:from|import)\s*"\.\/([\w.-]+\.mjs)"/g)) {
    if (!seen.has(name)) staticallyImported(dir, name, seen);
  }
  return seen;
}

/** Runs an ES module script with plain node (no tsx, no vitest): what Lambda's runtime would do. */
function runWithNode(script: string, env: NodeJS.ProcessEnv): unknown {
  const run = spawnSync(process.execPath, ["--input-type=module", "-e", script], { env, encoding: "utf8" });
  if (run.status !== 0) throw new Error(`plain node failed:\n${run.stderr}`);
  return JSON.parse(run.stdout);
}

describe("the send function's asset (functions that encrypt fields)", () => {
  // Grants are not what this bundles: none, so the stack needs no tables or queues.
  const { assetDirs } = bundle([{ ...functionSpec("send"), grants: {} }]);
  const assetDir = assetDirs[0] ?? "";
  const files = readdirSync(assetDir);
  const sdkFile = files.find((name) => /^encryption-sdk-\w+\.mjs$/.test(name)) ?? "";
  // Strings only the Encryption SDK holds (its public-key context key, the KMS keyring's provider id).
  const sdkMarkers = ["aws-crypto-public-key", '"aws-kms"'];
  const keyringFile = join(mkdtempSync(join(tmpdir(), "textgate-keyring-")), "keyring.bin");
  writeFileSync(keyringFile, randomBytes(32));
  const env = {
    PATH: process.env.PATH,
    AWS_REGION: "eu-central-1",
    AWS_ACCESS_KEY_ID: "AKIDTEST",
    AWS_SECRET_ACCESS_KEY: "test",
    LOG_LEVEL: "ERROR",
    [envNames.localKeyring]: keyringFile,
  };

  it("ships the Encryption SDK as its own file, which index.mjs only import()s", () => {
    expect(assetDirs).toHaveLength(1);
    expect(sdkFile).not.toBe("");
    const index = readFileSync(join(assetDir, "index.mjs"), "utf8");
    expect(index).toContain(`import("./${sdkFile}")`);
    const atColdStart = staticallyImported(assetDir, "index.mjs");
    expect(atColdStart.has(sdkFile)).toBe(false);
    for (const file of atColdStart) {
      const code = readFileSync(join(assetDir, file), "utf8");
      for (const marker of sdkMarkers)
        expect({ file, carries: code.includes(marker) }).toEqual({ file, carries: false });
    }
    const sdk = readFileSync(join(assetDir, sdkFile), "utf8");
    for (const marker of sdkMarkers) expect(sdk).toContain(marker);
  }, 120_000);

  it("loads index.mjs with plain node, the handler exported", () => {
    const script = `const m=await import(${JSON.stringify(`file://${join(assetDir, "index.mjs")}`)});process.stdout.write(JSON.stringify(typeof m.handler));`;
    expect(runWithNode(script, env)).toBe("function");
  });

  it("encrypts and decrypts with its own Encryption SDK file under plain node, bound to the context", () => {
    const script = `
      const sdk = await import(${JSON.stringify(`file://${join(assetDir, sdkFile)}`)});
      const cipher = sdk.createFieldCipher(sdk.keyringFromEnv());
      const context = { accountId: "acc_bundle", field: "to" };
      const sealed = await cipher.encrypt("+37255501234", context);
      const opened = await cipher.decrypt(sealed, context);
      const wrongContext = await cipher.decrypt(sealed, { ...context, field: "body" }).then(() => "decrypted", (e) => e.message);
      process.stdout.write(JSON.stringify({ sealedLooksLikePlaintext: sealed.includes("55501234"), opened, wrongContext }));
    `;
    expect(runWithNode(script, env)).toEqual({
      sealedLooksLikePlaintext: false,
      opened: "+37255501234",
      wrongContext: "encryption context mismatch",
    });
  });
});
