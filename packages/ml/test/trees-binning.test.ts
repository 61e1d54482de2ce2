import { describe, expect, it } from "vitest";
import { categoricalFromCodes, frameOf, numericColumn } from "../src/frame/build.js";
import type { Column, Frame } from "../src/frame/frame.js";
import {
  binMapperFromJSON,
  binMapperToJSON,
  fitBins,
  MAX_BINS,
  numericThresholds,
  selectBinnedRows,
  transformBins,
} from "../src/trees/binning.js";

const columns = (...cs: Column[]): Frame => frameOf(cs);

describe("numeric binning", () => {
  it("gives every distinct value its own bin, with edges at the midpoints, when there are few", () => {
    const edges = numericThresholds(Float64Array.of(3, 1, 2, 2, Number.NaN, 5), null, 255);
    expect(Array.from(edges)).toEqual([1.5, 2.5, 4]);
  });

  it("uses numpy's midpoint percentiles beyond maxBins distinct values", () => {
    const values = Float64Array.from({ length: 1000 }, (_, i) => i);
    const edges = numericThresholds(values, null, 4);
    // Percentiles 25, 50, 75 of 0..999 at positions 249.75, 499.5, 749.25 → halfway between neighbours.
    expect(Array.from(edges)).toEqual([249.5, 499.5, 749.5]);
  });

  it("bins so that bin <= b exactly when x <= thresholds[b], and missing gets bin nBins", () => {
    const values = Float64Array.from({ length: 5000 }, (_, i) => Math.sin(i) * 100 + (i % 7));
    values[17] = Number.NaN;
    const data = fitBins(columns(numericColumn("x", values)));
    const feature = data.mapper.features[0]!;
    expect(feature.nBins).toBeLessThanOrEqual(MAX_BINS);
    expect(feature.hasMissing).toBe(true);
    for (let i = 0; i < values.length; i++) {
      const bin = data.bins[i]!;
      if (Number.isNaN(values[i]!)) {
        expect(bin).toBe(feature.nBins);
        continue;
      }
      const t = feature.thresholds;
      if (bin > 0) expect(values[i]!).toBeGreaterThan(t[bin - 1]!);
      if (bin < t.length) expect(values[i]!).toBeLessThanOrEqual(t[bin]!);
    }
  });

  it("bins other frames with the fitted edges and keeps the mapper through JSON", () => {
    const train = columns(numericColumn("x", Float64Array.of(1, 2, 3, 4)));
    const fitted = fitBins(train);
    const restored = binMapperFromJSON(JSON.parse(JSON.stringify(binMapperToJSON(fitted.mapper))));
    const other = transformBins(
      restored,
      columns(numericColumn("x", Float64Array.of(0, 2.5, 9, Number.NaN))),
    );
    // 2.5 sits exactly on the edge between bins 1 and 2: "x <= edge" puts it left.
    expect(Array.from(other.bins)).toEqual([0, 1, 3, 4]);
    expect(Array.from(restored.features[0]!.thresholds)).toEqual(
      Array.from(fitted.mapper.features[0]!.thresholds),
    );
  });
});

describe("categorical binning", () => {
  const levels = ["a", "b", "c", "d"];

  it("gives each category seen in training a bin; unseen and missing categories share the missing bin", () => {
    const data = fitBins(columns(categoricalFromCodes("c", Int32Array.of(0, 2, 2, -1, 0), levels)));
    const feature = data.mapper.features[0]!;
    expect(feature.splitKind).toBe("categorical");
    expect(feature.nBins).toBe(2);
    expect(Array.from(feature.categoryBins)).toEqual([0, -1, 1, -1]);
    expect(Array.from(data.bins)).toEqual([0, 1, 1, 2, 0]);
    const other = transformBins(
      data.mapper,
      columns(categoricalFromCodes("c", Int32Array.of(1, 3, 2), levels)),
    );
    expect(Array.from(other.bins)).toEqual([2, 2, 1]);
  });

  it("maps a frame with differently ordered levels by name", () => {
    const data = fitBins(columns(categoricalFromCodes("c", Int32Array.of(0, 1), ["x", "y"])));
    const other = transformBins(
      data.mapper,
      columns(categoricalFromCodes("c", Int32Array.of(0, 1), ["y", "x"])),
    );
    expect(Array.from(other.bins)).toEqual([1, 0]);
  });

  it("keeps the 254 most frequent of more than 255 categories and lumps the rest into one bin", () => {
    const nLevels = 300;
    const codes: number[] = [];
    for (let c = 0; c < nLevels; c++) for (let r = 0; r < (c < 254 ? 3 : 1); r++) codes.push(c);
    const names = Array.from({ length: nLevels }, (_, c) => `l${c}`);
    const data = fitBins(columns(categoricalFromCodes("c", Int32Array.from(codes), names)));
    const feature = data.mapper.features[0]!;
    expect(feature.nBins).toBe(MAX_BINS);
    expect(feature.categoryBins[0]).toBe(0);
    expect(feature.categoryBins[253]).toBe(253);
    expect(new Set(Array.from(feature.categoryBins.subarray(254)))).toEqual(new Set([254]));
  });

  it("splits numeric code columns as categories when named, and bins codes as numbers when ordinal", () => {
    const frame = columns(numericColumn("code", Float64Array.of(5, 1, 5, Number.NaN)));
    const native = fitBins(frame, { categoricalColumns: ["code"] });
    expect(native.mapper.features[0]!.splitKind).toBe("categorical");
    expect(Array.from(native.bins)).toEqual([1, 0, 1, 2]);
    expect(() =>
      fitBins(columns(numericColumn("code", Float64Array.of(0.5))), { categoricalColumns: ["code"] }),
    ).toThrow(/codes must be integers/);
    const ordinal = fitBins(columns(categoricalFromCodes("c", Int32Array.of(0, 3, -1), levels)), {
      categorical: "ordinal",
    });
    expect(ordinal.mapper.features[0]!.splitKind).toBe("numeric");
    expect(Array.from(ordinal.mapper.features[0]!.thresholds)).toEqual([1.5]);
  });

  it("selects rows of a binned dataset column by column", () => {
    const data = fitBins(
      columns(numericColumn("x", Float64Array.of(1, 2, 3)), numericColumn("y", Float64Array.of(9, 8, 7))),
    );
    const picked = selectBinnedRows(data, Uint32Array.of(2, 0));
    expect(Array.from(picked.bins)).toEqual([2, 0, 0, 2]);
  });
});
