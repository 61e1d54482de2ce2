import { features } from "@gyre/core";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { fastOnlineRequest } from "../src/features/online.js";

/**
 * The online route checks plain requests by hand; the zod contract stays the single schema. Any
 * body the hand check accepts, the contract accepts with the same output; a body it declines goes
 * to the contract (which words the error), so the two never disagree on an answer.
 */
const json = fc.jsonValue({ maxDepth: 2 });
const name = fc.oneof(fc.constantFrom("all", "_x9", "9bad", "a-b", "", "a:b"), fc.string({ maxLength: 6 }));
const ref = fc.oneof(
  fc.constantFrom("v:f", "v:*", "v:", ":f", "v:f:g", "v_1:x_2"),
  fc.string({ maxLength: 6 }),
);
const entity = fc.oneof(
  fc.dictionary(fc.constantFrom("driver_id", "k2", "__proto__", "x"), json, { maxKeys: 3 }),
  json,
);
const maybe = <T>(arbitrary: fc.Arbitrary<T>) => fc.option(arbitrary, { nil: undefined, freq: 2 });
const body = fc
  .oneof(
    {
      weight: 9,
      arbitrary: fc
        .record({
          entities: fc.oneof({ arbitrary: fc.array(entity, { maxLength: 3 }), weight: 4 }, json),
          feature_service: maybe(fc.oneof({ arbitrary: name, weight: 4 }, json)),
          features: maybe(fc.oneof({ arbitrary: fc.array(ref, { maxLength: 3 }), weight: 4 }, json)),
          full_feature_names: maybe(fc.oneof({ arbitrary: fc.boolean(), weight: 4 }, json)),
          other: fc.oneof({ arbitrary: fc.constant(undefined), weight: 9 }, json),
        })
        .map((b) => Object.fromEntries(Object.entries(b).filter(([, v]) => v !== undefined))),
    },
    json,
  )
  // Bodies reach the route through JSON.parse (a "__proto__" key is then an own property).
  .map((b) => JSON.parse(JSON.stringify(b)) as unknown);

describe("the online route's hand-written request check", () => {
  it("accepts only what the contract accepts, with the contract's output", () => {
    let accepted = 0;
    fc.assert(
      fc.property(body, (payload) => {
        const fast = fastOnlineRequest(payload);
        if (fast === undefined) return;
        accepted++;
        const parsed = features.OnlineRequest.safeParse(payload);
        expect(parsed.success).toBe(true);
        expect(fast).toStrictEqual(parsed.data);
      }),
      { numRuns: 3000, seed: 11 },
    );
    expect(accepted).toBeGreaterThan(30);
  });

  it("accepts the plain forms", () => {
    const service = { entities: [{ driver_id: 1 }], feature_service: "all" };
    expect(fastOnlineRequest(service)).toStrictEqual({ ...service, full_feature_names: false });
    const list = { entities: [{ driver_id: "a" }], features: ["v:*", "w:f"], full_feature_names: true };
    expect(fastOnlineRequest(list)).toStrictEqual(list);
    expect(fastOnlineRequest({ ...service, features: ["v:*"] })).toBeUndefined();
  });
});
