import { describe, expect, it } from "vitest";
import { redactCredentials } from "../src/format/redact.js";
import { renderPairs, renderTable } from "../src/format/table.js";
import { formatBytes, formatDuration, formatMetricValue } from "../src/format/values.js";

describe("value formats", () => {
  it("formats durations in their two leading units", () => {
    expect(
      [0, 850, 1000, 1549, 59_999, 65_000, 3_599_000, 3_600_000, 7_380_000, 90_061_000].map(formatDuration),
    ).toEqual(["0ms", "850ms", "1.0s", "1.5s", "59.9s", "1m 05s", "59m 59s", "1h 00m", "2h 03m", "1d 01h"]);
    expect([undefined, -5].map(formatDuration)).toEqual(["-", "-"]);
  });

  it("formats metric values to six significant digits without cutting integer digits", () => {
    expect(
      [0.123456789, 3, 1234567.891, 0.5, -2.0000001, 1.23456789e-7, "NaN", "Infinity"].map(formatMetricValue),
    ).toEqual(["0.123457", "3", "1234568", "0.5", "-2", "1.23457e-7", "NaN", "Infinity"]);
  });

  it("formats byte counts", () => {
    expect([0, 1023, 1024, 1536, 20 * 1024 * 1024 + 17, undefined].map(formatBytes)).toEqual([
      "0 B",
      "1023 B",
      "1.0 KiB",
      "1.5 KiB",
      "20.0 MiB",
      "",
    ]);
  });

  it("masks passwords in store URIs and leaves others alone", () => {
    expect(redactCredentials("postgresql://gyre:s3cret@db:5432/gyre")).toBe(
      "postgresql://gyre:***@db:5432/gyre",
    );
    expect(redactCredentials("sqlite:////data/gyre.db")).toBe("sqlite:////data/gyre.db");
  });
});

describe("tables", () => {
  it("aligns columns, trims trailing blanks, flattens control characters and cuts long cells", () => {
    const table = renderTable(
      ["KEY", "VALUE", "NOTE"],
      [
        ["a", "multi\nline", ""],
        ["long", "x".repeat(12), "n"],
      ],
      { maxCellWidth: 10 },
    );
    expect(table).toBe(["KEY   VALUE       NOTE", "a     multi line", "long  xxxxxxxxx…  n"].join("\n"));
  });

  it("renders label/value pairs", () => {
    expect(
      renderPairs([
        ["status", "FINISHED"],
        ["user", ""],
      ]),
    ).toBe("status  FINISHED\nuser");
  });
});
