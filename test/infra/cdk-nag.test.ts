import { Validations } from "aws-cdk-lib";
import * as sns from "aws-cdk-lib/aws-sns";
import { NagPack } from "cdk-nag";
import type { IConstruct } from "constructs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { nagPacks } from "../../lib/nag.ts";
import { nagViolations, type Synthesized, synthStack } from "./synth.ts";

let synth: Synthesized;
beforeAll(() => {
  synth = synthStack();
});

interface Ack {
  readonly path: string;
  readonly id: string;
  readonly reason: string;
}

/** Every acknowledgment recorded in the tree (cdk-nag v3 reads these through CDK Validations). */
function acknowledgments(root: IConstruct): Ack[] {
  return root.node.findAll().flatMap((construct) =>
    construct.node.metadata
      .filter((entry) => entry.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY && entry.data)
      .flatMap((entry) =>
        Object.entries(entry.data as Record<string, unknown>).map(([id, value]) => ({
          path: construct.node.path,
          id: id.replace(/^annotation::/i, ""),
          reason: typeof value === "string" ? value : JSON.stringify(value),
        })),
      ),
  );
}

describe("cdk-nag (AwsSolutions + Serverless)", () => {
  it("reports no unacknowledged errors", () => {
    const errors = nagViolations(synth.stack, "error").map(
      (v) => `${v.ruleName} at ${v.violatingResources.map((r) => r.constructPath).join(", ")}`,
    );
    expect(errors).toEqual([]);
  });

  it.each([
    ["waf=false", { waf: "false" }],
    [
      "replicaRegion + custom domain",
      {
        replicaRegion: "eu-west-1",
        domainName: "api.example.com",
        certificateArn: "arn:aws:acm:eu-central-1:123456789012:certificate/x",
      },
    ],
  ])("stays clean with %s", (_name, context) => {
    const variant = synthStack(context);
    expect(
      [...nagViolations(variant.stack, "error"), ...nagViolations(variant.stack, "warning")].map(
        (v) => v.ruleName,
      ),
    ).toEqual([]);
  });

  it("also checks what sits in nested stacks (the alarm stack)", () => {
    const probed = synthStack();
    new sns.Topic(probed.stack.monitoring.alarmStack, "UnencryptedProbe");
    const paths = nagViolations(probed.stack, "error").flatMap((v) =>
      v.violatingResources.map((r) => `${v.ruleName} at ${r.constructPath}`),
    );
    expect(paths).toContain(
      `AwsSolutions-SNS3 at ${probed.stack.monitoring.alarmStack.node.path}/UnencryptedProbe/Resource`,
    );
  });

  it("reports no unacknowledged warnings either", () => {
    expect(nagViolations(synth.stack, "warning").map((v) => v.ruleName)).toEqual([]);
  });

  it("every acknowledgment carries a specific written reason", () => {
    const acks = acknowledgments(synth.stack);
    expect(acks.length).toBeGreaterThan(0);
    for (const ack of acks) expect(ack.reason.length, `${ack.id} at ${ack.path}`).toBeGreaterThanOrEqual(30);
  });

  describe("with acknowledgments ignored", () => {
    // Re-run the packs as if nothing were acknowledged, to prove each acknowledgment still matches a
    // real finding (a stale acknowledgment would silently hide a future one).
    const proto = NagPack.prototype as unknown as { isAcknowledged: (...args: unknown[]) => boolean };
    const original = proto.isAcknowledged;
    beforeAll(() => {
      proto.isAcknowledged = () => false;
    });
    afterAll(() => {
      proto.isAcknowledged = original;
    });

    it("each acknowledgment matches a finding at or below its construct", () => {
      const findings = nagPacks().flatMap((pack) =>
        pack
          .validateScope(synth.stack)
          .violations.flatMap((v) =>
            v.violatingResources.map((r) => ({ id: v.ruleName, path: r.constructPath ?? "" })),
          ),
      );
      const stale = acknowledgments(synth.stack).filter(
        (ack) =>
          !findings.some(
            (f) => f.id === ack.id && (f.path === ack.path || f.path.startsWith(`${ack.path}/`)),
          ),
      );
      expect(stale.map((ack) => `${ack.id} at ${ack.path}`)).toEqual([]);
    });
  });
});
