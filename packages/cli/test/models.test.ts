import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir, userInfo } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Gyre } from "../../sdk/src/index.js";
import { featureNames, logregOnnx, logregSignature } from "../../sdk/test/support/logreg-model.js";
import { sqliteBackend } from "../../server/test/support/backends.js";
import { startTestServer, type TestServer } from "../../server/test/support/server.js";
import { gyreCli } from "./support/spawn-cli.js";

const FEATURES = 3;
/** The CLI sends the OS user as the actor; the seeding SDK calls as "ada". */
const ME = userInfo().username;
/** The CREATOR column is as wide as its header or the name, whichever is longer. */
const CREATOR_WIDTH = Math.max("CREATOR".length, ME.length);

let server: TestServer;
let work: string;
let gyre: Gyre;
let runId: string;
let experimentId: string;
beforeAll(async () => {
  server = await startTestServer(sqliteBackend);
  work = mkdtempSync(join(tmpdir(), "gyre-cli-models-"));
  gyre = new Gyre({ trackingUri: server.baseUrl, user: "ada" });
  const run = await gyre.startRun({ experiment: "churn", name: "train" });
  run.logMetrics({ auc: 0.875, loss: 0.3125 });
  await run.logModel(logregOnnx(FEATURES), { signature: logregSignature(FEATURES) });
  await run.end();
  runId = run.id;
  experimentId = run.experimentId;
});
afterAll(async () => {
  await server.close();
  rmSync(work, { recursive: true, force: true });
});

const remote = (...args: string[]) => gyreCli([...args, "--tracking-uri", server.baseUrl], {});

/** Local times vary per run; tables are compared with them replaced by text of the same width. */
const TIME = "YYYY-MM-DD hh:mm:ss";
const untimed = (text: string) => text.replace(/\d{4}-\d\d-\d\d \d\d:\d\d:\d\d/g, TIME);

describe("gyre models against a server", () => {
  // The tests build on each other, as a user would: register, alias, stage, then read back.
  it("registers a version from a runs:/ URI", async () => {
    const result = await remote(
      "models",
      "register",
      `runs:/${runId}/model`,
      "--name",
      "churn",
      "--tag",
      "team=ml",
      "--tag",
      "note=a=b",
      "--description",
      "first cut",
    );
    expect(result).toEqual({
      code: 0,
      stdout: `Registered model 'churn' version 1 from runs:/${runId}/model.\n`,
      stderr: "",
    });
    const version = await gyre.getModelVersion("churn", 1);
    expect([version.user_id, version.description, version.tags, version.gyre_run_metrics]).toEqual([
      ME,
      "first cut",
      [
        { key: "note", value: "a=b" },
        { key: "team", value: "ml" },
      ],
      [
        { key: "auc", value: 0.875 },
        { key: "loss", value: 0.3125 },
      ],
    ]);
  });

  it("uploads a local ONNX file or model directory to a new run first, then registers it", async () => {
    const file = join(work, "churn.onnx");
    writeFileSync(file, logregOnnx(FEATURES));
    const result = await remote(
      "models",
      "register",
      file,
      "--name",
      "churn",
      "--experiment",
      "churn",
      "--json",
    );
    expect(result.code).toBe(0);
    const { model_version: fromFile } = JSON.parse(result.stdout);
    expect(fromFile).toEqual(await gyre.getModelVersion("churn", 2));
    expect([fromFile.source, fromFile.gyre_format]).toEqual([`runs:/${fromFile.run_id}/model`, "onnx"]);
    const run = await gyre.getRun(fromFile.run_id);
    expect([run.info.experiment_id, run.info.run_name, run.info.status]).toEqual([
      experimentId,
      "register churn",
      "FINISHED",
    ]);

    const dir = await gyre.downloadModel(`runs:/${runId}/model`, join(work, "model-dir"));
    expect((await remote("models", "register", dir, "--name", "churn")).stdout).toMatch(
      /^Registered model 'churn' version 3 from runs:\/[0-9a-f]{32}\/model\.\n$/,
    );
    expect((await gyre.getModelVersion("churn", 3)).gyre_signature).toBe(
      (await gyre.getModelVersion("churn", 1)).gyre_signature,
    );
  });

  it("moves aliases and says where from", async () => {
    expect((await remote("models", "alias", "set", "churn", "champion", "1")).stdout).toBe(
      "churn@champion → version 1 (new alias).\n",
    );
    expect((await remote("models", "alias", "set", "churn", "champion", "2")).stdout).toBe(
      "churn@champion → version 2 (was 1).\n",
    );
    expect((await remote("models", "alias", "set", "churn", "challenger", "3")).stdout).toBe(
      "churn@challenger → version 3 (new alias).\n",
    );
    expect(
      JSON.parse((await remote("models", "alias", "set", "churn", "challenger", "3", "--json")).stdout),
    ).toEqual({
      name: "churn",
      alias: "challenger",
      version: "3",
      previous_version: "3",
    });
    expect((await remote("models", "alias", "delete", "churn", "challenger")).stdout).toBe(
      "Deleted churn@challenger (was version 3).\n",
    );
    expect((await remote("models", "alias", "delete", "churn", "challenger")).stdout).toBe(
      "churn@challenger did not exist; nothing to delete.\n",
    );
  });

  it("moves stages, archiving the stage's other versions when asked", async () => {
    expect((await remote("models", "stage", "churn", "1", "production")).stdout).toBe(
      "churn version 1: None → Production.\n",
    );
    expect((await remote("models", "stage", "churn", "2", "Production", "--archive-existing")).stdout).toBe(
      "churn version 2: None → Production; archived version 1.\n",
    );
    const json = JSON.parse((await remote("models", "stage", "churn", "3", "Staging", "--json")).stdout);
    expect(json).toEqual({ model_version: await gyre.getModelVersion("churn", 3) });
  });

  it("lists models", async () => {
    expect(await remote("models", "register", `runs:/${runId}/model`, "--name", "fraud")).toMatchObject({
      code: 0,
    });
    const listed = await remote("models", "list");
    expect(untimed(listed.stdout)).toBe(
      [
        "NAME   LATEST  ALIASES     UPDATED              DESCRIPTION",
        `churn  3       champion=2  ${TIME}`,
        `fraud  1                   ${TIME}`,
        "",
      ].join("\n"),
    );
    expect(
      JSON.parse((await remote("models", "list", "--filter", "name = 'fraud'", "--json")).stdout),
    ).toEqual({
      registered_models: [await gyre.getRegisteredModel("fraud")],
    });
    expect((await remote("models", "list", "--filter", "name = 'none'")).stdout).toBe(
      "No registered models.\n",
    );
  });

  it("shows a model with its versions, aliases and tags", async () => {
    const shown = await remote("models", "show", "churn");
    expect(untimed(shown.stdout)).toBe(
      [
        "Model churn",
        "",
        "  description  -",
        `  created      ${TIME}`,
        `  updated      ${TIME}`,
        "",
        "Versions",
        `  VERSION  STAGE       ALIASES   CREATED              ${"CREATOR".padEnd(CREATOR_WIDTH)}  SOURCE`,
        `  3        Staging               ${TIME}  ${ME.padEnd(CREATOR_WIDTH)}  ${(await gyre.getModelVersion("churn", 3)).source}`,
        `  2        Production  champion  ${TIME}  ${ME.padEnd(CREATOR_WIDTH)}  ${(await gyre.getModelVersion("churn", 2)).source}`,
        `  1        Archived              ${TIME}  ${ME.padEnd(CREATOR_WIDTH)}  runs:/${runId}/model`,
        "",
        "Aliases",
        "  ALIAS     VERSION",
        "  champion  2",
        "",
        "Tags",
        "  (none)",
        "",
      ].join("\n"),
    );
    expect(JSON.parse((await remote("models", "show", "models:/churn", "--json")).stdout)).toEqual({
      registered_model: await gyre.getRegisteredModel("churn"),
      model_versions: await gyre.searchModelVersions({
        filter: "name = 'churn'",
        orderBy: ["version_number DESC"],
      }),
    });
  });

  it("shows a version by number or alias: signature, run metrics at registration, source and format", async () => {
    const expected = [
      "Model churn version 1",
      "",
      "  aliases      -",
      "  stage        Archived",
      "  status       READY",
      `  created      ${TIME}`,
      `  updated      ${TIME}`,
      `  creator      ${ME}`,
      "  description  first cut",
      `  source       runs:/${runId}/model`,
      `  run id       ${runId}`,
      "  format       onnx",
      "",
      "Signature",
      "          NAME         TYPE     SHAPE",
      ...featureNames(FEATURES).map((name) => `  input   ${name.padEnd(11)}  double`),
      "  output  probability  float32  [-1, 1]",
      "",
      "Run metrics at registration",
      "  KEY   VALUE",
      "  auc   0.875",
      "  loss  0.3125",
      "",
      "Tags",
      "  KEY   VALUE",
      "  note  a=b",
      "  team  ml",
      "",
    ].join("\n");
    expect(untimed((await remote("models", "show", "churn/1")).stdout)).toBe(expected);
    const byAlias = await remote("models", "show", "churn@champion", "--json");
    expect(JSON.parse(byAlias.stdout)).toEqual({
      model_version: await gyre.getModelVersionByAlias("churn", "champion"),
    });
  });

  it("shows a version's input example as a table of its first rows", async () => {
    const run = await gyre.startRun({ experiment: "churn", name: "with-example" });
    const data = Array.from({ length: 7 }, (_, r) => [r, r / 2, -r]);
    await run.logModel(logregOnnx(FEATURES), {
      signature: logregSignature(FEATURES),
      inputExample: { columns: featureNames(FEATURES), data },
    });
    await run.end();
    expect(
      (await remote("models", "register", `runs:/${run.id}/model`, "--name", "churn-example")).code,
    ).toBe(0);
    const shown = (await remote("models", "show", "churn-example/1")).stdout;
    const section = shown.slice(shown.indexOf("Input example"), shown.indexOf("Run metrics"));
    expect(section).toBe(
      [
        "Input example",
        "  x0  x1   x2",
        "  0   0    0",
        "  1   0.5  -1",
        "  2   1    -2",
        "  3   1.5  -3",
        "  4   2    -4",
        "  … 2 more rows (--json shows all)",
        "",
        "",
      ].join("\n"),
    );
  });

  it("prints the audit log: when, who, what, before → after", async () => {
    const history = await remote("models", "history", "churn");
    const lines = untimed(history.stdout).split("\n");
    expect(lines[0]).toBe(
      `WHEN                 ${"WHO".padEnd(ME.length)}  ACTION            VERSION  CHANGE`,
    );
    const rows = lines.slice(1, -1).map((line) => line.split(/\s{2,}/));
    expect(rows).toEqual([
      [TIME, ME, "transition_stage", "3", "stage: None → Staging"],
      [TIME, ME, "transition_stage", "1", "stage: Production → Archived, archived_by: - → 2"],
      [TIME, ME, "transition_stage", "2", "stage: None → Production"],
      [TIME, ME, "transition_stage", "1", "stage: None → Production"],
      [TIME, ME, "delete_alias", "3", "removed alias=challenger, version=3"],
      [TIME, ME, "set_alias", "3", "alias=challenger, version=3"],
      [TIME, ME, "set_alias", "3", "alias=challenger, version=3"],
      [TIME, ME, "set_alias", "2", "alias=champion, version: 1 → 2"],
      [TIME, ME, "set_alias", "1", "alias=champion, version=1"],
      [
        TIME,
        ME,
        "create_version",
        "3",
        expect.stringMatching(/^source=runs:\/\w+\/model, run_id=\w+, stage=None$/),
      ],
      [
        TIME,
        ME,
        "create_version",
        "2",
        expect.stringMatching(/^source=runs:\/\w+\/model, run_id=\w+, stage=None$/),
      ],
      [TIME, ME, "create_version", "1", `source=runs:/${runId}/model, run_id=${runId}, stage=None`],
      [TIME, ME, "create_model", "description=-"],
    ]);
    const json = JSON.parse((await remote("models", "history", "churn", "--version", "2", "--json")).stdout);
    expect(json).toEqual({ entries: await gyre.modelHistory("churn", 2) });
    expect(json.entries.map((e: { action: string }) => e.action)).toEqual([
      "transition_stage",
      "set_alias",
      "create_version",
    ]);
  });

  it("registers from a mlflow-artifacts:/ URI and a file: URI as it does from runs:/ and a path", async () => {
    const proxied = `mlflow-artifacts:/${experimentId}/${runId}/artifacts/model`;
    expect(await remote("models", "register", proxied, "--name", "churn-uris")).toEqual({
      code: 0,
      stdout: `Registered model 'churn-uris' version 1 from ${proxied}.\n`,
      stderr: "",
    });
    const first = await gyre.getModelVersion("churn-uris", 1);
    expect([first.run_id, first.gyre_format]).toEqual([runId, "onnx"]);

    const file = join(work, "churn-uri.onnx");
    writeFileSync(file, logregOnnx(FEATURES));
    const result = await remote(
      "models",
      "register",
      pathToFileURL(file).href,
      "--name",
      "churn-uris",
      "--json",
    );
    expect(result.code).toBe(0);
    const { model_version: fromFile } = JSON.parse(result.stdout);
    expect([fromFile.version, fromFile.source, fromFile.gyre_format]).toEqual([
      "2",
      `runs:/${fromFile.run_id}/model`,
      "onnx",
    ]);
  });

  it("shows the version behind models:/name/latest, models:/name/<stage> and models:/name@latest", async () => {
    const show = async (ref: string) => JSON.parse((await remote("models", "show", ref, "--json")).stdout);
    const v2 = await gyre.getModelVersion("churn", 2);
    const v3 = await gyre.getModelVersion("churn", 3);
    expect(await show("models:/churn/latest")).toEqual({ model_version: v3 });
    expect(await show("models:/churn/production")).toEqual({ model_version: v2 });
    expect(await show("models:/churn@latest")).toEqual({ model_version: v3 });
    expect(await remote("models", "show", "models:/churn/Retired")).toEqual({
      code: 1,
      stdout: "",
      stderr:
        "error: Invalid Model Version stage: Retired. Value must be one of None, Staging, Production, Archived. [INVALID_PARAMETER_VALUE]\n",
    });
  });
});

describe("gyre models errors", () => {
  it("reports registry errors as one line with the error code", async () => {
    expect(await remote("models", "show", "nope")).toEqual({
      code: 1,
      stdout: "",
      stderr: "error: Registered Model with name=nope not found [RESOURCE_DOES_NOT_EXIST]\n",
    });
    expect(await remote("models", "show", "churn/9")).toEqual({
      code: 1,
      stdout: "",
      stderr: "error: Model Version (name=churn, version=9) not found [RESOURCE_DOES_NOT_EXIST]\n",
    });
    expect((await remote("models", "alias", "set", "nope", "champion", "1")).stderr).toBe(
      "error: Model Version (name=nope, version=1) not found [RESOURCE_DOES_NOT_EXIST]\n",
    );
    expect((await remote("models", "stage", "churn", "1", "Retired")).code).toBe(1);
  });

  it.each([
    [["models", "register", "runs:/x/model"], "error: missing --name"],
    [
      ["models", "register", "./no/such/dir", "--name", "x"],
      "error: SOURCE must be runs:/…, models:/…, or an existing model directory or ONNX file, got './no/such/dir'",
    ],
    [
      ["models", "register", "runs:/x/m", "--name", "x", "--tag", "novalue"],
      "error: --tag must be KEY=VALUE, got 'novalue'",
    ],
    [
      ["models", "alias", "set", "churn", "champion", "v2"],
      "error: VERSION must be a version number, got 'v2'",
    ],
    [["models", "stage", "churn", "one", "Staging"], "error: VERSION must be a version number, got 'one'"],
    [["models", "history", "churn", "--version", "0"], "error: --version must be a version number, got '0'"],
    [["models", "show"], "error: missing NAME[/VERSION|@ALIAS]"],
    [["models", "alias", "delete", "churn"], "error: missing ALIAS"],
  ])("gyre %j is a usage error", async (args, message) => {
    const result = await remote(...args);
    expect([result.code, result.stderr.split("\n")[0]]).toEqual([2, message]);
    expect(result.stderr).toContain("Usage: gyre models");
  });
});

describe("gyre models on a store opened in-process", () => {
  it("registers a local directory, moves an alias and reads the history, all through the in-process fetch", async () => {
    const home = mkdtempSync(join(tmpdir(), "gyre-cli-models-home-"));
    try {
      const local = (...args: string[]) => gyreCli(args, { GYRE_HOME: home });
      const dir = await gyre.downloadModel(`runs:/${runId}/model`, join(home, "model"));
      expect((await local("models", "register", dir, "--name", "offline")).stdout).toMatch(
        /^Registered model 'offline' version 1 from runs:\/[0-9a-f]{32}\/model\.\n$/,
      );
      expect((await local("models", "alias", "set", "offline", "champion", "1")).code).toBe(0);
      const shown = JSON.parse((await local("models", "show", "offline@champion", "--json")).stdout);
      expect([
        shown.model_version.version,
        shown.model_version.gyre_format,
        shown.model_version.aliases,
      ]).toEqual(["1", "onnx", ["champion"]]);
      const history = JSON.parse((await local("models", "history", "offline", "--json")).stdout);
      expect(history.entries.map((e: { action: string; actor: string }) => [e.action, e.actor])).toEqual([
        ["set_alias", ME],
        ["create_version", ME],
        ["create_model", ME],
      ]);
    } finally {
      rmSync(home, { recursive: true, force: true });
    }
  });
});
