import { installSdkMeter, type SdkCall } from "../../bench/sdk-meter.ts";

/**
 * Counts the DynamoDB requests this test process makes (the bench's SDK meter: every SDK client's
 * send), for tests that hold a code path to its number of reads and writes. Only code that runs in
 * this process is seen (functions invoked here, not the platform's own pollers).
 */
export interface InstalledMeter {
  reset(): void;
  /** Write items whose target is "<command> <table>", e.g. "Update carrier-quality". */
  writes(target: string): number;
  /** Read items of "<command> <table>" (e.g. "GetItem messages"), split by consistency. */
  reads(target: string): { consistent: number; eventual: number };
  uninstall(): void;
}

/** "Update textgate-local-messages" matches "Update messages" (tables are named with the stack prefix). */
const matches = (call: SdkCall, target: string): number => {
  const [command = "", table = ""] = target.split(" ");
  return call.targets.filter((t) => {
    const [callCommand = "", callTable = ""] = t.split(" ");
    return callCommand === command && (callTable === table || callTable.endsWith(`-${table}`));
  }).length;
};

export function meterDynamo(): InstalledMeter {
  const meter = installSdkMeter();
  const dynamo = () => meter.calls.filter((call) => call.service === "DynamoDB");
  return {
    reset: () => meter.reset(),
    writes: (target) => dynamo().reduce((sum, call) => sum + matches(call, target), 0),
    reads: (target) => {
      const counted = { consistent: 0, eventual: 0 };
      for (const call of dynamo()) {
        counted[call.consistentRead ? "consistent" : "eventual"] += matches(call, target);
      }
      return counted;
    },
    uninstall: () => meter.uninstall(),
  };
}
