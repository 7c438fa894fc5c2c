/**
 * Environment variable names derived from catalogue ids. CDK sets them on each function (only for
 * what it is granted); the local platform sets all of them. functions/shared/config.ts reads them.
 */
const upper = (id: string): string => id.toUpperCase().replace(/[^A-Z0-9]/g, "_");

export const envNames = {
  table: (id: string): string => `TABLE_${upper(id)}`,
  queueUrl: (id: string): string => `QUEUE_${upper(id)}_URL`,
  keyArn: (id: string): string => `KEY_${upper(id)}_ARN`,
  /** Set locally only: path of the raw AES keyring file used in place of KMS. */
  localKeyring: "TEXTGATE_LOCAL_KEYRING",
  /** Set locally only: path of the P-256 private key (PEM) that signs access tokens in place of KMS. */
  localSigningKey: "TEXTGATE_LOCAL_SIGNING_KEY",
  stage: "TEXTGATE_STAGE",
  /** SMPP connector: JSON array of carrier entries (functions/carriers/smpp/entry.ts; no secrets). */
  smppCarriers: "TEXTGATE_SMPP_CARRIERS",
  /**
   * SMPP connector on AWS: Secrets Manager secret (KMS-encrypted) holding a JSON object from each
   * entry's passwordEnv name to its bind password. Unset locally: passwords come from the env itself.
   */
  smppSecretArn: "TEXTGATE_SMPP_SECRET_ARN",
  /** Name of the API Gateway usage plan that per-key throttling uses (set for usagePlan grants). */
  usagePlanName: "TEXTGATE_USAGE_PLAN_NAME",
  /** From address of platform email (SES sender identity, deploy context mailSender; mail grants). */
  mailSender: "TEXTGATE_MAIL_SENDER",
  /** Page that accepts invitations; the email links to it with ?token= (deploy context invitationUrl). */
  invitationUrl: "TEXTGATE_INVITATION_URL",
  /** Set locally only: JSON-lines file that stands in for SES (served at GET /_local/mail). */
  localMailOutbox: "TEXTGATE_LOCAL_MAIL_OUTBOX",
  /** AWS End User Messaging SMS configuration set whose events reach our queue (smsVoice grants). */
  smsConfigurationSet: "TEXTGATE_SMS_CONFIGURATION_SET",
  /**
   * Set locally only ("1"): webhook receivers on loopback are allowed, because the local platform
   * runs on the developer's machine. Never set on AWS, where the SSRF guard refuses loopback.
   */
  localWebhookLoopback: "TEXTGATE_LOCAL_WEBHOOK_LOOPBACK",
} as const;

/** Physical resource name for a stage, e.g. textgate-prod-messages. */
export const physicalName = (stage: string, id: string): string => `textgate-${stage}-${id}`;

/**
 * The stage's API Gateway usage plan. Functions find it by this name at run time: the ones that
 * manage its keys sit behind the API, so referencing the plan id would be a dependency cycle.
 */
export const usagePlanName = (stage: string): string => physicalName(stage, "default-plan");

/** The stage's AWS End User Messaging SMS configuration set (events → SNS → the aws-sms-events queue). */
export const smsConfigurationSetName = (stage: string): string => physicalName(stage, "sms");
