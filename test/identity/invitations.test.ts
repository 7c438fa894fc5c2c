import { UpdateCommand } from "@aws-sdk/lib-dynamodb";
import { beforeAll, describe, expect, it } from "vitest";
import { dynamoClient } from "../../functions/shared/aws.ts";
import { hasher } from "../../functions/shared/secrets.ts";
import { demoAccount, useLocalPlatformEnv } from "../support/env.ts";
import { invitationTokenFor, mailTo } from "../support/mail.ts";
import { apiClient, signIn, strongPassword, uniqueEmail } from "./client.ts";

useLocalPlatformEnv();

/**
 * Invitations: single use, 72 h, re-invite revokes the previous token, password policy applies.
 * The token reaches only the invited address (read here from the local mail outbox).
 */
const client = apiClient();
let ownerToken: string;

beforeAll(async () => {
  const demo = demoAccount();
  ownerToken = (await signIn(client, demo.email, demo.password)).token;
});

const invite = (email: string, role = "developer") =>
  client.call("POST", "/v1/account/invitations", { token: ownerToken, body: { email, role } });
const accept = (token: string, password: string) =>
  client.call("POST", "/v1/account/invitations/accept", { body: { token, password } });

describe("invitations", () => {
  it("expire after 72 hours and are accepted once", async () => {
    const email = uniqueEmail("invitee");
    const sent = await invite(email);
    expect(sent.status).toBe(201);
    const hours = (Date.parse(sent.body.expiresAt) - Date.now()) / 3_600_000;
    expect(hours).toBeGreaterThan(71.9);
    expect(hours).toBeLessThanOrEqual(72);

    const token = await invitationTokenFor(email);
    const password = strongPassword();
    const first = await accept(token, password);
    expect(first.status, JSON.stringify(first.body)).toBe(201);
    expect(first.body).toMatchObject({ email, role: "developer" });
    const second = await accept(token, strongPassword());
    expect(second.status).toBe(401);
    // The first password stands.
    await signIn(client, email, password);
  });

  it("a re-invite revokes the previous token", async () => {
    const email = uniqueEmail("reinvite");
    await invite(email, "viewer");
    const oldToken = await invitationTokenFor(email, 1);
    await invite(email, "billing");
    const freshToken = await invitationTokenFor(email, 2);
    expect(freshToken).not.toBe(oldToken);
    expect((await accept(oldToken, strongPassword())).status).toBe(401);
    const ok = await accept(freshToken, strongPassword());
    expect(ok.status).toBe(201);
    expect(ok.body.role).toBe("billing");
  });

  it("an expired invitation is refused even before TTL removes it", async () => {
    const email = uniqueEmail("expired");
    await invite(email);
    const token = await invitationTokenFor(email);
    const tokenHash = await hasher().hmac("invitation", token);
    // Move the expiry into the past (DynamoDB deletes expired items late; reads must filter).
    await dynamoClient().send(
      new UpdateCommand({
        TableName: process.env.TABLE_ACCOUNTS,
        Key: { pk: `INVITATION#${tokenHash}`, sk: "TOKEN" },
        UpdateExpression: "SET expiresAt = :past",
        ExpressionAttributeValues: { ":past": Math.floor(Date.now() / 1000) - 1 },
      }),
    );
    expect((await accept(token, strongPassword())).status).toBe(401);
  });

  it("unknown and malformed tokens are refused alike", async () => {
    const unknown = await accept(`tgi_${"A".repeat(43)}`, strongPassword());
    const malformed = await accept("nope", strongPassword());
    expect(unknown.status).toBe(401);
    expect(malformed.status).toBe(401);
    expect(unknown.body.detail).toBe(malformed.body.detail);
  });

  it("guessing tokens from one address meets back-off (429 + Retry-After)", async () => {
    const guesser = apiClient();
    let last = await guesser.call("POST", "/v1/account/invitations/accept", {
      body: { token: `tgi_${"B".repeat(43)}`, password: strongPassword() },
    });
    for (let i = 0; i < 16 && last.status !== 429; i++) {
      last = await guesser.call("POST", "/v1/account/invitations/accept", {
        body: { token: `tgi_${String(i).padStart(43, "C")}`, password: strongPassword() },
      });
    }
    expect(last.status).toBe(429);
    expect(Number(last.headers["retry-after"])).toBeGreaterThanOrEqual(1);
  });

  it("an address that already signs in cannot become a second user (told only to its mailbox)", async () => {
    const email = demoAccount().email;
    const before = (await mailTo(email)).length;
    const sent = await invite(email);
    expect(sent.status).toBe(201);
    const token = await invitationTokenFor(email, before + 1);
    const reply = await accept(token, strongPassword());
    expect(reply.status).toBe(409);
    expect(reply.body.detail).toMatch(/already signs in/);
  });
});

describe("password policy at acceptance", () => {
  it("rejects weak passwords with a reason, and the invitation stays usable", async () => {
    const email = uniqueEmail("weakling");
    await invite(email);
    const token = await invitationTokenFor(email);
    const cases: [string, RegExp][] = [
      ["short-but-ok1", /at least 15 characters/],
      ["passwordpassword", /commonly used|too easy/],
      ["1234567890123456", /commonly used|too easy/],
      [`${email.split("@")[0]}-and-more-words`, /email address/],
      ["x".repeat(129), /at most 128/],
    ];
    for (const [password, reason] of cases) {
      const reply = await accept(token, password);
      expect(reply.status, password).toBe(400);
      expect(reply.headers["content-type"]).toContain("application/problem+json");
      const messages = (reply.body.errors as { field: string; message: string }[])
        .map((e) => e.message)
        .join(" ");
      expect(reply.body.errors[0].field).toBe("password");
      expect(messages, password).toMatch(reason);
      expect(reply.body.passwordFeedback).toHaveProperty("score");
    }
    // Passphrases pass: length, no composition rules.
    expect((await accept(token, "blue kettle quietly hums at noon")).status).toBe(201);
  });
});
