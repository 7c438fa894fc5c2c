import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { CarrierConfigError, parseCarriers, readCarriersFile } from "../../local/carrier-config.ts";

/** The carriers file of `npm start -- --carriers <file>`. Pure: TEXTGATE_TEST_PLATFORM=0. */
const env = { SMSC_PASSWORD: "s3cret", HTTP_TOKEN: "tok", HTTP_DLR_SECRET: "whsec_abc" };
const dir = mkdtempSync(join(tmpdir(), "textgate-carriers-"));
writeFileSync(join(dir, "ca.pem"), "-----BEGIN CERTIFICATE-----\n");

const smpp = {
  id: "ee-smsc",
  type: "smpp",
  host: "smsc.example.net",
  port: 3550,
  systemId: "textgate",
  passwordEnv: "SMSC_PASSWORD",
  prefixes: ["+372"],
};
const http = {
  id: "http-carrier",
  type: "http",
  host: "api.carrier.example",
  port: 443,
  passwordEnv: "HTTP_TOKEN",
  dlrSecretEnv: "HTTP_DLR_SECRET",
  prefixes: ["+49"],
};
const awsSms = { id: "aws", type: "aws-sms", prefixes: ["+1"], configurationSetName: "textgate-prod-sms" };

const parse = (carriers: unknown[], withEnv: Record<string, string> = env) =>
  parseCarriers(JSON.stringify({ carriers }), { env: withEnv, baseDir: dir });

const problem = (carriers: unknown[], withEnv?: Record<string, string>): string => {
  try {
    parse(carriers, withEnv);
  } catch (error) {
    expect(error).toBeInstanceOf(CarrierConfigError);
    return (error as Error).message;
  }
  throw new Error("expected the file to be refused");
};

describe("carriers file", () => {
  it("parses every type with TLS on by default and secrets read from the named variables", () => {
    const [parsedSmpp, parsedHttp, parsedAws] = parse([{ ...smpp, caFile: "ca.pem" }, http, awsSms]);
    expect(parsedSmpp).toMatchObject({
      type: "smpp",
      tls: true,
      allowPlaintext: false,
      password: "s3cret",
      windowSize: 10,
    });
    expect(parsedHttp).toMatchObject({ type: "http", tls: true, password: "tok", dlrSecret: "whsec_abc" });
    expect(parsedAws).toEqual(awsSms);
  });

  it("allows plaintext only when the entry says allowPlaintext", () => {
    expect(parse([{ ...smpp, tls: false, allowPlaintext: true }])[0]).toMatchObject({ tls: false });
    expect(problem([{ ...smpp, tls: false }])).toBe(
      'carrier "ee-smsc": plaintext (tls: false) is refused unless the entry says "allowPlaintext": true',
    );
  });

  it("refuses an unknown field, naming the carrier and the field", () => {
    expect(problem([http, { ...smpp, password: "inline" }])).toBe(
      'carrier "ee-smsc": unknown field "password"',
    );
    // A field of another type is unknown here too (fields per type).
    expect(problem([{ ...awsSms, host: "x" }])).toBe('carrier "aws": unknown field "host"');
  });

  it("refuses a missing secret without printing any secret", () => {
    const line = problem([smpp], { HTTP_TOKEN: "tok" });
    expect(line).toBe('carrier "ee-smsc": secret SMSC_PASSWORD is not set in the environment');
  });

  it("names the problem field, a bad type, a missing CA file and a duplicate id, each in one line", () => {
    expect(problem([{ ...smpp, port: 70000 }])).toMatch(/^carrier "ee-smsc": port: /);
    expect(problem([{ ...smpp, type: "carrier-pigeon" }])).toMatch(/^carrier "ee-smsc": /);
    expect(problem([{ ...smpp, caFile: "missing.pem" }])).toBe(
      'carrier "ee-smsc": caFile missing.pem does not exist',
    );
    expect(problem([smpp, smpp])).toBe('carrier "ee-smsc": id is used twice');
    expect(problem([{ ...smpp, id: "Bad Id!" }])).toMatch(/^carrier "Bad Id!": id: /);
    for (const line of [problem([{ ...smpp, port: "x" }]), problem([{}])]) expect(line).not.toContain("\n");
  });

  it("reports an unreadable or non-JSON file in one line", () => {
    expect(() => readCarriersFile(join(dir, "nope.json"))).toThrow(/cannot be read/);
    writeFileSync(join(dir, "bad.json"), "{carriers: [");
    expect(() => readCarriersFile(join(dir, "bad.json"))).toThrow(/^carriers file is not JSON/);
  });
});
