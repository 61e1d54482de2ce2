import type { AddressInfo } from "node:net";
import { createServer } from "node:net";
import { userInfo } from "node:os";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sqliteBackend } from "../../server/test/support/backends.js";
import { startTestServer, type TestServer } from "../../server/test/support/server.js";
import { Gyre, GyreClient, GyreError, tracking } from "../src/index.js";
import { recordingFetch } from "./support/recording-fetch.js";

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer(sqliteBackend);
});
afterAll(() => server.close());

async function rejection(promise: Promise<unknown>): Promise<GyreError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(GyreError);
  return error as GyreError;
}

/** A loopback port that was free a moment ago: connecting to it is refused. */
async function closedPort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, "127.0.0.1", resolve));
  const { port } = probe.address() as AddressInfo;
  await new Promise((resolve) => probe.close(resolve));
  return port;
}

const json = (status: number, body: unknown, headers: Record<string, string> = {}) =>
  new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json", ...headers } });

describe("GyreClient against a real server", () => {
  it("calls a GET contract with a query string and a POST contract with a JSON body", async () => {
    const recorder = recordingFetch();
    const client = new GyreClient({ trackingUri: server.baseUrl, fetch: recorder.fetch });
    const { experiment_id } = await client.call(tracking.createExperiment, { name: "client-call" });
    const { experiment } = await client.call(tracking.getExperiment, { experiment_id });

    expect(experiment.name).toBe("client-call");
    expect(recorder.requests.map((r) => r.method)).toEqual(["POST", "GET"]);
    expect(recorder.requests[0]?.json).toEqual({ name: "client-call" });
    expect(recorder.requests[1]?.url).toBe(
      `${server.baseUrl}/api/2.0/mlflow/experiments/get?experiment_id=${experiment_id}`,
    );
  });

  it("sends arrays as repeated query keys", async () => {
    const recorder = recordingFetch();
    const client = new GyreClient({ trackingUri: server.baseUrl, fetch: recorder.fetch });
    const gyre = new Gyre({ trackingUri: server.baseUrl });
    const run = await gyre.startRun({ experiment: "bulk" });
    run.logMetric("m", 1.5, { step: 3, timestamp: 1000 });
    await run.end();

    const { metrics } = await client.call(tracking.getMetricHistoryBulkInterval, {
      run_ids: [run.id, "missing"],
      metric_key: "m",
    });
    expect(new URL(recorder.requests[0]?.url ?? "").searchParams.getAll("run_ids")).toEqual([
      run.id,
      "missing",
    ]);
    expect(metrics).toEqual([{ key: "m", value: 1.5, timestamp: 1000, step: 3, run_id: run.id }]);
  });

  it("throws GyreError INVALID_PARAMETER_VALUE (400) when a param is re-logged with another value", async () => {
    const gyre = new Gyre({ trackingUri: server.baseUrl });
    const run = await gyre.startRun({ experiment: "errors", params: { lr: "0.1" } });
    await run.logParam("lr", "0.1"); // the same value again is allowed

    const error = await rejection(run.logParam("lr", "0.2"));
    expect(error.code).toBe("INVALID_PARAMETER_VALUE");
    expect(error.status).toBe(400);
    expect(error.message).toContain("Changing param values is not allowed");
    expect((await gyre.getRun(run.id)).data.params).toEqual([{ key: "lr", value: "0.1" }]);
    await run.end();
  });

  it("throws GyreError RESOURCE_DOES_NOT_EXIST (404) for an unknown run", async () => {
    const gyre = new Gyre({ trackingUri: server.baseUrl });
    const error = await rejection(gyre.getRun("0123456789abcdef0123456789abcdef"));
    expect(error.code).toBe("RESOURCE_DOES_NOT_EXIST");
    expect(error.status).toBe(404);
    expect(error.message).toBe("Run with id=0123456789abcdef0123456789abcdef not found");
  });
});

describe("GyreClient error mapping and retries", () => {
  const contract = tracking.getExperiment;

  it("maps unknown error codes and non-JSON bodies by HTTP status, keeping the original in the message", async () => {
    const answers = [
      json(400, { error_code: "SOMETHING_NEW", message: "odd" }),
      new Response("<html>Not Found</html>", { status: 404 }),
      new Response("bad gateway", { status: 502 }),
      json(401, { message: "no token" }),
    ];
    const client = new GyreClient({ trackingUri: "http://stub", fetch: async () => answers.shift()! });

    const unknownCode = await rejection(client.call(contract, { experiment_id: "1" }));
    expect([unknownCode.code, unknownCode.message]).toEqual([
      "BAD_REQUEST",
      "odd (server error code SOMETHING_NEW)",
    ]);
    const html404 = await rejection(client.call(contract, { experiment_id: "1" }));
    expect([html404.code, html404.status]).toEqual(["ENDPOINT_NOT_FOUND", 404]);
    expect(html404.message).toBe(
      "GET /api/2.0/mlflow/experiments/get failed with HTTP 404: <html>Not Found</html>",
    );
    const gateway = await rejection(client.call(contract, { experiment_id: "1" }));
    expect([gateway.code, gateway.message]).toEqual([
      "INTERNAL_ERROR",
      "GET /api/2.0/mlflow/experiments/get failed with HTTP 502: bad gateway",
    ]);
    const unauthenticated = await rejection(client.call(contract, { experiment_id: "1" }));
    expect([unauthenticated.code, unauthenticated.status]).toEqual(["UNAUTHENTICATED", 401]);
  });

  it("retries 503 and 429 with backoff and then succeeds", async () => {
    const answers = [
      json(503, { error_code: "TEMPORARILY_UNAVAILABLE", message: "busy" }),
      json(429, { error_code: "REQUEST_LIMIT_EXCEEDED", message: "slow down" }),
    ];
    const recorder = recordingFetch((url) => answers.shift() ?? json(200, { experiment_id: url }));
    const client = new GyreClient({ trackingUri: "http://stub", fetch: recorder.fetch, retryBaseDelayMs: 1 });

    const result = await client.call(tracking.createExperiment, { name: "x" });
    expect(result).toEqual({ experiment_id: "http://stub/api/2.0/mlflow/experiments/create" });
    expect(recorder.requests).toHaveLength(3);
  });

  it("honours Retry-After", async () => {
    const answers = [
      json(429, { error_code: "REQUEST_LIMIT_EXCEEDED", message: "later" }, { "retry-after": "1" }),
    ];
    const client = new GyreClient({
      trackingUri: "http://stub",
      fetch: async () => answers.shift() ?? json(200, {}),
      retryBaseDelayMs: 1,
    });
    const started = Date.now();
    await client.call(tracking.createExperiment, { name: "x" });
    expect(Date.now() - started).toBeGreaterThanOrEqual(990);
  });

  it("gives up after maxRetries and reports the last answer", async () => {
    const recorder = recordingFetch(() =>
      json(503, { error_code: "TEMPORARILY_UNAVAILABLE", message: "down" }),
    );
    const client = new GyreClient({
      trackingUri: "http://stub",
      fetch: recorder.fetch,
      maxRetries: 2,
      retryBaseDelayMs: 1,
    });
    const error = await rejection(client.call(tracking.createExperiment, { name: "x" }));
    expect([error.code, error.message]).toEqual(["TEMPORARILY_UNAVAILABLE", "down"]);
    expect(recorder.requests).toHaveLength(3);
  });

  it("does not retry other errors", async () => {
    const recorder = recordingFetch(() => json(500, { error_code: "INTERNAL_ERROR", message: "boom" }));
    const client = new GyreClient({ trackingUri: "http://stub", fetch: recorder.fetch, retryBaseDelayMs: 1 });
    const error = await rejection(client.call(tracking.createExperiment, { name: "x" }));
    expect([error.code, error.status]).toEqual(["INTERNAL_ERROR", 500]);
    expect(recorder.requests).toHaveLength(1);
  });

  it("retries network errors, then reports the server as unreachable", async () => {
    const port = await closedPort();
    const recorder = recordingFetch();
    const client = new GyreClient({
      trackingUri: `http://127.0.0.1:${port}`,
      fetch: recorder.fetch,
      retryBaseDelayMs: 1,
    });
    const error = await rejection(client.call(tracking.createExperiment, { name: "x" }));
    expect(error.code).toBe("TEMPORARILY_UNAVAILABLE");
    expect(error.message).toBe(
      `Cannot reach the tracking server at http://127.0.0.1:${port}: ECONNREFUSED: connect ECONNREFUSED 127.0.0.1:${port}`,
    );
    expect(recorder.requests).toHaveLength(4);
  });

  it("sends configured headers and the user with every request", async () => {
    const recorder = recordingFetch(() => json(200, {}));
    const client = new GyreClient({
      trackingUri: "http://stub",
      fetch: recorder.fetch,
      headers: { authorization: "Bearer t" },
      user: "ada",
    });
    await client.call(tracking.getExperiment, { experiment_id: "1" });
    await client.call(tracking.createExperiment, { name: "x" });
    expect(recorder.requests.map((r) => r.headers)).toEqual([
      { authorization: "Bearer t", "x-gyre-user": "ada" },
      { authorization: "Bearer t", "x-gyre-user": "ada", "content-type": "application/json" },
    ]);
  });

  it("names the OS user by default, and sends names a header cannot carry percent-encoded", async () => {
    const recorder = recordingFetch(() => json(200, {}));
    await new GyreClient({ trackingUri: "http://stub", fetch: recorder.fetch }).call(tracking.getExperiment, {
      experiment_id: "1",
    });
    await new GyreClient({ trackingUri: "http://stub", fetch: recorder.fetch, user: "Łukasz Nowak" }).call(
      tracking.getExperiment,
      { experiment_id: "1" },
    );
    expect(recorder.requests.map((r) => r.headers["x-gyre-user"])).toEqual([
      userInfo().username,
      "%C5%81ukasz%20Nowak",
    ]);
  });
});
