import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { type BundleResult, bundle } from "../../bench/bundles.ts";
import { functionSpec } from "../../lib/catalog/index.ts";

/**
 * What the hot bundles must NOT carry, read from esbuild's metafile with the CDK's own options
 * (bench/bundles.ts). Each rule names code the function's path never runs; sizes are left to
 * `npm run bench`, this only guards against the regressions that once made the bundles large.
 */
const HOT_FUNCTIONS = ["health", "authorizer", "send", "verify", "dispatch"] as const;

const outDir = mkdtempSync(join(tmpdir(), "textgate-lean-bundles-"));
const built = new Map<string, Promise<BundleResult>>();
const bundleOf = (id: string): Promise<BundleResult> => {
  let found = built.get(id);
  if (!found) {
    found = bundle(id, functionSpec(id).entry, join(outDir, id));
    built.set(id, found);
  }
  return found;
};

const inputsMatching = (result: BundleResult, pattern: RegExp): string[] =>
  [...result.byInput.keys()].filter((input) => pattern.test(input));

describe.each(HOT_FUNCTIONS)("the %s bundle", (id) => {
  it("carries zod's English messages only, not its 40 locales (namespace import, tree-shaken)", async () => {
    const result = await bundleOf(id);
    expect(inputsMatching(result, /zod\/v4\/locales\/(?!en\.js$)/)).toEqual([]);
  }, 120_000);
});

const ENCRYPTION_SDK_FUNCTIONS = ["send", "verify", "dispatch"] as const;

describe.each(ENCRYPTION_SDK_FUNCTIONS)("the %s bundle's cold start", (id) => {
  it("does not load the Encryption SDK, bn.js, asn1.js or readable-stream (imported on first encrypt/decrypt)", async () => {
    const result = await bundleOf(id);
    const atInit = [...result.loadedAtInit].filter((input) =>
      /node_modules\/(@aws-crypto\/|bn\.js\/|asn1\.js\/|readable-stream\/)/.test(input),
    );
    expect(atInit).toEqual([]);
    expect(inputsMatching(result, /@aws-crypto\/encrypt-node\//).length).toBeGreaterThan(0);
  }, 120_000);

  it("ships the Encryption SDK in a file of its own, read by crypto.ts's import() alone", async () => {
    const result = await bundleOf(id);
    expect(result.encryptionSdk?.bytes ?? 0).toBeGreaterThan(100 * 1024);
    expect(result.lazyBytes).toBeGreaterThanOrEqual(result.encryptionSdk?.bytes ?? Number.POSITIVE_INFINITY);
  }, 120_000);

  it("leaves out the @aws-crypto/client-node umbrella (CommonJS: it brings every keyring)", async () => {
    const result = await bundleOf(id);
    expect(inputsMatching(result, /@aws-crypto\/(client-node|raw-rsa-keyring-node)\//)).toEqual([]);
  }, 120_000);
});

describe("the account bundle's cold start", () => {
  it("does not load the zxcvbn dictionaries (imported on the first password check)", async () => {
    const result = await bundleOf("account");
    expect([...result.loadedAtInit].filter((input) => input.includes("node_modules/@zxcvbn-ts/"))).toEqual(
      [],
    );
    expect(inputsMatching(result, /@zxcvbn-ts\/language-common\//).length).toBeGreaterThan(0);
  }, 120_000);
});

describe.each(ENCRYPTION_SDK_FUNCTIONS)("the %s bundle's lazily loaded Encryption SDK", (id) => {
  it("brings neither the hierarchical keyring's branch key store nor the aggregated DynamoDB client", async () => {
    const result = await bundleOf(id);
    expect(
      inputsMatching(
        result,
        /@aws-crypto\/branch-keystore-node\/|@aws-sdk\/client-dynamodb\/dist-es\/DynamoDB\.js$/,
      ),
    ).toEqual([]);
  }, 120_000);
});

describe.each(["authorizer", "send", "verify", "dispatch"] as const)("the %s bundle's cold start", (id) => {
  it("does not load the KMS client (imported on the first token signature or key fetch, or by the Encryption SDK)", async () => {
    const result = await bundleOf(id);
    expect(
      [...result.loadedAtInit].filter((input) => input.includes("node_modules/@aws-sdk/client-kms/")),
    ).toEqual([]);
  }, 120_000);
});

describe.each(["admin-carriers", "admin-carrier-tests", ...HOT_FUNCTIONS])("the %s bundle", (id) => {
  it("does not carry zxcvbn at all (it never sets a password)", async () => {
    const result = await bundleOf(id);
    expect(inputsMatching(result, /node_modules\/@zxcvbn-ts\//)).toEqual([]);
  }, 120_000);
});

/**
 * Functions that never parse a number typed by a customer: the destination was parsed and its country
 * stored at accept, so the phone metadata (libphonenumber-js, ~190 KB) has no use in them. It once came
 * along through messages/store.ts importing the send schemas for their 202 answer.
 */
const NO_PHONE_PARSING = ["dispatch", "dlr", "aws-sms-events", "dead-letters", "webhook-outbox"] as const;

describe.each(NO_PHONE_PARSING)("the %s bundle", (id) => {
  it("carries no phone-number metadata (libphonenumber-js)", async () => {
    const result = await bundleOf(id);
    expect(inputsMatching(result, /node_modules\/libphonenumber-js\//)).toEqual([]);
  }, 120_000);
});

describe.each(["auth", "account"] as const)("the %s bundle", (id) => {
  it("carries one phone metadata set, the send path's (max), not a second one for SMS enrolment", async () => {
    const result = await bundleOf(id);
    expect(inputsMatching(result, /node_modules\/libphonenumber-js\/metadata\.(min|mobile)\.json/)).toEqual(
      [],
    );
    expect(inputsMatching(result, /node_modules\/libphonenumber-js\/metadata\.max\.json/)).toHaveLength(1);
  }, 120_000);
});
