import { Metrics } from "@aws-lambda-powertools/metrics";
import { afterEach, describe, expect, it, vi } from "vitest";
import { powertoolsVerifyMetrics } from "../../functions/verify/metrics.ts";

/** EMF lines Powertools writes to stdout. */
function captureEmf(run: () => void): Record<string, unknown>[] {
  const lines: string[] = [];
  const spy = vi.spyOn(process.stdout, "write").mockImplementation((chunk: string | Uint8Array) => {
    lines.push(String(chunk));
    return true;
  });
  try {
    run();
  } finally {
    spy.mockRestore();
  }
  return lines
    .flatMap((line) => line.split("\n"))
    .filter((line) => line.includes('"_aws"'))
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

describe("verify metrics (EMF)", () => {
  afterEach(() => vi.restoreAllMocks());

  it("emits the conversion rate per country and the low-conversion alert metric", () => {
    const metrics = powertoolsVerifyMetrics(new Metrics({ namespace: "Textgate", serviceName: "verify" }));
    const emitted = captureEmf(() => metrics.conversion("EE", 0.314, true));
    expect(emitted).toEqual([
      expect.objectContaining({ Country: "EE", VerifyConversionRate: 31.4 }),
      expect.objectContaining({ Country: "EE", VerifyConversionLow: 1 }),
      // The all-countries copy the CloudWatch alarm watches (service dimension only).
      expect.not.objectContaining({ Country: expect.anything() }),
    ]);
    const total = emitted[2] as { VerifyConversionLow?: number; service?: string };
    expect(total).toMatchObject({ VerifyConversionLow: 1, service: "verify" });
    const first = emitted[0] as {
      _aws: { CloudWatchMetrics: { Namespace: string; Dimensions: string[][] }[] };
    };
    expect(first._aws.CloudWatchMetrics[0]?.Namespace).toBe("Textgate");
    expect(first._aws.CloudWatchMetrics[0]?.Dimensions[0]).toContain("Country");
  });

  it("emits a blocked count per country and one for all countries", () => {
    const metrics = powertoolsVerifyMetrics(new Metrics({ namespace: "Textgate", serviceName: "verify" }));
    const emitted = captureEmf(() => metrics.blocked("EE", "prefix-velocity"));
    expect(emitted).toHaveLength(2);
    expect(emitted[0]).toMatchObject({ Country: "EE", Reason: "prefix-velocity", VerifyBlocked: 1 });
    expect(emitted[1]).toMatchObject({ service: "verify", VerifyBlocked: 1 });
    expect(emitted[1]).not.toHaveProperty("Country");
  });

  it("emits no alert metric when conversion is healthy", () => {
    const metrics = powertoolsVerifyMetrics(new Metrics({ namespace: "Textgate", serviceName: "verify" }));
    const emitted = captureEmf(() => metrics.conversion("DE", 0.8, false));
    expect(emitted).toHaveLength(1);
    expect(emitted[0]).toMatchObject({ Country: "DE", VerifyConversionRate: 80 });
  });
});
