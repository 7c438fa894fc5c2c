/**
 * Changing a carrier through the signed operator API: settings change in place, optional settings
 * are removed with null, secrets of an http carrier rotate (sealed, never answered or audited), a
 * carrier without secrets refuses a rotation, and re-enabling undoes a disable.
 */
import { randomBytes, randomInt } from "node:crypto";
import { describe, expect, it } from "vitest";
import { OPERATOR_LOG } from "../../functions/admin/service.ts";
import { queryAuditEvents } from "../../functions/audit/store.ts";
import { carrierSecrets } from "../../functions/carriers/store.ts";
import { useLocalPlatformEnv } from "../support/env.ts";
import { signedAdminRequest } from "./support.ts";

useLocalPlatformEnv();
const account = "acc_01JABCDEFGHJKMNPQRSTVWXYZ0";
/** Prefixes no test number uses (international networks), so these routes never take other tests' traffic. */
const unused = () => `+88299${String(randomInt(0, 1e6)).padStart(6, "0")}`;
const secret = () => `whsec_${randomBytes(24).toString("base64")}`;

async function admin(method: string, path: string, body?: unknown) {
  const response = await signedAdminRequest(method, path, body === undefined ? {} : { body });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

describe("operator changes a carrier", () => {
  it("changes settings, removes optional ones, rotates http secrets and re-enables", async () => {
    const carrierId = `chg-${randomInt(0, 1e9)}`;
    const [one, two] = [unused(), unused()];
    const first = { apiToken: `tok-${randomInt(0, 1e9)}`, dlrSecret: secret() };
    const added = await admin("POST", "/v1/admin/carriers", {
      carrier: {
        id: carrierId,
        type: "http",
        host: "sms.carrier.example",
        port: 443,
        prefixes: [one],
        priority: 900,
        agreedDeliveryRate: 0.9,
        qualityProbe: { accountId: account, testNumbers: ["+37250000001"] },
        ...first,
      },
    });
    expect(added.status).toBe(201);
    expect(added.body).toMatchObject({
      baseUrl: "https://sms.carrier.example:443",
      tls: true,
      priority: 900,
    });

    const second = { apiToken: `tok-${randomInt(0, 1e9)}`, dlrSecret: secret() };
    const changed = await admin("PATCH", `/v1/admin/carriers/${carrierId}`, {
      priority: 10,
      prefixes: [one, two],
      agreedDeliveryRate: null,
      qualityProbe: null,
      ...second,
      reason: "new contract",
    });
    expect(changed.status).toBe(200);
    expect(changed.body).toMatchObject({ priority: 10, prefixes: [one, two], enabled: true });
    expect(changed.body).not.toHaveProperty("agreedDeliveryRate");
    expect(changed.body).not.toHaveProperty("qualityProbe");
    expect(JSON.stringify(changed.body)).not.toContain(second.apiToken);
    expect(await carrierSecrets(carrierId)).toEqual(second);

    const disabled = await admin("POST", `/v1/admin/carriers/${carrierId}/disable`, { reason: "outage" });
    expect(disabled.body).toMatchObject({ enabled: false });
    const enabled = await admin("PATCH", `/v1/admin/carriers/${carrierId}`, { enabled: true });
    expect(enabled.body).toMatchObject({ enabled: true, priority: 10 });

    const log = await queryAuditEvents({ accountId: OPERATOR_LOG, limit: 100 }, { now: () => new Date() });
    const updates = log.events.filter(
      (event) => event.target?.id === carrierId && event.action === "carrier.updated",
    );
    expect(updates.map((event) => event.details?.changed).sort()).toEqual([
      "agreedDeliveryRate,prefixes,priority,qualityProbe,secrets",
      "enabled",
    ]);
    expect(JSON.stringify(log.events)).not.toContain(second.dlrSecret);
    await admin("POST", `/v1/admin/carriers/${carrierId}/disable`, { reason: "test finished" });
  });

  it("refuses a rotation for a carrier without secrets, an unknown carrier and an empty change", async () => {
    const carrierId = `chg-aws-${randomInt(0, 1e9)}`;
    expect(
      (
        await admin("POST", "/v1/admin/carriers", {
          carrier: { id: carrierId, type: "aws-sms", prefixes: [unused()] },
        })
      ).status,
    ).toBe(201);
    const rotation = { apiToken: "tok", dlrSecret: secret() };
    expect((await admin("PATCH", `/v1/admin/carriers/${carrierId}`, rotation)).status).toBe(422);
    expect((await admin("PATCH", `/v1/admin/carriers/${carrierId}`, { apiToken: "only-one" })).status).toBe(
      400,
    );
    expect((await admin("PATCH", `/v1/admin/carriers/${carrierId}`, { reason: "nothing" })).status).toBe(400);
    expect((await admin("PATCH", "/v1/admin/carriers/no-such-carrier", { priority: 1 })).status).toBe(404);
    expect((await admin("POST", `/v1/admin/carriers/${carrierId}/disable`, {})).status).toBe(400);
    // A test send to a number the carrier does not serve, or without a probe or an account.
    const outside = await admin("POST", `/v1/admin/carriers/${carrierId}/test`, {
      to: "+37250000001",
      accountId: account,
    });
    expect(outside.status).toBe(422);
    expect(outside.body.detail).toMatch(/does not serve \+\*+001/);
    expect((await admin("POST", `/v1/admin/carriers/${carrierId}/test`, {})).status).toBe(422);
    await admin("POST", `/v1/admin/carriers/${carrierId}/disable`, { reason: "test finished" });
  });
});
