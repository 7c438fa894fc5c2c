import { describe, expect, it } from "vitest";
import { registrationOf } from "../../functions/carriers/entry-schema.ts";
import { CarrierConfigError, parseCarriers } from "../../local/carrier-config.ts";

/**
 * The carriers file takes the quality settings a carrier record has (agreedDeliveryRate, qualityProbe),
 * validated by the entry schema it shares with the operator API, and hands them on to the route.
 * Pure: TEXTGATE_TEST_PLATFORM=0.
 */
const env = { SMSC_PASSWORD: "s3cret" };
const account = "acc_01JABCDEFGHJKMNPQRSTVWXYZ0";
const smpp = {
  id: "ee-smsc",
  type: "smpp",
  host: "smsc.example.net",
  port: 3550,
  systemId: "textgate",
  passwordEnv: "SMSC_PASSWORD",
  prefixes: ["+372"],
};
const awsSms = { id: "aws", type: "aws-sms", prefixes: ["+1"] };

const parse = (carriers: unknown[]) => parseCarriers(JSON.stringify({ carriers }), { env, baseDir: "/" });
const problem = (carriers: unknown[]): string => {
  try {
    parse(carriers);
  } catch (error) {
    expect(error).toBeInstanceOf(CarrierConfigError);
    return (error as Error).message;
  }
  throw new Error("expected the file to be refused");
};

describe("carriers file quality settings", () => {
  it("accepts agreedDeliveryRate and qualityProbe and registers the route with them", () => {
    const probe = { accountId: account, testNumbers: ["+37250000001", "+37250000002"] };
    const [entry, aws] = parse([
      { ...smpp, agreedDeliveryRate: 0.97, qualityProbe: probe },
      { ...awsSms, agreedDeliveryRate: 1 },
    ]);
    expect(entry).toMatchObject({ agreedDeliveryRate: 0.97, qualityProbe: probe });
    if (entry?.type !== "smpp" || aws?.type !== "aws-sms") throw new Error("types");
    expect(registrationOf(entry)).toMatchObject({
      carrierId: "ee-smsc",
      protocol: "smpp",
      agreedDeliveryRate: 0.97,
      qualityProbe: probe,
    });
    expect(registrationOf(aws)).toMatchObject({ protocol: "aws-sms", agreedDeliveryRate: 1 });
  });

  it("refuses bad values in one line naming the carrier and the field", () => {
    expect(problem([{ ...smpp, agreedDeliveryRate: 0 }])).toBe(
      'carrier "ee-smsc": agreedDeliveryRate: must be above 0',
    );
    expect(problem([{ ...awsSms, agreedDeliveryRate: 1.5 }])).toBe(
      'carrier "aws": agreedDeliveryRate: must be at most 1',
    );
    expect(problem([{ ...smpp, qualityProbe: { accountId: "acme", testNumbers: ["+37250000001"] } }])).toBe(
      'carrier "ee-smsc": qualityProbe.accountId: must be an account id (acc_…)',
    );
    expect(problem([{ ...smpp, qualityProbe: { accountId: account, testNumbers: ["5550001"] } }])).toBe(
      'carrier "ee-smsc": qualityProbe.testNumbers.0: must be an E.164 number like +37250000001',
    );
    expect(problem([{ ...smpp, qualityProbe: { accountId: account, testNumbers: [] } }])).toMatch(
      /^carrier "ee-smsc": qualityProbe\.testNumbers: /,
    );
    const line = problem([{ ...awsSms, qualityProbe: { accountId: account, numbers: ["+37250000001"] } }]);
    expect(line).toMatch(/^carrier "aws": /);
    expect(line.split("\n")).toHaveLength(1);
  });
});
