/**
 * What the status page reports on, with public names only: no table, queue or service names leave
 * the platform. Each component says how the prober checks it; lib/catalog/status.ts grants the
 * prober exactly these tables and queues (test/status/prober.test.ts keeps the two in step).
 */
export type ComponentCheck =
  | { readonly kind: "table"; readonly table: string }
  | { readonly kind: "queue"; readonly queue: string }
  /** Carrier delivery over the last 24 h (the quality figures' table) against each agreed rate. */
  | { readonly kind: "delivery"; readonly table: string };

export interface StatusComponent {
  readonly id: string;
  readonly name: string;
  readonly check: ComponentCheck;
}

export const STATUS_COMPONENTS: readonly StatusComponent[] = [
  { id: "data-storage", name: "Accounts and message storage", check: { kind: "table", table: "accounts" } },
  { id: "otp-sms", name: "Verification codes (OTP SMS)", check: { kind: "queue", queue: "sms-otp" } },
  {
    id: "transactional-sms",
    name: "Transactional SMS",
    check: { kind: "queue", queue: "sms-transactional" },
  },
  { id: "bulk-sms", name: "Bulk SMS", check: { kind: "queue", queue: "sms-bulk" } },
  { id: "carrier-delivery", name: "Carrier delivery", check: { kind: "delivery", table: "carrier-quality" } },
];

/** The whole platform: a minute is down when any component had an outage in it. The SLO applies here. */
export const PLATFORM_COMPONENT = "platform";

/** Shown on the page, so nobody reads more into the numbers than they say. */
export const STATUS_NOTES: readonly string[] = [
  "Each component is probed once a minute. A minute without a probe counts as not probed: it is left out of uptime and does not spend error budget.",
  "Degraded minutes (slow storage, SMS waiting longer than usual) count as up; only outage minutes count as down.",
  "Carrier delivery is degraded while a carrier delivered fewer messages in the last 24 hours than agreed with it (judged from 10 delivery reports on).",
];
