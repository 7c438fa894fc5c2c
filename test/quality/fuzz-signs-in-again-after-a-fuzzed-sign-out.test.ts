import { describe, expect, it } from "vitest";
import { buildOpenApi, DEFAULT_INFO, deployed } from "../../functions/docs/openapi.ts";
import { loadRouteTables } from "../../functions/docs/route-tables.ts";
import { catalog } from "../../lib/catalog/index.ts";
import { loginToken, runFuzz } from "../../tools/quality/fuzz-runner.ts";
import { usePlatform } from "./platform-under-test.ts";

const platform = usePlatform({ ownAccount: true });

/** The deployed document cut down to a sign-out and one route that needs the signed-in user. */
async function signOutAndMeSpec(): Promise<Record<string, unknown>> {
  const { tables } = await loadRouteTables(catalog);
  const spec = buildOpenApi(catalog.routes, tables, DEFAULT_INFO, deployed) as {
    paths: Record<string, unknown>;
  };
  const keep = ["/v1/auth/logout", "/v1/account/me"];
  for (const path of keep) expect(spec.paths[path], `${path} is in the document`).toBeDefined();
  return { ...spec, paths: Object.fromEntries(keep.map((path) => [path, spec.paths[path]])) };
}

describe("the fuzz keeps testing the account routes after it signed its own user out", () => {
  it("signs in again after a successful POST /v1/auth/logout, so later requests with the session are not all 401", async () => {
    const { apiUrl, apiKey, email, password } = platform();
    const signIn = () => loginToken(apiUrl, email, password);
    const accessToken = await signIn();
    expect(accessToken, "the account's user signs in").toBeDefined();
    const session = `Bearer ${accessToken}`;
    let signedOut = false;
    const meAfterSignOut: number[] = [];
    const report = await runFuzz({
      apiUrl,
      apiKey,
      ...(accessToken ? { accessToken } : {}),
      renewAccessToken: signIn,
      spec: await signOutAndMeSpec(),
      count: 80,
      seed: 20261201,
      // One at a time: "after the sign-out" is then the order the requests were sent in.
      concurrency: 1,
      extraChecks: (request, res) => {
        const withSession = request.headers.Authorization === session;
        if (withSession && request.target === "POST /v1/auth/logout" && res.status < 300) signedOut = true;
        else if (withSession && signedOut && request.target === "GET /v1/account/me")
          meAfterSignOut.push(res.status);
        return [];
      },
    });
    expect(signedOut, "the seeded run signs the user out").toBe(true);
    expect(report.sessionRenewals).toBeGreaterThan(0);
    expect(meAfterSignOut.length).toBeGreaterThan(0);
    // Without the renewal every one of these was a 401 ("The session has ended; sign in again").
    expect(meAfterSignOut.filter((status) => status === 200).length).toBeGreaterThan(0);
  }, 120_000);
});
