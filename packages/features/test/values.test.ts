import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { isoOfMillis } from "../src/values.js";

describe("isoOfMillis", () => {
  it("is exactly Date#toISOString, fractions of a millisecond, leap days and far dates included", () => {
    for (const ms of [0, 951_782_400_000, 4_107_542_400_000, 253_402_300_799_999, 1_700_000_000_123.9]) {
      expect(isoOfMillis(ms)).toBe(new Date(ms).toISOString());
    }
    // Before 1970 and past 9999 take Date's own path (signed six-digit years).
    expect(isoOfMillis(-1)).toBe("1969-12-31T23:59:59.999Z");
    expect(isoOfMillis(253_402_300_800_000)).toBe("+010000-01-01T00:00:00.000Z");
    fc.assert(
      fc.property(fc.double({ min: -1e13, max: 3e14, noNaN: true }), (ms) => {
        expect(isoOfMillis(ms)).toBe(new Date(ms).toISOString());
      }),
      { numRuns: 20_000 },
    );
  });
});
