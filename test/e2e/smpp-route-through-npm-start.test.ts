import { type ChildProcess, spawn } from "node:child_process";
import { randomInt } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { type SmscHandle, startSmsc } from "../../local/carrier-sim/smsc.ts";
import { findFreePort } from "../../local/emulators.ts";

/**
 * `npm start` routes +37258… through the SMPP connector to the simulated SMSC, and
 * `npm start -- --carriers <file>` binds the connector to a file's "smpp" entry: in both, a send
 * through the HTTP API reaches the SMSC exactly once and the message ends `delivered`.
 * Own platform: TEXTGATE_TEST_PLATFORM=0 npx vitest run test/e2e/smpp-route-through-npm-start.test.ts
 */
const home = mkdtempSync(join(tmpdir(), "textgate-smpp-e2e-"));
let child: ChildProcess | undefined;
let smsc: SmscHandle | undefined;

async function stopChild(): Promise<void> {
  if (child?.exitCode === null && child.pid) {
    const exited = new Promise((resolve) => child?.on("exit", resolve));
    child.kill("SIGTERM");
    await exited;
  }
  child = undefined;
}
afterEach(stopChild);
afterAll(async () => {
  await smsc?.stop();
  rmSync(home, { recursive: true, force: true });
});

interface Local {
  readonly apiUrl: string;
  readonly outboxUrl: string;
  readonly demo: { apiKey: string };
}

async function startPlatform(args: string[], env: Record<string, string> = {}): Promise<Local> {
  let out = "";
  let err = "";
  child = spawn("npm", ["start", "--", ...args], {
    env: {
      ...process.env,
      ...env,
      PORT: String(await findFreePort()),
      TEXTGATE_HOME: home,
      LOG_LEVEL: "WARN",
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  child.stdout?.on("data", (chunk: Buffer) => {
    out += chunk.toString();
  });
  child.stderr?.on("data", (chunk: Buffer) => {
    err += chunk.toString();
  });
  await expect
    .poll(() => (child?.exitCode === null ? out : `exited: ${err}`), { timeout: 60_000, interval: 200 })
    .toContain("Textgate local ready");
  return JSON.parse(readFileSync(join(home, "local.json"), "utf8")) as Local;
}

async function sendAndAwaitDelivered(
  local: Local,
  to: string,
  text: string,
): Promise<Record<string, unknown>> {
  const auth = { authorization: `Bearer ${local.demo.apiKey}` };
  const sent = await fetch(`${local.apiUrl}/v1/messages`, {
    method: "POST",
    headers: { ...auth, "content-type": "application/json" },
    body: JSON.stringify({ to, text }),
  });
  expect(sent.status).toBe(202);
  const { id } = (await sent.json()) as { id: string };
  const read = async () =>
    (await (await fetch(`${local.apiUrl}/v1/messages/${id}`, { headers: auth })).json()) as Record<
      string,
      unknown
    >;
  await expect.poll(async () => (await read()).status, { timeout: 30_000, interval: 250 }).toBe("delivered");
  return read();
}

describe("SMPP routes on the local platform", () => {
  it("npm start: a send to +37258… reaches the simulated SMSC once and ends delivered", async () => {
    const local = await startPlatform([]);
    const to = `+37258${String(randomInt(0, 10 ** 6)).padStart(6, "0")}`;
    const message = await sendAndAwaitDelivered(local, to, "through the local SMSC");
    expect(message).toMatchObject({ status: "delivered", carrier: "smpp-sim" });
    const outbox = (await (
      await fetch(`${local.outboxUrl}?to=${encodeURIComponent(to)}`)
    ).json()) as unknown[];
    expect(outbox).toEqual([{ to, text: "through the local SMSC", parts: 1, carrier: "smpp-sim" }]);
  }, 120_000);

  it("npm start -- --carriers <file>: an smpp entry gets a bind and a route, once per message", async () => {
    smsc = await startSmsc({ password: `pw-${randomInt(0, 1e9)}` });
    const file = join(home, "carriers.json");
    writeFileSync(
      file,
      JSON.stringify({
        carriers: [
          {
            id: "smsc-own",
            type: "smpp",
            host: smsc.host,
            port: smsc.port,
            caFile: smsc.caFile,
            systemId: smsc.systemId,
            passwordEnv: "E2E_SMSC_PASSWORD",
            prefixes: ["+371"],
          },
        ],
      }),
    );
    const local = await startPlatform(["--carriers", file], { E2E_SMSC_PASSWORD: smsc.password });
    const to = `+3712${String(randomInt(0, 10 ** 7)).padStart(7, "0")}`;
    const message = await sendAndAwaitDelivered(local, to, "through the configured SMSC");
    expect(message).toMatchObject({ status: "delivered", carrier: "smsc-own" });
    expect(smsc.delivered(to)).toEqual([{ destination: to, text: "through the configured SMSC", parts: 1 }]);
    expect(smsc.stats().binds).toBe(1);
  }, 120_000);
});
