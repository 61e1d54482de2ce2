import { describe, expect, it } from "vitest";
import { fromText, putFor } from "../src/runtime/coerce.js";

describe("CSV cells read as pandas reads them", () => {
  it("turns pandas' default missing-value texts into a missing float", () => {
    for (const text of ["", " ", "NA", "N/A", "NaN", "nan", "null", "NULL", "None", "<NA>", "#N/A"]) {
      expect(fromText("float64", text), JSON.stringify(text)).toBeNull();
    }
    expect(fromText("float32", "NA")).toBeNull();
  });

  it("keeps numbers, and hands other text back for the validator to name", () => {
    expect(fromText("float64", " 2.5 ")).toBe(2.5);
    expect(fromText("float64", "-1e-3")).toBe(-0.001);
    expect(fromText("float64", "abc")).toBe("abc");
    expect(fromText("float64", "nA")).toBe("nA");
    expect(fromText("int64", "NA")).toBe("NA");
    expect(fromText("string", "NA")).toBe("NA");
  });
});

describe("string values", () => {
  it("refuses a string holding NUL, which onnxruntime would cut short", () => {
    const put = putFor("string", "string");
    const target = ["", ""];
    expect([put(target, 0, "a b"), put(target, 1, "a\0b")]).toEqual([true, false]);
    expect(target).toEqual(["a b", ""]);
  });
});
