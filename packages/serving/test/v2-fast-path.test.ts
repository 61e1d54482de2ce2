import http from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildServingApp, type InferenceOutcome, StaticModelRegistry } from "../src/index.js";
import { v2FastPath } from "../src/protocols/v2-fast-path.js";
import { LOGREG_ROWS } from "./support/models.js";
import { type Served, startServed } from "./support/served.js";

/**
 * The raw node:http fast path must answer exactly as the Fastify route does: the same requests
 * go to both (the route through `inject`, which never takes the fast path) and every answer —
 * status, body, the headers a client reads — and every observed outcome must match.
 */
let served: Served;
let server: http.Server;
let port: number;
let declined = 0;
const fastOutcomes: InferenceOutcome[] = [];
const mountedOutcomes: InferenceOutcome[] = [];
const routeOutcomes: InferenceOutcome[] = [];
let routeApp: Awaited<ReturnType<typeof buildServingApp>>;

beforeAll(async () => {
  served = await startServed();
  const registry = new StaticModelRegistry(
    [
      { name: "logreg", version: "1", predictor: served.logreg },
      { name: "logreg", version: "2", predictor: served.logreg },
      { name: "members", predictor: served.perColumn },
    ],
    {},
  );
  routeApp = await buildServingApp({
    models: registry,
    observer: { onInference: (o) => routeOutcomes.push(o) },
  });
  const fast = v2FastPath({
    models: registry,
    observer: { onInference: (o) => fastOutcomes.push(o) },
    bodyLimitBytes: 4096,
    log: () => ({ error: () => undefined }),
  });
  // `gyre server`'s form: deployments under /serving/{name}; only "dep" is served here.
  const mounted = v2FastPath({
    models: { prefix: "/serving", viewOf: (name) => (name === "dep" ? registry : undefined) },
    observer: { onInference: (o) => mountedOutcomes.push(o) },
    bodyLimitBytes: 4096,
    log: () => ({ error: () => undefined }),
  });
  server = http.createServer((request, response) => {
    if (fast(request, response) || mounted(request, response)) return;
    declined++;
    request.resume();
    response.writeHead(599).end();
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  port = (server.address() as AddressInfo).port;
});
afterAll(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
  await routeApp.close();
  await served.close();
});

function raw(
  path: string,
  body: string,
  headers: Record<string, string> = {},
  method = "POST",
): Promise<{ status: number; headers: http.IncomingHttpHeaders; text: string }> {
  return new Promise((resolve, reject) => {
    const request = http.request(
      {
        host: "127.0.0.1",
        port,
        path,
        method,
        headers: {
          "content-type": "application/json",
          "content-length": Buffer.byteLength(body),
          ...headers,
        },
      },
      (response) => {
        const chunks: Buffer[] = [];
        response.on("data", (c: Buffer) => chunks.push(c));
        response.on("end", () =>
          resolve({
            status: response.statusCode ?? 0,
            headers: response.headers,
            text: Buffer.concat(chunks).toString("latin1"),
          }),
        );
      },
    );
    request.on("error", reject);
    request.end(body);
  });
}

const input = (rows: number[][]) => ({
  name: "input",
  shape: [rows.length, 20],
  datatype: "FP32",
  data: rows.flat(),
});

/** Every form a plain request can take, with each error the route can give. */
const cases: [string, string, Record<string, string>?][] = [
  ["/v2/models/logreg/infer", JSON.stringify({ id: "a", inputs: [input([LOGREG_ROWS.a, LOGREG_ROWS.b])] })],
  [
    "/v2/models/logreg/versions/1/infer",
    JSON.stringify({ inputs: [{ ...input([]), shape: [1, 20], data: [LOGREG_ROWS.zero] }] }),
    { "x-request-id": "trace-1" },
  ],
  [
    "/v2/models/logreg/infer",
    JSON.stringify({ inputs: [input([LOGREG_ROWS.a])], parameters: { binary_data_output: true } }),
    { "x-request-id": "trace-2" },
  ],
  [
    "/v2/models/members/infer",
    JSON.stringify({
      inputs: [
        { name: "age", shape: [1], datatype: "INT64", data: [30] },
        { name: "income", shape: [1], datatype: "FP64", data: [1.5] },
        { name: "member", shape: [1], datatype: "BOOL", data: [true] },
      ],
    }),
    { "x-request-id": "trace-3" },
  ],
  [
    "/v2/models/nope/infer",
    JSON.stringify({ inputs: [input([LOGREG_ROWS.a])] }),
    { "x-request-id": "trace-4" },
  ],
  [
    "/v2/models/logreg/versions/9/infer",
    JSON.stringify({ inputs: [input([LOGREG_ROWS.a])] }),
    { "x-request-id": "trace-5" },
  ],
  ["/v2/models/logreg/infer", "{not json", { "x-request-id": "trace-6" }],
  ["/v2/models/logreg/infer", JSON.stringify({ inputs: [] }), { "x-request-id": "trace-7" }],
  [
    "/v2/models/logreg/infer",
    JSON.stringify({ inputs: [{ ...input([LOGREG_ROWS.a]), shape: [1, 3] }] }),
    { "x-request-id": "trace-8" },
  ],
  [
    "/v2/models/logreg/infer",
    JSON.stringify({ inputs: [input([LOGREG_ROWS.a])], outputs: [{ name: "nope" }] }),
    { "x-request-id": "trace-9" },
  ],
];

/** Sends every case to the fast path under `mount` and to the route at the root: the same answers. */
async function expectSameAnswers(mount: string): Promise<void> {
  for (const [path, body, headers = {}] of cases) {
    const fast = await raw(`${mount}${path}`, body, headers);
    const route = await routeApp.inject({
      method: "POST",
      url: path,
      payload: body,
      headers: { "content-type": "application/json", ...headers },
    });
    const what = `${path} ${body.slice(0, 60)}`;
    // A generated request id differs between the two servers; the body carries the header's.
    const fastText = fast.text.replaceAll(
      String(fast.headers["x-request-id"]),
      String(route.headers["x-request-id"]),
    );
    expect([fast.status, fastText], what).toEqual([route.statusCode, route.rawPayload.toString("latin1")]);
    for (const header of ["content-type", "inference-header-content-length", "retry-after"]) {
      expect(fast.headers[header], `${what}: ${header}`).toEqual(route.headers[header]);
    }
    if (headers["x-request-id"]) expect(fast.headers["x-request-id"]).toBe(headers["x-request-id"]);
    else expect(fast.headers["x-request-id"]).toMatch(/^[0-9a-f-]{36}$/);
  }
}

describe("the V2 fast path", () => {
  it("answers every request exactly as the Fastify route does", async () => {
    await expectSameAnswers("");
    expect(declined).toBe(0);
    const summary = (o: InferenceOutcome) => [o.protocol, o.status, o.served?.version, o.prediction?.rows];
    expect(fastOutcomes.map(summary)).toEqual(routeOutcomes.map(summary));
    expect(fastOutcomes.map((o) => o.requestId).slice(1)).toEqual(
      cases.slice(1).map((c) => c[2]!["x-request-id"]),
    );
    expect(fastOutcomes.every((o) => o.latencyMs >= 0)).toBe(true);
  });

  it("answers a mounted deployment's requests as the route answers them at its root", async () => {
    const routeBefore = routeOutcomes.length;
    await expectSameAnswers("/serving/dep");
    const summary = (o: InferenceOutcome) => [o.protocol, o.status, o.served?.version, o.prediction?.rows];
    expect(mountedOutcomes.map(summary)).toEqual(routeOutcomes.slice(routeBefore).map(summary));
    expect(mountedOutcomes).toHaveLength(cases.length);
  });

  it("leaves everything but a plain inference request to Fastify", async () => {
    const body = JSON.stringify({ inputs: [input([LOGREG_ROWS.a])] });
    const before = declined;
    for (const [path, headers, method] of [
      ["/v2/models/logreg/infer?x=1", {}, "POST"],
      ["/v2/models/logreg/infer/", {}, "POST"],
      ["/v2/models/logreg", {}, "POST"],
      ["/v2/models/logreg/infer", {}, "PUT"],
      ["/v2/models/logreg/infer", { "inference-header-content-length": "10" }, "POST"],
      ["/v2/models/%E0%A4%A/infer", {}, "POST"],
      // Mounted: a deployment not served here, a malformed name, a path outside the mount.
      ["/serving/other/v2/models/logreg/infer", {}, "POST"],
      ["/serving/%E0%A4%A/v2/models/logreg/infer", {}, "POST"],
      ["/serving/dep/v2/models/logreg/infer?x=1", {}, "POST"],
      ["/servingx/dep/v2/models/logreg/infer", {}, "POST"],
    ] as const) {
      expect((await raw(path, body, headers, method)).status, path).toBe(599);
    }
    // Past the body limit (4096 bytes here): Fastify answers 413 itself.
    expect((await raw("/v2/models/logreg/infer", " ".repeat(5000))).status).toBe(599);
    expect(declined - before).toBe(11);
  });
});
