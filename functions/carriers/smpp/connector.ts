import type { MessageStateStore } from "../../messages/state-store.ts";
import type { Clock } from "../../shared/clock.ts";
import type { FieldCipher } from "../../shared/crypto.ts";
import { logger } from "../../shared/logger.ts";
import { SmppBind } from "./bind.ts";
import type { SmppCarrierEntry } from "./entry.ts";
import type { SmppPartStore } from "./part-store.ts";
import { applySmppReceipt } from "./receipt-service.ts";
import { type ConnectorDeps, type ConnectorOutcome, submitOverSmpp } from "./service.ts";

/**
 * The long-lived SMPP connector: one bind per carrier for the life of the process, receipts from
 * every bind applied to our messages, and submitOverSmpp for each message id its queue hands it.
 */
export interface SmppMetrics {
  /** One submit_sm written over a plaintext link (carriers allowed to be plaintext only). */
  plaintextSubmission(carrierId: string): void;
  outcome(outcome: ConnectorOutcome): void;
  receipt(carrierId: string, outcome: string): void;
}

export const noSmppMetrics: SmppMetrics = {
  plaintextSubmission: () => {},
  outcome: () => {},
  receipt: () => {},
};

export interface SmppConnectorOptions {
  readonly carriers: readonly SmppCarrierEntry[];
  /** The bind password of a carrier (Secrets Manager on AWS, the entry's passwordEnv locally). */
  readonly passwordOf: (entry: SmppCarrierEntry) => string;
  readonly store: MessageStateStore;
  readonly parts: SmppPartStore;
  readonly cipher: FieldCipher;
  readonly clock: Clock;
  readonly leaseMs: number;
  readonly defaultSender: string;
  readonly metrics?: SmppMetrics;
  readonly reconnect?: { readonly baseMs: number; readonly capMs: number };
  readonly retry?: { readonly baseMs: number; readonly capMs: number };
}

export class SmppConnector {
  private readonly binds = new Map<string, SmppBind>();
  private readonly deps: ConnectorDeps;
  private readonly metrics: SmppMetrics;

  constructor(options: SmppConnectorOptions) {
    this.metrics = options.metrics ?? noSmppMetrics;
    for (const entry of options.carriers) {
      const bind = new SmppBind(entry, {
        password: options.passwordOf(entry),
        ...(options.reconnect ? { reconnect: options.reconnect } : {}),
        hooks: {
          onPlaintextSubmit: (carrierId) => this.metrics.plaintextSubmission(carrierId),
          onDeliverSm: async (event) => {
            const outcome = await applySmppReceipt(entry.id, event, options);
            this.metrics.receipt(entry.id, outcome);
            // An id we cannot place yet is refused for now; the SMSC offers the receipt again.
            return outcome !== "unknown-id";
          },
        },
      });
      this.binds.set(entry.id, bind);
    }
    this.deps = {
      store: options.store,
      parts: options.parts,
      cipher: options.cipher,
      clock: options.clock,
      carriers: options.carriers,
      leaseMs: options.leaseMs,
      defaultSender: options.defaultSender,
      ...(options.retry ? { retry: options.retry } : {}),
      bindFor: (carrierId) => {
        const bind = this.binds.get(carrierId);
        if (!bind) throw new Error(`no SMPP bind for carrier ${carrierId}`);
        return bind;
      },
    };
  }

  start(): void {
    for (const bind of this.binds.values()) bind.start();
    logger.info("smpp connector started", { carriers: [...this.binds.keys()] });
  }

  async stop(): Promise<void> {
    await Promise.all([...this.binds.values()].map((bind) => bind.stop()));
  }

  /** Carriers whose bind is up right now (health). */
  bound(): string[] {
    return [...this.binds.values()].filter((bind) => bind.isBound).map((bind) => bind.entry.id);
  }

  async submit(messageId: string): Promise<ConnectorOutcome> {
    const outcome = await submitOverSmpp(messageId, this.deps);
    this.metrics.outcome(outcome);
    return outcome;
  }
}
