import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, expect, test } from "vitest";
import { findFreePort } from "../../local/emulators.ts";

const home = mkdtempSync(join(tmpdir(), "textgate-e2e-"));
let child: ChildProcess | undefined;
afterAll(() => {
  if (child?.exitCode === null && child.pid) child.kill("SIGKILL");
  rmSync(home, { recursive: true, force: true });
});

/** Every live descendant of `root`, from /proc (Linux). */
function descendants(root: number): number[] {
  const parents = new Map<number, number>();
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
      parents.set(Number(entry), ppid);
    } catch {
      // exited while we looked
    }
  }
  const found: number[] = [];
  const walk = (pid: number) => {
    for (const [child, parent] of parents) {
      if (parent === pid) {
        found.push(child);
        walk(child);
      }
    }
  };
  walk(root);
  return found;
}

const alive = (pid: number): boolean => {
  try {
    // A zombie still answers kill(0); its /proc status says Z.
    return !readFileSync(`/proc/${pid}/stat`, "utf8").includes(") Z ");
  } catch {
    return false;
  }
};

const commandOf = (pid: number): string => {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, "utf8").replaceAll("\0", " ");
  } catch {
    return "";
  }
};

test("npm start: ready line, local.json, /health, and SIGTERM leaves no process behind", async () => {
  const port = await findFreePort();
  child = spawn("npm", ["start"], {
    env: { ...process.env, PORT: String(port), TEXTGATE_HOME: home },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stderr?.on("data", (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const readyLine = `Textgate local ready at http://127.0.0.1:${port}`;
  await new Promise<void>((resolve, reject) => {
    child?.stdout?.on("data", (chunk: Buffer) => {
      stdout += chunk.toString();
      if (stdout.includes(readyLine)) resolve();
    });
    child?.on("exit", (code) => reject(new Error(`npm start exited (${code}) before ready: ${stderr}`)));
  });
  expect(stdout.split("\n").filter((line) => line.startsWith("Textgate local ready"))).toEqual([readyLine]);

  const localJsonPath = join(home, "local.json");
  expect(statSync(localJsonPath).mode & 0o777).toBe(0o600);
  const local = JSON.parse(readFileSync(localJsonPath, "utf8")) as {
    apiUrl: string;
    outboxUrl: string;
    demo: { accountId: string; apiKey: string; email: string; password: string };
  };
  expect(local.apiUrl).toBe(`http://127.0.0.1:${port}`);
  expect(local.outboxUrl).toBe(`http://127.0.0.1:${port}/_local/outbox`);
  expect(local.demo.accountId).toMatch(/^acc_/);
  expect(local.demo.apiKey).toMatch(/^tg_(test|live)_/);

  const health = await fetch(`${local.apiUrl}/health`);
  expect(health.status).toBe(200);
  expect(await health.json()).toEqual({ status: "ok" });

  const pid = child.pid as number;
  const tree = descendants(pid);
  expect(tree.some((p) => commandOf(p).includes("DynamoDBLocal.jar"))).toBe(true);
  const exited = new Promise<number | null>((resolve) => child?.on("exit", (code) => resolve(code)));
  child.kill("SIGTERM");
  expect(await exited).toBe(0);
  const deadline = Date.now() + 10_000;
  while (tree.some(alive) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  expect(tree.filter(alive).map(commandOf)).toEqual([]);
}, 60_000);
