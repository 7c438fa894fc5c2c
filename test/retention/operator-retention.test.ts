/**
 * What an operator's create/update makes of an account's retention (pure logic): the old single
 * retentionDays still works up to 3650 days, narrowed bounds move the owner's values inside them,
 * and values conflicting with bounds named in the same call are refused naming the field.
 */
import { describe, expect, it } from "vitest";
import {
  DEFAULT_BOUNDS,
  DEFAULT_RETENTION,
  operatorRetention,
  retentionOfItem,
} from "../../functions/retention/settings.ts";

const fresh = { retention: DEFAULT_RETENTION, retentionBounds: DEFAULT_BOUNDS };

describe("operator retention", () => {
  it("retentionDays sets body and metadata days, widening the default bounds to hold them", () => {
    const result = operatorRetention(fresh, { retentionDays: 3650 });
    expect(result.errors).toEqual([]);
    expect(result.retention).toEqual({
      messageBodyDays: 3650,
      messageMetadataDays: 3650,
      verificationDays: 1,
    });
    expect(result.retentionBounds.messageMetadataDays).toEqual({ min: 1, max: 3650 });
    expect(result.retentionBounds.verificationDays).toEqual(DEFAULT_BOUNDS.verificationDays);
  });

  it("narrowed bounds move values left alone inside them; a body never outlives its metadata", () => {
    const result = operatorRetention(fresh, { retentionBounds: { messageMetadataDays: { min: 1, max: 7 } } });
    expect(result.errors).toEqual([]);
    expect(result.retention).toEqual({ messageBodyDays: 7, messageMetadataDays: 7, verificationDays: 1 });
  });

  it("a value outside bounds named in the same call, or inverted bounds, is an error naming the field", () => {
    const outside = operatorRetention(fresh, {
      retention: { verificationDays: 10 },
      retentionBounds: { verificationDays: { min: 1, max: 5 } },
    });
    expect(outside.errors.map((e) => e.field)).toEqual(["retention.verificationDays"]);
    const inverted = operatorRetention(fresh, { retentionBounds: { messageBodyDays: { min: 9, max: 2 } } });
    expect(inverted.errors.map((e) => e.field)).toEqual(["retentionBounds.messageBodyDays"]);
  });

  it("maps an account item from before per-field retention from its single retentionDays", () => {
    expect(retentionOfItem({ retentionDays: 90 })).toEqual({
      retention: { messageBodyDays: 90, messageMetadataDays: 90, verificationDays: 1 },
      retentionBounds: DEFAULT_BOUNDS,
    });
    expect(retentionOfItem({ retentionDays: 1000 }).retentionBounds.messageBodyDays).toEqual({
      min: 0,
      max: 1000,
    });
    expect(retentionOfItem({}).retention).toEqual(DEFAULT_RETENTION);
  });
});
