import { randomInt } from "node:crypto";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { catalog } from "../../lib/catalog/index.ts";
import { demoAccount, useLocalPlatformEnv } from "../support/env.ts";
import { invitationTokenFor } from "../support/mail.ts";
import {
  type ApiClient,
  apiClient,
  codeSentTo,
  login,
  strongPassword,
  totpCode,
  uniqueEmail,
} from "./client.ts";

/**
 * Runs every identity flow through a gateway started in THIS process (same functions, same
 * emulators as the shared platform) with logging at DEBUG, captures every line the functions write,
 * and scans it for each password, code, token and key the flows used.
 */
useLocalPlatformEnv();
for (const fn of catalog.functions) Object.assign(process.env, fn.environment ?? {});
process.env.LOG_LEVEL = "DEBUG";
process.env.POWERTOOLS_LOG_LEVEL = "DEBUG";

const captured: string[] = [];
const secrets = new Map<string, string>();
const remember = (label: string, value: unknown) => {
  if (typeof value === "string" && value.length >= 6) secrets.set(value, label);
};

let stopGateway: (() => Promise<void>) | undefined;
let client: ApiClient;
const restore: (() => void)[] = [];

function capture(stream: NodeJS.WriteStream): void {
  const original = stream.write.bind(stream);
  stream.write = ((chunk: string | Uint8Array, ...rest: unknown[]) => {
    captured.push(typeof chunk === "string" ? chunk : Buffer.from(chunk).toString("utf8"));
    return (original as (...args: unknown[]) => boolean)(chunk, ...rest);
  }) as typeof stream.write;
  restore.push(() => {
    stream.write = original as typeof stream.write;
  });
}

function captureConsole(): void {
  for (const method of ["log", "info", "warn", "error", "debug"] as const) {
    const original = console[method];
    console[method] = (...args: unknown[]) => {
      captured.push(args.map((a) => (typeof a === "string" ? a : JSON.stringify(a))).join(" "));
      original(...args);
    };
    restore.push(() => {
      console[method] = original;
    });
  }
}

beforeAll(async () => {
  capture(process.stdout);
  capture(process.stderr);
  captureConsole();
  const { startApiGateway } = await import("../../local/api-gateway.ts");
  const gateway = await startApiGateway({ stage: inject("platformEnv").TEXTGATE_STAGE ?? "local", port: 0 });
  stopGateway = () => gateway.stop();
  client = apiClient(gateway.url);
});

afterAll(async () => {
  await stopGateway?.();
  for (const undo of restore.splice(0)) undo();
});

describe("logs", () => {
  it("never contain a password, code, token or key", async () => {
    const demo = demoAccount();
    remember("demo password", demo.password);
    remember("demo API key", demo.apiKey);

    // Owner login, a failed login, invitation with a weak then a good password.
    const owner = (await login(client, demo.email, demo.password)).body;
    remember("owner access token", owner.token);
    remember("owner refresh token", owner.refreshToken);
    remember("wrong password", "Wrong-Password-For-Logs-1");
    await login(client, demo.email, "Wrong-Password-For-Logs-1");
    await login(client, uniqueEmail("ghost"), "Ghost-Password-For-Logs-2");
    remember("unknown-user password", "Ghost-Password-For-Logs-2");

    const email = uniqueEmail("logged");
    const invite = await client.call("POST", "/v1/account/invitations", {
      token: owner.token,
      body: { email, role: "developer" },
    });
    expect(invite.body.token).toBeUndefined();
    const invitationToken = await invitationTokenFor(email);
    remember("invitation token", invitationToken);
    remember("weak password", "password123456");
    await client.call("POST", "/v1/account/invitations/accept", {
      body: { token: invitationToken, password: "password123456" },
    });
    const password = strongPassword();
    remember("user password", password);
    await client.call("POST", "/v1/account/invitations/accept", {
      body: { token: invitationToken, password },
    });

    // TOTP enrolment and an MFA login (wrong code, right code), recovery code.
    const first = (await login(client, email, password)).body;
    remember("user token", first.token);
    remember("user refresh token", first.refreshToken);
    const enrol = await client.call("POST", "/v1/account/mfa/totp", { token: first.token });
    remember("TOTP secret", enrol.body.secret);
    remember("otpauth URI", enrol.body.otpauthUri);
    const now = Date.now();
    const enrolCode = totpCode(enrol.body.secret, now);
    remember("TOTP enrolment code", enrolCode);
    const confirmed = await client.call("POST", "/v1/account/mfa/totp/confirm", {
      token: first.token,
      body: { code: enrolCode },
    });
    for (const code of confirmed.body.recoveryCodes ?? []) remember("recovery code", code);
    const challenge = (await login(client, email, password)).body;
    remember("challenge id", challenge.challengeId);
    await client.call("POST", "/v1/auth/mfa", {
      body: { challengeId: challenge.challengeId, code: "123450" },
    });
    const loginCode = totpCode(enrol.body.secret, now + 30_000);
    remember("TOTP login code", loginCode);
    const mfa = (
      await client.call("POST", "/v1/auth/mfa", {
        body: { challengeId: challenge.challengeId, code: loginCode },
      })
    ).body;
    remember("mfa token", mfa.token);
    remember("mfa refresh token", mfa.refreshToken);
    const viaRecovery = (await login(client, email, password)).body;
    await client.call("POST", "/v1/auth/mfa", {
      body: { challengeId: viaRecovery.challengeId, code: confirmed.body.recoveryCodes[0] },
    });

    // SMS enrolment through Verify: the phone number and the code must not appear either.
    const phone = `+3725${String(randomInt(0, 10_000_000)).padStart(7, "0")}`;
    remember("phone number", phone);
    remember("phone digits", phone.slice(1));
    await client.call("POST", "/v1/account/mfa/sms", { token: mfa.token, body: { phone } });
    const smsCode = await codeSentTo(phone);
    remember("SMS code", smsCode);
    await client.call("POST", "/v1/account/mfa/sms/confirm", { token: mfa.token, body: { code: smsCode } });

    // Password change: a wrong current password, then a real change.
    const newPassword = strongPassword();
    remember("new password", newPassword);
    await client.call("POST", "/v1/account/password", {
      token: mfa.token,
      body: { currentPassword: "Wrong-Current-Password-3", newPassword },
    });
    remember("wrong current password", "Wrong-Current-Password-3");
    await client.call("POST", "/v1/account/password", {
      token: mfa.token,
      body: { currentPassword: password, newPassword },
    });

    // Refresh, replay, API keys, logout.
    const refreshed = (
      await client.call("POST", "/v1/auth/refresh", { body: { refreshToken: mfa.refreshToken } })
    ).body;
    remember("rotated refresh token", refreshed.refreshToken);
    remember("rotated access token", refreshed.token);
    await client.call("POST", "/v1/auth/refresh", { body: { refreshToken: mfa.refreshToken } });
    const key = (
      await client.call("POST", "/v1/account/api-keys", {
        token: owner.token,
        body: { name: "log test", scopes: ["read"] },
      })
    ).body;
    remember("new API key", key.key);
    const rotated = (
      await client.call("POST", `/v1/account/api-keys/${key.keyId}/rotate`, { token: owner.token })
    ).body;
    remember("rotated API key", rotated.key);
    await client.call("GET", "/v1/messages/msg_01ARZ3NDEKTSV4RRFFQ69G5FAV", { token: rotated.key });
    await client.call("GET", "/v1/account/me", { token: `${owner.token.slice(0, -4)}AAAA` });
    await client.call("POST", "/v1/auth/logout", { token: owner.token });

    const text = captured.join("\n");
    // The capture works: the functions did log these requests.
    expect(text).toContain("request handled");
    expect(text).toContain("login failed");
    for (const [value, label] of secrets) {
      expect(text.includes(value), `${label} appears in the logs`).toBe(false);
    }
    expect(text).not.toMatch(/eyJ[A-Za-z0-9_-]{10,}\.eyJ/);
    expect(text).not.toMatch(/tg_(live|test)_[A-Za-z0-9_-]{20,}/);
    expect(text).not.toMatch(/tg[ri]_[A-Za-z0-9_-]{20,}/);
    expect(text).not.toMatch(/mfa_[A-Za-z0-9_-]{20,}/);
    expect(text).not.toMatch(/scrypt\$/);
  });
});
