/**
 * Business metrics that page someone, named once for the emitting function (Powertools EMF) and for
 * the CDK alarms. Each is also emitted with only the Powertools `service` dimension so one alarm
 * covers every country.
 */
export const metricsNamespace = "Textgate";

export interface AlertMetric {
  readonly name: string;
  /** Powertools serviceName of the emitter (becomes the `service` dimension). */
  readonly service: string;
  /** Alarm when the 5-minute Sum is above this. */
  readonly threshold: number;
  readonly description: string;
}

export const alertMetrics = {
  verifyConversionLow: {
    name: "VerifyConversionLow",
    service: "verify",
    threshold: 0,
    description:
      "Verify conversion (approved/sent) fell below the alert floor for a country: SMS pumping or a carrier delivering late. See docs/runbooks/incident-response.md.",
  },
  verifyBlocked: {
    name: "VerifyBlocked",
    service: "verify",
    threshold: 50,
    description:
      "More than 50 verification starts blocked by the fraud guard in 5 minutes: an attack in progress. Review audit events verify.blocked.",
  },
  messagesDeadLettered: {
    name: "MessagesDeadLettered",
    service: "dispatch",
    threshold: 0,
    description:
      "SMS records reached a dead-letter queue (dispatch crashed or timed out 5 times); the dead-letters consumer settled them (reconciled or failed). See docs/runbooks/dlq-redrive.md.",
  },
  carrierDeliveryBelowAgreed: {
    name: "CarrierDeliveryBelowAgreed",
    service: "status-probe",
    threshold: 0,
    description:
      "A carrier delivered fewer messages over the last 24 h than the rate agreed with it (its carrier record's agreedDeliveryRate; DeliveryRate by Carrier shows which). Compare the carrier quality report; lower its route priority or raise it with the carrier.",
  },
} as const satisfies Record<string, AlertMetric>;
