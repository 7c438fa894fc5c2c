/**
 * `npm run chaos [-- --messages 1000]`: fault injection over the send pipeline (see
 * tools/quality/chaos-run.ts). Exits non-zero if a message is never accepted, lost or submitted
 * twice — per message id, or per Idempotency-Key (a retry that made a second message is a duplicate
 * too) — or settles in another status than its number asks for. ~2 min for 500 messages, ~3 for 1000.
 */
import "./quality/quiet.ts";
import { parseArgs } from "node:util";
import { runChaos } from "./quality/chaos-run.ts";
import { chaosProblems, runTool } from "./quality/verdict.ts";

// `npm run chaos -- --smpp [--messages N]`: SMPP faults over the connector (tools/smpp-chaos.ts),
// which prints its own verdict and exits.
if (process.argv.includes("--smpp")) await import("./smpp-chaos.ts");

const { values } = parseArgs({
  options: {
    messages: { type: "string", default: "1000" },
    "carrier-failure-rate": { type: "string", default: "0.1" },
    "dynamo-throttle-rate": { type: "string", default: "0.05" },
    "crash-rate": { type: "string", default: "0.05" },
    "lost-response-rate": { type: "string", default: "0.05" },
    "enqueue-failure-rate": { type: "string", default: "0.05" },
    // Shorter than the catalogue's 60 s so redeliveries come soon; each open circuit breaker (30 s)
    // then costs a waiting message up to 3 of its 5 receives.
    "visibility-seconds": { type: "string", default: "12" },
  },
});

await runTool("chaos", async () => {
  const report = await runChaos({
    messages: Number(values.messages),
    carrierFailureRate: Number(values["carrier-failure-rate"]),
    dynamoThrottleRate: Number(values["dynamo-throttle-rate"]),
    crashRate: Number(values["crash-rate"]),
    lostResponseRate: Number(values["lost-response-rate"]),
    enqueueFailureRate: Number(values["enqueue-failure-rate"]),
    timeoutEverySeconds: 10,
    visibilitySeconds: Number(values["visibility-seconds"]),
    faultSeconds: 15,
    drainTimeoutSeconds: 180,
    log: (line) => console.log(line),
  });

  console.log(`\nchaos report (${report.seconds} s)`);
  console.log(
    `  sent ${report.sent}, accepted ${report.accepted}, not accepted ${JSON.stringify(report.notAccepted)}`,
  );
  console.log(`  final status ${JSON.stringify(report.finalStatus)}`);
  console.log(
    `  injected: ${report.injected.dynamoThrottles} DynamoDB throttles, ${report.injected.crashes} dispatch crashes, ${report.injected.timeoutWindows} carrier timeout windows, carrier 503 rate ${values["carrier-failure-rate"]}, ${report.injected.lostResponses} send responses lost after the write, ${report.injected.enqueueFailures} failed enqueues after the write`,
  );
  console.log(
    `  lost = ${report.lost.length}${report.lost.length ? `: ${report.lost.slice(0, 10).join(", ")}` : ""}`,
  );
  console.log(
    `  duplicates = ${report.duplicates}${report.duplicates ? `: ${report.duplicateReferences.slice(0, 10).join(", ")}` : ""}`,
  );
  console.log(
    `  duplicates per Idempotency-Key = ${report.duplicatesPerKey}${report.duplicatesPerKey ? `: ${report.duplicateKeys.slice(0, 10).join(", ")}` : ""}`,
  );
  console.log(
    `  dead-lettered = ${report.deadLettered} ${JSON.stringify(report.deadLetterReasons)}, of them to numbers the carrier answers = ${report.deadLetteredAnswerable}`,
  );
  console.log(
    `  wrong final status = ${report.wrongStatus.length}${report.wrongStatus.length ? `: ${report.wrongStatus.slice(0, 10).join(", ")}` : ""}`,
  );
  console.log(`  sent to the carrier but no delivery report landed = ${report.stuckSent}`);
  return chaosProblems(report);
});
