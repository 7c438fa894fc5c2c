import {
  type MessageType,
  PinpointSMSVoiceV2Client,
  PinpointSMSVoiceV2ServiceException,
  SendTextMessageCommand,
  type SendTextMessageRequest,
} from "@aws-sdk/client-pinpoint-sms-voice-v2";
import {
  type AwsSmsSettings,
  type CarrierAdapter,
  PermanentCarrierError,
  type Submission,
  TransientCarrierError,
} from "./model.ts";

/**
 * AWS End User Messaging SMS (PinpointSMSVoiceV2 SendTextMessage) behind the carrier port.
 *
 * - Context carries our message id and carrier id: delivery events (configuration set → SNS → SQS,
 *   functions/dlr/aws-sms-events.ts) name the message by it, not by AWS's MessageId.
 * - MessageType from the priority: OTP and high are TRANSACTIONAL (routes that deliver, and are
 *   allowed, in countries that filter marketing); normal and low are PROMOTIONAL.
 * - TimeToLive from the message's validity, clamped to what the API accepts.
 * - maxAttempts 1: SendTextMessage has no idempotency token, so an SDK retry after a timeout could
 *   send the SMS twice. Retries are the dispatcher's (SQS redelivery), which never resubmits blindly.
 *
 * Errors: throttling, service quota (incl. the monthly spend limit), internal errors and network
 * failures are transient (the service did not accept it, or we cannot tell); validation, conflicts
 * (opted-out destination), access and missing resources are permanent, with a reason a customer can
 * read.
 */
export interface AwsSmsAdapterOptions {
  readonly carrierId: string;
  readonly settings: AwsSmsSettings;
  /** Endpoint override (the local simulator); unset = the SDK's regional endpoint. */
  readonly endpoint?: string;
  readonly region?: string;
  readonly timeoutMs?: number;
  readonly now?: () => Date;
  /** Injected client (tests); otherwise one is built from the options. */
  readonly client?: Pick<PinpointSMSVoiceV2Client, "send">;
}

const DEFAULT_TIMEOUT_MS = 4000;
/** SendTextMessage TimeToLive bounds (seconds). */
export const TTL_MIN_SECONDS = 5;
export const TTL_MAX_SECONDS = 259_200;

export const messageTypeFor = (priority: Submission["priority"]): MessageType =>
  priority === "otp" || priority === "high" ? "TRANSACTIONAL" : "PROMOTIONAL";

export function timeToLiveSeconds(validUntil: string | undefined, now: Date): number | undefined {
  if (!validUntil) return undefined;
  const seconds = Math.floor((Date.parse(validUntil) - now.getTime()) / 1000);
  if (!Number.isFinite(seconds)) return undefined;
  return Math.min(TTL_MAX_SECONDS, Math.max(TTL_MIN_SECONDS, seconds));
}

/** The SendTextMessage request for one submission (exported for tests). */
export function sendTextMessageRequest(
  submission: Submission,
  options: Pick<AwsSmsAdapterOptions, "carrierId" | "settings">,
  now: Date,
): SendTextMessageRequest {
  const { settings } = options;
  const ttl = timeToLiveSeconds(submission.validUntil, now);
  return {
    DestinationPhoneNumber: submission.to,
    MessageBody: submission.text,
    MessageType: messageTypeFor(submission.priority),
    Context: { messageId: submission.reference, carrierId: options.carrierId },
    ...(settings.originationIdentity ? { OriginationIdentity: settings.originationIdentity } : {}),
    ...(settings.configurationSetName ? { ConfigurationSetName: settings.configurationSetName } : {}),
    ...(settings.maxPricePerSegment ? { MaxPrice: settings.maxPricePerSegment } : {}),
    ...(ttl !== undefined ? { TimeToLive: ttl } : {}),
    ...(settings.dryRun ? { DryRun: true } : {}),
  };
}

/** Reasons a customer can act on, by the service's exception Reason. */
const READABLE_REASONS: Readonly<Record<string, string>> = {
  DESTINATION_PHONE_NUMBER_OPTED_OUT: "the recipient has opted out of messages from this sender",
  DESTINATION_PHONE_NUMBER_NOT_VERIFIED: "the destination is not a verified number (sandbox account)",
  DESTINATION_COUNTRY_BLOCKED: "sending to this country is blocked",
  DESTINATION_COUNTRY_BLOCKED_BY_PROTECT_CONFIGURATION: "sending to this country is blocked",
  DESTINATION_PHONE_NUMBER_BLOCKED_BY_PROTECT_NUMBER_OVERRIDE: "this destination is blocked",
  PRICE_OVER_THRESHOLD: "the price to this destination is above the configured maximum",
  INVALID_IDENTITY_FOR_DESTINATION_COUNTRY: "no sender identity may send to this country",
  MESSAGE_TYPE_MISMATCH: "the sender identity does not allow this message type",
  NO_ORIGINATION_IDENTITIES_FOUND: "no sender identity can reach this destination",
};

const TRANSIENT_EXCEPTIONS = new Set([
  "ThrottlingException",
  "ServiceQuotaExceededException",
  "InternalServerException",
]);

const PERMANENT_EXCEPTIONS: Readonly<Record<string, string>> = {
  ValidationException: "the carrier refused the message as invalid",
  ConflictException: "the carrier refused the message",
  AccessDeniedException: "the carrier account is not allowed to send this message",
  ResourceNotFoundException:
    "the carrier configuration names a sender or configuration set that does not exist",
};

const reasonOf = (error: PinpointSMSVoiceV2ServiceException): string | undefined => {
  const reason = (error as { Reason?: unknown }).Reason;
  return typeof reason === "string" ? reason : undefined;
};

/** Maps what SendTextMessage threw to the carrier port's two error classes. */
export function mapAwsSmsError(error: unknown): TransientCarrierError | PermanentCarrierError {
  if (!(error instanceof PinpointSMSVoiceV2ServiceException)) {
    const name = (error as { name?: unknown } | null)?.name;
    const what = name === "TimeoutError" || name === "AbortError" ? "timed out" : "unreachable";
    return new TransientCarrierError(`AWS End User Messaging SMS ${what}`, { cause: error });
  }
  if (TRANSIENT_EXCEPTIONS.has(error.name) || error.$fault === "server") {
    // The service answered with an error: it did not take the message.
    return new TransientCarrierError(`AWS End User Messaging SMS: ${error.name}`, {
      cause: error,
      notAccepted: true,
    });
  }
  const reason = reasonOf(error);
  const readable =
    (reason ? READABLE_REASONS[reason] : undefined) ??
    PERMANENT_EXCEPTIONS[error.name] ??
    "the carrier refused the message";
  const code = `aws-sms-${(reason ?? error.name).toLowerCase().replaceAll("_", "-")}`.slice(0, 64);
  return new PermanentCarrierError(code, readable, { cause: error });
}

export function awsSmsCarrierAdapter(options: AwsSmsAdapterOptions): CarrierAdapter {
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const client =
    options.client ??
    new PinpointSMSVoiceV2Client({
      maxAttempts: 1,
      ...(options.endpoint ? { endpoint: options.endpoint } : {}),
      ...(options.region ? { region: options.region } : {}),
      // The SDK builds its Node handler from these (no direct @smithy dependency).
      requestHandler: { connectionTimeout: timeoutMs, requestTimeout: timeoutMs },
    });
  const now = options.now ?? (() => new Date());
  return {
    async submit(submission) {
      let messageId: string | undefined;
      try {
        ({ MessageId: messageId } = await client.send(
          new SendTextMessageCommand(sendTextMessageRequest(submission, options, now())),
        ));
      } catch (error) {
        throw mapAwsSmsError(error);
      }
      if (!messageId)
        throw new TransientCarrierError("AWS End User Messaging SMS answered without MessageId");
      return { carrierMessageId: messageId };
    },
    /**
     * The service cannot be asked about a message by our reference (no lookup API). Whether an
     * attempt that timed out was accepted is learnt from its delivery event (it carries our id in
     * Context and may settle a "submitting" message); until then the dispatcher must not resubmit.
     */
    async lookup() {
      return {
        outcome: "unknown",
        reason: "AWS End User Messaging SMS cannot look up a message by reference",
      } as const;
    },
  };
}
