/**
 * Carriers: where messages leave the platform. A carrier record says how to reach it (adapter
 * protocol, base URL), which destinations it serves (E.164 prefixes) and how preferred it is.
 */
export interface CarrierRoute {
  readonly carrierId: string;
  readonly name: string;
  /** "smpp": the dispatcher hands the message to the SMPP connector's queue (functions/carriers/smpp/). */
  readonly protocol: "http" | "smpp";
  readonly baseUrl: string;
  /** True when baseUrl is https: OTP traffic may require TLS routes. */
  readonly tls: boolean;
  /** E.164 prefixes served, e.g. ["+372", "+371"]; "" serves every destination. */
  readonly prefixes: readonly string[];
  /** Lower is preferred among routes with the same prefix length. */
  readonly priority: number;
  /** Relative share among routes of equal prefix length and priority. */
  readonly weight: number;
  readonly enabled: boolean;
  /** Where this carrier should post delivery reports for our messages (our public DLR route). */
  readonly dlrUrl?: string;
}

/** Decrypted secrets of a carrier, held in memory only. */
export interface CarrierSecrets {
  readonly apiToken: string;
  /** Standard Webhooks secret ("whsec_…") the carrier signs DLRs with. */
  readonly dlrSecret: string;
}

export interface Submission {
  readonly reference: string;
  readonly from: string;
  readonly to: string;
  readonly text: string;
  readonly encoding: "GSM-7" | "UCS-2";
  readonly dlrUrl?: string;
}

/** Worth retrying later (5xx, timeout, network): the carrier may or may not have the message. */
export class TransientCarrierError extends Error {
  override name = "TransientCarrierError";
}

/** The carrier refused the message (4xx); retrying the same request would be refused again. */
export class PermanentCarrierError extends Error {
  override name = "PermanentCarrierError";
  constructor(
    readonly code: string,
    readonly reason: string,
  ) {
    super(`carrier rejected the message: ${code}`);
  }
}

export interface CarrierAdapter {
  submit(submission: Submission): Promise<{ carrierMessageId: string }>;
  /**
   * What the carrier knows about our reference: its message id, or undefined when it never got it.
   * Throws TransientCarrierError when it cannot tell right now.
   */
  lookup(reference: string): Promise<{ carrierMessageId: string } | undefined>;
}
