import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { type AwsSmsSimHandle, startAwsSmsSim } from "../../local/carrier-sim/aws-sms.ts";
import { findFreePort } from "../../local/emulators.ts";

/**
 * `npm start -- --carriers <file>`: a bad entry stops start-up with one line; a good file routes
 * through exactly its carriers (here an aws-sms carrier at an endpoint of our own), not the simulators.
 * Own platform: TEXTGATE_TEST_PLATFORM=0 npx vitest run test/e2e/start-with-carriers-file.test.ts
 */
const home = mkdtempSync(join(tmpdir(), "textgate-carriers-e2e-"));
let child: ChildProcess | undefined;
let sim: AwsSmsSimHandle | undefined;
afterAll(async () => {
  if (child?.exitCode === null && child.pid) {
    const exited = new Promise((resolve) => child?.on("exit", resolve));
    child.kill("SIGTERM");
    await exited;
  }
  await sim?.stop();
  rmSync(home, { recursive: true, force: true });
});

function start(
  file: string,
  port: number,
): { exit: Promise<number | null>; output: () => { out: string; err: string } } {
  let out = "";
  let err = "";
  child = spawn("npm", ["start", "--", "--carriers", file], {
    env: { ...process.env, PORT: String(port), TEXTGATE_HOME: home, LOG_LEVEL: "WARN" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  child.stdout?.on("data", (chunk: Buffer) => {
    out += chunk.toString();
  });
  child.stderr?.on("data", (chunk: Buffer) => {
    err += chunk.toString();
  });
  const exit = new Promise<number | null>((resolve) => child?.on("exit", resolve));
  return { exit, output: () => ({ out, err }) };
}

describe("npm start -- --carriers <file>", () => {
  it("refuses a plaintext carrier without allowPlaintext in one line naming it, before anything starts", async () => {
    const file = join(home, "bad.json");
    writeFileSync(
      file,
      JSON.stringify({
        carriers: [
          {
            id: "plain-http",
            type: "http",
            host: "127.0.0.1",
            port: 8080,
            tls: false,
            passwordEnv: "X",
            dlrSecretEnv: "Y",
            prefixes: ["+372"],
          },
        ],
      }),
    );
    const run = start(file, await findFreePort());
    expect(await run.exit).toBe(1);
    const { out, err } = run.output();
    expect(out).not.toContain("ready");
    const lines = err.split("\n").filter((line) => line.startsWith("Textgate local"));
    expect(lines).toEqual([
      'Textgate local: carrier "plain-http": plaintext (tls: false) is refused unless the entry says "allowPlaintext": true',
    ]);
  }, 30_000);

  it("routes through exactly the carriers in the file", async () => {
    sim = await startAwsSmsSim({});
    const file = join(home, "carriers.json");
    writeFileSync(
      file,
      JSON.stringify({
        carriers: [{ id: "aws-own", type: "aws-sms", prefixes: ["+372"], endpoint: sim.url }],
      }),
    );
    const port = await findFreePort();
    const run = start(file, port);
    await expect
      .poll(() => run.output().out, { timeout: 45_000, interval: 200 })
      .toContain("Textgate local ready");
    const local = JSON.parse(readFileSync(join(home, "local.json"), "utf8")) as {
      apiUrl: string;
      outboxUrl: string;
      demo: { apiKey: string };
    };
    const to = "+37256123457";
    const sent = await fetch(`${local.apiUrl}/v1/messages`, {
      method: "POST",
      headers: { authorization: `Bearer ${local.demo.apiKey}`, "content-type": "application/json" },
      body: JSON.stringify({ to, text: "through the configured carrier" }),
    });
    expect(sent.status).toBe(202);
    const { id } = (await sent.json()) as { id: string };
    await expect
      .poll(() => sim?.outbox(to).map((entry) => entry.reference), { timeout: 15_000 })
      .toEqual([id]);
    const message = await fetch(`${local.apiUrl}/v1/messages/${id}`, {
      headers: { authorization: `Bearer ${local.demo.apiKey}` },
    });
    expect(await message.json()).toMatchObject({ carrier: "aws-own" });
    // No simulator runs: its outbox is empty.
    expect(await (await fetch(`${local.outboxUrl}?to=${encodeURIComponent(to)}`)).json()).toEqual([]);
  }, 90_000);
});
