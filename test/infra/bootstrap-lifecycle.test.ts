import { beforeAll, describe, expect, it } from "vitest";
import { type Synthesized, synthStack } from "./synth.ts";

/**
 * The bootstrap custom resource runs when CloudFormation creates it (first deploy), as its comment
 * says: it has no property that changes between deploys, so later deploys send no Update.
 */
let synth: Synthesized;
beforeAll(() => {
  synth = synthStack();
});

describe("bootstrap custom resource", () => {
  it("carries only its service token, so it runs at creation and not on every later deploy", () => {
    const resources = Object.values(synth.template.findResources("Custom::TextgateBootstrap"));
    expect(resources).toHaveLength(1);
    expect(Object.keys(resources[0]?.Properties ?? {})).toEqual(["ServiceToken"]);
  });

  it("synthesises identically twice (no per-deploy nonce that would re-run it)", () => {
    const again = synthStack();
    expect(again.template.findResources("Custom::TextgateBootstrap")).toEqual(
      synth.template.findResources("Custom::TextgateBootstrap"),
    );
  });
});
