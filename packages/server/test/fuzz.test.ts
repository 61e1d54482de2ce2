/**
 * Property-based fuzzing of every MLflow REST route Gyre serves, over real HTTP against a real server.
 *
 * Invariants checked on every exchange (spec §2.4 and the server's closed error table):
 *   - no 5xx, except 500 INVALID_STATE from experiments/update (MLflow's documented
 *     "Cannot rename a non-active experiment.");
 *   - every non-2xx is JSON `{error_code, message}` with a known code, a non-empty message, and the
 *     HTTP status that ERROR_HTTP_STATUS assigns to that code;
 *   - every 2xx of a JSON route is a JSON object;
 *   - no exchange takes more than a few seconds, and /health answers after every batch.
 *
 * Deterministic: a fixed seed (override with GYRE_FUZZ_SEED) and bounded runs (scale with
 * GYRE_FUZZ_SCALE). The defects fuzzing found are each pinned by a targeted test at the end of
 * this file (deep nesting, '%' in artifact names, non-ASCII download names, the artifact root,
 * NUL characters, malformed HTTP); every artifact case writes under its own fresh directory.
 */
import { existsSync, readdirSync, statSync } from "node:fs";
import { connect } from "node:net";
import { dirname, join } from "node:path";
import { artifactRoutes, ERROR_HTTP_STATUS, type HttpMethod, type RouteContract, tracking } from "@gyre/core";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RawClient, type RawResponse, rawClient } from "./fixtures/raw-http.js";
import { availableBackends, sqliteBackend } from "./support/backends.js";
import { startTestServer, type TestServer } from "./support/server.js";

const SEED = Number(process.env.GYRE_FUZZ_SEED ?? 20_240_917);
const SCALE = Number(process.env.GYRE_FUZZ_SCALE ?? 1);
const runs = (n: number) => Math.max(1, Math.round(n * SCALE));
/** "A few seconds": the slowest exchange allowed, on two shared cores. */
const MAX_EXCHANGE_MS = 5_000;
const TEST_TIMEOUT = 120_000;

const API = "/api/2.0/mlflow/";
const AJAX = "/ajax-api/2.0/mlflow/";
const ARTIFACTS = "/api/2.0/mlflow-artifacts/artifacts";
const JSON_CT = { "content-type": "application/json" };

// ---------------------------------------------------------------------------------------------
// Routes under test
// ---------------------------------------------------------------------------------------------

interface JsonRoute {
  contract: RouteContract;
  method: HttpMethod;
  fields: string[];
  label: string;
}

function fieldsOf(contract: RouteContract): string[] {
  const shape = (contract.request as unknown as { shape?: Record<string, unknown> }).shape;
  if (!shape) throw new Error(`${contract.operation}: request schema is not an object`);
  return Object.keys(shape);
}

const jsonRoutes: JsonRoute[] = tracking.trackingRoutes.flatMap((contract) =>
  contract.methods.map((method) => ({
    contract,
    method,
    fields: fieldsOf(contract),
    label: `${method} ${contract.path.replace("/api/2.0/mlflow/", "")}`,
  })),
);

// ---------------------------------------------------------------------------------------------
// JSON text with literals JSON.stringify cannot produce (1e400, 2^70, -0, ...)
// ---------------------------------------------------------------------------------------------

class RawJson {
  constructor(readonly text: string) {}
  toString(): string {
    return this.text;
  }
}

const ABSENT = Symbol("absent");

function toJsonText(value: unknown): string {
  if (value instanceof RawJson) return value.text;
  if (Array.isArray(value)) return `[${value.map(toJsonText).join(",")}]`;
  if (value !== null && typeof value === "object") {
    const members = Object.entries(value)
      .filter(([, v]) => v !== ABSENT)
      .map(([k, v]) => `${JSON.stringify(k)}:${toJsonText(v)}`);
    return `{${members.join(",")}}`;
  }
  return JSON.stringify(value) ?? "null";
}

/** How a value travels in a query string: scalars as text, arrays as repeated keys. */
function queryValues(value: unknown): string[] {
  if (value === ABSENT) return [];
  if (Array.isArray(value))
    return value.flatMap((v) => (Array.isArray(v) ? [toJsonText(v)] : queryValues(v)));
  if (typeof value === "string") return [value];
  if (value instanceof RawJson) return [value.text];
  if (value !== null && typeof value === "object") return [toJsonText(value)];
  return [String(value)];
}

/**
 * encodeURIComponent, except that it never throws: a lone surrogate goes out as the UTF-8 of U+FFFD,
 * which is what any real client's encoder would send for it.
 */
function percentEncode(text: string, keep: RegExp = /[A-Za-z0-9\-_.~]/): string {
  let out = "";
  for (const char of text) {
    if (keep.test(char)) out += char;
    else
      for (const byte of Buffer.from(char, "utf8"))
        out += `%${byte.toString(16).toUpperCase().padStart(2, "0")}`;
  }
  return out;
}

function encodeQuery(pairs: readonly (readonly [string, string])[]): string {
  return pairs.map(([k, v]) => `${percentEncode(k)}=${percentEncode(v)}`).join("&");
}

// ---------------------------------------------------------------------------------------------
// Generators
// ---------------------------------------------------------------------------------------------

const weirdStrings = fc.constantFrom(
  "",
  " ",
  "\u0000",
  "a\u0000b",
  "\t\n",
  "NaN",
  "nan",
  "Infinity",
  "-Infinity",
  "inf",
  "1e309",
  "-1e309",
  "-0",
  "0x10",
  "1_000",
  " 1",
  "1 ",
  "+1",
  "1.",
  ".5",
  "9223372036854775807",
  "9223372036854775808",
  "-9223372036854775809",
  "18446744073709551616",
  "2147483648",
  "-2147483649",
  "9007199254740993",
  "true",
  "false",
  "null",
  "[]",
  "{}",
  '{"offset": 1}',
  "../etc/passwd",
  "/etc/passwd",
  "%00",
  "%2e%2e",
  "' OR 1=1 --",
  "'; drop table runs; --",
  "params.p = 'x'",
  "metrics.m > 1e400",
  "attributes.start_time > 99999999999999999999999",
  "𝔘𝔫𝔦𝔠𝔬𝔡𝔢 ✓ Ünïcödé 中文 العربية",
  "ACTIVE_ONLY",
  "DELETED_ONLY",
  "ALL",
  "RUNNING",
  "FINISHED",
  "DONE",
  "running",
  "eyJvZmZzZXQiOiAxfQ==",
  "eyJvZmZzZXQiOiAtMX0=",
  "eyJvZmZzZXQiOiA5MDA3MTk5MjU0NzQwOTkxfQ==",
  "!!!",
  "__proto__",
  "constructor",
  "mlflow.runName",
  "mlflow-artifacts:/0",
  "runs:/abc/model",
  "file:///tmp/x",
);

const rawNumbers = fc
  .constantFrom(
    "1e400",
    "-1e400",
    "1.5e-400",
    "123456789012345678901234567890",
    "-123456789012345678901234567890",
    "-0",
    "0.0",
    "1E2",
    "1.0",
    "9007199254740993",
    "9223372036854775807",
    "-9223372036854775809",
    "0e0",
    "2147483648",
  )
  .map((text) => new RawJson(text));

const numbers = fc.oneof(
  fc.integer(),
  fc.integer({ min: -3, max: 3 }),
  fc.bigInt({ min: -(1n << 70n), max: 1n << 70n }).map((b) => new RawJson(b.toString())),
  fc.double(),
  fc.double().map(String),
  fc.integer().map(String),
  fc.bigInt({ min: -(1n << 70n), max: 1n << 70n }).map(String),
);

const loneSurrogates = fc.string({
  unit: fc.integer({ min: 0xd800, max: 0xdfff }).map((c) => String.fromCharCode(c)),
  minLength: 1,
  maxLength: 4,
});

const unicode = fc.oneof(
  fc.string({ unit: "grapheme", maxLength: 30 }),
  fc.string({ unit: "binary", maxLength: 30 }),
  fc.string({ maxLength: 30 }),
  loneSurrogates,
);

// Kept within a few MB: the test server's body limit is 64 MB, and we want speed.
const hugeStrings = fc.constantFrom(
  "x".repeat(1 << 20),
  "é".repeat(100_000),
  "\u{1F600}".repeat(20_000),
  "a".repeat(6001),
  "k".repeat(251),
  "n".repeat(501),
  "v".repeat(8001),
);

/** Nested arrays/objects; deeper than ~4,500 levels is a known defect (see the end of the file). */
const deepNesting = fc
  .tuple(fc.integer({ min: 2, max: 1000 }), fc.boolean())
  .map(([depth, arrays]) =>
    arrays
      ? new RawJson(`${"[".repeat(depth)}${"]".repeat(depth)}`)
      : new RawJson(`${'{"a":'.repeat(depth)}1${"}".repeat(depth)}`),
  );

const fuzzValue: fc.Arbitrary<unknown> = fc.oneof(
  { arbitrary: fc.jsonValue({ maxDepth: 3 }), weight: 4 },
  { arbitrary: weirdStrings, weight: 4 },
  { arbitrary: rawNumbers, weight: 2 },
  { arbitrary: numbers, weight: 3 },
  { arbitrary: unicode, weight: 3 },
  { arbitrary: fc.constantFrom(null, true, false, [], {}, [null], [""], [{}]), weight: 2 },
  { arbitrary: fc.array(fc.oneof(weirdStrings, numbers, unicode), { maxLength: 4 }), weight: 2 },
  { arbitrary: hugeStrings, weight: 1 },
  { arbitrary: deepNesting, weight: 1 },
);

/** Short values for query strings (a URL over 16 KB is a separate, known issue). */
const queryText = fc.oneof(
  weirdStrings,
  unicode,
  numbers.map((n) => String(n)),
  fc.constantFrom("", "a".repeat(3000)),
);

/** Filters shaped like MLflow's grammar, to reach the parser and the SQL it emits. */
const filterClause = fc
  .tuple(
    fc.constantFrom(
      "metrics",
      "metric",
      "params",
      "tags",
      "tag",
      "attributes",
      "attr",
      "run",
      "datasets",
      "Metrics",
      "bogus",
      "",
    ),
    fc.constantFrom(
      "m",
      "p",
      "t",
      "run_id",
      "run_name",
      "status",
      "start_time",
      "end_time",
      "user_id",
      "artifact_uri",
      "name",
      "digest",
      "context",
      "creation_time",
      "last_update_time",
      "`a b`",
      '"a-b"',
      "mlflow.runName",
      "",
    ),
    fc.constantFrom(
      "=",
      "!=",
      ">",
      ">=",
      "<",
      "<=",
      "LIKE",
      "ILIKE",
      "IN",
      "NOT IN",
      "like",
      "<>",
      "==",
      "IS",
    ),
    fc.constantFrom(
      "'x'",
      "'%'",
      "'_'",
      '"dq"',
      "1",
      "-1",
      "1.5",
      "1e-3",
      "1e400",
      "-1e400",
      "99999999999999999999999",
      "-9223372036854775809",
      "9223372036854775807",
      "NaN",
      "('a', 'b')",
      "()",
      "('a',)",
      "'unterminated",
      "0x1",
      "NULL",
      "'\u0000'",
    ),
  )
  .map(([entity, key, op, value]) => `${entity}${entity ? "." : ""}${key} ${op} ${value}`);

const filterString = fc.oneof(
  fc
    .array(filterClause, { minLength: 1, maxLength: 3 })
    .chain((clauses) => fc.constantFrom(" AND ", " and ", " OR ", " ", ";").map((sep) => clauses.join(sep))),
  fc.string({ maxLength: 40 }),
);

const orderByTerm = fc
  .tuple(
    fc.constantFrom(
      "metrics.m",
      "params.p",
      "tags.t",
      "attributes.start_time",
      "start_time",
      "name",
      "experiment_id",
      "creation_time",
      "run_name",
      "bogus.x",
      "`metrics`.`m`",
      "",
    ),
    fc.constantFrom("", " ASC", " DESC", " asc", " DOWN", " ASC DESC"),
  )
  .map(([key, dir]) => `${key}${dir}`);

/** Field-aware values: search routes get grammar-shaped filters and order_by lists too. */
function valueFor(field: string): fc.Arbitrary<unknown> {
  if (field === "filter") return fc.oneof(filterString, fuzzValue);
  if (field === "order_by") return fc.oneof(fc.array(orderByTerm, { maxLength: 3 }), fuzzValue);
  return fuzzValue;
}

// ---------------------------------------------------------------------------------------------
// Exchange checks
// ---------------------------------------------------------------------------------------------

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function describeExchange(label: string, res: RawResponse): string {
  return `${label} -> ${res.status} ${res.text.slice(0, 400)}`;
}

/** The invariants every exchange must satisfy (see the header comment). */
function checkExchange(
  label: string,
  res: RawResponse,
  options: { jsonSuccess: boolean; invalidStateAllowed?: boolean },
): void {
  const where = describeExchange(label, res);
  expect(res.ms, `too slow: ${where}`).toBeLessThan(MAX_EXCHANGE_MS);
  const ok = res.status >= 200 && res.status < 300;
  if (ok) {
    if (options.jsonSuccess) {
      expect(res.headers["content-type"], where).toMatch(/^application\/json/);
      expect(isPlainObject(res.json), `2xx body is not a JSON object: ${where}`).toBe(true);
    }
    return;
  }
  expect(res.headers["content-type"], `error without a JSON body: ${where}`).toMatch(/^application\/json/);
  const body = res.json;
  expect(isPlainObject(body), `error body is not a JSON object: ${where}`).toBe(true);
  const { error_code: code, message } = body as { error_code?: unknown; message?: unknown };
  expect(Object.keys(ERROR_HTTP_STATUS), `unknown error_code: ${where}`).toContain(code);
  expect(typeof message === "string" && message.length > 0, `empty message: ${where}`).toBe(true);
  expect(res.status, `status does not match error_code: ${where}`).toBe(
    ERROR_HTTP_STATUS[code as keyof typeof ERROR_HTTP_STATUS],
  );
  if (res.status >= 500) {
    const documented = options.invalidStateAllowed === true && code === "INVALID_STATE";
    expect(documented, `5xx: ${where}`).toBe(true);
  }
}

// ---------------------------------------------------------------------------------------------
// Server and fixtures
// ---------------------------------------------------------------------------------------------

let server: TestServer;
let http: RawClient;
let counter = 0;
const unique = (prefix: string) => `${prefix}-${process.pid}-${++counter}`;

async function send(
  method: string,
  path: string,
  body?: string | Uint8Array,
  headers?: Record<string, string>,
): Promise<RawResponse> {
  return http.send({ method, path, body, headers, timeoutMs: 15_000 });
}

async function post(route: string, payload: unknown): Promise<RawResponse> {
  return send("POST", `${API}${route}`, toJsonText(payload), JSON_CT);
}

async function get(route: string, query: Record<string, string | string[]>): Promise<RawResponse> {
  const pairs = Object.entries(query).flatMap(([k, v]) =>
    (Array.isArray(v) ? v : [v]).map((x) => [k, x] as const),
  );
  return send("GET", `${API}${route}?${encodeQuery(pairs)}`);
}

async function ok(res: Promise<RawResponse>): Promise<Record<string, unknown>> {
  const r = await res;
  if (r.status !== 200) throw new Error(`fixture request failed: ${r.status} ${r.text}`);
  return r.json as Record<string, unknown>;
}

async function createExperiment(name = unique("fuzz-exp")): Promise<string> {
  const body = await ok(post("experiments/create", { name }));
  return body.experiment_id as string;
}

async function createRun(experimentId: string): Promise<string> {
  const body = (await ok(
    post("runs/create", { experiment_id: experimentId, start_time: 1_700_000_000_000 }),
  )) as {
    run: { info: { run_id: string } };
  };
  return body.run.info.run_id;
}

async function expectHealthy(): Promise<void> {
  const res = await send("GET", "/health");
  expect(res.status).toBe(200);
  expect(res.text).toBe("OK");
  expect(res.ms).toBeLessThan(MAX_EXCHANGE_MS);
}

/** Everything under the store's temporary directory except the database files. */
function storeDirectoryEntries(): string[] {
  const root = dirname(server.gyre.config.artifactsDestination);
  return readdirSync(root)
    .filter((name) => !name.startsWith("gyre.db"))
    .sort();
}

function artifactTree(): string[] {
  const root = server.gyre.config.artifactsDestination;
  const out: string[] = [];
  const walk = (dir: string, prefix: string) => {
    if (!existsSync(dir)) return;
    for (const name of readdirSync(dir).sort()) {
      const full = join(dir, name);
      const rel = prefix ? `${prefix}/${name}` : name;
      if (statSync(full).isDirectory()) {
        out.push(`${rel}/`);
        walk(full, rel);
      } else out.push(rel);
    }
  };
  walk(root, "");
  return out;
}

beforeAll(async () => {
  server = await startTestServer(sqliteBackend);
  http = rawClient(server.baseUrl);
});

afterAll(async () => {
  http?.close();
  await server?.close();
});

const fcOptions = (numRuns: number) => ({ seed: SEED, numRuns: runs(numRuns) });

// ---------------------------------------------------------------------------------------------
// (a) arbitrary JSON bodies, (b) raw bytes, (c) query strings -- every tracking route
// ---------------------------------------------------------------------------------------------

describe("fuzz: every tracking route stays within the error contract", () => {
  it("covers every tracking contract and every declared method", () => {
    expect(jsonRoutes.map((r) => r.contract.operation)).toEqual(
      expect.arrayContaining(tracking.trackingRoutes.map((c) => c.operation)),
    );
    expect(jsonRoutes.length).toBe(tracking.trackingRoutes.reduce((n, c) => n + c.methods.length, 0));
  });

  const invalidStateAllowed = (route: JsonRoute) => route.contract.operation === "updateExperiment";

  it.each(jsonRoutes)(
    "(a) $label: arbitrary JSON bodies and wrongly typed fields",
    async (route) => {
      const body = fc.oneof(
        fc.jsonValue({ maxDepth: 4 }),
        fc.record(Object.fromEntries(route.fields.map((f) => [f, valueFor(f)])), { requiredKeys: [] }),
        fc.dictionary(fc.oneof(fc.constantFrom(...route.fields), fc.string({ maxLength: 8 })), fuzzValue, {
          maxKeys: 4,
        }),
        fuzzValue,
      );
      await fc.assert(
        fc.asyncProperty(body, fc.constantFrom(API, AJAX), async (payload, prefix) => {
          const path = route.contract.path.replace(API, prefix);
          const res = await send(route.method, path, toJsonText(payload), JSON_CT);
          checkExchange(`${route.method} ${path} ${toJsonText(payload).slice(0, 300)}`, res, {
            jsonSuccess: true,
            invalidStateAllowed: invalidStateAllowed(route),
          });
        }),
        fcOptions(150),
      );
      await expectHealthy();
    },
    TEST_TIMEOUT,
  );

  const contentTypes = fc.constantFrom(
    undefined,
    "application/json",
    "application/json; charset=utf-8",
    "APPLICATION/JSON",
    "application/json; charset=latin1",
    "text/plain",
    "application/x-www-form-urlencoded",
    "multipart/form-data; boundary=xyz",
    "application/octet-stream",
    "application/jsonx",
    "*/*",
    "",
  );
  const malformed = fc.constantFrom(
    "{",
    '{"a":',
    "[1,2",
    "nul",
    '"unterminated',
    '{"run_id": "x",}',
    "\ufeff{}",
    "{} {}",
    '{"a":1}garbage',
    '"\\"{}\\""',
    '"[1]"',
    '"not json"',
    '"{\\"run_id\\": 5}"',
    "   ",
    "\u0000",
    "NaN",
    "Infinity",
    "-",
    "1e400",
  );
  const rawBody = fc.oneof(
    fc.uint8Array({ maxLength: 512 }),
    fc.string({ unit: "binary", maxLength: 200 }),
    malformed,
  );

  it.each(jsonRoutes)(
    "(b) $label: raw bytes and non-JSON bodies, with and without a JSON content type",
    async (route) => {
      await fc.assert(
        fc.asyncProperty(rawBody, contentTypes, async (body, contentType) => {
          const headers = contentType === undefined ? undefined : { "content-type": contentType };
          const res = await send(route.method, route.contract.path, body, headers);
          checkExchange(
            `${route.method} ${route.contract.path} [${contentType}] ${String(body).slice(0, 100)}`,
            res,
            {
              jsonSuccess: true,
              invalidStateAllowed: invalidStateAllowed(route),
            },
          );
          // POST/PUT without application/json is refused whatever the body (spec §2.2).
          const isJson = /^application\/json(;|$)/i.test(contentType ?? "");
          if ((route.method === "POST" || route.method === "PUT") && !isJson && body.length > 0) {
            expect(res.status, describeExchange("content type", res)).toBe(400);
            expect((res.json as { error_code: string }).error_code).toBe("INVALID_PARAMETER_VALUE");
          }
        }),
        fcOptions(60),
      );
      await expectHealthy();
    },
    TEST_TIMEOUT,
  );

  const getRoutes = jsonRoutes.filter((r) => r.method === "GET");

  it.each(getRoutes)(
    "(c) $label: arbitrary query strings (repeated keys, empty values, raw bytes)",
    async (route) => {
      const key = fc.oneof(
        { arbitrary: fc.constantFrom(...route.fields), weight: 4 },
        fc.constantFrom(
          "__proto__",
          "constructor",
          "toString",
          "",
          "a[b]",
          `${route.fields[0]}[]`,
          "hasOwnProperty",
        ),
        fc.string({ maxLength: 8 }),
      );
      const pair = fc.tuple(key, queryText, fc.constantFrom("encoded", "raw", "bare"));
      await fc.assert(
        fc.asyncProperty(fc.array(pair, { maxLength: 8 }), async (pairs) => {
          const query = pairs
            .map(([k, v, style]) => {
              if (style === "bare") return percentEncode(k);
              if (style === "encoded") return `${percentEncode(k)}=${percentEncode(v)}`;
              // Raw: every printable ASCII character unescaped ('%' '&' '=' '+' '[' included).
              const raw = (s: string) => percentEncode(s, /[\x21-\x7e]/);
              return `${raw(k)}=${raw(v)}`;
            })
            .join("&");
          const path = `${route.contract.path}?${query}`;
          const res = await send("GET", path);
          checkExchange(`GET ${path.slice(0, 300)}`, res, { jsonSuccess: true });
        }),
        fcOptions(100),
      );
      await expectHealthy();
    },
    TEST_TIMEOUT,
  );
});

// ---------------------------------------------------------------------------------------------
// (d) one field of a valid request replaced by a fuzzed value
// ---------------------------------------------------------------------------------------------

interface Fixture {
  experimentId: string;
  experimentName: string;
  runId: string;
}

const T = 1_700_000_000_000;

/** A valid request per operation, built against a fresh experiment and run. */
const VALID: Record<string, (f: Fixture) => Record<string, unknown>> = {
  createExperiment: () => ({
    name: unique("fuzz-create"),
    artifact_location: "mlflow-artifacts:/fuzz",
    tags: [{ key: "k", value: "v" }],
  }),
  getExperiment: (f) => ({ experiment_id: f.experimentId }),
  getExperimentByName: (f) => ({ experiment_name: f.experimentName }),
  searchExperiments: () => ({
    max_results: 5,
    page_token: "eyJvZmZzZXQiOiAxfQ==",
    filter: "name LIKE 'fuzz%' AND tags.k = 'v'",
    order_by: ["name ASC", "creation_time DESC"],
    view_type: "ALL",
  }),
  updateExperiment: (f) => ({ experiment_id: f.experimentId, new_name: unique("fuzz-renamed") }),
  deleteExperiment: (f) => ({ experiment_id: f.experimentId }),
  restoreExperiment: (f) => ({ experiment_id: f.experimentId }),
  setExperimentTag: (f) => ({ experiment_id: f.experimentId, key: "k", value: "v" }),
  deleteExperimentTag: (f) => ({ experiment_id: f.experimentId, key: "k" }),
  createRun: (f) => ({
    experiment_id: f.experimentId,
    user_id: "fuzzer",
    run_name: "fuzz-run",
    start_time: T,
    tags: [{ key: "t", value: "v" }],
  }),
  getRun: (f) => ({ run_id: f.runId, run_uuid: f.runId }),
  updateRun: (f) => ({
    run_id: f.runId,
    run_uuid: f.runId,
    status: "RUNNING",
    end_time: T + 1,
    run_name: "r2",
  }),
  deleteRun: (f) => ({ run_id: f.runId }),
  restoreRun: (f) => ({ run_id: f.runId }),
  logMetric: (f) => ({ run_id: f.runId, run_uuid: f.runId, key: "m", value: 1.5, timestamp: T, step: 3 }),
  logParam: (f) => ({ run_id: f.runId, run_uuid: f.runId, key: "p", value: "v" }),
  setTag: (f) => ({ run_id: f.runId, run_uuid: f.runId, key: "t", value: "v" }),
  deleteTag: (f) => ({ run_id: f.runId, key: "t" }),
  logBatch: (f) => ({
    run_id: f.runId,
    metrics: [{ key: "m", value: 0.5, timestamp: T, step: 1 }],
    params: [{ key: "p", value: "v" }],
    tags: [{ key: "t", value: "v" }],
  }),
  logInputs: (f) => ({
    run_id: f.runId,
    datasets: [
      {
        tags: [{ key: "mlflow.data.context", value: "training" }],
        dataset: {
          name: "ds",
          digest: "abc123",
          source_type: "local",
          source: '{"uri": "/data/ds.csv"}',
          schema: '{"mlflow_colspec": []}',
          profile: '{"num_rows": 1}',
        },
      },
    ],
  }),
  logModel: (f) => ({
    run_id: f.runId,
    model_json: JSON.stringify({
      artifact_path: "model",
      flavors: { python_function: {} },
      utc_time_created: "2024-09-17 00:00:00.000000",
      run_id: f.runId,
    }),
  }),
  searchRuns: (f) => ({
    experiment_ids: [f.experimentId],
    filter: "metrics.m > 0 AND params.p = 'v'",
    run_view_type: "ALL",
    max_results: 5,
    order_by: ["metrics.m DESC", "attributes.start_time"],
    page_token: "eyJvZmZzZXQiOiAxfQ==",
  }),
  getMetricHistory: (f) => ({
    run_id: f.runId,
    run_uuid: f.runId,
    metric_key: "m",
    max_results: 10,
    page_token: "eyJvZmZzZXQiOiAxfQ==",
  }),
  getMetricHistoryBulkInterval: (f) => ({
    run_ids: [f.runId],
    metric_key: "m",
    start_step: 0,
    end_step: 10,
    max_results: 5,
  }),
  listArtifacts: (f) => ({ run_id: f.runId, run_uuid: f.runId, path: "dir", page_token: "" }),
};

/** Every path into a template, containers included ("metrics", "metrics.0", "metrics.0.value"). */
function pathsOf(value: unknown, prefix = ""): string[] {
  if (value === null || typeof value !== "object") return [];
  const entries = Array.isArray(value) ? value.map((v, i) => [String(i), v] as const) : Object.entries(value);
  return entries.flatMap(([k, v]) => {
    const path = prefix ? `${prefix}.${k}` : k;
    return [path, ...pathsOf(v, path)];
  });
}

function withValueAt(
  template: Record<string, unknown>,
  path: string,
  value: unknown,
): Record<string, unknown> {
  const copy = structuredClone(template);
  const keys = path.split(".");
  let node: Record<string, unknown> = copy;
  for (const key of keys.slice(0, -1)) node = node[key] as Record<string, unknown>;
  const last = keys.at(-1)!;
  if (value === ABSENT) {
    if (Array.isArray(node)) node.splice(Number(last), 1);
    else delete node[last];
  } else node[last] = value;
  return copy;
}

/** A 400 that names a parameter must name the mutated one (or a part of it). */
function namesMutatedField(message: string, path: string): boolean {
  const named = [...message.matchAll(/parameter '([^']+)'/g)].map((m) => m[1]!);
  const leaf = path
    .split(".")
    .filter((p) => !/^\d+$/.test(p))
    .at(-1);
  return named.every(
    (n) =>
      n === path ||
      n.startsWith(`${path}.`) ||
      path.startsWith(`${n}.`) ||
      n === leaf ||
      (path === "run_uuid" && n === "run_id"),
  );
}

describe("fuzz: valid requests with one field replaced", () => {
  it("has a valid template for every tracking contract", () => {
    expect(Object.keys(VALID).sort()).toEqual(tracking.trackingRoutes.map((c) => c.operation).sort());
  });

  it.each(jsonRoutes)(
    "(d) $label: the unmutated template succeeds, every mutation stays within the contract",
    async (route) => {
      const experimentName = unique("fuzz-fixture");
      const experimentId = await createExperiment(experimentName);
      const runId = await createRun(experimentId);
      const fixture = { experimentId, experimentName, runId };
      // Seed data the read routes can find.
      await ok(
        post("runs/log-batch", {
          run_id: runId,
          metrics: [{ key: "m", value: 1, timestamp: T, step: 1 }],
          params: [{ key: "p", value: "v" }],
          tags: [{ key: "t", value: "v" }],
        }),
      );
      await ok(post("experiments/set-experiment-tag", { experiment_id: experimentId, key: "k", value: "v" }));

      const operation = route.contract.operation;
      const build = VALID[operation]!;
      const sendRequest = (payload: Record<string, unknown>) => {
        if (route.method === "GET") {
          const pairs = Object.entries(payload).flatMap(([k, v]) =>
            queryValues(v).map((x) => [k, x.length > 2000 ? x.slice(0, 2000) : x] as const),
          );
          return send("GET", `${route.contract.path}?${encodeQuery(pairs)}`);
        }
        return send(route.method, route.contract.path, toJsonText(payload), JSON_CT);
      };
      // Undo destructive effects so every case starts from the same live fixture.
      const reset = async () => {
        if (operation === "deleteExperiment" || operation === "deleteRun") {
          await post("experiments/restore", { experiment_id: experimentId });
          await post("runs/restore", { run_id: runId });
        }
        if (operation === "deleteTag") await post("runs/set-tag", { run_id: runId, key: "t", value: "v" });
        if (operation === "deleteExperimentTag")
          await post("experiments/set-experiment-tag", { experiment_id: experimentId, key: "k", value: "v" });
      };

      // The template itself is valid: the oracle below is only meaningful if it is.
      const baseline = await sendRequest(build(fixture));
      expect(baseline.status, describeExchange(`${route.label} template`, baseline)).toBe(200);
      checkExchange(`${route.label} template`, baseline, { jsonSuccess: true });
      await reset();

      // Equivalent spellings MLflow clients use are accepted: int64/double as decimal strings,
      // experiment ids as JSON numbers (spec §2.2).
      if (route.method !== "GET") {
        const template = build(fixture);
        for (const path of pathsOf(template)) {
          const leaf = path
            .split(".")
            .reduce<unknown>((node, key) => (node as Record<string, unknown>)[key], template);
          const equivalent =
            typeof leaf === "number"
              ? String(leaf)
              : path.endsWith("experiment_id") || /^experiment_ids\.\d+$/.test(path)
                ? Number(leaf)
                : undefined;
          if (equivalent === undefined) continue;
          const res = await sendRequest(withValueAt(build(fixture), path, equivalent));
          expect(
            res.status,
            describeExchange(`${route.label} ${path}=${JSON.stringify(equivalent)}`, res),
          ).toBe(200);
          await reset();
        }
      }

      const paths = pathsOf(build(fixture));
      const mutation = fc.constantFrom(...paths).chain((path) => {
        const leaf = path.split(".").at(-1)!;
        const replacement = route.method === "GET" ? fc.oneof(queryText, fuzzValue) : valueFor(leaf);
        return fc.tuple(
          fc.constant(path),
          fc.oneof({ arbitrary: replacement, weight: 9 }, fc.constant(ABSENT)),
        );
      });
      await fc.assert(
        fc.asyncProperty(mutation, async ([path, value]) => {
          const payload = withValueAt(build(fixture), path, value);
          const res = await sendRequest(payload);
          const label = `${route.label} ${path}=${value === ABSENT ? "<absent>" : toJsonText(value).slice(0, 200)}`;
          checkExchange(label, res, {
            jsonSuccess: true,
            invalidStateAllowed: operation === "updateExperiment",
          });
          const body = res.json as { error_code?: string; message?: string };
          if (res.status === 400 && body.error_code === "INVALID_PARAMETER_VALUE") {
            expect(namesMutatedField(body.message ?? "", path), `message names another field: ${label}`).toBe(
              true,
            );
          }
          await reset();
        }),
        fcOptions(150),
      );
      await expectHealthy();
    },
    TEST_TIMEOUT,
  );
});

// ---------------------------------------------------------------------------------------------
// (e) the artifact proxy: traversal attempts and arbitrary names
// ---------------------------------------------------------------------------------------------

/** What Flask/MLflow would see: the path percent-decoded exactly once. */
function decodeOnce(raw: string): string {
  return decodeURIComponent(raw);
}

/** True when the once-decoded path could escape its root (spec §4.5: must be 400). */
function isTraversal(decoded: string): boolean {
  return (
    decoded.includes("\0") ||
    decoded.includes("\\") ||
    decoded.startsWith("/") ||
    /^[a-zA-Z]:/.test(decoded) ||
    decoded.split("/").includes("..")
  );
}

const attackSegment = fc.constantFrom(
  "..",
  "%2e%2e",
  "%2E%2E",
  ".%2e",
  "%2e.",
  "..%2f",
  "%2e%2e%2f",
  "%2e%2e%2F",
  "..%5c",
  "%5c..",
  "%00",
  "a%00b",
  "%5c",
  "\\",
  "..\\..",
);
const benignSegment = fc.constantFrom(
  "a",
  "b.txt",
  "model",
  "MLmodel",
  "model.pkl",
  "%20",
  "x%20y.json",
  "%C3%BC",
  "~",
  "...",
  ".hidden",
  "a%2fb",
  ".",
  "%2e",
  "",
  "a+b",
  "(1)",
  "%E2%9C%93",
  "%F0%9F%98%80.png",
  "%E4%B8%AD%E6%96%87.csv",
  "line%0Abreak",
  "tab%09",
);

/** Names a Content-Disposition header can carry verbatim; others hit a known defect on download. */
const headerSafe = (name: string) => /^[\x20-\x7e]*$/.test(name);

const attackPath = fc
  .tuple(
    fc.array(benignSegment, { maxLength: 2 }),
    attackSegment,
    fc.array(fc.oneof(benignSegment, attackSegment), { maxLength: 2 }),
    fc.constantFrom("", "/", "%2f", "C:%5c", "C:/"),
  )
  .map(([before, attack, after, lead]) => `${lead}${[...before, attack, ...after].join("/")}`)
  .filter((raw) => isTraversal(decodeOnce(raw)));

const benignPath = fc
  .array(benignSegment, { minLength: 1, maxLength: 4 })
  .map((segments) => segments.join("/"))
  .filter((raw) => !isTraversal(decodeOnce(raw)));

function normalise(decoded: string): string {
  return decoded
    .split("/")
    .filter((p) => p !== "" && p !== ".")
    .join("/");
}

describe("fuzz: the artifact proxy", () => {
  it("routes under test are the four artifact contracts", () => {
    expect(artifactRoutes.map((r) => `${r.methods[0]} ${r.path}`)).toEqual([
      `GET ${ARTIFACTS}`,
      `PUT ${ARTIFACTS}/{path}`,
      `GET ${ARTIFACTS}/{path}`,
      `DELETE ${ARTIFACTS}/{path}`,
    ]);
  });

  it(
    "(e) traversal attempts (.., %2e%2e, absolute, NUL, backslash) are 400 on every route and write nothing",
    async () => {
      const experimentId = await createExperiment();
      const runId = await createRun(experimentId);
      await ok(
        send("PUT", `${ARTIFACTS}/${experimentId}/${runId}/artifacts/keep.txt`, "keep", {
          "content-type": "text/plain",
        }),
      );
      const outsideBefore = storeDirectoryEntries();
      const treeBefore = artifactTree();
      await fc.assert(
        fc.asyncProperty(attackPath, fc.uint8Array({ maxLength: 64 }), async (raw, bytes) => {
          const exchanges: [string, RawResponse][] = [
            [`PUT ${raw}`, await send("PUT", `${ARTIFACTS}/${raw}`, bytes, { "content-type": "text/plain" })],
            [`GET ${raw}`, await send("GET", `${ARTIFACTS}/${raw}`)],
            [`DELETE ${raw}`, await send("DELETE", `${ARTIFACTS}/${raw}`)],
            [`LIST ?path=${raw}`, await send("GET", `${ARTIFACTS}?path=${raw}`)],
            [
              `artifacts/list path=${raw}`,
              await send(
                "GET",
                `${API}artifacts/list?run_id=${runId}&path=${percentEncode(decodeOnce(raw))}`,
              ),
            ],
          ];
          for (const [label, res] of exchanges) {
            checkExchange(label, res, { jsonSuccess: true });
            expect(res.status, describeExchange(label, res)).toBe(400);
            expect((res.json as { error_code: string }).error_code).toBe("INVALID_PARAMETER_VALUE");
          }
        }),
        fcOptions(300),
      );
      expect(artifactTree()).toEqual(treeBefore);
      expect(storeDirectoryEntries()).toEqual(outsideBefore);
      await expectHealthy();
    },
    TEST_TIMEOUT,
  );

  it(
    "(e) arbitrary names under a fresh directory: upload, download, list and delete round-trip",
    async () => {
      const outsideBefore = storeDirectoryEntries();
      await fc.assert(
        fc.asyncProperty(benignPath, fc.uint8Array({ maxLength: 2048 }), async (raw, bytes) => {
          const dir = unique("fz");
          const target = `${dir}/${raw}`;
          const put = await send("PUT", `${ARTIFACTS}/${target}`, bytes, {
            "content-type": "application/octet-stream",
          });
          checkExchange(`PUT ${target}`, put, { jsonSuccess: true });
          if (put.status !== 200) return;
          expect(put.json).toEqual({});

          const stored = normalise(`${dir}/${decodeOnce(raw)}`);
          if (headerSafe(stored)) {
            const download = await send("GET", `${ARTIFACTS}/${target}`);
            checkExchange(`GET ${target}`, download, { jsonSuccess: false });
            expect(download.status, describeExchange(`GET ${target}`, download)).toBe(200);
            expect(Buffer.compare(download.bytes, Buffer.from(bytes)), `bytes differ for ${target}`).toBe(0);
            expect(download.headers["content-length"]).toBe(String(bytes.length));
          }

          const parent = stored.split("/").slice(0, -1).join("/");
          const listing = await send("GET", `${ARTIFACTS}?path=${percentEncode(parent)}`);
          checkExchange(`LIST ${parent}`, listing, { jsonSuccess: true });
          expect(listing.status).toBe(200);
          expect((listing.json as { files?: unknown[] }).files, `listing of ${parent}`).toContainEqual({
            path: stored.split("/").at(-1),
            is_dir: false,
            file_size: bytes.length,
          });

          const removed = await send("DELETE", `${ARTIFACTS}/${target}`);
          checkExchange(`DELETE ${target}`, removed, { jsonSuccess: true });
          expect(removed.status).toBe(200);
          const gone = await send("GET", `${ARTIFACTS}/${target}`);
          checkExchange(`GET ${target} after delete`, gone, { jsonSuccess: false });
          expect(gone.status).toBe(404);
          expect((gone.json as { error_code: string }).error_code).toBe("RESOURCE_DOES_NOT_EXIST");
          const relisted = await send("GET", `${ARTIFACTS}?path=${percentEncode(parent)}`);
          expect((relisted.json as { files?: { path: string }[] }).files ?? []).not.toContainEqual(
            expect.objectContaining({ path: stored.split("/").at(-1) }),
          );
        }),
        fcOptions(250),
      );
      expect(storeDirectoryEntries()).toEqual(outsideBefore);
      await expectHealthy();
    },
    TEST_TIMEOUT,
  );

  it(
    "(e) the listing endpoint takes arbitrary query strings",
    async () => {
      await fc.assert(
        fc.asyncProperty(
          fc.array(fc.tuple(fc.constantFrom("path", "p", ""), queryText), { maxLength: 4 }),
          async (q) => {
            const path = `${ARTIFACTS}?${encodeQuery(q)}`;
            const res = await send("GET", path);
            checkExchange(`GET ${path.slice(0, 200)}`, res, { jsonSuccess: true });
          },
        ),
        fcOptions(60),
      );
      await expectHealthy();
    },
    TEST_TIMEOUT,
  );
});

// ---------------------------------------------------------------------------------------------
// Targeted validation messages
// ---------------------------------------------------------------------------------------------

describe("validation messages name the field and the rule", () => {
  let experimentId: string;
  let runId: string;

  beforeAll(async () => {
    experimentId = await createExperiment();
    runId = await createRun(experimentId);
  });

  async function expect400(res: Promise<RawResponse>): Promise<string> {
    const r = await res;
    checkExchange("targeted", r, { jsonSuccess: true });
    expect(r.status, r.text).toBe(400);
    expect((r.json as { error_code: string }).error_code).toBe("INVALID_PARAMETER_VALUE");
    return (r.json as { message: string }).message;
  }

  const MISSING_RUN_ID =
    "Missing value for required parameter 'run_id'. See the API docs for more information about request parameters.";

  it.each([
    ["runs/log-metric", { key: "m", value: 1, timestamp: T }],
    ["runs/log-parameter", { key: "p", value: "v" }],
    ["runs/set-tag", { key: "t", value: "v" }],
    ["runs/delete-tag", { key: "t" }],
    ["runs/update", { status: "FINISHED" }],
    ["runs/delete", {}],
    ["runs/restore", {}],
    ["runs/log-batch", { params: [{ key: "p", value: "v" }] }],
    ["runs/log-inputs", {}],
    ["runs/log-model", { model_json: "{}" }],
    ["runs/log-metric", { run_id: "", key: "m", value: 1, timestamp: T }],
  ])("POST %s without run_id -> 400 naming 'run_id'", async (route, payload) => {
    expect(await expect400(post(route, payload))).toBe(MISSING_RUN_ID);
  });

  it.each([
    ["runs/get", {}],
    ["metrics/get-history", { metric_key: "m" }],
    ["artifacts/list", {}],
    ["runs/get", { run_id: "" }],
  ])("GET %s without run_id -> 400 naming 'run_id'", async (route, query) => {
    expect(await expect400(get(route, query))).toBe(MISSING_RUN_ID);
  });

  it("metric value 'abc' -> 400 naming 'value'", async () => {
    const message = await expect400(
      post("runs/log-metric", { run_id: runId, key: "m", value: "abc", timestamp: T, step: 0 }),
    );
    expect(message).toMatch(/^Invalid value "abc" for parameter 'value' supplied: /);
  });

  it("metric value in a batch 'abc' -> 400 naming the metric's 'value'", async () => {
    const message = await expect400(
      post("runs/log-batch", { run_id: runId, metrics: [{ key: "m", value: "abc", timestamp: T }] }),
    );
    expect(message).toMatch(/^Invalid value "abc" for parameter 'metrics\.0\.value' supplied: /);
  });

  it("timestamp 'soon' -> 400 naming 'timestamp'", async () => {
    const message = await expect400(
      post("runs/log-metric", { run_id: runId, key: "m", value: 1, timestamp: "soon" }),
    );
    expect(message).toMatch(/^Invalid value "soon" for parameter 'timestamp' supplied: /);
  });

  it("param value of 6001 characters -> 400 naming the 6000 limit", async () => {
    const message = await expect400(
      post("runs/log-parameter", { run_id: runId, key: "long", value: "v".repeat(6001) }),
    );
    expect(message).toBe(
      `Param value '${"v".repeat(64)}...' had length 6001, which exceeded length limit of 6000.`,
    );
    // Exactly 6000 is fine.
    const accepted = await post("runs/log-parameter", {
      run_id: runId,
      key: "long",
      value: "v".repeat(6000),
    });
    expect(accepted.status, accepted.text).toBe(200);
  });

  it.each([
    ["runs/log-parameter", "param", "bad key!"],
    ["runs/log-parameter", "param", "a/../b"],
    ["runs/log-parameter", "param", "/abs"],
    ["runs/log-metric", "metric", "semi;colon"],
    ["runs/set-tag", "tag", "quote'"],
    ["runs/set-tag", "tag", "."],
  ])("%s with %s key %j -> 400 naming the key", async (route, kind, key) => {
    const value = kind === "metric" ? 1 : "v";
    const message = await expect400(post(route, { run_id: runId, key, value, timestamp: T }));
    expect(message.startsWith(`Invalid ${kind} name: '${key}'.`), message).toBe(true);
  });

  it("key of 251 characters -> 400 naming the 250 limit", async () => {
    const key = "k".repeat(251);
    const message = await expect400(post("runs/set-tag", { run_id: runId, key, value: "v" }));
    expect(message).toBe(
      `Tag key '${"k".repeat(64)}...' had length 251, which exceeded length limit of 250.`,
    );
  });

  it("log-batch with 1001 metrics -> 400 naming the 1000 limit, and nothing is written", async () => {
    const metrics = Array.from({ length: 1001 }, (_, i) => ({
      key: "batch",
      value: i,
      timestamp: T + i,
      step: i,
    }));
    const message = await expect400(post("runs/log-batch", { run_id: runId, metrics }));
    expect(message).toBe(
      "A batch logging request can contain at most 1000 metrics. Got 1001 metrics. Please split up metrics across multiple requests and try again.",
    );
    const history = await get("metrics/get-history", { run_id: runId, metric_key: "batch" });
    expect(history.status).toBe(200);
    expect(history.json).toEqual({});
  });

  it("log-batch with 101 params, 101 tags or 1001 entities in all -> 400", async () => {
    const kv = (n: number, p: string) =>
      Array.from({ length: n }, (_, i) => ({ key: `${p}${i}`, value: "v" }));
    expect(await expect400(post("runs/log-batch", { run_id: runId, params: kv(101, "p") }))).toMatch(
      /^A batch logging request can contain at most 100 params\. Got 101 params\./,
    );
    expect(await expect400(post("runs/log-batch", { run_id: runId, tags: kv(101, "t") }))).toMatch(
      /^A batch logging request can contain at most 100 tags\. Got 101 tags\./,
    );
    const metrics = Array.from({ length: 901 }, (_, i) => ({ key: "x", value: i, timestamp: T, step: i }));
    expect(await expect400(post("runs/log-batch", { run_id: runId, metrics, params: kv(100, "q") }))).toMatch(
      /^A batch logging request can contain at most 1000 total metrics, params, and tags\. Got 1001 entities\./,
    );
  });

  it("log-batch with duplicate param keys -> 400 naming the key, and nothing is written", async () => {
    const message = await expect400(
      post("runs/log-batch", {
        run_id: runId,
        params: [
          { key: "dup", value: "1" },
          { key: "dup", value: "2" },
        ],
      }),
    );
    expect(message).toBe(
      'Duplicate parameter keys have been submitted: ["dup"]. Please ensure the request contains only one param value per param key.',
    );
    const run = (await ok(get("runs/get", { run_id: runId }))) as { run: { data: { params?: unknown[] } } };
    expect(run.run.data.params ?? []).not.toContainEqual(expect.objectContaining({ key: "dup" }));
  });

  it("changing a logged param -> 400 INVALID_PARAMETER_VALUE", async () => {
    await ok(post("runs/log-parameter", { run_id: runId, key: "fixed", value: "a" }));
    await ok(post("runs/log-parameter", { run_id: runId, key: "fixed", value: "a" }));
    const message = await expect400(post("runs/log-parameter", { run_id: runId, key: "fixed", value: "b" }));
    expect(message).toMatch(/^Changing param values is not allowed\. Param with key='fixed'/);
  });

  it("renaming a deleted experiment is the one documented 5xx: 500 INVALID_STATE", async () => {
    const id = await createExperiment();
    await ok(post("experiments/delete", { experiment_id: id }));
    const res = await post("experiments/update", { experiment_id: id, new_name: unique("x") });
    checkExchange("rename deleted", res, { jsonSuccess: true, invalidStateAllowed: true });
    expect(res.status).toBe(500);
    expect(res.json).toEqual({
      error_code: "INVALID_STATE",
      message: "Cannot rename a non-active experiment.",
    });
  });

  it("an unknown route is a JSON 404 ENDPOINT_NOT_FOUND; a known route under a wrong method is a 405 naming the right ones", async () => {
    const badUrl = await send("GET", `${API}runs/get%ZZ?run_id=1`);
    checkExchange("GET runs/get%ZZ", badUrl, { jsonSuccess: true });
    expect([badUrl.status, badUrl.json]).toEqual([
      400,
      { error_code: "BAD_REQUEST", message: `'${API}runs/get%ZZ?run_id=1' is not a valid url component` },
    ]);
    const unknown = await send("GET", `${API}runs/nope`);
    checkExchange("GET runs/nope", unknown, { jsonSuccess: true });
    expect([unknown.status, unknown.json]).toEqual([
      404,
      { error_code: "ENDPOINT_NOT_FOUND", message: "No route for GET /api/2.0/mlflow/runs/nope" },
    ]);
    for (const [method, path, allowed] of [
      ["DELETE", `${API}runs/get`, "GET, HEAD"],
      ["PATCH", `${API}experiments/create`, "POST"],
      ["GET", `${API}runs/log-batch`, "POST"],
      ["PUT", `${API}experiments/search`, "GET, HEAD, POST"],
    ] as const) {
      const res = await send(method, path);
      checkExchange(`${method} ${path}`, res, { jsonSuccess: true });
      expect([res.status, res.json], `${method} ${path}`).toEqual([
        405,
        {
          error_code: "METHOD_NOT_ALLOWED",
          message: `${method} is not allowed on ${path}; it takes ${allowed}.`,
        },
      ]);
      expect(res.headers.allow).toBe(allowed);
    }
  });
});

// ---------------------------------------------------------------------------------------------
// Defects the fuzzing found, each pinned by a test of the correct behaviour.
// ---------------------------------------------------------------------------------------------

describe("defects found by fuzzing, fixed", () => {
  let experimentId: string;
  let runId: string;

  beforeAll(async () => {
    experimentId = await createExperiment();
    runId = await createRun(experimentId);
  });

  const noServerError = (label: string, res: RawResponse) => checkExchange(label, res, { jsonSuccess: true });

  it("a JSON body nested 10,000 levels deep is a 400, not a 500 (stack overflow while quoting it)", async () => {
    const body = `{"name":${"[".repeat(10_000)}${"]".repeat(10_000)}}`;
    const res = await send("POST", `${API}experiments/create`, body, JSON_CT);
    noServerError("deep nesting", res);
    expect(res.status).toBe(400);
  });

  it("runs/log-model is not a 500 when tag mlflow.log-model.history holds non-JSON", async () => {
    await ok(post("runs/set-tag", { run_id: runId, key: "mlflow.log-model.history", value: "not json" }));
    const model = { artifact_path: "m", flavors: {}, utc_time_created: "2024-01-01 00:00:00", run_id: runId };
    const res = await post("runs/log-model", { run_id: runId, model_json: JSON.stringify(model) });
    noServerError("log-model over a non-JSON history tag", res);
  });

  it("PUT of an artifact below an existing file is a 4xx, not a 500", async () => {
    const dir = unique("k3");
    await ok(send("PUT", `${ARTIFACTS}/${dir}/file.txt`, "x", { "content-type": "text/plain" }));
    const res = await send("PUT", `${ARTIFACTS}/${dir}/file.txt/child.txt`, "y", {
      "content-type": "text/plain",
    });
    noServerError("PUT below a file", res);
  });

  it("PUT onto an existing directory is a 4xx and leaves no .partial file behind", async () => {
    const dir = unique("k4");
    await ok(send("PUT", `${ARTIFACTS}/${dir}/sub/file.txt`, "x", { "content-type": "text/plain" }));
    const res = await send("PUT", `${ARTIFACTS}/${dir}/sub`, "y", { "content-type": "text/plain" });
    const leftovers = readdirSync(join(server.gyre.config.artifactsDestination, dir));
    expect(leftovers).toEqual(["sub"]);
    noServerError("PUT onto a directory", res);
  });

  it("PUT and DELETE of the artifact root (the path '%2e', i.e. '') are refused", async () => {
    // Run on a private server: the defect replaces or deletes the whole artifact store.
    const own = await startTestServer(sqliteBackend);
    const client = rawClient(own.baseUrl);
    try {
      await ok(client.send({ method: "PUT", path: `${ARTIFACTS}/1/r/artifacts/a.txt`, body: "a" }));
      const del = await client.send({ method: "DELETE", path: `${ARTIFACTS}/%2e` });
      const after = await client.send({ method: "GET", path: `${ARTIFACTS}/1/r/artifacts/a.txt` });
      expect(after.status, "DELETE %2e wiped every artifact").toBe(200);
      expect(del.status).toBe(400);
      const put = await client.send({ method: "PUT", path: `${ARTIFACTS}/%2e`, body: "boom" });
      expect(put.status).toBe(400);
    } finally {
      client.close();
      await own.close();
    }
  });

  it("artifact names containing '%' survive the proxy (paths are percent-decoded once)", async () => {
    const dir = unique("k6");
    // requests sends a file named "100%.txt" as 100%25.txt; Flask decodes it once.
    const put = await send("PUT", `${ARTIFACTS}/${dir}/100%25.txt`, "pct", {
      "content-type": "text/plain",
    });
    expect(put.status, put.text).toBe(200);
    const listing = await send("GET", `${ARTIFACTS}?path=${dir}`);
    expect(listing.json).toEqual({ files: [{ path: "100%.txt", is_dir: false, file_size: 3 }] });
  });

  it("a file named '%41.txt' is stored under that name, not as 'A.txt'", async () => {
    const dir = unique("k6b");
    await ok(send("PUT", `${ARTIFACTS}/${dir}/%2541.txt`, "x", { "content-type": "text/plain" }));
    const listing = await send("GET", `${ARTIFACTS}?path=${dir}`);
    expect(listing.json).toEqual({ files: [{ path: "%41.txt", is_dir: false, file_size: 1 }] });
  });

  it.each([
    ["%E4%B8%AD%E6%96%87.csv", "中文.csv"],
    ["%F0%9F%98%80.png", "😀.png"],
    ["line%0Abreak.txt", "line\nbreak.txt"],
  ])("downloading an artifact named %s returns its bytes", async (raw) => {
    const dir = unique("k-cd");
    await ok(send("PUT", `${ARTIFACTS}/${dir}/${raw}`, "payload", { "content-type": "text/plain" }));
    const res = await send("GET", `${ARTIFACTS}/${dir}/${raw}`);
    expect(res.status).toBe(200);
    expect(res.text).toBe("payload");
  });

  it("the Content-Disposition of a Latin-1 name is not mojibake (RFC 6266 filename*=UTF-8'')", async () => {
    const dir = unique("k-cd");
    await ok(send("PUT", `${ARTIFACTS}/${dir}/%C3%BC.txt`, "x", { "content-type": "text/plain" }));
    const res = await send("GET", `${ARTIFACTS}/${dir}/%C3%BC.txt`);
    expect(res.status).toBe(200);
    expect(res.headers["content-disposition"]).toMatch(/filename\*=UTF-8''%C3%BC\.txt/i);
  });

  it.each(["file://otherhost/x", "file:///tmp/a%2Fb"])(
    "an experiment whose artifact location %s is no local file URI is refused at creation with a 400",
    async (location) => {
      const res = await post("experiments/create", { name: unique("loc"), artifact_location: location });
      noServerError(`experiments/create at ${location}`, res);
      expect(res.status).toBe(400);
      expect((res.json as { message: string }).message).toContain(location);
    },
  );

  it("a request line over 16 KB gets the {error_code, message} envelope", async () => {
    const res = await send("GET", `${API}experiments/get?experiment_id=${"1".repeat(20_000)}`);
    expect(res.json).toMatchObject({ error_code: expect.any(String), message: expect.any(String) });
  });

  it("a malformed HTTP request gets the {error_code, message} envelope", async () => {
    // Written on a bare socket: Node's own client refuses to send a non-numeric Content-Length.
    const { port } = new URL(server.baseUrl);
    const reply = await new Promise<string>((resolve, reject) => {
      const socket = connect(Number(port), "127.0.0.1", () =>
        socket.end(
          "POST /api/2.0/mlflow/experiments/create HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: abc\r\n\r\n{}",
        ),
      );
      let text = "";
      socket.setTimeout(5000, () => socket.destroy(new Error("no reply")));
      socket.on("data", (chunk) => {
        text += chunk.toString("utf8");
      });
      socket.on("close", () => resolve(text));
      socket.on("error", reject);
    });
    expect(reply).toMatch(/^HTTP\/1\.1 400 /);
    const body = JSON.parse(reply.slice(reply.indexOf("\r\n\r\n") + 4));
    expect(body).toMatchObject({ error_code: "BAD_REQUEST", message: expect.any(String) });
  });
});

// ---------------------------------------------------------------------------------------------
// Inputs that only some metadata backends choke on. Correct behaviour everywhere is "no 5xx";
// PostgreSQL refused these before they were caught at validation.
// ---------------------------------------------------------------------------------------------

const backends = await availableBackends();

describe.each(backends.map((b) => [b.name, b] as const))(
  "backend-sensitive inputs (%s)",
  (_name, backend) => {
    let own: TestServer;
    let client: RawClient;
    let runId: string;

    beforeAll(async () => {
      own = await startTestServer(backend);
      client = rawClient(own.baseUrl);
      const exp = await client.send({
        method: "POST",
        path: `${API}experiments/create`,
        body: JSON.stringify({ name: "edge" }),
        headers: JSON_CT,
      });
      const run = await client.send({
        method: "POST",
        path: `${API}runs/create`,
        body: JSON.stringify({ experiment_id: (exp.json as { experiment_id: string }).experiment_id }),
        headers: JSON_CT,
      });
      runId = (run.json as { run: { info: { run_id: string } } }).run.info.run_id;
    });

    afterAll(async () => {
      client?.close();
      await own?.close();
    });

    const postTo = (route: string, payload: unknown) =>
      client.send({
        method: "POST",
        path: `${API}${route}`,
        body: JSON.stringify(payload),
        headers: JSON_CT,
      });

    it("NUL characters in names, values, ids and filters are never a 5xx", async () => {
      const exchanges: [string, RawResponse][] = [
        ["param value", await postTo("runs/log-parameter", { run_id: runId, key: "p", value: "a\u0000b" })],
        ["experiment name", await postTo("experiments/create", { name: "nul\u0000name" })],
        ["run id", await client.send({ method: "GET", path: `${API}runs/get?run_id=%00` })],
        [
          "experiment name lookup",
          await client.send({ method: "GET", path: `${API}experiments/get-by-name?experiment_name=%00` }),
        ],
        ["filter", await postTo("runs/search", { experiment_ids: ["1"], filter: "params.p = '\u0000'" })],
      ];
      for (const [label, res] of exchanges) checkExchange(label, res, { jsonSuccess: true });
    });

    it("experiments/create with a repeated tag key is never a 5xx", async () => {
      const res = await postTo("experiments/create", {
        name: "dup-tag-keys",
        tags: [
          { key: "a", value: "1" },
          { key: "a", value: "2" },
        ],
      });
      checkExchange("duplicate experiment tag keys", res, { jsonSuccess: true });
    });

    it("numeric filter literals beyond int64 are never a 5xx", async () => {
      const res = await postTo("runs/search", {
        experiment_ids: ["1"],
        filter: "attributes.start_time > 99999999999999999999999",
      });
      checkExchange("huge literal", res, { jsonSuccess: true });
    });
  },
);
