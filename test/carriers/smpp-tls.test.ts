import { afterEach, describe, expect, it } from "vitest";
import { SmppBind } from "../../functions/carriers/smpp/bind.ts";
import { encodeParts } from "../../functions/carriers/smpp/encoding.ts";
import { type SmscHandle, startSmsc } from "../../local/carrier-sim/smsc.ts";
import { carrierEntryFor } from "./smpp-support.ts";

/** No connection is ever made without TLS unless the carrier's entry allows it, and then it is counted. */
const started: Array<{ stop(): Promise<void> }> = [];
afterEach(async () => {
  await Promise.all(started.splice(0).map((item) => item.stop()));
});

async function smsc(tls: boolean): Promise<SmscHandle> {
  const handle = await startSmsc({ tls });
  started.push(handle);
  return handle;
}

function bind(handle: SmscHandle, overrides: Record<string, unknown>, onPlaintextSubmit = () => {}) {
  const bound = new SmppBind(carrierEntryFor(handle, overrides), {
    password: handle.password,
    hooks: { onDeliverSm: async () => true, onPlaintextSubmit },
    reconnect: { baseMs: 50, capMs: 200 },
  });
  started.push(bound);
  bound.start();
  return bound;
}

const [onlyPart] = encodeParts("hello", "udh", 1);
if (!onlyPart) throw new Error("one part expected");
const part = onlyPart;
const to = { from: "Textgate", to: "+4917612345678" };

describe("SMPP links are TLS", () => {
  it("binds over TLS when the SMSC's certificate chains to the configured CA", async () => {
    const handle = await smsc(true);
    const result = await bind(handle, {}).submit(part, to, Date.now() + 10_000);
    expect(result.kind).toBe("accepted");
    expect(handle.stats().binds).toBe(1);
  });

  it("refuses an SMSC whose certificate it cannot verify: nothing is written", async () => {
    const handle = await smsc(true);
    // No caFile: the system trust store, which does not know the SMSC's self-signed certificate.
    const result = await bind(handle, { caFile: undefined }).submit(part, to, Date.now() + 1500);
    expect(result.kind).toBe("not-sent");
    expect(handle.stats().binds).toBe(0);
    expect(handle.accepted()).toEqual([]);
  });

  it("never opens a plaintext link for an entry that does not allow it", async () => {
    const handle = await smsc(false);
    const entry = { ...carrierEntryFor(handle, { allowPlaintext: true }), allowPlaintext: false };
    expect(() => new SmppBind(entry, { password: "x", hooks: { onDeliverSm: async () => true } })).toThrow(
      /plaintext SMPP refused/,
    );
    expect(handle.stats().connections).toBe(0);
  });

  it("counts every submission over a plaintext link that its entry allows", async () => {
    const handle = await smsc(false);
    let plaintext = 0;
    const link = bind(handle, { allowPlaintext: true }, () => {
      plaintext += 1;
    });
    await link.submit(part, to, Date.now() + 10_000);
    await link.submit(part, to, Date.now() + 10_000);
    expect(plaintext).toBe(2);
    expect(handle.accepted()).toHaveLength(2);
  });
});
