/**
 * `npm run chaos -- --smpp [--messages 400]`: SMPP faults over the connector (throttling, system
 * errors, full queues, links dropped mid-window, refused numbers, receipts in another id base).
 * Exits non-zero if a message is lost, a part arrives twice or a status ends wrong.
 */
import "./quality/quiet.ts";
import { parseArgs } from "node:util";
import { runSmppChaos } from "./quality/smpp-chaos-run.ts";

const { values } = parseArgs({
  options: { smpp: { type: "boolean" }, messages: { type: "string", default: "400" } },
});

const report = await runSmppChaos({ messages: Number(values.messages), log: (line) => console.log(line) });
console.log(`\nsmpp chaos report (${report.seconds} s)`);
console.log(`  accepted ${report.accepted}, final status ${JSON.stringify(report.finalStatus)}`);
console.log(`  smsc ${JSON.stringify(report.smsc)}`);
console.log(
  `  lost = ${report.lost.length}${report.lost.length ? `: ${report.lost.slice(0, 10).join(", ")}` : ""}`,
);
console.log(`  duplicates = ${report.duplicates}`);
console.log(
  `  wrong final status = ${report.wrongStatus.length} ${report.wrongStatus.slice(0, 5).join(", ")}`,
);
const ok = report.lost.length === 0 && report.duplicates === 0 && report.wrongStatus.length === 0;
console.log(ok ? "smpp chaos: ok" : "smpp chaos: FAILED");
process.exit(ok ? 0 : 1);
