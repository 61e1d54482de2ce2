import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { availableBackends } from "./support/backends.js";
import { startTestServer, type TestServer } from "./support/server.js";

/**
 * The datasets domain through the real HTTP stack on every backend (SQLite and PostgreSQL):
 * content-addressed registration from a path, an upload or a query; reading versions and
 * profiles; validation results stored per version and suite; the error paths.
 */
const backends = await availableBackends();
const BASE = "/api/2.0/gyre/datasets";
const PENGUINS = fileURLToPath(new URL("../../../../shared/data/penguins.csv", import.meta.url));
const PROFILE_KEYS = [
  "name",
  "type",
  "missing",
  "distinct",
  "min",
  "max",
  "mean",
  "std",
  "quantiles",
  "histogram",
  "top",
];

type Body = Record<string, unknown>;

describe.each(backends)("datasets on $name", (backend) => {
  let server: TestServer;
  let scratch: string;
  const penguinsText = readFileSync(PENGUINS, "utf8");

  const register = (body: Body) => server.call("POST", `${BASE}/register`, body);
  const get = (path: string, query: Body) => server.call("GET", `${BASE}/${path}`, query);
  const validate = (body: Body) => server.call("POST", `${BASE}/validate`, body);
  const write = (name: string, text: string) => {
    const path = join(scratch, name);
    writeFileSync(path, text);
    return path;
  };

  beforeAll(async () => {
    server = await startTestServer(backend);
    scratch = mkdtempSync(join(tmpdir(), "gyre-datasets-"));
  });
  afterAll(async () => {
    await server.close();
    rmSync(scratch, { recursive: true, force: true });
  });

  it("registers a file as version 1: digest, schema, rows, files copied into the artifact store", async () => {
    const { status, body } = await register({
      name: "penguins",
      path: PENGUINS,
      description: "Palmer penguins",
    });
    expect(status, JSON.stringify(body)).toBe(200);
    const v = body.dataset_version;
    expect(body.created).toBe(true);
    expect(v).toMatchObject({
      name: "penguins",
      version: 1,
      uri: "datasets:/penguins/1",
      location: "mlflow-artifacts:/datasets/penguins/1",
      source: PENGUINS,
      format: "csv",
      rows: 344,
      description: "Palmer penguins",
      size_bytes: Buffer.byteLength(penguinsText),
    });
    expect(v.digest).toMatch(/^[0-9a-f]{32}$/);
    expect(v.schema.map((c: any) => c.name)).toEqual([
      "species",
      "island",
      "bill_length_mm",
      "bill_depth_mm",
      "flipper_length_mm",
      "body_mass_g",
      "sex",
      "year",
    ]);
    expect(v.files).toEqual([
      { path: "penguins.csv", size: Buffer.byteLength(penguinsText), sha256: expect.any(String) },
    ]);
    const download = await fetch(
      `${server.baseUrl}/api/2.0/mlflow-artifacts/artifacts/datasets/penguins/1/penguins.csv`,
    );
    expect(await download.text()).toBe(penguinsText);
  });

  it("returns the existing version for identical content, even reordered under another file name", async () => {
    const [header, ...rows] = penguinsText.trimEnd().split("\n");
    const shuffled = write("shuffled.csv", `${[header, ...rows.reverse()].join("\n")}\n`);
    for (const path of [PENGUINS, shuffled]) {
      const { status, body } = await register({ name: "penguins", path });
      expect(status).toBe(200);
      expect(body.created).toBe(false);
      expect(body.dataset_version.version).toBe(1);
    }
  });

  it("numbers changed content as the next version; reads name, name@N and name@latest", async () => {
    const changed = write("changed.csv", penguinsText.replace(",39.1,", ",39.2,"));
    expect(readFileSync(changed, "utf8")).not.toBe(penguinsText);
    const { body } = await register({ name: "penguins", path: changed, user_id: "ana" });
    expect(body).toMatchObject({ created: true, dataset_version: { version: 2, creator: "ana" } });
    expect((await get("get", { name: "penguins" })).body.dataset_version.version).toBe(2);
    expect((await get("get", { name: "penguins@latest" })).body.dataset_version.version).toBe(2);
    expect((await get("get", { name: "penguins@1" })).body.dataset_version.version).toBe(1);
    expect((await get("get", { name: "penguins", version: 1 })).body.dataset_version.version).toBe(1);
    const versions = await get("versions", { name: "penguins" });
    expect(versions.body.dataset_versions.map((d: any) => d.version)).toEqual([2, 1]);
  });

  it("serves the profile with exactly the documented keys per column", async () => {
    const { status, body } = await get("profile", { name: "penguins@1" });
    expect(status).toBe(200);
    expect(body.name).toBe("penguins");
    expect(body.version).toBe(1);
    expect(Object.keys(body.profile)).toEqual(["rows", "columns"]);
    expect(body.profile.rows).toBe(344);
    for (const column of body.profile.columns) expect(Object.keys(column)).toEqual(PROFILE_KEYS);
    expect(body.profile.columns[6]).toMatchObject({ name: "sex", missing: 11, distinct: 2 });
  });

  it("registers files uploaded through the artifact proxy, and removes the upload", async () => {
    const uploadId = "upload-0001";
    for (const [file, text] of [
      ["part-1.csv", "id,label\n1,a\n2,b\n"],
      ["part-2.csv", "id,label\n3,a\n"],
    ]) {
      const put = await fetch(
        `${server.baseUrl}/api/2.0/mlflow-artifacts/artifacts/datasets/_uploads/${uploadId}/${file}`,
        { method: "PUT", body: text },
      );
      expect(put.status).toBe(200);
    }
    const { status, body } = await register({ name: "labels", upload_id: uploadId });
    expect(status, JSON.stringify(body)).toBe(200);
    expect(body.dataset_version).toMatchObject({ source: "upload", rows: 3, version: 1 });
    expect(body.dataset_version.files.map((f: any) => f.path)).toEqual(["part-1.csv", "part-2.csv"]);
    expect(existsSync(join(server.gyre.config.artifactsDestination, "datasets/_uploads", uploadId))).toBe(
      false,
    );
    const again = await register({ name: "labels", upload_id: uploadId });
    expect(again.status).toBe(400);
    expect(again.body.message).toContain("No files were uploaded under upload_id 'upload-0001'");
  });

  it("registers a query's result over a directory as one Parquet file", async () => {
    const dir = join(scratch, "by-year");
    mkdirSync(dir);
    const [header, ...rows] = penguinsText.trimEnd().split("\n");
    for (const year of ["2007", "2008", "2009"]) {
      writeFileSync(join(dir, `${year}.csv`), [header, ...rows.filter((r) => r.endsWith(year))].join("\n"));
    }
    const sql = "SELECT species, count(*) AS n FROM source GROUP BY species";
    const { status, body } = await register({ name: "species-counts", path: dir, sql });
    expect(status, JSON.stringify(body)).toBe(200);
    expect(body.dataset_version).toMatchObject({ rows: 3, format: "parquet", sql });
    expect(body.dataset_version.files.map((f: any) => f.path)).toEqual(["data.parquet"]);
    const profile = await get("profile", { name: "species-counts" });
    expect(profile.body.profile.columns[1]).toMatchObject({ name: "n", min: 68, max: 152 });
  });

  it("refuses SQL that reaches outside its files or is not one SELECT", async () => {
    const outside = await register({
      name: "x",
      path: PENGUINS,
      sql: "SELECT * FROM read_csv('/etc/passwd')",
    });
    expect(outside.status).toBe(400);
    expect(outside.body.message).toContain("file system operations are disabled");
    const two = await register({ name: "x", path: PENGUINS, sql: "SELECT 1; SELECT 2" });
    expect(two.body.message).toBe("The SQL must be one SELECT statement, got 2 statements.");
    const pragma = await register({ name: "x", path: PENGUINS, sql: "CREATE TABLE t (x INTEGER)" });
    expect(pragma.body.message).toBe("The SQL must be a SELECT statement.");
    const copy = await register({ name: "x", path: PENGUINS, sql: "COPY (SELECT 1) TO '/tmp/x.csv'" });
    expect(copy.status).toBe(400);
    expect(copy.body.message).toContain("file system operations are disabled");
  });

  it("stores validation results per version and suite, passing and failing", async () => {
    const suite = {
      name: "penguins-basic",
      expectations: [
        { kind: "column_exists", column: "species", type: "string" },
        { kind: "row_count", min: 300, max: 400 },
        { kind: "missing_share", column: "sex", max: 0.01 },
      ],
    };
    const { status, body } = await validate({ name: "penguins@1", suite, user_id: "ci" });
    expect(status, JSON.stringify(body)).toBe(200);
    const v = body.validation;
    expect(v).toMatchObject({
      name: "penguins",
      version: 1,
      suite: "penguins-basic",
      success: false,
      creator: "ci",
    });
    expect(v.result).toMatchObject({ rows: 344, evaluated: 3, failed: 1 });
    const missing = v.result.results[2];
    expect(missing).toMatchObject({
      success: false,
      observed: 11 / 344,
      unexpected_count: 11,
      description: 'missing share of "sex" ≤ 0.01',
    });
    expect(missing.sample).toHaveLength(5);
    expect(missing.sample[0].sex).toBeNull();

    const passing = await validate({
      name: "penguins",
      version: 2,
      suite: { ...suite, expectations: suite.expectations.slice(0, 2) },
    });
    expect(passing.body.validation.success).toBe(true);

    const all = await get("results", { name: "penguins" });
    expect(all.body.validations.map((r: any) => [r.version, r.success])).toEqual([
      [2, true],
      [1, false],
    ]);
    const one = await get("results", { name: "penguins@1", suite: "penguins-basic" });
    expect(one.body.validations.map((r: any) => r.id)).toEqual([v.id]);
  });

  it("tests drift against a reference version pinned to its number", async () => {
    const suite = {
      name: "drift",
      expectations: [{ kind: "no_drift", columns: ["bill_length_mm", "species"] }],
    };
    const { body } = await validate({ name: "penguins@2", suite, reference: "penguins" });
    const result = body.validation.result.results[0];
    expect(body.validation.reference).toBe("penguins@2");
    expect(result.drift.reference).toBe("penguins@2");
    expect(result.drift.columns.map((c: any) => [c.column, c.test, c.drifted])).toEqual([
      ["bill_length_mm", "ks", false],
      ["species", "chisquare", false],
    ]);
    expect(result.drift.columns[0].score).toBe(1);
    expect(body.validation.success).toBe(true);
  });

  it("refuses to validate a version whose files changed after registration", async () => {
    const put = await fetch(
      `${server.baseUrl}/api/2.0/mlflow-artifacts/artifacts/datasets/labels/1/part-2.csv`,
      {
        method: "PUT",
        body: "id,label\n3,b\n",
      },
    );
    expect(put.status).toBe(200);
    const { status, body } = await validate({
      name: "labels",
      suite: { name: "s", expectations: [{ kind: "row_count", min: 1 }] },
    });
    expect(status).toBe(500);
    expect(body).toEqual({
      error_code: "INVALID_STATE",
      message:
        "The files of dataset labels@1 changed after registration (part-2.csv); register the data again.",
    });
  });

  it("answers unknown datasets and versions with 404", async () => {
    expect((await get("get", { name: "nope" })).body).toEqual({
      error_code: "RESOURCE_DOES_NOT_EXIST",
      message: "Dataset 'nope' not found.",
    });
    const version = await get("get", { name: "penguins@9" });
    expect(version.status).toBe(404);
    expect(version.body.message).toBe("Dataset version 'penguins@9' not found.");
    expect((await get("profile", { name: "nope" })).status).toBe(404);
    expect((await get("versions", { name: "nope" })).status).toBe(404);
    expect((await get("results", { name: "nope" })).status).toBe(404);
    const suite = { name: "s", expectations: [{ kind: "row_count", min: 1 }] };
    expect((await validate({ name: "nope", suite })).status).toBe(404);
    const reference = await validate({
      name: "penguins",
      suite: { name: "d", expectations: [{ kind: "no_drift", reference: "ghost@1" }] },
    });
    expect(reference.status).toBe(404);
    expect(reference.body.message).toBe("Dataset 'ghost' not found.");
  });

  it("names the field of a bad request", async () => {
    const missing = await register({ name: "x", path: join(scratch, "missing.csv") });
    expect(missing.status).toBe(400);
    expect(missing.body.message).toBe(`Path '${join(scratch, "missing.csv")}' does not exist.`);
    const relative = await register({ name: "x", path: "penguins.csv" });
    expect(relative.body.message).toBe("path 'penguins.csv' must be absolute (the server reads it).");
    const both = await register({ name: "x", path: PENGUINS, upload_id: "upload-0001" });
    expect(both.body.message).toContain("'path'");
    expect(both.body.message).toContain("give exactly one of 'path' and 'upload_id'");
    const badName = await register({ name: "../etc", path: PENGUINS });
    expect(badName.body.message).toContain("parameter 'name'");
    const badSuite = await validate({
      name: "penguins",
      suite: { name: "s", expectations: [{ kind: "missing_share", column: "sex", max: 2 }] },
    });
    expect(badSuite.status).toBe(400);
    expect(badSuite.body.message).toContain("parameter 'suite.expectations.0.max'");
    const unknownKey = await validate({
      name: "penguins",
      suite: { name: "s", expectations: [{ kind: "row_count", minimum: 1 }] },
    });
    expect(unknownKey.body.message).toContain("minimum");
  });

  it("lists each dataset once with its latest version", async () => {
    const { body } = await get("list", {});
    expect(body.datasets.map((d: any) => [d.name, d.version])).toEqual([
      ["labels", 1],
      ["penguins", 2],
      ["species-counts", 1],
    ]);
    const page = await get("list", { max_results: 2 });
    expect(page.body.datasets).toHaveLength(2);
    const next = await get("list", { max_results: 2, page_token: page.body.next_page_token });
    expect(next.body.datasets.map((d: any) => d.name)).toEqual(["species-counts"]);
  });
});
