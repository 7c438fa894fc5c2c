import { describe, expect, it } from "vitest";
import { classifySubmitStatus, statusName } from "../../functions/carriers/smpp/errors.ts";
import {
  acceptedIdKeys,
  parseReceipt,
  receiptKeys,
  statusOfReceipt,
} from "../../functions/carriers/smpp/receipts.ts";

const text = (id: string, stat: string, err = "000") =>
  `id:${id} sub:001 dlvrd:001 submit date:2611301200 done date:2611301201 stat:${stat} err:${err} text:Hello`;

describe("SMPP delivery receipts", () => {
  it("reads id, stat and err from the standard receipt text", () => {
    expect(parseReceipt({ esmClass: 0x04, text: text("1F4A1", "UNDELIV", "034") })).toEqual({
      ids: ["1F4A1"],
      state: "UNDELIV",
      error: "034",
    });
  });

  it("prefers the receipted_message_id and message_state TLVs, keeping the text id as a second name", () => {
    const receipt = parseReceipt({
      esmClass: 0x04,
      text: text("128161", "DELIVRD"),
      receiptedMessageId: "1F4A1",
      messageState: 5,
    });
    expect(receipt?.ids).toEqual(["1F4A1", "128161"]);
    expect(receipt?.state).toBe("UNDELIV");
  });

  it("ignores a deliver_sm that is not a receipt (a mobile-originated message)", () => {
    expect(parseReceipt({ esmClass: 0x00, text: text("1", "DELIVRD") })).toBeUndefined();
  });

  it.each([
    ["DELIVRD", "delivered"],
    ["UNDELIV", "undelivered"],
    ["EXPIRED", "undelivered"],
    ["DELETED", "undelivered"],
    ["REJECTD", "failed"],
    ["ENROUTE", undefined],
    ["ACCEPTD", undefined],
  ] as const)("maps %s to %s", (state, status) => {
    expect(statusOfReceipt(state)).toBe(status);
  });

  it("matches a hex submit_sm_resp id with a receipt naming it in decimal, and the other way round", () => {
    const hexId = "1F4A1";
    const decimal = BigInt(`0x${hexId}`).toString(10);
    expect(receiptKeys(decimal).some((key) => acceptedIdKeys(hexId).includes(key))).toBe(true);
    expect(receiptKeys(hexId).some((key) => acceptedIdKeys(hexId).includes(key))).toBe(true);
    expect(receiptKeys("0001f4a1").some((key) => acceptedIdKeys(hexId).includes(key))).toBe(true);
    expect(receiptKeys("128162").some((key) => acceptedIdKeys(hexId).includes(key))).toBe(false);
  });

  it("matches an opaque (non-numeric) id only as written", () => {
    expect(acceptedIdKeys("msg-abc.9")).toEqual(["msg-abc.9"]);
    expect(receiptKeys("MSG-ABC.9")).toEqual(["msg-abc.9"]);
  });
});

describe("submit_sm_resp errors", () => {
  it.each([
    [0x58, "retry"],
    [0x14, "retry"],
    [0x08, "retry"],
    [0x0b, "permanent"],
    [0x45, "permanent"],
    [0x01, "permanent"],
  ] as const)("classifies 0x%s as %s", (status, expected) => {
    expect(classifySubmitStatus(status)).toBe(expected);
  });

  it("names codes a customer can look up", () => {
    expect(statusName(0x0b)).toBe("ESME_RINVDSTADR");
    expect(statusName(0x400)).toBe("smpp-0x00000400");
  });
});
