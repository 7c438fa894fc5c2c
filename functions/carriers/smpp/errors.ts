import smpp from "smpp";

const { ESME_RMSGQFUL, ESME_RSYSERR, ESME_RTHROTTLED } = smpp;

/**
 * submit_sm_resp command_status → what the connector does. Throttling, a full queue and system
 * errors are the SMSC's momentary state: the same part is offered again later (the SMSC did not
 * accept it, so this cannot duplicate). Everything else (bad number, barred, invalid parameters)
 * would be refused again: the message fails with the status named.
 */
export type SubmitErrorClass = "retry" | "permanent";

/** Codes that mean "not now" beyond the three named by SMPP 3.4 as transient. */
const TRANSIENT = new Set<number>([
  ESME_RTHROTTLED,
  ESME_RMSGQFUL,
  ESME_RSYSERR,
  0x00000064, // ESME_RX_T_APPN: temporary app error
]);

export function classifySubmitStatus(commandStatus: number): SubmitErrorClass {
  return TRANSIENT.has(commandStatus) ? "retry" : "permanent";
}

const NAMES: Readonly<Record<number, string>> = {
  1: "ESME_RINVMSGLEN",
  3: "ESME_RINVCMDID",
  8: "ESME_RSYSERR",
  10: "ESME_RINVSRCADR",
  11: "ESME_RINVDSTADR",
  20: "ESME_RMSGQFUL",
  69: "ESME_RSUBMITFAIL",
  88: "ESME_RTHROTTLED",
  97: "ESME_RINVSCHED",
  98: "ESME_RINVEXPIRY",
};

/** "ESME_RINVDSTADR" or "smpp-0x0000000b": a code a customer can look up. */
export const statusName = (commandStatus: number): string =>
  NAMES[commandStatus] ?? `smpp-0x${commandStatus.toString(16).padStart(8, "0")}`;
