/**
 * `npm start` (add `-- --persist` to keep data): the local platform on 127.0.0.1, one ready line,
 * .textgate/local.json with the demo account. Ctrl-C / SIGTERM stops everything (java included).
 */
import { LocalStartError } from "./emulators.ts";
import { type LocalPlatform, startLocalPlatform } from "./platform.ts";

const persist = process.argv.includes("--persist");
const port = Number(process.env.PORT ?? 3000);
const home = process.env.TEXTGATE_HOME ?? ".textgate";

let platform: LocalPlatform | undefined;
let stopping = false;

async function shutdown(): Promise<void> {
  if (stopping) {
    process.exit(1); // a second Ctrl-C while stopping: give up waiting
  }
  stopping = true;
  await platform?.stop();
  process.exit(0);
}

process.on("SIGINT", () => void shutdown());
process.on("SIGTERM", () => void shutdown());

function failureLine(error: unknown): string {
  if (error instanceof LocalStartError) return error.message;
  const code = (error as { code?: unknown } | null)?.code;
  if (code === "EADDRINUSE") return `Textgate local: port ${port} is in use; set PORT to another port`;
  return `Textgate local failed to start: ${error instanceof Error ? error.message : String(error)}`;
}

if (!Number.isInteger(port) || port < 0 || port > 65535) {
  console.error(`Textgate local: PORT must be a port number, got "${process.env.PORT}"`);
  process.exit(1);
}

try {
  platform = await startLocalPlatform({ port, home, persist });
  if (stopping) await platform.stop();
  else console.log(`Textgate local ready at ${platform.apiUrl}`);
} catch (error) {
  console.error(failureLine(error));
  process.exit(1);
}
