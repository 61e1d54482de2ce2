import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildServingApp, StaticModelRegistry } from "../src/index.js";
import { FEATURES, LOGREG_LOGITS, LOGREG_ROWS, sigmoid } from "./support/models.js";
import { call, type Served, startServed } from "./support/served.js";

let served: Served;
beforeAll(async () => {
  // The default model is "churn": logreg20 with the column signature x0..x19 (double).
  served = await startServed("churn");
});
afterAll(async () => {
  await served.close();
});

const p = (z: number) => expect.closeTo(sigmoid(z), 6);
const invocations = (body: unknown, contentType = "application/json") =>
  call(served.app, "POST", "/invocations", body, { "content-type": contentType });
const record = (row: number[]) => Object.fromEntries(row.map((v, i) => [`x${i}`, v]));
/** A column-signature model answers a DataFrame: one record per row; Gyre adds the request id. */
const RECORDS = {
  predictions: [{ probability: p(LOGREG_LOGITS.a) }, { probability: p(LOGREG_LOGITS.b) }],
  request_id: expect.any(String),
};

describe("MLflow scoring: input formats", () => {
  it("dataframe_split, with columns in any order", async () => {
    const r = await invocations({
      dataframe_split: { columns: FEATURES, data: [LOGREG_ROWS.a, LOGREG_ROWS.b] },
    });
    expect([r.status, r.body]).toEqual([200, RECORDS]);
    expect(r.headers["content-type"]).toMatch(/^application\/json/);
    expect(r.headers["x-request-id"]).toBeTruthy();
    expect(r.body).toMatchObject({ request_id: r.headers["x-request-id"] });
    const reversed = [...FEATURES].reverse();
    const shuffled = await invocations({
      dataframe_split: {
        index: [10, 11],
        columns: reversed,
        data: [[...LOGREG_ROWS.a].reverse(), [...LOGREG_ROWS.b].reverse()],
      },
    });
    expect(shuffled.body).toEqual(RECORDS);
  });

  it("dataframe_records, instances as objects, inputs as columns, instances as positional rows", async () => {
    const bodies = [
      { dataframe_records: [record(LOGREG_ROWS.a), record(LOGREG_ROWS.b)] },
      { instances: [record(LOGREG_ROWS.a), record(LOGREG_ROWS.b)] },
      { inputs: Object.fromEntries(FEATURES.map((name, i) => [name, [LOGREG_ROWS.a[i], LOGREG_ROWS.b[i]]])) },
      { instances: [LOGREG_ROWS.a, LOGREG_ROWS.b] },
      { inputs: [LOGREG_ROWS.a, LOGREG_ROWS.b], params: { threshold: 0.5 } },
    ];
    for (const body of bodies) {
      const r = await invocations(body);
      expect([r.status, r.body], Object.keys(body)[0]).toEqual([200, RECORDS]);
    }
  });

  it("CSV as text/csv and application/csv, with or without pandas' index column", async () => {
    const csv = `${FEATURES.join(",")}\n${LOGREG_ROWS.a.join(",")}\n${LOGREG_ROWS.b.join(",")}\n`;
    expect((await invocations(csv, "text/csv")).body).toEqual(RECORDS);
    expect((await invocations(csv, "application/csv; charset=utf-8")).body).toEqual(RECORDS);
    const indexed = `,${FEATURES.join(",")}\r\n0,${LOGREG_ROWS.a.join(",")}\r\n1,${LOGREG_ROWS.b.join(",")}`;
    expect((await invocations(indexed, "text/csv")).body).toEqual(RECORDS);
    // Excel and PowerShell save CSV with a UTF-8 byte order mark; pandas drops it from the header.
    expect((await invocations(`\uFEFF${csv}`, "text/csv")).body).toEqual(RECORDS);
    const text = `${FEATURES.join(",")}\n${["abc", ...LOGREG_ROWS.a.slice(1)].join(",")}\n`;
    const bad = await invocations(text, "text/csv");
    expect([bad.status, bad.body]).toEqual([
      400,
      {
        error_code: "INVALID_PARAMETER_VALUE",
        message: "Invalid value \"abc\" for column 'x0' at row 0: expected double.",
      },
    ]);
  });
});

describe("MLflow scoring: errors", () => {
  it("names the missing or unknown column and the expected type", async () => {
    const missing = await invocations({
      dataframe_split: { columns: FEATURES.slice(0, 19), data: [LOGREG_ROWS.a.slice(0, 19)] },
    });
    expect([missing.status, missing.body]).toEqual([
      400,
      { error_code: "INVALID_PARAMETER_VALUE", message: "Missing column 'x19' (expected double)." },
    ]);
    const unknown = await invocations({ dataframe_records: [{ ...record(LOGREG_ROWS.a), zip: "02139" }] });
    expect(unknown.body).toEqual({
      error_code: "INVALID_PARAMETER_VALUE",
      message:
        "Unknown column 'zip': the model's columns are x0, x1, x2, x3, x4, x5, x6, x7, x8, x9, x10, x11, ... (20).",
    });
    const wrongType = await invocations({ dataframe_records: [{ ...record(LOGREG_ROWS.a), x3: "high" }] });
    expect(wrongType.body).toEqual({
      error_code: "INVALID_PARAMETER_VALUE",
      message: "Invalid value \"high\" for column 'x3' at row 0: expected double.",
    });
    const ragged = await invocations({
      dataframe_split: { columns: FEATURES, data: [LOGREG_ROWS.a.slice(1)] },
    });
    expect(ragged.body).toEqual({
      error_code: "INVALID_PARAMETER_VALUE",
      message: "dataframe_split.data[0] must be a list of 20 values, one per column.",
    });
  });

  it("requires exactly one input key, as MLflow 2 does", async () => {
    const two = await invocations({ dataframe_split: { data: [] }, instances: [] });
    expect(two.status).toBe(400);
    expect((two.body as { error_code: string }).error_code).toBe("BAD_REQUEST");
    expect((two.body as { message: string }).message).toMatch(
      /^The input must be a JSON dictionary with exactly one of the input fields \{'dataframe_split', 'dataframe_records', 'instances', 'inputs'\}\. Received dictionary with input fields: \['dataframe_split', 'instances'\]\. IMPORTANT: The MLflow Model scoring protocol has changed/,
    );
    const list = await invocations([LOGREG_ROWS.a]);
    expect((list.body as { message: string }).message).toMatch(
      /^Invalid input\. The input must be a JSON dictionary .*Received a list\./,
    );
    const signature = await invocations({ signature_name: "serving_default", instances: [LOGREG_ROWS.a] });
    expect([signature.status, signature.body]).toEqual([
      400,
      {
        error_code: "BAD_REQUEST",
        message: 'Failed to parse data as TF serving input. "signature_name" is currently not supported',
      },
    ]);
    const json = await invocations("{oops");
    expect(json.status).toBe(400);
    expect((json.body as { message: string }).message).toMatch(
      /^Invalid input\. Ensure that input is a valid JSON formatted string\. Error: /,
    );
    const shape = await invocations({ dataframe_split: { columns: FEATURES, data: "rows" } });
    expect(shape.body).toEqual({
      error_code: "INVALID_PARAMETER_VALUE",
      message: "Invalid input. dataframe_split.data: Invalid input: expected array, received string",
    });
  });

  it("answers 415 in plain text for other content types, charsets and parameters", async () => {
    const cases: [string, string][] = [
      [
        "text/plain",
        "This predictor only supports the following content types: Types: ['text/csv', 'application/json']. Got 'text/plain'.",
      ],
      ["application/json; charset=latin-1", "The scoring server only supports UTF-8"],
      ["application/json; format=pandas-split", "Unrecognized content type parameters: format."],
    ];
    for (const [type, message] of cases) {
      const r = await invocations("{}", type);
      expect([r.status, r.headers["content-type"], r.text]).toEqual([415, "text/plain", message]);
    }
  });
});

describe("MLflow scoring: answers by signature", () => {
  it("an inferred tensor signature answers a DataFrame with records and a tensor with a dict of outputs", async () => {
    const app = await buildServingApp({
      models: new StaticModelRegistry([{ name: "logreg", predictor: served.logreg }]),
    });
    const split = await call(app, "POST", "/invocations", {
      dataframe_split: { columns: FEATURES, data: [LOGREG_ROWS.a] },
    });
    expect(split.body).toEqual({
      predictions: [{ probability: p(LOGREG_LOGITS.a) }],
      request_id: split.headers["x-request-id"],
    });
    const tensor = await call(app, "POST", "/invocations", { inputs: [LOGREG_ROWS.a, LOGREG_ROWS.zero] });
    expect(tensor.body).toEqual({
      predictions: { probability: [[p(LOGREG_LOGITS.a)], [p(LOGREG_LOGITS.zero)]] },
      request_id: expect.any(String),
    });
    const named = await call(app, "POST", "/invocations", { inputs: { input: [LOGREG_ROWS.b] } });
    expect(named.body).toEqual({
      predictions: { probability: [[p(LOGREG_LOGITS.b)]] },
      request_id: expect.any(String),
    });
    const rows = await call(app, "POST", "/invocations", { instances: [{ input: LOGREG_ROWS.b }] });
    expect([rows.status, rows.body]).toEqual([
      200,
      { predictions: { probability: [[p(LOGREG_LOGITS.b)]] }, request_id: expect.any(String) },
    ]);
    // One CSV value is not a 20-value row: refused, never padded with zeros.
    const csv = await call(app, "POST", "/invocations", "input\n1\n", { "content-type": "text/csv" });
    expect([csv.status, csv.body]).toEqual([
      400,
      {
        error_code: "INVALID_PARAMETER_VALUE",
        message: "Invalid value \"1\" for input 'input' at row 0: expected float32 [-1, 20].",
      },
    ]);
    const wrong = await call(app, "POST", "/invocations", { inputs: [LOGREG_ROWS.a.slice(2)] });
    expect(wrong.body).toEqual({
      error_code: "INVALID_PARAMETER_VALUE",
      message: "Input 'input' has shape [1, 18]; the model expects [-1, 20].",
    });
    await app.close();
  });

  it("an MLflow onnx-flavor directory answers records, a multi-valued output as a list per row", async () => {
    const app = await buildServingApp({
      models: new StaticModelRegistry([{ name: "trees", predictor: served.trees }]),
    });
    const r = await call(app, "POST", "/invocations", {
      dataframe_split: { columns: ["f0", "f1", "f2"], data: [[1, 2, 1]] },
    });
    expect(r.body).toEqual({
      predictions: [{ label: 1, probabilities: [expect.closeTo(1 - sigmoid(0.25), 6), p(0.25)] }],
      request_id: expect.any(String),
    });
    await app.close();
  });
});

describe("MLflow health routes", () => {
  it("/ping and /health answer 200 with a newline; /version the MLflow version", async () => {
    for (const url of ["/ping", "/health"]) {
      const r = await call(served.app, "GET", url);
      expect([r.status, r.text]).toEqual([200, "\n"]);
      expect(r.headers["content-type"]).toMatch(/^application\/json/);
    }
    expect((await call(served.app, "GET", "/version")).text).toBe("2.16.2");
  });

  it("without a default model /ping is 404 and /invocations names the problem", async () => {
    const app = await buildServingApp({
      models: new StaticModelRegistry(
        [
          { name: "a", predictor: served.logreg },
          { name: "b", predictor: served.trees },
        ],
        {},
      ),
    });
    expect((await call(app, "GET", "/ping")).status).toBe(404);
    const r = await call(app, "POST", "/invocations", { inputs: [LOGREG_ROWS.a] });
    expect([r.status, r.body]).toEqual([
      404,
      { error_code: "RESOURCE_DOES_NOT_EXIST", message: "No default model is served at /invocations." },
    ]);
    await app.close();
  });
});
