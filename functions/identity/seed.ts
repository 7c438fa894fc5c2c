import { randomBytes } from "node:crypto";
import { createApiKey } from "../auth/api-keys.ts";
import { systemClock } from "../shared/clock.ts";
import { bootstrapRootSecret } from "../shared/secrets.ts";
import { createAccountWithOwner } from "./accounts.ts";
import { hashPassword } from "./passwords.ts";

export interface DemoAccount {
  readonly accountId: string;
  readonly apiKey: string;
  readonly email: string;
  readonly password: string;
}

/**
 * The demo account of the local platform (never deployed): an owner user with a random strong
 * password and an API key with every scope. Each call makes a fresh one.
 */
export async function seedDemoAccount(opts: { email?: string } = {}): Promise<DemoAccount> {
  await bootstrapRootSecret();
  // Emails are unique platform-wide; a persisted platform gets a new demo account per start.
  const email = opts.email ?? `demo+${randomBytes(4).toString("hex")}@textgate.local`;
  // 24 random bytes → 32 characters: long enough for the password policy without 2FA.
  const password = randomBytes(24).toString("base64url");
  const { account } = await createAccountWithOwner(
    {
      name: "Demo account",
      allowedCountries: ["EE", "LV", "LT", "FI", "DE", "GB", "US"],
      owner: { email, role: "owner", passwordHash: await hashPassword(password) },
    },
    systemClock,
  );
  const { key } = await createApiKey(
    { accountId: account.accountId, name: "demo", scopes: ["send", "verify", "read"], mode: "test" },
    systemClock,
  );
  return { accountId: account.accountId, apiKey: key, email, password };
}
