import { afterEach, describe, expect, it } from "vitest";
import { carrierApiEntry } from "../../functions/carriers/entry-schema.ts";
import { apiEntryOf } from "../../tools/cli/carriers.ts";

/**
 * `textgate carriers add` turns a carriers-file entry into the operator API's entry: an http
 * carrier's secrets come from the variables the entry names, the DLR URL from the target's API URL;
 * an smpp entry loses its bind details (the connector's own configuration on a stage). What it sends
 * passes the API's schema. Pure: TEXTGATE_TEST_PLATFORM=0.
 */
const apiUrl = "https://api.textgate.example";
afterEach(() => {
  delete process.env.CLI_TEST_TOKEN;
  delete process.env.CLI_TEST_DLR;
});

describe("carriers add entry mapping", () => {
  it("resolves http secrets from the named variables and adds the DLR URL", () => {
    process.env.CLI_TEST_TOKEN = "token-value";
    process.env.CLI_TEST_DLR = "whsec_c2VjcmV0LXZhbHVlLTEyMw==";
    const entry = apiEntryOf(
      {
        id: "acme",
        type: "http",
        host: "sms.acme.example",
        port: 443,
        passwordEnv: "CLI_TEST_TOKEN",
        dlrSecretEnv: "CLI_TEST_DLR",
        prefixes: ["+49"],
        agreedDeliveryRate: 0.95,
      },
      apiUrl,
    );
    expect(entry).toEqual({
      id: "acme",
      type: "http",
      host: "sms.acme.example",
      port: 443,
      prefixes: ["+49"],
      agreedDeliveryRate: 0.95,
      apiToken: "token-value",
      dlrSecret: "whsec_c2VjcmV0LXZhbHVlLTEyMw==",
      dlrUrl: "https://api.textgate.example/v1/carriers/acme/dlr",
    });
    expect(carrierApiEntry.safeParse(entry).success).toBe(true);
  });

  it("leaves an smpp entry's bind details out and refuses a missing secret in one line", () => {
    const entry = apiEntryOf(
      {
        id: "ee-smsc",
        type: "smpp",
        host: "smsc.example.net",
        port: 3550,
        systemId: "textgate",
        passwordEnv: "SMSC_PASSWORD",
        windowSize: 10,
        tps: 50,
        caFile: "ca.pem",
        prefixes: ["+372"],
        tls: true,
      },
      apiUrl,
    );
    expect(entry).toEqual({ id: "ee-smsc", type: "smpp", prefixes: ["+372"], tls: true });
    expect(carrierApiEntry.safeParse(entry).success).toBe(true);
    expect(() =>
      apiEntryOf(
        { id: "acme", type: "http", passwordEnv: "CLI_TEST_TOKEN", dlrSecretEnv: "CLI_TEST_DLR" },
        apiUrl,
      ),
    ).toThrow("secret CLI_TEST_TOKEN (passwordEnv) is not set in the environment");
  });
});
