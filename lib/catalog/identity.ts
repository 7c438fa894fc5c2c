import type { FunctionSpec, RouteSpec } from "./types.ts";

/** Identity and access: login with 2FA, tokens, users, invitations, API keys. Data lives in `accounts`. */
export const identityFunctions: readonly FunctionSpec[] = [];

export const identityRoutes: readonly RouteSpec[] = [];
