import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LOGREG_LOGITS, LOGREG_ROWS, sigmoid } from "./support/models.js";
import { call, type Served, startServed } from "./support/served.js";

let served: Served;
beforeAll(async () => {
  served = await startServed();
});
afterAll(async () => {
  await served.close();
});

const p = (z: number) => expect.closeTo(sigmoid(z), 6);

describe("KServe V1", () => {
  it("predicts instances: one entry per row of the single output", async () => {
    const r = await call(served.app, "POST", "/v1/models/logreg:predict", {
      instances: [LOGREG_ROWS.a, LOGREG_ROWS.b],
    });
    expect(r.headers["x-request-id"]).toBeTruthy();
    expect([r.status, r.body]).toEqual([
      200,
      { predictions: [[p(LOGREG_LOGITS.a)], [p(LOGREG_LOGITS.b)]], request_id: r.headers["x-request-id"] },
    ]);
  });

  it("takes objects for column models and answers an object per row for several outputs", async () => {
    const r = await call(served.app, "POST", "/v1/models/trees:predict", {
      instances: [{ f0: 1, f1: 2, f2: 1 }],
    });
    expect(r.body).toEqual({
      predictions: [{ label: 1, probabilities: [expect.closeTo(1 - sigmoid(0.25), 6), p(0.25)] }],
      request_id: expect.any(String),
    });
  });

  it("takes TF Serving's named rows for a tensor model: each instance maps the input to its row", async () => {
    const r = await call(served.app, "POST", "/v1/models/logreg:predict", {
      instances: [{ input: LOGREG_ROWS.a }, { input: LOGREG_ROWS.b }],
    });
    expect([r.status, r.body]).toEqual([
      200,
      { predictions: [[p(LOGREG_LOGITS.a)], [p(LOGREG_LOGITS.b)]], request_id: r.headers["x-request-id"] },
    ]);
    const short = await call(served.app, "POST", "/v1/models/logreg:predict", {
      instances: [{ input: LOGREG_ROWS.a.slice(1) }],
    });
    expect([short.status, short.body]).toEqual([
      400,
      {
        error: `Invalid value ${JSON.stringify(LOGREG_ROWS.a.slice(1)).slice(0, 57)}... for input 'input' at row 0: expected float32 [-1, 20].`,
      },
    ]);
  });

  it("reports readiness and answers errors as {error}", async () => {
    expect((await call(served.app, "GET", "/v1/models/logreg")).body).toEqual({
      name: "logreg",
      ready: true,
    });
    const unknown = await call(served.app, "GET", "/v1/models/nope");
    expect([unknown.status, unknown.body]).toEqual([404, { error: "Model 'nope' is not served here." }]);
    const missing = await call(served.app, "POST", "/v1/models/logreg:predict", { rows: [] });
    expect([missing.status, missing.body]).toEqual([
      400,
      { error: "Invalid predict request: instances: Invalid input: expected array, received undefined" },
    ]);
    const wrong = await call(served.app, "POST", "/v1/models/members:predict", {
      instances: [{ age: "old", income: 1, member: true }],
    });
    expect(wrong.body).toEqual({ error: "Invalid value \"old\" for column 'age' at row 0: expected long." });
    const verb = await call(served.app, "POST", "/v1/models/logreg:explain", { instances: [] });
    expect([verb.status, verb.body]).toEqual([404, { error: "No route for POST /v1/models/logreg:explain" }]);
  });
});
