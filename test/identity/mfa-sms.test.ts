import { randomInt } from "node:crypto";
import { beforeAll, describe, expect, inject, it } from "vitest";
import { demoAccount } from "../support/env.ts";
import { apiClient, codeSentTo, createUser, login, signIn } from "./client.ts";

/** SMS second factor through the platform's own Verify flow; codes are read from the carrier outbox. */
const client = apiClient();
let ownerToken: string;

beforeAll(async () => {
  const demo = demoAccount();
  ownerToken = (await signIn(client, demo.email, demo.password)).token;
});

const estonianMobile = (): string => `+3725${String(randomInt(0, 10_000_000)).padStart(7, "0")}`;

describe("SMS second factor", () => {
  it("enrols with a code sent by SMS, then signs in with a fresh SMS code", async () => {
    const user = await createUser(client, ownerToken, "billing");
    const phone = estonianMobile();
    const start = await client.call("POST", "/v1/account/mfa/sms", { token: user.token, body: { phone } });
    expect(start.status, JSON.stringify(start.body)).toBe(202);
    expect(start.body.to).not.toContain(phone.slice(1, -3));
    const enrolCode = await codeSentTo(phone);
    const wrong = await client.call("POST", "/v1/account/mfa/sms/confirm", {
      token: user.token,
      body: { code: enrolCode === "000000" ? "111111" : "000000" },
    });
    expect(wrong.status).toBe(422);
    const confirm = await client.call("POST", "/v1/account/mfa/sms/confirm", {
      token: user.token,
      body: { code: enrolCode },
    });
    expect(confirm.status, JSON.stringify(confirm.body)).toBe(200);
    expect(confirm.body.recoveryCodes).toHaveLength(10);

    const challenge = await login(client, user.email, user.password);
    expect(challenge.body).toMatchObject({ mfaRequired: true, methods: expect.arrayContaining(["sms"]) });
    expect(challenge.body.token).toBeUndefined();
    const send = await client.call("POST", "/v1/auth/mfa/sms", {
      body: { challengeId: challenge.body.challengeId },
    });
    expect(send.status, JSON.stringify(send.body)).toBe(202);
    const loginCode = await codeSentTo(phone, enrolCode);
    const done = await client.call("POST", "/v1/auth/mfa", {
      body: { challengeId: challenge.body.challengeId, code: loginCode, method: "sms" },
    });
    expect(done.status, JSON.stringify(done.body)).toBe(200);
    expect(done.body.token).toBeDefined();
  });

  it("refuses to enrol a number that cannot receive SMS (a fixed line), as the send path would", async () => {
    const user = await createUser(client, ownerToken, "billing");
    // Tallinn fixed line: a valid Estonian number, but not one an SMS code can reach.
    const fixedLine = `+3726${String(randomInt(0, 1_000_000)).padStart(6, "0")}`;
    const start = await client.call("POST", "/v1/account/mfa/sms", {
      token: user.token,
      body: { phone: fixedLine },
    });
    expect(start.status, JSON.stringify(start.body)).toBe(400);
    expect(start.body.errors).toEqual([{ field: "phone", message: "E.164 number that can receive SMS" }]);
  });
});

describe("SMS sign-in codes and the tenant's Verify API", () => {
  it("a tenant key verifying the same number neither resends, fails nor reads the user's login code", async () => {
    const user = await createUser(client, ownerToken, "developer");
    const phone = estonianMobile();
    await client.call("POST", "/v1/account/mfa/sms", { token: user.token, body: { phone } });
    const enrolCode = await codeSentTo(phone);
    await client.call("POST", "/v1/account/mfa/sms/confirm", {
      token: user.token,
      body: { code: enrolCode },
    });
    const challenge = await login(client, user.email, user.password);
    await client.call("POST", "/v1/auth/mfa/sms", { body: { challengeId: challenge.body.challengeId } });
    const loginCode = await codeSentTo(phone, enrolCode);

    // The same tenant's API key starts a verification to that number and burns its five guesses.
    const apiKey = demoAccount().apiKey;
    const started = await fetch(`${inject("apiUrl")}/v1/verifications`, {
      method: "POST",
      headers: { authorization: `Bearer ${apiKey}`, "content-type": "application/json" },
      body: JSON.stringify({ to: phone, channel: "sms" }),
    });
    const tenantVerification = (await started.json()) as { id: string; sendAttempts: number };
    expect(started.status).toBe(201);
    // A fresh verification of its own, not a resend of the login code.
    expect(tenantVerification.sendAttempts).toBe(1);
    for (let i = 0; i < 5; i++) {
      await fetch(`${inject("apiUrl")}/v1/verifications/${tenantVerification.id}/checks`, {
        method: "POST",
        headers: { authorization: `Bearer ${apiKey}`, "content-type": "application/json" },
        body: JSON.stringify({ code: loginCode === "000000" ? "111111" : "000000" }),
      });
    }
    const done = await client.call("POST", "/v1/auth/mfa", {
      body: { challengeId: challenge.body.challengeId, code: loginCode, method: "sms" },
    });
    expect(done.status, JSON.stringify(done.body)).toBe(200);
  });
});
