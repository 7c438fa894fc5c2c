/**
 * `npm start` (add `-- --persist` to keep data, `-- --carriers <file>` to route through exactly the
 * carriers of a file, docs/carriers.md): the local platform on 127.0.0.1, one ready line,
 * .textgate/local.json with the demo account. Ctrl-C / SIGTERM stops everything (java included).
 */
import { parseArgs } from "node:util";
import { CarrierConfigError, type CarrierEntry, readCarriersFile } from "./carrier-config.ts";
import { LocalStartError } from "./emulators.ts";
import { type LocalPlatform, startLocalPlatform } from "./platform.ts";

let args: { persist?: boolean; carriers?: string };
try {
  ({ values: args } = parseArgs({
    options: { persist: { type: "boolean" }, carriers: { type: "string" } },
    strict: true,
  }));
} catch (error) {
  console.error(`Textgate local: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
}
const persist = args.persist ?? false;
const port = Number(process.env.PORT ?? 3000);
const home = process.env.TEXTGATE_HOME ?? ".textgate";

let platform: LocalPlatform | undefined;
let stopping = false;

/**
 * Ctrl-C reaches npm, tsx and this process at once, so repeated signals are expected: the first
 * starts a clean stop (java included) and exits 0, later ones are ignored. A stop that hangs is cut
 * short; the exit hook in cleanup.ts still kills java then.
 */
async function shutdown(): Promise<void> {
  if (stopping) return;
  stopping = true;
  setTimeout(() => process.exit(1), 15_000).unref();
  await platform?.stop();
  process.exit(0);
}

process.on("SIGINT", () => void shutdown());
process.on("SIGTERM", () => void shutdown());
process.on("SIGHUP", () => void shutdown());
// A function's stray promise must not take the whole local platform down (on Lambda it would only
// fail that invocation's container).
process.on("unhandledRejection", (reason) => {
  console.error(`local: unhandled rejection: ${reason instanceof Error ? reason.message : String(reason)}`);
});

function failureLine(error: unknown): string {
  if (error instanceof LocalStartError) return error.message;
  if (error instanceof CarrierConfigError) return `Textgate local: ${error.message}`;
  const code = (error as { code?: unknown } | null)?.code;
  if (code === "EADDRINUSE") return `Textgate local: port ${port} is in use; set PORT to another port`;
  return `Textgate local failed to start: ${error instanceof Error ? error.message : String(error)}`;
}

if (!Number.isInteger(port) || port < 0 || port > 65535) {
  console.error(`Textgate local: PORT must be a port number, got "${process.env.PORT}"`);
  process.exit(1);
}

// A bad carriers file stops start-up before anything starts (one line naming the carrier and problem).
let carriers: CarrierEntry[] | undefined;
try {
  carriers = args.carriers ? readCarriersFile(args.carriers) : undefined;
} catch (error) {
  console.error(failureLine(error));
  process.exit(1);
}

try {
  platform = await startLocalPlatform({
    port,
    home,
    persist,
    // The simulated SMSC and its connector run only with the simulated carriers.
    ...(carriers ? { carriers } : { smppConnector: true }),
  });
  if (stopping) await platform.stop();
  else console.log(`Textgate local ready at ${platform.apiUrl}`);
} catch (error) {
  console.error(failureLine(error));
  process.exit(1);
}
