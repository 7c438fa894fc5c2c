import { describe, expect, it } from "vitest";
import type { CarrierRoute } from "../../functions/carriers/model.ts";
import { carrierRouteOf } from "../../functions/carriers/stored-route.ts";

import { expectMalformedItem } from "../support/stored-items.ts";

/**
 * A carrier record read back from the accounts table becomes a CarrierRoute by a parse (pure:
 * TEXTGATE_TEST_PLATFORM=0): sealed secrets and keys stay behind, records from before the AWS SMS
 * and quality settings read, and a malformed record fails with table and field, never the value.
 */
const PHONE_LIKE = "+37255512345";

const fullRoute: CarrierRoute = {
  carrierId: "ee-aws",
  name: "Estonia via AWS",
  protocol: "aws-sms",
  baseUrl: "https://sms-voice.example.com",
  tls: true,
  prefixes: ["+372", "+371"],
  priority: 10,
  weight: 3,
  enabled: true,
  dlrUrl: "https://api.example.com/v1/carriers/ee-aws/dlr",
  awsSms: {
    originationIdentity: "pool-1",
    configurationSetName: "textgate",
    maxPricePerSegment: "0.05",
    dryRun: false,
  },
  agreedDeliveryRate: 0.95,
  qualityProbe: { accountId: "acc_01JABCDEFGHJKMNPQRSTVWXYZ0", testNumbers: ["+37250000001"] },
};

const stored = (route: { readonly carrierId: string }): Record<string, unknown> => ({
  pk: "CARRIER",
  sk: route.carrierId,
  ...route,
  apiTokenCipher: "sealed-token",
  dlrSecretCipher: "sealed-secret",
  updatedAt: new Date().toISOString(),
});

/** An HTTP carrier as the first version stored it: no AWS SMS, quality or DLR URL settings. */
const oldRoute = {
  carrierId: "sim",
  name: "Local carrier simulator",
  protocol: "http",
  baseUrl: "http://127.0.0.1:4010",
  tls: false,
  prefixes: [""],
  priority: 100,
  weight: 1,
  enabled: true,
};

describe("stored carrier route mapping", () => {
  it("maps every route field and leaves the sealed secrets and keys behind", () => {
    expect(carrierRouteOf(stored(fullRoute))).toStrictEqual(fullRoute);
  });

  it("reads a record from before AWS SMS routes, carrier quality and DLR URLs", () => {
    expect(carrierRouteOf(stored(oldRoute))).toStrictEqual(oldRoute);
  });

  it.each([
    ["a priority of another type", { priority: PHONE_LIKE }, "priority"],
    ["an unknown protocol", { protocol: PHONE_LIKE }, "protocol"],
    ["a required field missing", { tls: undefined }, "tls"],
    ["prefixes of another type", { prefixes: [37255512345] }, "prefixes.0"],
    [
      "a probe number of another type",
      { qualityProbe: { accountId: "acc_01JABCDEFGHJKMNPQRSTVWXYZ0", testNumbers: [37255512345] } },
      "qualityProbe.testNumbers.0",
    ],
    ["an id outside the carrier id rule", { carrierId: PHONE_LIKE }, "carrierId"],
  ])("refuses %s, naming the table and field but not the value", (_case, change, field) => {
    const item = { ...stored(fullRoute), ...change };
    expectMalformedItem(() => carrierRouteOf(item), { table: "accounts", field }, "37255512345");
  });
});
