/**
 * The "DynamoDB writes per SMS" section (issue 14: "show what each write buys; merge what can be
 * merged without weakening exactly-once"): a fixed table of the writes one SMS makes, what each
 * buys and whether it could go, then the counts the pipeline run measured per command and table.
 * The table is the argument; the counts show the code still matches it.
 */
import type { PipelineFigures } from "./run.ts";

export const WRITES_HEADING = "## DynamoDB writes per SMS: what each one buys";

interface WriteRole {
  readonly write: string;
  readonly buys: string;
  readonly couldItGo: string;
}

const WRITES: readonly WriteRole[] = [
  {
    write: "accept: Put messages (TransactWrite with the Idempotency-Key binding when the request has a key)",
    buys: "the message exists before the 202: the dispatcher's source, `GET /v1/messages/{id}`, Idempotency-Key replays",
    couldItGo:
      "no: an accepted request must be durable before it is acknowledged; the binding rides in the same transaction",
  },
  {
    write: "claim: Update messages queued → submitting + lease",
    buys: "**exactly-once**: the one attempt allowed to submit, recorded BEFORE the carrier call, so a crash after the submit leaves `submitting` and the next attempt asks the carrier (lookup) instead of submitting again",
    couldItGo:
      "no: it must precede the submit, and nothing else is written then (the accept is in another function, before routing)",
  },
  {
    write: "sent: Update messages submitting → sent (carrierMessageId, webhook outbox mark)",
    buys: "status `sent` and the `message.sent` webhook; ends the attempt (a redelivered record stops without a carrier lookup); drops an OTP's code or a no-retention body as soon as the carrier has it",
    couldItGo:
      "not without a change customers see, see below; folded already where possible: the outbox mark and the body removal ride in it",
  },
  {
    write: "final: Update messages → delivered, undelivered or failed (delivery report)",
    buys: "the final status and its webhook; the carrier's word on delivery",
    couldItGo: "no: only the delivery report knows it",
  },
  {
    write: "quality at submit: Update carrier-quality (ADD counters)",
    buys: "per carrier, hour, country and route prefix: submitted, TLS share, refusals",
    couldItGo:
      "gathered per consumer batch: one UpdateItem per counters item per batch (dispatch, dead letters), ≈ 1 per batch",
  },
  {
    write: "quality at settlement: Update carrier-quality (ADD counters)",
    buys: "delivered / not delivered, time-to-DLR histogram (carrier quality report, routing by quality)",
    couldItGo:
      "gathered per batch on the AWS SMS events queue; one per HTTP delivery report (a request has no batch, and counts buffered past the response would be lost when Lambda freezes the container)",
  },
];

const WHY_SENT_STAYS = `Why "sent" stays a write of its own. The exactly-once guarantee itself needs two writes: the accept
(durable before the 202) and the claim (durable before the carrier call). "sent" and "final" are what
customers see. Folding "sent" into the claim would write "sent" before any carrier has the message: a crash
between the two leaves a message that reads as sent, that the redelivered record skips (done already) and that
nobody ever submits. Folding it into the delivery report would leave the message "queued" (submitting) until the
report, which some carriers send minutes later and some never; no \`message.sent\` webhook; an OTP code stored
until the report instead of until the carrier has it; and every redelivered or dead-lettered record after the
lease ran out would ask the carrier (a lookup call) instead of seeing "sent". The ≤ 2 goal is therefore met for
what exactly-once needs (accept + claim), not for writes per SMS: 4 on the messages item is the floor without
changing what customers see.`;

const per = (figures: PipelineFigures, n: number) => (n / Math.max(1, figures.accepted)).toFixed(2);

function countRows(figures: PipelineFigures, counts: Readonly<Record<string, number>> | undefined): string {
  return Object.entries(counts ?? {})
    .sort((a, b) => b[1] - a[1])
    .map(([target, n]) => `| ${target} | ${per(figures, n)} |`)
    .join("\n");
}

export function renderWritesSection(figures: PipelineFigures): string {
  const { calls } = figures;
  return `${WRITES_HEADING}

| write (per SMS) | what it buys | could it go? |
| --- | --- | --- |
${WRITES.map((role) => `| ${role.write} | ${role.buys} | ${role.couldItGo} |`).join("\n")}

${WHY_SENT_STAYS}

Reads: a status write returns the item it wrote (ReturnValues ALL_NEW), so publishing its webhook event and
counting carrier quality read nothing again; the dispatcher hands the message it read to its own status writes
(whose account and callbackUrl decide whether a webhook event is owed); a delivery report reads that audience
once, eventually consistent (both fields are fixed at accept). The dispatcher's own read stays strongly
consistent: the record arrives milliseconds after the accept, and a stale miss would drop the message as gone.
What remains beyond those two Gets is the webhook subscriptions Query (strongly consistent, once per status change
with an event, when the message has no callbackUrl): functions/webhooks/subscriptions.ts promises that an endpoint
created before a status write receives its event, so it is neither cached nor shared between messages; doing so
would save up to 2 RRU per SMS and weaken that promise.

Measured in the pipeline run above (${figures.accepted} SMS; the platform's schedules and sweeps included):
writes ${per(figures, calls.dynamoWrites)} per SMS (${per(figures, calls.wru)} WRU), reads ${per(figures, calls.dynamoReads)} (${per(figures, calls.rru)} RRU).

| write (command, table) | per SMS |
| --- | --- |
${countRows(figures, calls.writesByTarget)}

| read (command, table[.index]) | per SMS |
| --- | --- |
${countRows(figures, calls.readsByTarget)}
`;
}
