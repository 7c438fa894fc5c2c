/**
 * Status-page incidents through the `textgate` CLI against the local platform: an operator posts an
 * incident, it shows on /status.json and /status (escaped), an update and the resolution follow,
 * and it is then listed as resolved. Every step is in the operator log; unsigned calls are refused.
 */
import { describe, expect, inject, it } from "vitest";
import { OPERATOR_LOG } from "../../functions/admin/service.ts";
import { queryAuditEvents } from "../../functions/audit/store.ts";
import type { Incident } from "../../functions/status/incidents.ts";
import { useLocalPlatformEnv } from "../support/env.ts";
import { textgate, textgateJson } from "./support.ts";

useLocalPlatformEnv();
const api = inject("apiUrl");

interface ShownIncidents {
  incidents: { open: Incident[]; resolved: Incident[] };
}

const statusJson = async (): Promise<ShownIncidents> => {
  const response = await fetch(new URL("/status.json", api));
  expect(response.status).toBe(200);
  return (await response.json()) as ShownIncidents;
};
const statusHtml = async (): Promise<string> => (await fetch(new URL("/status", api))).text();

describe("status-page incidents through the CLI", () => {
  it("posts, updates and resolves an incident, shown on /status.json and /status", async () => {
    const title = `SMS to LV delayed <${crypto.randomUUID()}>`;
    const posted = await textgateJson<Incident>(
      "incidents",
      "post",
      "--title",
      title,
      "--impact",
      "major",
      "--components",
      "otp-sms,carrier-delivery",
      "--message",
      "We are looking into delays & retries.",
    );
    expect(posted).toMatchObject({ title, impact: "major", status: "investigating" });
    expect(posted.components).toEqual(["otp-sms", "carrier-delivery"]);

    const open = (await statusJson()).incidents.open.find((shown) => shown.incidentId === posted.incidentId);
    expect(open?.status).toBe("investigating");
    expect(open?.updates.map((update) => update.message)).toEqual(["We are looking into delays & retries."]);
    const html = await statusHtml();
    expect(html).toContain(title.replace("<", "&lt;").replace(">", "&gt;"));
    expect(html).not.toContain(title);
    expect(html).toContain("We are looking into delays &amp; retries.");

    const updated = await textgateJson<Incident>(
      "incidents",
      "update",
      posted.incidentId,
      "--status",
      "identified",
      "--message",
      "A carrier route is slow; traffic moved.",
    );
    expect(updated.status).toBe("identified");
    expect(updated.updates.map((update) => update.status)).toEqual(["identified", "investigating"]);

    const resolved = await textgateJson<Incident>(
      "incidents",
      "resolve",
      posted.incidentId,
      "--message",
      "Delivery is back to normal.",
    );
    expect(resolved.status).toBe("resolved");
    expect(resolved.resolvedAt).toBeDefined();

    const after = await statusJson();
    expect(after.incidents.open.map((shown) => shown.incidentId)).not.toContain(posted.incidentId);
    const shownResolved = after.incidents.resolved.find((shown) => shown.incidentId === posted.incidentId);
    expect(shownResolved?.updates.map((update) => update.status)).toEqual([
      "resolved",
      "identified",
      "investigating",
    ]);
    expect(await statusHtml()).toContain("Delivery is back to normal.");

    const log = await queryAuditEvents({ accountId: OPERATOR_LOG, limit: 100 }, { now: () => new Date() });
    const actions = log.events
      .filter((event) => event.target?.id === posted.incidentId)
      .map((event) => [event.action, event.actor.type, event.actor.id]);
    const arn = inject("operator").arn;
    expect(actions.sort()).toEqual([
      ["incident.posted", "operator", arn],
      ["incident.resolved", "operator", arn],
      ["incident.updated", "operator", arn],
    ]);
  });

  it("refuses updating a resolved incident (exit 5), an unknown one (exit 4) and bad input (exit 1)", async () => {
    const posted = await textgateJson<Incident>(
      "incidents",
      "post",
      "--title",
      "Short blip",
      "--impact",
      "minor",
      "--components",
      "bulk-sms",
      "--message",
      "Investigating.",
    );
    await textgateJson("incidents", "resolve", posted.incidentId, "--message", "Fixed.");
    const again = await textgate(
      "incidents",
      "update",
      posted.incidentId,
      "--status",
      "monitoring",
      "--message",
      "x y z",
    );
    expect(again.code).toBe(5);
    expect(again.stderr.trim().split("\n")).toHaveLength(1);

    const unknown = await textgate(
      "incidents",
      "resolve",
      "inc_01JAAAAAAAAAAAAAAAAAAAAAAA",
      "--message",
      "Fixed.",
    );
    expect(unknown.code).toBe(4);

    const badComponent = await textgate(
      "incidents",
      "post",
      "--title",
      "Nope",
      "--impact",
      "huge",
      "--components",
      "no-such-part",
      "--message",
      "Investigating.",
    );
    expect(badComponent.code).toBe(1);
    expect(badComponent.stderr.trim().split("\n")).toHaveLength(1);
  });

  it("refuses an unsigned request (404 like API Gateway's mapped MISSING_AUTHENTICATION_TOKEN, problem+json)", async () => {
    const response = await fetch(new URL("/v1/admin/incidents", api), {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({
        title: "Forged",
        impact: "critical",
        components: ["otp-sms"],
        message: "Forged.",
      }),
    });
    expect(response.status).toBe(404);
    expect(response.headers.get("content-type")).toContain("application/problem+json");
    const forged = (await statusJson()).incidents.open.filter((shown) => shown.title === "Forged");
    expect(forged).toEqual([]);
  });
});
