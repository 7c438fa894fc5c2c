import { randomUUID } from "node:crypto";
import { PutCommand } from "@aws-sdk/lib-dynamodb";
import { describe, expect, inject, it } from "vitest";
import { dynamoClient } from "../../functions/shared/aws.ts";
import { tableName } from "../../functions/shared/config.ts";
import { PLATFORM_COMPONENT, STATUS_COMPONENTS } from "../../functions/status/components.ts";
import { epochMinute, minuteIso } from "../../functions/status/model.ts";
import { handler as probeHandler } from "../../functions/status/probe-handler.ts";
import { dynamoProbeStore } from "../../functions/status/store.ts";
import { useLocalPlatformEnv } from "../support/env.ts";

useLocalPlatformEnv();
const api = inject("apiUrl");
const clock = { now: () => new Date() };
const store = dynamoProbeStore(clock);

describe("status prober against the emulators", () => {
  it("records one probe per component for the scheduled minute, states from real checks", async () => {
    const at = new Date();
    const minute = epochMinute(at);
    const result = await probeHandler({ time: at.toISOString() });
    expect(result.minute).toBe(minute);
    // Reachable dependencies are never an outage; degraded would only mean a slow emulator under load.
    const up = ["operational", "degraded"];
    for (const component of STATUS_COMPONENTS) {
      expect(up, component.id).toContain(result.states[component.id]);
      // The platform's own timer may have recorded this minute first: either way exactly one probe.
      const probes = await store.minutes(component.id, minute, minute);
      expect(
        probes.map((p) => p.minute),
        component.id,
      ).toEqual([minute]);
      expect(up).toContain(probes[0]?.state);
    }
    const [platform] = await store.minutes(PLATFORM_COMPONENT, minute, minute);
    expect(up).toContain(platform?.state);
  });

  it("counts a minute once however often it is recorded, and skips expired probes", async () => {
    const component = `test-${randomUUID()}`;
    const minute = epochMinute(new Date());
    expect(await store.record({ component, minute, state: "outage" })).toBe("recorded");
    expect(await store.record({ component, minute, state: "outage" })).toBe("duplicate");
    const day = Math.floor(minute / 1440);
    expect(await store.days(component, day, day)).toEqual([{ component, day, probed: 1, up: 0 }]);

    await dynamoClient().send(
      new PutCommand({
        TableName: tableName("status"),
        Item: { pk: component, sk: minuteIso(minute - 1), state: "outage", expiresAt: 1 },
      }),
    );
    expect((await store.minutes(component, minute - 1, minute)).map((p) => p.minute)).toEqual([minute]);
  });
});

// Queue ids, physical names, ARNs, AWS service names, exception names ("Error budget" is fine).
const INTERNAL_NAMES =
  /sms-otp|sms-transactional|sms-bulk|textgate-local|arn:|dynamo|\bsqs\b|lambda|[a-z]Error\b|Exception/i;

describe("GET /status.json and GET /status through the local gateway", () => {
  it("answers the components, their state and the 99.8 % SLO with its 86.4-minute budget", async () => {
    await probeHandler({ time: new Date().toISOString() });
    const response = await fetch(`${api}/status.json`);
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toMatch(/^application\/json/);
    expect(response.headers.get("cache-control")).toBe("public, max-age=30");
    expect(response.headers.get("strict-transport-security")).toMatch(/max-age=\d{8,}/);
    const text = await response.text();
    expect(text).not.toMatch(INTERNAL_NAMES);
    const body = JSON.parse(text);
    expect(body.components.map((c: { id: string }) => c.id)).toEqual(STATUS_COMPONENTS.map((c) => c.id));
    for (const component of body.components) {
      expect(["operational", "degraded"], component.id).toContain(component.state);
      expect(component.uptime["24h"].minutesProbed).toBeGreaterThan(0);
      expect(component.uptime["30d"].minutesProbed + component.uptime["30d"].minutesNotProbed).toBe(43_200);
    }
    expect(body.slo).toMatchObject({
      targetPercent: 99.8,
      windowDays: 30,
      windowMinutes: 43_200,
      errorBudget: { budgetMinutes: 86.4 },
    });
    expect(body.slo.errorBudget.remainingMinutes).toBe(86.4 - body.slo.errorBudget.downMinutes);
    expect(["operational", "degraded"]).toContain(body.status);
  });

  it("serves a static HTML page with the security headers and nothing internal on it", async () => {
    const response = await fetch(`${api}/status`);
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toMatch(/^text\/html/);
    expect(response.headers.get("strict-transport-security")).toMatch(/max-age=\d{8,}/);
    expect(response.headers.get("x-content-type-options")).toBe("nosniff");
    expect(response.headers.get("x-frame-options")).toBe("DENY");
    expect(response.headers.get("referrer-policy")).toBe("no-referrer");
    expect(response.headers.get("access-control-allow-origin")).toBeNull();
    const csp = response.headers.get("content-security-policy") ?? "";
    expect(csp).toContain("default-src 'none'");
    expect(csp).toMatch(/style-src 'sha256-[^']+'/);
    expect(csp).not.toMatch(/script-src|https?:/);
    const html = await response.text();
    expect(html).toContain("<h1>Textgate status</h1>");
    for (const component of STATUS_COMPONENTS) expect(html).toContain(component.name);
    expect(html).not.toMatch(/<script|<link|\bsrc=/i);
    expect(html).not.toMatch(INTERNAL_NAMES);
  });
});
