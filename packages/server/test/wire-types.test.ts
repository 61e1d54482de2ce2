import { double, int32, int64, REJECT, requiredString } from "@gyre/core";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { parseRequest } from "../src/http/validation.js";
import { allRoutes } from "../src/index.js";

/**
 * The wire scalars validate with a plain function and hand refused values to the zod schema that
 * states the contract (`def.reference`). These properties hold the two to the same answers.
 */
type Wire = z.ZodType & { def: { fast: (raw: unknown) => unknown; reference: z.ZodType } };
const wires: [string, Wire][] = [
  ["int64", int64() as Wire],
  ["int32", int32() as Wire],
  ["double", double() as Wire],
  ["requiredString", requiredString() as Wire],
];

/** Text that looks like a number often enough to reach every branch of the grammar. */
const numericText = fc
  .tuple(
    fc.constantFrom("", " ", "+", "-"),
    fc.oneof(
      fc.stringMatching(/^\d{0,22}(\.\d{0,4})?([eE][-+]?\d{1,3})?$/),
      fc.constantFrom("NaN", "Infinity", "nan", "inf", "0x10", "1_0", ".", "e5", "٣"),
    ),
    fc.constantFrom("", " ", "\t"),
  )
  .map(([a, b, c]) => a + b + c);

const anyInput = fc.oneof(
  fc.double(),
  fc.integer({ min: -2_200_000_000, max: 2_200_000_000 }),
  fc.maxSafeInteger(),
  fc.constantFrom(2 ** 53, -(2 ** 53), 2 ** 63, -0, Number.NaN, Number.POSITIVE_INFINITY),
  numericText,
  fc.string(),
  fc.constantFrom(true, false, null, undefined, "", [], {}, [1], { value: 1 }),
);

function outcome(schema: z.ZodType, input: unknown) {
  const result = z.object({ field: schema }).safeParse({ field: input }, { reportInput: true });
  if (result.success) return { ok: true, value: result.data.field };
  return {
    ok: false,
    issues: result.error.issues.map((i) => ({ path: i.path, message: i.message, input: i.input })),
  };
}

describe("wire scalars: the fast path and the zod contract agree", () => {
  for (const [name, wire] of wires) {
    it(`${name}: same accept/reject, same value, same issues`, () => {
      fc.assert(
        fc.property(anyInput, (input) => {
          const fast = outcome(wire, input);
          const reference = outcome(wire.def.reference, input);
          expect(fast).toEqual(reference);
          // toEqual treats -0 and 0 alike; the value must be the very same number.
          if (fast.ok) expect(Object.is(fast.value, reference.value)).toBe(true);
          expect(wire.def.fast(input) === REJECT).toBe(!reference.ok);
        }),
        { numRuns: 3000 },
      );
    });

    it(`${name}: absent from an object reads as missing, like the contract`, () => {
      const shape = (schema: z.ZodType) => z.object({ field: schema }).safeParse({}, { reportInput: true });
      const fast = shape(wire);
      const reference = shape(wire.def.reference);
      expect(fast.success).toBe(false);
      expect(fast.error?.issues.map((i) => [i.path, i.message, i.input])).toEqual(
        reference.error?.issues.map((i) => [i.path, i.message, i.input]),
      );
    });

    it(`${name}: the OpenAPI input schema is the contract's`, () => {
      const json = (schema: z.ZodType) => z.toJSONSchema(schema, { io: "input", unrepresentable: "any" });
      expect(json(wire)).toEqual(json(wire.def.reference));
    });
  }

  it("keeps chained rules: optional, default, pipe and refine around a fast scalar", () => {
    const schema = z.object({
      a: int64().optional(),
      b: int64().default(0),
      c: int32().pipe(z.number().int().min(1).max(10)).optional(),
      d: requiredString().refine((t) => t !== "no", "must not be no"),
    });
    expect(schema.parse({ c: "7", d: "x" })).toEqual({ b: 0, c: 7, d: "x" });
    expect(schema.parse({ a: " -12 ", b: "3", d: "y" })).toEqual({ a: -12, b: 3, d: "y" });
    const bad = schema.safeParse({ c: 11, d: "no" });
    expect(bad.error?.issues.map((i) => [i.path.join("."), i.message])).toEqual([
      ["c", "Too big: expected number to be <=10"],
      ["d", "must not be no"],
    ]);
  });

  it("log-batch: converts text and non-finite spellings, and names the field of a bad value", () => {
    const logBatch = allRoutes.find((r) => r.operation === "logBatch")!;
    const parsed = parseRequest(logBatch, {
      run_id: "r",
      metrics: [
        { key: "a", value: "NaN", timestamp: "17", step: 2 },
        { key: "b", value: 0.5, timestamp: 18 },
        { key: "c", value: "-Infinity", timestamp: 19, step: "-3" },
      ],
    }) as { metrics: { key: string; value: number; timestamp: number; step: number }[] };
    expect(parsed.metrics.map((m) => [m.key, m.value, m.timestamp, m.step])).toEqual([
      ["a", Number.NaN, 17, 2],
      ["b", 0.5, 18, 0],
      ["c", Number.NEGATIVE_INFINITY, 19, -3],
    ]);
    expect(() =>
      parseRequest(logBatch, { run_id: "r", metrics: [{ key: "a", value: 1, timestamp: 1.5 }] }),
    ).toThrow(
      "Invalid value 1.5 for parameter 'metrics.0.timestamp' supplied: must be an integer (a JSON number or a decimal string). See the API docs for more information about request parameters.",
    );
    expect(() =>
      parseRequest(logBatch, { run_id: "r", metrics: [{ key: "", value: 1, timestamp: 1 }] }),
    ).toThrow(
      "Missing value for required parameter 'metrics.0.key'. See the API docs for more information about request parameters.",
    );
  });
});
