/**
 * Carriers: where messages leave the platform. A carrier record says how to reach it (adapter
 * protocol, base URL), which destinations it serves (E.164 prefixes) and how preferred it is.
 */
export type CarrierProtocol = "http" | "aws-sms" | "smpp";

/**
 * How an "aws-sms" carrier (AWS End User Messaging SMS) sends. No secrets: the dispatch function's
 * role signs the calls (grant kind smsVoice in lib/catalog).
 */
export interface AwsSmsSettings {
  /** Phone number, sender id or pool (id or ARN); unset lets the service pick from the account. */
  readonly originationIdentity?: string;
  /** The configuration set whose event destination feeds our delivery-event queue. */
  readonly configurationSetName?: string;
  /** Highest price per segment (USD, e.g. "0.05") the service may charge; above it the send is refused. */
  readonly maxPricePerSegment?: string;
  /** Validates and prices without sending (tests, dry runs of a new route). */
  readonly dryRun?: boolean;
}

export interface CarrierRoute {
  readonly carrierId: string;
  readonly name: string;
  readonly protocol: CarrierProtocol;
  /**
   * http: the carrier API base URL. aws-sms: the service endpoint override ("" = the SDK's regional
   * endpoint; locally the simulator's PinpointSMSVoiceV2 port). smpp: unused; the dispatcher hands the
   * message to the SMPP connector's queue (functions/carriers/smpp/).
   */
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
  /** Set when protocol is "aws-sms". */
  readonly awsSms?: AwsSmsSettings;
  /** Delivery rate (0..1) agreed with the carrier: below it over 24 h, the assessment alarms. */
  readonly agreedDeliveryRate?: number;
  /** Proactive test sends (quality/test-sends.ts): operator-configured numbers, billed to an account. */
  readonly qualityProbe?: QualityProbeSettings;
}

export interface QualityProbeSettings {
  /** The operator's account the test messages belong to (allowed countries, retention, billing). */
  readonly accountId: string;
  /** E.164 numbers (the operator's own handsets or a test-number service) this carrier serves. */
  readonly testNumbers: readonly string[];
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
  /** Carriers that classify traffic (AWS MessageType) or expire it (TTL) use these. */
  readonly priority?: "otp" | "high" | "normal" | "low";
  /** ISO time after which the carrier should give up delivering. */
  readonly validUntil?: string;
}

/** Worth retrying later (5xx, timeout, network): the carrier may or may not have the message. */
export class TransientCarrierError extends Error {
  override name = "TransientCarrierError";
  /**
   * True when the carrier answered and refused for now (throttled, quota, a service error reply):
   * it definitely does not have the message, so the next attempt needs no lookup. Carriers that
   * cannot be asked by reference (AWS End User Messaging SMS) depend on this.
   */
  readonly notAccepted: boolean;
  constructor(message: string, options?: ErrorOptions & { readonly notAccepted?: boolean }) {
    super(message, options);
    this.notAccepted = options?.notAccepted ?? false;
  }
}

/** The carrier refused the message (4xx); retrying the same request would be refused again. */
export class PermanentCarrierError extends Error {
  override name = "PermanentCarrierError";
  constructor(
    readonly code: string,
    readonly reason: string,
    options?: ErrorOptions,
  ) {
    super(`carrier rejected the message: ${code}`, options);
  }
}

/**
 * What a carrier said about one of our references. Only an explicit "I never got it" is
 * not-received: an error, a timeout or an answer outside the lookup contract (e.g. a generic 404
 * from a carrier without a lookup route) is unknown, and unknown must never be read as not-received
 * (the message may be on its way to the handset; failing it would hide a later delivery report).
 */
export type LookupOutcome =
  | { readonly outcome: "received"; readonly carrierMessageId: string }
  | { readonly outcome: "not-received" }
  | { readonly outcome: "unknown"; readonly reason: string };

export interface CarrierAdapter {
  submit(submission: Submission): Promise<{ carrierMessageId: string }>;
  /** What the carrier knows about our reference. Never throws for what the carrier answers. */
  lookup(reference: string): Promise<LookupOutcome>;
}
