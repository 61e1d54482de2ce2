import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  buildServingApp,
  type ModelRegistryView,
  type Predictor,
  StaticModelRegistry,
  v2InferenceResponse,
  v2ModelMetadata,
} from "../src/index.js";
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
const input = (rows: number[][], extra: Record<string, unknown> = {}) => ({
  name: "input",
  shape: [rows.length, 20],
  datatype: "FP32",
  data: rows.flat(),
  ...extra,
});
const infer = (body: unknown, model = "logreg", headers: Record<string, string> = {}) =>
  call(served.app, "POST", `/v2/models/${model}/infer`, body, headers);

describe("health and metadata", () => {
  it("GET /v2 answers the server metadata with the binary tensor extension", async () => {
    const r = await call(served.app, "GET", "/v2");
    expect([r.status, r.body]).toEqual([
      200,
      { name: "gyre", version: "9.9.9", extensions: ["binary_tensor_data"] },
    ]);
  });

  it("answers live and ready with JSON bodies", async () => {
    expect((await call(served.app, "GET", "/v2/health/live")).body).toEqual({ live: true });
    const ready = await call(served.app, "GET", "/v2/health/ready");
    expect([ready.status, ready.body]).toEqual([200, { ready: true }]);
  });

  it("answers model metadata with versions, datatypes and -1 for variable dimensions", async () => {
    const r = await call(served.app, "GET", "/v2/models/logreg");
    const expected = {
      name: "logreg",
      versions: ["1", "2"],
      platform: "onnxruntime_onnx",
      inputs: [{ name: "input", datatype: "FP32", shape: [-1, 20] }],
      outputs: [{ name: "probability", datatype: "FP32", shape: [-1, 1] }],
    };
    expect([r.status, r.body]).toEqual([200, expected]);
    expect(v2ModelMetadata.parse(r.body)).toEqual(expected);
    expect((await call(served.app, "GET", "/v2/models/logreg/versions/1")).body).toEqual(expected);
    const members = await call(served.app, "GET", "/v2/models/members");
    expect(members.body).toEqual({
      name: "members",
      platform: "onnxruntime_onnx",
      inputs: [
        { name: "age", datatype: "INT64", shape: [-1] },
        { name: "income", datatype: "FP64", shape: [-1] },
        { name: "member", datatype: "BOOL", shape: [-1] },
      ],
      outputs: [{ name: "score", datatype: "FP32", shape: [-1, 1] }],
    });
  });

  it("answers model readiness, and 404 {error} for unknown models and versions", async () => {
    expect((await call(served.app, "GET", "/v2/models/trees/ready")).body).toEqual({
      name: "trees",
      ready: true,
    });
    expect((await call(served.app, "GET", "/v2/models/trees/versions/7/ready")).body).toEqual({
      name: "trees",
      ready: true,
    });
    const unknown = await call(served.app, "GET", "/v2/models/nope/ready");
    expect([unknown.status, unknown.body]).toEqual([404, { error: "Model 'nope' is not served here." }]);
    const version = await call(served.app, "GET", "/v2/models/logreg/versions/9");
    expect([version.status, version.body]).toEqual([
      404,
      { error: "Model 'logreg' version '9' is not served here." },
    ]);
    const route = await call(served.app, "GET", "/v2/nothing/here");
    expect([route.status, route.body]).toEqual([404, { error: "No route for GET /v2/nothing/here" }]);
    const badUrl = await call(served.app, "GET", "/v2/models/%ZZ/ready");
    expect([badUrl.status, badUrl.body]).toEqual([
      400,
      { error: "'/v2/models/%ZZ/ready' is not a valid url component" },
    ]);
  });
});

describe("inference", () => {
  it("answers flat data with the request's id, the model version and the probabilities", async () => {
    const r = await infer({ id: "req-17", inputs: [input([LOGREG_ROWS.a, LOGREG_ROWS.b])] });
    expect(r.status).toBe(200);
    expect(r.body).toEqual({
      model_name: "logreg",
      model_version: "2",
      id: "req-17",
      // The request's own id is the answer's (the protocol's rule); the request id rides along.
      parameters: { request_id: r.headers["x-request-id"] },
      outputs: [
        {
          name: "probability",
          datatype: "FP32",
          shape: [2, 1],
          data: [p(LOGREG_LOGITS.a), p(LOGREG_LOGITS.b)],
        },
      ],
    });
    expect(v2InferenceResponse.safeParse(r.body).success).toBe(true);
    expect(r.headers["x-request-id"]).toMatch(/^[0-9a-f-]{36}$/);
  });

  it("accepts nested data, versioned paths, and uses the request id as the id when none is sent", async () => {
    const r = await call(
      served.app,
      "POST",
      "/v2/models/logreg/versions/1/infer",
      { inputs: [{ name: "input", shape: [1, 20], datatype: "FP32", data: [LOGREG_ROWS.zero] }] },
      { "x-request-id": "trace-42" },
    );
    expect(r.headers["x-request-id"]).toBe("trace-42");
    expect(r.body).toEqual({
      model_name: "logreg",
      model_version: "1",
      id: "trace-42",
      outputs: [{ name: "probability", datatype: "FP32", shape: [1, 1], data: [p(LOGREG_LOGITS.zero)] }],
    });
  });

  it("returns only the requested outputs (a column model also takes its ONNX [n, k] tensor, by position)", async () => {
    const body = {
      inputs: [{ name: "X", shape: [1, 3], datatype: "FP32", data: [1, 2, 1] }],
      outputs: [{ name: "label" }],
    };
    const r = await infer(body, "trees");
    expect(r.body).toMatchObject({ outputs: [{ name: "label", datatype: "INT64", shape: [1], data: [1] }] });
    expect((r.body as { outputs: unknown[] }).outputs).toHaveLength(1);
    const unknown = await infer({ ...body, outputs: [{ name: "proba" }] }, "trees");
    expect([unknown.status, unknown.body]).toEqual([
      400,
      { error: "Unknown output 'proba': the model's outputs are label, probabilities." },
    ]);
  });

  it("feeds a column-signature model one input per column, and MLServer's pd content type", async () => {
    const columns = LOGREG_ROWS.a.map((v, i) => ({ name: `x${i}`, shape: [1], datatype: "FP64", data: [v] }));
    const r = await infer({ inputs: columns }, "churn");
    expect(r.body).toMatchObject({
      outputs: [{ name: "probability", shape: [1, 1], data: [p(LOGREG_LOGITS.a)] }],
    });
    // Rows [0, 0, 0] and [1, 2, 1]: tree sums 0 and 0.5, plus the base value −0.25.
    const rows = { f0: [0, 1], f1: [0, 2], f2: [0, 1] };
    const pd = await infer(
      {
        parameters: { content_type: "pd" },
        inputs: Object.entries(rows).map(([name, data]) => ({ name, shape: [2, 1], datatype: "FP64", data })),
      },
      "trees",
    );
    expect(pd.body).toEqual({
      model_name: "trees",
      model_version: "7",
      id: pd.headers["x-request-id"],
      outputs: [
        { name: "label", datatype: "INT64", shape: [2], data: [0, 1] },
        {
          name: "probabilities",
          datatype: "FP32",
          shape: [2, 2],
          data: [
            expect.closeTo(1 - sigmoid(-0.25), 6),
            p(-0.25),
            expect.closeTo(1 - sigmoid(0.25), 6),
            p(0.25),
          ],
        },
      ],
    });
    const wrongColumn = await infer(
      {
        parameters: { content_type: "pd" },
        inputs: [{ name: "g0", shape: [1], datatype: "FP64", data: [1] }],
      },
      "trees",
    );
    expect(wrongColumn.body).toEqual({ error: "Unknown column 'g0': the model's columns are f0, f1, f2." });
    const members = await infer(
      {
        inputs: [
          { name: "member", shape: [2], datatype: "BOOL", data: [true, false] },
          { name: "age", shape: [2, 1], datatype: "INT64", data: [[30], [41]] },
          { name: "income", shape: [2], datatype: "FP32", data: [100, 3] },
        ],
      },
      "members",
    );
    expect(members.body).toMatchObject({ outputs: [{ name: "score", shape: [2, 1], data: [120, 83.5] }] });
  });

  it("rejects invalid inputs with 400 {error} naming the input or column and the expected type", async () => {
    const cases: [unknown, string, string?][] = [
      [
        { inputs: [{ ...input([LOGREG_ROWS.a]), shape: [1, 19], data: LOGREG_ROWS.a.slice(1) }] },
        "Input 'input' has shape [1, 19]; the model expects [-1, 20].",
      ],
      [
        { inputs: [{ ...input([LOGREG_ROWS.a]), data: LOGREG_ROWS.a.slice(1) }] },
        "Input 'input' has 19 values (or is nested otherwise than its shape); its shape [1, 20] needs 20.",
      ],
      [
        { inputs: [{ ...input([LOGREG_ROWS.a]), data: ["abc", ...LOGREG_ROWS.a.slice(1)] }] },
        "Invalid value \"abc\" for input 'input' at row 0, element 0: expected float32.",
      ],
      [
        { inputs: [{ ...input([LOGREG_ROWS.a]), name: "features" }] },
        "Unknown input 'features': the model's inputs are input.",
      ],
      [
        { inputs: [{ ...input([LOGREG_ROWS.a]), datatype: "BYTES" }] },
        "Input 'input' has datatype BYTES; input 'input' expects FP32.",
      ],
      [
        { inputs: [{ ...input([LOGREG_ROWS.a]), datatype: "FP42" }] },
        "Input 'input' has the unknown datatype 'FP42'.",
      ],
      [{ inputs: [input([LOGREG_ROWS.a]), input([LOGREG_ROWS.b])] }, "Duplicate input 'input'."],
      [
        { inputs: [input([LOGREG_ROWS.a], { shape: [1e11, 20] })] },
        "Input 'input' has 20 values (or is nested otherwise than its shape); its shape [100000000000, 20] needs 2000000000000.",
      ],
      [{ inputs: [] }, "Invalid inference request: inputs: Too small: expected array to have >=1 items"],
      [
        { inputs: [{ name: "input", datatype: "FP32", data: [] }] },
        "Invalid inference request: inputs.0.shape: Invalid input: expected array, received undefined",
      ],
      [
        {
          inputs: [
            { name: "age", shape: [1], datatype: "INT64", data: [30] },
            { name: "income", shape: [1], datatype: "FP64", data: [1] },
          ],
        },
        "Missing column 'member' (expected boolean).",
        "members",
      ],
      [
        {
          inputs: [
            { name: "age", shape: [1], datatype: "INT64", data: [30] },
            { name: "income", shape: [1], datatype: "FP64", data: [1] },
            { name: "member", shape: [1], datatype: "INT64", data: [2] },
          ],
        },
        "Invalid value 2 for column 'member' at row 0: expected boolean.",
        "members",
      ],
      [
        { inputs: [{ name: "age", shape: [1], datatype: "FP64", data: [30.5] }] },
        "Input 'age' has datatype FP64; column 'age' expects INT64.",
        "members",
      ],
    ];
    for (const [body, message, model] of cases) {
      const r = await infer(body, model);
      expect([r.status, r.body], message).toEqual([400, { error: message }]);
    }
    const json = await call(served.app, "POST", "/v2/models/logreg/infer", "{not json", {});
    expect(json.status).toBe(400);
    expect((json.body as { error: string }).error).toMatch(/^Malformed JSON request body: /);
    const fp16 = await infer({ inputs: [{ ...input([LOGREG_ROWS.a]), datatype: "FP16" }] });
    expect([fp16.status, fp16.body]).toEqual([
      501,
      { error: "Datatype FP16 (input 'input') is not supported." },
    ]);
    const unknown = await infer({ inputs: [input([LOGREG_ROWS.a])] }, "nope");
    expect([unknown.status, unknown.body]).toEqual([404, { error: "Model 'nope' is not served here." }]);
  });
});

describe("batching over HTTP", () => {
  it("serves 100 concurrent loopback requests with fewer runs and each request's own answer", async () => {
    const { ModelRuntime } = await import("../src/index.js");
    const runtime = await ModelRuntime.load(`${served.root}/logreg`, { name: "http" });
    const app = await buildServingApp({
      models: new StaticModelRegistry([{ name: "http", predictor: runtime }]),
    });
    await app.listen({ host: "127.0.0.1", port: 0 });
    const { port } = app.server.address() as { port: number };
    const rows = [LOGREG_ROWS.a, LOGREG_ROWS.b, LOGREG_ROWS.zero];
    const logits = [LOGREG_LOGITS.a, LOGREG_LOGITS.b, LOGREG_LOGITS.zero];
    const answers = await Promise.all(
      Array.from({ length: 100 }, async (_, i) => {
        const response = await fetch(`http://127.0.0.1:${port}/v2/models/http/infer`, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ id: `r${i}`, inputs: [input([rows[i % 3]!])] }),
        });
        return (await response.json()) as { id: string; outputs: { data: number[] }[] };
      }),
    );
    answers.forEach((a, i) => {
      expect(a.id).toBe(`r${i}`);
      expect(a.outputs[0]!.data).toEqual([p(logits[i % 3]!)]);
    });
    expect(runtime.stats.requests).toBe(100);
    expect(runtime.stats.runs).toBeLessThan(100);
    await app.close();
    await runtime.release();
  });
});

describe("binary tensor data extension", () => {
  const binaryRequest = (json: unknown, ...parts: Uint8Array[]) => {
    const header = Buffer.from(JSON.stringify(json));
    return {
      payload: Buffer.concat([header, ...parts]),
      headers: {
        "content-type": "application/octet-stream",
        "inference-header-content-length": String(header.length),
      },
    };
  };

  it("reads binary inputs and answers JSON unless binary output is asked for", async () => {
    const rows = Float32Array.from([...LOGREG_ROWS.a, ...LOGREG_ROWS.b]);
    const bytes = new Uint8Array(rows.buffer);
    const { payload, headers } = binaryRequest(
      {
        inputs: [
          { name: "input", shape: [2, 20], datatype: "FP32", parameters: { binary_data_size: bytes.length } },
        ],
      },
      bytes,
    );
    const r = await served.app.inject({ method: "POST", url: "/v2/models/logreg/infer", payload, headers });
    expect(r.statusCode).toBe(200);
    expect(JSON.parse(r.body).outputs[0].data).toEqual([p(LOGREG_LOGITS.a), p(LOGREG_LOGITS.b)]);
  });

  it("answers binary outputs after the JSON header, with Inference-Header-Content-Length", async () => {
    const x = Float32Array.from([0, 0, 0, 1, 0.5, -1, 1, 2, 1]);
    const { payload, headers } = binaryRequest(
      {
        inputs: [{ name: "X", shape: [3, 3], datatype: "FP32", parameters: { binary_data_size: 36 } }],
        outputs: [{ name: "label", parameters: { binary_data: true } }, { name: "probabilities" }],
      },
      new Uint8Array(x.buffer),
    );
    const r = await served.app.inject({ method: "POST", url: "/v2/models/trees/infer", payload, headers });
    expect(r.statusCode).toBe(200);
    expect(r.headers["content-type"]).toBe("application/octet-stream");
    const headerLength = Number(r.headers["inference-header-content-length"]);
    const raw = r.rawPayload;
    const json = JSON.parse(raw.subarray(0, headerLength).toString());
    expect(json.outputs[0]).toEqual({
      name: "label",
      datatype: "INT64",
      shape: [3],
      parameters: { binary_data_size: 24 },
    });
    const labels = new BigInt64Array(
      raw.buffer.slice(raw.byteOffset + headerLength, raw.byteOffset + headerLength + 24),
    );
    expect(Array.from(labels)).toEqual([0n, 0n, 1n]);
    expect(raw.length).toBe(headerLength + 24);
    expect(json.outputs[1].data).toHaveLength(6);
  });

  it("rejects binary parts that do not match their declared sizes", async () => {
    const short = binaryRequest(
      { inputs: [{ name: "input", shape: [1, 20], datatype: "FP32", parameters: { binary_data_size: 80 } }] },
      new Uint8Array(40),
    );
    const r = await served.app.inject({ method: "POST", url: "/v2/models/logreg/infer", ...short });
    expect([r.statusCode, JSON.parse(r.body)]).toEqual([
      400,
      { error: "Input 'input' declares 80 bytes of binary data beyond the end of the request body." },
    ]);
    const wrong = binaryRequest(
      { inputs: [{ name: "input", shape: [1, 20], datatype: "FP32", parameters: { binary_data_size: 40 } }] },
      new Uint8Array(40),
    );
    const w = await served.app.inject({ method: "POST", url: "/v2/models/logreg/infer", ...wrong });
    expect(JSON.parse(w.body)).toEqual({
      error: "Input 'input' has 40 bytes of binary data; its shape needs 80.",
    });
  });
});

describe("overload and readiness", () => {
  it("answers 503 with Retry-After when the queue is full, and when a model is not ready", async () => {
    const { ModelRuntime } = await import("../src/index.js");
    const small = await ModelRuntime.load(`${served.root}/logreg`, {
      name: "small",
      batching: { maxQueueRows: 2 },
    });
    const notReady: Predictor = {
      ...small,
      schema: small.schema,
      outputs: small.outputs,
      signature: small.signature,
      signatureDeclared: false,
      ready: false,
      predict: (b) => small.predict(b),
    };
    const models: ModelRegistryView = new StaticModelRegistry([
      { name: "small", predictor: small },
      { name: "loading", predictor: notReady },
    ]);
    const app = await buildServingApp({ models });
    const body = JSON.stringify({ inputs: [input([LOGREG_ROWS.a])] });
    const answers = await Promise.all(
      Array.from({ length: 6 }, () =>
        app.inject({
          method: "POST",
          url: "/v2/models/small/infer",
          payload: body,
          headers: { "content-type": "application/json" },
        }),
      ),
    );
    expect(answers.map((a) => a.statusCode).sort()).toEqual([200, 200, 503, 503, 503, 503]);
    const refused = answers.find((a) => a.statusCode === 503)!;
    expect(refused.headers["retry-after"]).toBe("1");
    expect(JSON.parse(refused.body)).toEqual({
      error: "Model small is overloaded: 2 rows are queued (limit 2). Retry later.",
    });

    const loading = await app.inject({
      method: "POST",
      url: "/v2/models/loading/infer",
      payload: body,
      headers: { "content-type": "application/json" },
    });
    expect([loading.statusCode, loading.headers["retry-after"], JSON.parse(loading.body)]).toEqual([
      503,
      "1",
      { error: "Model 'loading' is not ready." },
    ]);
    const ready = await app.inject({ method: "GET", url: "/v2/health/ready" });
    expect([ready.statusCode, JSON.parse(ready.body)]).toEqual([503, { ready: false }]);
    const modelReady = await app.inject({ method: "GET", url: "/v2/models/loading/ready" });
    expect([modelReady.statusCode, JSON.parse(modelReady.body)]).toEqual([
      503,
      { name: "loading", ready: false },
    ]);
    await app.close();
    await small.release();
  });

  it("answers 413 {error} for a body over the limit", async () => {
    const app = await buildServingApp({
      models: new StaticModelRegistry([{ name: "logreg", predictor: served.logreg }]),
      bodyLimitBytes: 100,
    });
    const r = await app.inject({
      method: "POST",
      url: "/v2/models/logreg/infer",
      payload: JSON.stringify({ inputs: [input([LOGREG_ROWS.a])] }),
      headers: { "content-type": "application/json" },
    });
    expect(r.statusCode).toBe(413);
    expect(JSON.parse(r.body)).toEqual({ error: "Request body is too large" });
    await app.close();
  });
});
