import { readFileSync } from "node:fs";
import { isIP } from "node:net";
import { connect, PDU, type Session } from "smpp";
import { logger } from "../../shared/logger.ts";
import type { SubmitPart } from "./encoding.ts";
import type { SmppCarrierEntry } from "./entry.ts";
import { backoffMs, SegmentRateLimiter, Window } from "./flow.ts";

/**
 * One transceiver bind to one carrier, kept up for the life of the process: TLS (certificate
 * verified against the system store or the entry's CA file) unless the entry allows plaintext,
 * enquire_link keep-alive (a link that stops answering is torn down), reconnect with exponential
 * back-off and full jitter, a window of outstanding submit_sm and a segment rate limit.
 *
 * submit() tells exactly what happened to one part: accepted (with the SMSC's id), refused (with
 * the command_status), or unanswered — the connection fell before any response, so the SMSC never
 * answered it and the caller may offer it again.
 */
export type SubmitResult =
  | { readonly kind: "accepted"; readonly carrierMessageId: string }
  | { readonly kind: "refused"; readonly commandStatus: number }
  | { readonly kind: "unanswered" }
  /** Never written: no bind (or no window slot) before `notAfter`. */
  | { readonly kind: "not-sent" };

export interface SubmitAddress {
  readonly from: string;
  /** E.164 with "+". */
  readonly to: string;
}

export interface DeliverSmEvent {
  readonly esmClass: number;
  readonly text: string;
  readonly receiptedMessageId?: string;
  readonly messageState?: number;
}

export interface BindHooks {
  /** Resolves true once the receipt is safely applied (deliver_sm_resp OK), false to have it resent. */
  onDeliverSm(event: DeliverSmEvent): Promise<boolean>;
  /** Counts each submit_sm written on a plaintext link (the PlaintextSubmissions metric). */
  onPlaintextSubmit?(carrierId: string): void;
}

export interface BindOptions {
  readonly password: string;
  readonly hooks: BindHooks;
  readonly reconnect?: { readonly baseMs: number; readonly capMs: number };
  readonly random?: () => number;
}

const ENQUIRE_LINK_TIMEOUT_MS = 10_000;
/**
 * A submit_sm unanswered this long means the link is broken even if TCP says otherwise: it is cut,
 * which settles every outstanding submit as unanswered (offered again after the reconnect).
 */
const RESPONSE_TIMEOUT_MS = 30_000;
const BIND_TIMEOUT_MS = 10_000;

/** TON/NPI: "+…" international ISDN, other digits unknown/ISDN, anything else alphanumeric. */
function address(value: string): { addr: string; ton: number; npi: number } {
  if (/^\+[0-9]+$/.test(value)) return { addr: value.slice(1), ton: 1, npi: 1 };
  if (/^[0-9]+$/.test(value)) return { addr: value, ton: 0, npi: 1 };
  return { addr: value.slice(0, 11), ton: 5, npi: 0 };
}

export class SmppBind {
  private session: Session | undefined;
  private bound = false;
  private stopped = false;
  private attempts = 0;
  private readonly waitingForBind: Array<() => void> = [];
  private readonly inFlight = new Map<number, (result: SubmitResult) => void>();
  private keepAlive: NodeJS.Timeout | undefined;
  private reconnectTimer: NodeJS.Timeout | undefined;
  private readonly window: Window;
  private readonly rate: SegmentRateLimiter;
  private readonly ca: Buffer | undefined;

  constructor(
    readonly entry: SmppCarrierEntry,
    private readonly options: BindOptions,
  ) {
    if (!entry.tls && !entry.allowPlaintext) {
      throw new Error(`carrier ${entry.id}: plaintext SMPP refused (the entry does not allow it)`);
    }
    this.window = new Window(entry.windowSize);
    this.rate = new SegmentRateLimiter(entry.tps);
    this.ca = entry.caFile ? readFileSync(entry.caFile) : undefined;
  }

  get isBound(): boolean {
    return this.bound;
  }

  start(): void {
    this.stopped = false;
    this.open();
  }

  /** Unbinds and closes; pending submits resolve as unanswered. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.reconnectTimer);
    clearInterval(this.keepAlive);
    const session = this.session;
    if (!session || session.socket.destroyed) return;
    await new Promise<void>((resolve) => {
      session.socket.once("close", () => resolve());
      // A polite unbind when bound; a link that does not close within a second is cut.
      const timer = setTimeout(() => session.destroy(), 1000);
      session.socket.once("close", () => clearTimeout(timer));
      if (!this.bound || !session.unbind({}, () => session.close())) session.destroy();
    });
  }

  /** `notAfter` (epoch ms): give up before writing anything once it has passed. */
  async submit(
    part: SubmitPart,
    to: SubmitAddress,
    notAfter = Number.POSITIVE_INFINITY,
  ): Promise<SubmitResult> {
    if (!(await this.untilBound(notAfter))) return { kind: "not-sent" };
    await this.window.acquire();
    let released = false;
    const release = () => {
      if (!released) this.window.release();
      released = true;
    };
    try {
      await this.rate.take(1);
      const session = this.session;
      if (!this.bound || !session || Date.now() > notAfter) return { kind: "not-sent" };
      const source = address(to.from);
      const destination = address(to.to);
      const pdu = new PDU("submit_sm", {
        source_addr: source.addr,
        source_addr_ton: source.ton,
        source_addr_npi: source.npi,
        destination_addr: destination.addr,
        dest_addr_ton: destination.ton,
        dest_addr_npi: destination.npi,
        esm_class: part.esmClass,
        data_coding: part.dataCoding,
        registered_delivery: 0x01,
        short_message: part.shortMessage,
        ...(part.sar
          ? {
              sar_msg_ref_num: part.sar.refNum,
              sar_total_segments: part.sar.total,
              sar_segment_seqnum: part.sar.seq,
            }
          : {}),
      });
      return await new Promise<SubmitResult>((resolve) => {
        const written = session.send(pdu, (response) => {
          this.inFlight.delete(pdu.sequence_number);
          resolve(
            response.command_status === 0 && typeof response.message_id === "string" && response.message_id
              ? { kind: "accepted", carrierMessageId: response.message_id }
              : { kind: "refused", commandStatus: response.command_status || 0x08 },
          );
        });
        if (!written) return resolve({ kind: "not-sent" });
        // Registered after send() numbered the PDU; a close before the response resolves it.
        this.inFlight.set(pdu.sequence_number, resolve);
        const sequence = pdu.sequence_number;
        setTimeout(() => {
          if (this.session !== session || !this.inFlight.has(sequence)) return;
          logger.warn("smpp submit_sm unanswered: cutting the link", { carrierId: this.entry.id });
          session.destroy();
        }, RESPONSE_TIMEOUT_MS).unref();
        if (!this.entry.tls) this.options.hooks.onPlaintextSubmit?.(this.entry.id);
      });
    } finally {
      release();
    }
  }

  /** True once bound; false when `notAfter` passes (or the bind stops) first. */
  private untilBound(notAfter: number): Promise<boolean> {
    if (this.bound) return Promise.resolve(true);
    if (this.stopped || Date.now() >= notAfter) return Promise.resolve(false);
    return new Promise((resolve) => {
      const waiter = () => {
        if (timer) clearTimeout(timer);
        resolve(this.bound);
      };
      const timer =
        Number.isFinite(notAfter) &&
        setTimeout(() => {
          const index = this.waitingForBind.indexOf(waiter);
          if (index >= 0) this.waitingForBind.splice(index, 1);
          resolve(false);
        }, notAfter - Date.now());
      this.waitingForBind.push(waiter);
    });
  }

  private open(): void {
    const { entry } = this;
    const session = connect({
      host: entry.host,
      port: entry.port,
      tls: entry.tls,
      // The certificate is checked against `host` (name or IP SAN); SNI may only carry a name.
      ...(entry.tls
        ? {
            rejectUnauthorized: true,
            ...(isIP(entry.host) ? {} : { servername: entry.host }),
            ...(this.ca ? { ca: this.ca } : {}),
          }
        : {}),
    });
    this.session = session;
    session.on(entry.tls ? "secureConnect" : "connect", () => this.bind(session));
    session.on("error", (error: Error) => {
      logger.warn("smpp link error", { carrierId: entry.id, error: error.message });
    });
    session.on("close", () => this.onClose(session));
    session.on("deliver_sm", (pdu: PDU) => void this.onDeliverSm(session, pdu));
    session.on("enquire_link", (pdu: PDU) => session.send(pdu.response()));
    session.on("unbind", (pdu: PDU) => {
      session.send(pdu.response());
      session.close();
    });
  }

  private bind(session: Session): void {
    const timer = setTimeout(() => session.destroy(), BIND_TIMEOUT_MS);
    session.bind_transceiver(
      { system_id: this.entry.systemId, password: this.options.password },
      (response) => {
        clearTimeout(timer);
        if (response.command_status !== 0) {
          logger.error("smpp bind refused", { carrierId: this.entry.id, status: response.command_status });
          session.destroy();
          return;
        }
        this.bound = true;
        this.attempts = 0;
        logger.info("smpp bound", { carrierId: this.entry.id, tls: this.entry.tls });
        this.startKeepAlive(session);
        for (const resolve of this.waitingForBind.splice(0)) resolve();
      },
    );
  }

  private startKeepAlive(session: Session): void {
    clearInterval(this.keepAlive);
    this.keepAlive = setInterval(() => {
      const timer = setTimeout(() => {
        logger.warn("smpp enquire_link unanswered: reconnecting", { carrierId: this.entry.id });
        session.destroy();
      }, ENQUIRE_LINK_TIMEOUT_MS);
      if (!session.enquire_link({}, () => clearTimeout(timer))) clearTimeout(timer);
    }, this.entry.enquireLinkSeconds * 1000);
  }

  private onClose(session: Session): void {
    if (session !== this.session) return;
    this.bound = false;
    clearInterval(this.keepAlive);
    // Every submit still waiting was never answered: its caller may offer it again.
    for (const resolve of this.inFlight.values()) resolve({ kind: "unanswered" });
    this.inFlight.clear();
    if (this.stopped) {
      for (const resolve of this.waitingForBind.splice(0)) resolve();
      return;
    }
    this.attempts += 1;
    const delay = backoffMs(
      this.attempts,
      this.options.reconnect ?? { baseMs: 200, capMs: 30_000 },
      this.options.random,
    );
    logger.info("smpp link closed: reconnecting", { carrierId: this.entry.id, delayMs: delay });
    this.reconnectTimer = setTimeout(() => this.open(), delay);
  }

  private async onDeliverSm(session: Session, pdu: PDU): Promise<void> {
    const message = pdu.short_message;
    const raw =
      typeof message === "object" && message !== null && "message" in message ? message.message : message;
    const text = typeof raw === "string" ? raw : Buffer.isBuffer(raw) ? raw.toString("latin1") : "";
    let ok = false;
    try {
      ok = await this.options.hooks.onDeliverSm({
        esmClass: typeof pdu.esm_class === "number" ? pdu.esm_class : 0,
        text,
        ...(typeof pdu.receipted_message_id === "string"
          ? { receiptedMessageId: pdu.receipted_message_id }
          : {}),
        ...(typeof pdu.message_state === "number" ? { messageState: pdu.message_state } : {}),
      });
    } catch (error) {
      logger.error("smpp deliver_sm handling failed", { carrierId: this.entry.id, error: String(error) });
    }
    // ESME_RX_T_APPN (0x64): "temporary application error", the SMSC delivers the receipt again.
    session.send(pdu.response(ok ? {} : { command_status: 0x64 }));
  }
}
