/**
 * A local SMPP 3.4 SMSC (never deployed): TLS with a certificate made at start, transceiver binds,
 * enquire_link, submit_sm with delivery receipts on the bind, and fault knobs that behave like the
 * inconsistent SMSCs met in the field. Everything it accepted is kept, part by part, so tests can
 * count what reached "the handset" and reassemble concatenated texts.
 *
 * Faults (counters over every submit_sm received, so runs are deterministic):
 *   throttleEvery / systemErrorEvery / queueFullEvery N → that submit is answered with
 *     ESME_RTHROTTLED / ESME_RSYSERR / ESME_RMSGQFUL and not accepted;
 *   dropEvery N → the SMSC closes the link on that submit: responses already written are flushed,
 *     this PDU and everything after it on that link are never processed (never accepted);
 *   rejectSuffix → destinations ending in it are refused (ESME_RINVDSTADR);
 *   undeliveredSuffix → accepted, then receipted UNDELIV; refusedSuffix → receipted REJECTD;
 *   idBase "hex" → submit_sm_resp ids in hex; receiptTextBase "decimal" → the receipt text names the
 *     same id in decimal (Jasmin #20/#210); receiptTlv false → no receipted_message_id/message_state;
 *   receiptRefusals N → ignore the connector's error answers to receipts this many times at most.
 */
import type { AddressInfo } from "node:net";
import { createServer, type PDU, type Server, type Session } from "smpp";
import { decodeText } from "../../functions/carriers/smpp/encoding.ts";
import { generateSelfSignedCert, type SelfSignedCert } from "./tls-cert.ts";

export interface SmscFaults {
  throttleEvery: number;
  systemErrorEvery: number;
  queueFullEvery: number;
  dropEvery: number;
  rejectSuffix: string;
  undeliveredSuffix: string;
  refusedSuffix: string;
  idBase: "hex" | "decimal";
  receiptTextBase: "same" | "decimal";
  receiptTlv: boolean;
  receiptDelayMs: number;
}

export interface AcceptedSmppPart {
  readonly carrierMessageId: string;
  readonly destination: string;
  readonly source: string;
  readonly dataCoding: number;
  readonly text: string;
  /** Concatenation info from the UDH or SAR TLVs. */
  readonly concat?: { readonly reference: number; readonly total: number; readonly seq: number };
  readonly receivedAt: number;
}

export interface SmscOptions {
  readonly systemId?: string;
  readonly password?: string;
  /** false: plaintext listener (only for tests of the connector's refusal). Default true. */
  readonly tls?: boolean;
  readonly faults?: Partial<SmscFaults>;
}

export interface SmscHandle {
  readonly host: string;
  readonly port: number;
  readonly tls: boolean;
  readonly systemId: string;
  readonly password: string;
  /** PEM of the SMSC's self-signed certificate (the connector's caFile), when tls. */
  readonly caFile?: string;
  readonly faults: SmscFaults;
  accepted(): readonly AcceptedSmppPart[];
  /** Whole texts per destination, reassembled from parts (incomplete ones are left out). */
  delivered(destination?: string): Array<{ destination: string; text: string; parts: number }>;
  /** Links opened (all TLS when tls) and binds accepted. */
  stats(): {
    connections: number;
    binds: number;
    drops: number;
    receiptsSent: number;
    receiptsRefused: number;
  };
  stop(): Promise<void>;
}

const ESME = { ROK: 0, RSYSERR: 0x08, RINVDSTADR: 0x0b, RMSGQFUL: 0x14, RTHROTTLED: 0x58, RBINDFAIL: 0x0d };

const defaults: SmscFaults = {
  throttleEvery: 0,
  systemErrorEvery: 0,
  queueFullEvery: 0,
  dropEvery: 0,
  rejectSuffix: "",
  undeliveredSuffix: "",
  refusedSuffix: "",
  idBase: "decimal",
  receiptTextBase: "same",
  receiptTlv: true,
  receiptDelayMs: 20,
};

const hits = (count: number, every: number) => every > 0 && count % every === 0;

export async function startSmsc(options: SmscOptions = {}): Promise<SmscHandle> {
  const systemId = options.systemId ?? "textgate";
  const password = options.password ?? "sim-pass";
  const tls = options.tls ?? true;
  const faults: SmscFaults = { ...defaults, ...options.faults };
  const cert: SelfSignedCert | undefined = tls ? generateSelfSignedCert() : undefined;
  const accepted: AcceptedSmppPart[] = [];
  const bound = new Set<Session>();
  const dead = new WeakSet<Session>();
  const stats = { connections: 0, binds: 0, drops: 0, receiptsSent: 0, receiptsRefused: 0 };
  const timers = new Set<NodeJS.Timeout>();
  let submits = 0;
  let nextId = 0x1f4a0;
  let stopping = false;

  const later = (ms: number, run: () => void) => {
    const timer = setTimeout(() => {
      timers.delete(timer);
      if (!stopping) run();
    }, ms);
    timers.add(timer);
  };

  const sendReceipt = (part: AcceptedSmppPart, state: "DELIVRD" | "UNDELIV" | "REJECTD", attempt = 1) => {
    const session = [...bound].find((candidate) => !dead.has(candidate));
    if (!session) return later(100, () => sendReceipt(part, state, attempt));
    const textId =
      faults.receiptTextBase === "decimal" && faults.idBase === "hex"
        ? BigInt(`0x${part.carrierMessageId}`).toString(10)
        : part.carrierMessageId;
    const stamp = "2611300000";
    const text = `id:${textId} sub:001 dlvrd:${state === "DELIVRD" ? "001" : "000"} submit date:${stamp} done date:${stamp} stat:${state} err:${state === "DELIVRD" ? "000" : "001"} text:`;
    const messageState = { DELIVRD: 2, UNDELIV: 5, REJECTD: 8 }[state];
    const written = session.deliver_sm(
      {
        source_addr: part.destination,
        destination_addr: part.source,
        esm_class: 0x04,
        data_coding: 0x01,
        short_message: Buffer.from(text, "latin1"),
        ...(faults.receiptTlv
          ? { receipted_message_id: part.carrierMessageId, message_state: messageState }
          : {}),
      },
      (response) => {
        if (response.command_status === ESME.ROK) return;
        stats.receiptsRefused += 1;
        // Like real SMSCs: a receipt the ESME could not take is offered again, a bounded number of times.
        if (attempt < 20) later(200, () => sendReceipt(part, state, attempt + 1));
      },
    );
    if (!written) later(100, () => sendReceipt(part, state, attempt));
    else stats.receiptsSent += 1;
  };

  const onSubmit = (session: Session, pdu: PDU) => {
    if (dead.has(session)) return;
    submits += 1;
    if (hits(submits, faults.dropEvery)) {
      stats.drops += 1;
      dead.add(session);
      bound.delete(session);
      // end(), not destroy(): responses already written still reach the ESME before the FIN.
      session.close();
      return;
    }
    const refuse = (status: number) => session.send(pdu.response({ command_status: status }));
    if (hits(submits, faults.throttleEvery)) return refuse(ESME.RTHROTTLED);
    if (hits(submits, faults.systemErrorEvery)) return refuse(ESME.RSYSERR);
    if (hits(submits, faults.queueFullEvery)) return refuse(ESME.RMSGQFUL);
    const destination = `+${String(pdu.destination_addr ?? "")}`;
    if (faults.rejectSuffix && destination.endsWith(faults.rejectSuffix)) return refuse(ESME.RINVDSTADR);
    nextId += 1;
    const carrierMessageId = faults.idBase === "hex" ? nextId.toString(16).toUpperCase() : String(nextId);
    const part = describePart(pdu, carrierMessageId, destination);
    accepted.push(part);
    session.send(pdu.response({ message_id: carrierMessageId }));
    if ((Number(pdu.registered_delivery) & 0x03) === 0) return;
    const state =
      faults.undeliveredSuffix && destination.endsWith(faults.undeliveredSuffix)
        ? "UNDELIV"
        : faults.refusedSuffix && destination.endsWith(faults.refusedSuffix)
          ? "REJECTD"
          : "DELIVRD";
    later(faults.receiptDelayMs, () => sendReceipt(part, state));
  };

  const server: Server = createServer(cert ? { key: cert.key, cert: cert.cert } : {}, (session: Session) => {
    stats.connections += 1;
    session.on("error", () => {});
    session.on("close", () => bound.delete(session));
    session.on("bind_transceiver", (pdu: PDU) => {
      if (pdu.system_id !== systemId || pdu.password !== password) {
        session.send(pdu.response({ command_status: ESME.RBINDFAIL }));
        session.close();
        return;
      }
      stats.binds += 1;
      bound.add(session);
      session.send(pdu.response({ system_id: "textgate-smsc" }));
    });
    session.on("enquire_link", (pdu: PDU) => {
      if (!dead.has(session)) session.send(pdu.response());
    });
    session.on("unbind", (pdu: PDU) => {
      session.send(pdu.response());
      session.close();
    });
    session.on("submit_sm", (pdu: PDU) => {
      if (!bound.has(session) && !dead.has(session))
        return void session.send(pdu.response({ command_status: 0x04 }));
      onSubmit(session, pdu);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;

  return {
    host: "127.0.0.1",
    port,
    tls,
    systemId,
    password,
    ...(cert ? { caFile: cert.certFile } : {}),
    faults,
    accepted: () => accepted,
    delivered: (destination) =>
      reassemble(accepted.filter((part) => !destination || part.destination === destination)),
    stats: () => ({ ...stats }),
    stop: async () => {
      stopping = true;
      for (const timer of timers) clearTimeout(timer);
      for (const session of server.sessions) session.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      cert?.dispose();
    },
  };
}

function describePart(pdu: PDU, carrierMessageId: string, destination: string): AcceptedSmppPart {
  const dataCoding = Number(pdu.data_coding ?? 0);
  // The smpp library has already split the UDH off and decoded the text by data_coding.
  const decoded = pdu.short_message;
  const { text, udh } = readShortMessage(decoded, dataCoding);
  const sar =
    typeof pdu.sar_msg_ref_num === "number"
      ? {
          reference: pdu.sar_msg_ref_num,
          total: Number(pdu.sar_total_segments),
          seq: Number(pdu.sar_segment_seqnum),
        }
      : undefined;
  const concat = udh ?? sar;
  return {
    carrierMessageId,
    destination,
    source: String(pdu.source_addr ?? ""),
    dataCoding,
    text,
    ...(concat ? { concat } : {}),
    receivedAt: Date.now(),
  };
}

function readShortMessage(
  value: unknown,
  dataCoding: number,
): { text: string; udh?: { reference: number; total: number; seq: number } } {
  if (Buffer.isBuffer(value)) return { text: decodeText(value, dataCoding) };
  if (typeof value !== "object" || value === null) return { text: String(value ?? "") };
  const { message, udh } = value as { message?: unknown; udh?: unknown };
  const text = Buffer.isBuffer(message) ? decodeText(message, dataCoding) : String(message ?? "");
  const elements = Array.isArray(udh) ? udh.filter((item): item is Buffer => Buffer.isBuffer(item)) : [];
  for (const element of elements) {
    // IEI 0x00: 8-bit reference; 0x08: 16-bit reference.
    if (element[0] === 0x00 && element[1] === 3)
      return { text, udh: { reference: element[2] ?? 0, total: element[3] ?? 0, seq: element[4] ?? 0 } };
    if (element[0] === 0x08 && element[1] === 4)
      return {
        text,
        udh: { reference: element.readUInt16BE(2), total: element[4] ?? 0, seq: element[5] ?? 0 },
      };
  }
  return { text };
}

/** Groups parts by destination and reference; a text is complete when every part 1..total arrived. */
function reassemble(
  parts: readonly AcceptedSmppPart[],
): Array<{ destination: string; text: string; parts: number }> {
  const groups = new Map<string, AcceptedSmppPart[]>();
  const whole: Array<{ destination: string; text: string; parts: number }> = [];
  for (const part of parts) {
    if (!part.concat) {
      whole.push({ destination: part.destination, text: part.text, parts: 1 });
      continue;
    }
    const key = `${part.destination}#${part.concat.reference}#${part.concat.total}`;
    groups.set(key, [...(groups.get(key) ?? []), part]);
  }
  for (const group of groups.values()) {
    const total = group[0]?.concat?.total ?? 0;
    const bySeq = new Map(group.map((part) => [part.concat?.seq ?? 0, part]));
    if (bySeq.size !== total || group.length !== total) {
      // Missing or repeated parts: report as is, so a duplicate shows up as a wrong part count.
      whole.push({ destination: group[0]?.destination ?? "", text: "", parts: group.length });
      continue;
    }
    const text = Array.from({ length: total }, (_, i) => bySeq.get(i + 1)?.text ?? "").join("");
    whole.push({ destination: group[0]?.destination ?? "", text, parts: total });
  }
  return whole;
}
