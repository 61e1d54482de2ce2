import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { v2InferenceRequest } from "../src/protocols/contracts.js";
import { isV2InferenceRequest, parseV2InferenceRequest } from "../src/protocols/v2-request.js";

/**
 * Bodies near the contract's shape: each field usually right, sometimes of a wrong type or value,
 * so both valid and invalid bodies come up often.
 */
const scalar = fc.oneof(
  fc.string({ maxLength: 3 }),
  fc.integer({ min: -3, max: 3 }),
  fc.double(),
  fc.constantFrom(1.5, 2 ** 53, 2 ** 53 - 1, -0, Number.POSITIVE_INFINITY, true, false, null),
);
const mostly = <T>(good: fc.Arbitrary<T>) =>
  fc.oneof(
    { arbitrary: good, weight: 12 },
    { arbitrary: scalar, weight: 1 },
    { arbitrary: fc.constant([]), weight: 1 },
  );
const value = fc.oneof(
  fc.string({ maxLength: 3 }),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.boolean(),
);
const parameters = mostly(fc.dictionary(fc.string({ maxLength: 3 }), mostly(value), { maxKeys: 3 }));
const shape = mostly(fc.array(mostly(fc.nat(5)), { maxLength: 3 }));
const input = mostly(
  fc.record(
    {
      name: mostly(fc.string({ maxLength: 4 })),
      shape,
      datatype: mostly(fc.constantFrom("FP32", "INT64")),
      parameters,
      data: mostly(fc.array(scalar, { maxLength: 3 })),
      extra: scalar,
    },
    { requiredKeys: ["name", "shape", "datatype"] },
  ),
);
const output = mostly(
  fc.record({ name: mostly(fc.string({ maxLength: 4 })), parameters }, { requiredKeys: ["name"] }),
);
const request = mostly(
  fc.record(
    {
      id: mostly(fc.string({ maxLength: 4 })),
      parameters,
      inputs: mostly(fc.array(input, { minLength: 1, maxLength: 3 })),
      outputs: mostly(fc.array(output, { maxLength: 2 })),
    },
    { requiredKeys: ["inputs"] },
  ),
);

describe("the hand-written V2 request check", () => {
  it("accepts exactly what the contract's zod schema accepts", () => {
    fc.assert(
      fc.property(request, (value) => {
        // Through JSON first, as bodies arrive (undefined keys vanish, -0 becomes 0).
        const body: unknown = JSON.parse(JSON.stringify(value) ?? "null");
        expect(isV2InferenceRequest(body)).toBe(v2InferenceRequest.safeParse(body).success);
      }),
      { numRuns: 3000 },
    );
  });

  it("accepts the common bodies, and refuses with the contract's message naming the field", () => {
    const good = {
      id: "r1",
      parameters: { content_type: "np", binary_data_output: false, n: 1 },
      inputs: [{ name: "input", shape: [1, 2], datatype: "FP32", data: [0.5, 1] }],
      outputs: [{ name: "probability", parameters: { binary_data: true } }],
    };
    expect(parseV2InferenceRequest(good)).toBe(good);
    expect(() => parseV2InferenceRequest({ inputs: [] })).toThrow(
      "Invalid inference request: inputs: Too small: expected array to have >=1 items",
    );
    expect(() =>
      parseV2InferenceRequest({ inputs: [{ name: "input", shape: [1.5], datatype: "FP32", data: [] }] }),
    ).toThrow(/^Invalid inference request: inputs\.0\.shape\.0: /);
    expect(() => parseV2InferenceRequest({ id: 7, inputs: good.inputs })).toThrow(
      /^Invalid inference request: id: /,
    );
  });
});
