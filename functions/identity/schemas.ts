import { isIP } from "node:net";
import * as z from "zod";
import { apiKeyView } from "../auth/api-key-view.ts";
import { isSmsCapableE164 } from "../messages/phone.ts";
import { idPattern } from "../shared/ids.ts";
import { apiKeyScopes, roles } from "../shared/principal.ts";

/** Request and response schemas of the identity routes (also feed the OpenAPI document). */
const email = z.email().max(254);
// Login accepts anything a user may have set; the 128-character policy applies when setting one.
const anyPassword = z.string().min(1).max(1024);

const deviceToken = z
  .string()
  .max(128)
  .describe(
    "Device token from an earlier sign-in on this client. Sign-in attempts that present it are throttled per device, not by the account-wide back-off that failed attempts from elsewhere build up.",
  );

export const loginBody = z.strictObject({
  email,
  password: anyPassword,
  deviceToken: deviceToken.optional(),
});
export const mfaBody = z.strictObject({
  challengeId: z.string().regex(/^mfa_[A-Za-z0-9_-]{43}$/, "not a challenge id"),
  code: z.string().min(6).max(32),
  method: z.enum(["totp", "sms", "recovery"]).optional(),
});
export const mfaSmsBody = z.strictObject({ challengeId: mfaBody.shape.challengeId });
export const refreshBody = z.strictObject({ refreshToken: z.string().min(1).max(128) });

export const passwordChangeBody = z.strictObject({ currentPassword: anyPassword, newPassword: anyPassword });
/** Step-up proof: the current password, or a current TOTP or recovery code. */
export const reauthBody = z
  .union([
    z.strictObject({ password: anyPassword }),
    z.strictObject({
      code: z.string().min(6).max(32),
      method: z.enum(["totp", "recovery"]).optional(),
    }),
  ])
  .describe("The current password, or a current authenticator (TOTP) or recovery code");
export const reauthResponse = z.object({
  reauthenticatedAt: z.string(),
  freshUntil: z.string().describe("Second factors can be changed with this session until then"),
});
export const mfaMethodParams = z.strictObject({ method: z.enum(["totp", "sms"]) });
export const secondFactorRemoved = z.object({
  removed: z.literal(true),
  mfa: z.object({ totp: z.boolean(), sms: z.boolean() }),
});
export const inviteBody = z.strictObject({ email, role: z.enum(roles) });
/** What the inviter gets back: never the token, which only the invited address receives. */
export const inviteResponse = z.object({
  invitationId: z.string(),
  email: z.string(),
  role: z.enum(roles),
  expiresAt: z.string(),
});
export const invitationView = z.object({
  invitationId: z.string(),
  email: z.string(),
  role: z.enum(roles),
  invitedBy: z.string(),
  createdAt: z.string(),
  expiresAt: z.string(),
});
export const invitationList = z.object({ invitations: z.array(invitationView) });
export const invitationParams = z.strictObject({
  invitationId: z.string().regex(idPattern("inv"), "not an invitation id"),
});
export const acceptInvitationBody = z.strictObject({
  token: z.string().min(1).max(128),
  password: anyPassword,
});
export const userParams = z.strictObject({ userId: z.string().regex(idPattern("usr"), "not a user id") });
export const userPatchBody = z
  .strictObject({ role: z.enum(roles).optional(), status: z.enum(["active", "disabled"]).optional() })
  .refine((body) => body.role !== undefined || body.status !== undefined, "give role and/or status");

const cidr = z.string().refine((value) => {
  const [address = "", bits, ...rest] = value.split("/");
  const family = isIP(address);
  if (family === 0 || rest.length > 0) return false;
  if (bits === undefined) return true;
  const n = Number(bits);
  return /^\d{1,3}$/.test(bits) && n >= 0 && n <= (family === 4 ? 32 : 128);
}, "not an IP address or CIDR range");

export const keyCreateBody = z.strictObject({
  name: z.string().trim().min(1).max(64),
  scopes: z.array(z.enum(apiKeyScopes)).min(1).max(apiKeyScopes.length),
  ipAllowList: z.array(cidr).max(20).optional(),
  mode: z.enum(["live", "test"]).optional(),
});
export const keyParams = z.strictObject({ keyId: z.string().regex(idPattern("key"), "not an API key id") });

export const totpConfirmBody = z.strictObject({ code: z.string().regex(/^\d{6}$/, "6 digits") });
export const smsStartBody = z.strictObject({
  phone: z
    .string()
    // The send path's own check (max metadata, SMS-capable types): the enrolment code goes out as an
    // SMS, so a number it would refuse is refused here, and the bundle carries one metadata set, not two.
    .refine(
      (value) => /^\+[1-9]\d{6,14}$/.test(value) && isSmsCapableE164(value),
      "E.164 number that can receive SMS",
    ),
});
export const smsConfirmBody = z.strictObject({ code: z.string().regex(/^\d{4,10}$/, "4-10 digits") });

export const tokenPairResponse = z.object({
  tokenType: z.literal("Bearer"),
  token: z.string(),
  expiresAt: z.string(),
  refreshToken: z.string(),
  refreshExpiresAt: z.string(),
  deviceToken: z
    .string()
    .optional()
    .describe("Issued at sign-in when the client presented none; keep it and send it with later logins"),
});
export const mfaRequiredResponse = z.object({
  mfaRequired: z.literal(true),
  challengeId: z.string(),
  methods: z.array(z.enum(["totp", "sms", "recovery"])),
  expiresAt: z.string(),
});
export const userView = z.object({
  userId: z.string(),
  email: z.string(),
  role: z.enum(roles),
  status: z.enum(["active", "disabled", "locked"]),
  createdAt: z.string(),
  mfa: z.object({ totp: z.boolean(), sms: z.boolean(), recoveryCodesLeft: z.number() }),
});
/** GET /v1/account/me: the signed-in user and the account they act in. */
export const meView = userView.extend({ accountId: z.string() });
export const userList = z.object({ users: z.array(userView) });

export { apiKeyView };
export const apiKeyList = z.object({ apiKeys: z.array(apiKeyView) });
/** Create and rotate: the only responses that carry the secret. */
export const createdApiKey = apiKeyView.extend({
  key: z.string().describe("The API key itself; shown once, store it now"),
});

export const acceptedInvitation = z.object({
  userId: z.string(),
  accountId: z.string(),
  email: z.string(),
  role: z.enum(roles),
});

export const totpEnrolment = z.object({
  otpauthUri: z.string().describe("otpauth:// URI for an authenticator app (QR code)"),
  secret: z.string().describe("The same secret in base32, for manual entry"),
});
export const secondFactorEnabled = z.object({
  enabled: z.literal(true),
  recoveryCodes: z
    .array(z.string())
    .optional()
    .describe("Given with the first second factor only; shown once"),
});
export const smsEnrolmentStarted = z.object({
  to: z.string().describe("Masked number, last 3 digits"),
  status: z.literal("pending"),
});
export const recoveryCodes = z.object({ recoveryCodes: z.array(z.string()).describe("Shown once") });
export const passwordChanged = z.object({
  changed: z.literal(true),
  sessionsEnded: z.int().describe("Other sessions that were signed out"),
});
export const mfaSmsSent = z.object({ sent: z.literal(true) });
