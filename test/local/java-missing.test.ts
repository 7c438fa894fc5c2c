import { spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, realpathSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, expect, test } from "vitest";
import { JAVA_MISSING_MESSAGE } from "../../local/emulators.ts";

const dir = mkdtempSync(join(tmpdir(), "textgate-nojava-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A PATH with node, npx and sh but no java. */
function pathWithoutJava(): string {
  const bin = join(dir, "bin");
  mkdirSync(bin);
  symlinkSync(process.execPath, join(bin, "node"));
  symlinkSync(realpathSync(join(process.execPath, "..", "npx")), join(bin, "npx"));
  symlinkSync("/bin/sh", join(bin, "sh"));
  return bin;
}

test("without java, start fails with the one-line install hint and no stack trace", async () => {
  const bin = pathWithoutJava();
  const child = spawn(join(bin, "npx"), ["tsx", "local/start.ts"], {
    env: { HOME: process.env.HOME ?? dir, PATH: bin, PORT: "0", TEXTGATE_HOME: join(dir, "home") },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout.on("data", (chunk: Buffer) => {
    output += chunk.toString();
  });
  child.stderr.on("data", (chunk: Buffer) => {
    output += chunk.toString();
  });
  const code = await new Promise<number | null>((resolve) => child.on("close", resolve));
  expect(code).not.toBe(0);
  expect(output.trim()).toBe(JAVA_MISSING_MESSAGE);
  expect(output).not.toMatch(/\n\s+at /);
}, 30_000);
