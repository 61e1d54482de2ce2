import { describe, expect, it } from "vitest";
import { runsListCommand } from "../src/commands/runs.js";
import { gyreCli } from "./support/spawn-cli.js";

const COMMAND_LIST = `Commands:
  server                   Run the tracking server (MLflow REST API, artifact proxy, named deployments under /serving).
  serve                    Serve a model: MLflow /invocations, Open Inference Protocol v2, KServe V1 and /metrics.
  experiments list         List experiments.
  experiments create       Create an experiment.
  runs list                List runs: status, timing, and the metrics and params most of them share.
  runs show                Show one run: info, params, latest metrics, tags, inputs and artifacts.
  models register          Register a model version from runs:/…, models:/…, or a local model directory or ONNX file.
  models list              List registered models: latest version, aliases, last update.
  models show              Show a registered model (versions, aliases, tags) or one version (signature, run metrics, source).
  models alias set         Point an alias (champion, challenger, …) at a version, moving it atomically.
  models alias delete      Delete an alias of a registered model.
  models stage             Move a version to None, Staging, Production or Archived.
  models history           The audit log of a model: when, who, what, before → after (newest first).
  deployments create       Create a named deployment, served by the tracking server under /serving/NAME.
  deployments list         List named deployments.
  deployments show         Show a deployment: its arms, shadows, serving status and revisions.
  deployments set-weights  Replace a deployment's arms and weights (e.g. v3=90 v4=10); no request fails.
  deployments rollback     Return a deployment to its previous revision.
  deployments delete       Stop serving a deployment and delete it with its history.
  predict                  Score a CSV, Parquet or JSON Lines file with a model, streaming, into CSV, Parquet or JSON Lines.
`;

describe("gyre usage", () => {
  it("prints usage on --help, exit code 0", async () => {
    const result = await gyreCli(["--help"], {});
    expect(result.code).toBe(0);
    expect(result.stderr).toBe("");
    expect(result.stdout.startsWith(`Usage: gyre <command> [options]\n\n${COMMAND_LIST}`)).toBe(true);
    expect(result.stdout.endsWith("Run 'gyre <command> --help' for a command's options.\n")).toBe(true);
  });

  it("prints a command's usage on <command> --help", async () => {
    const result = await gyreCli(["runs", "list", "--help"], {});
    expect(result).toEqual({ code: 0, stdout: runsListCommand.usage, stderr: "" });
    expect(result.stdout.split("\n").slice(0, 3)).toEqual([
      "Usage: gyre runs list [options]",
      "",
      "List runs: status, timing, and the metrics and params most of them share.",
    ]);
    expect(result.stdout).toContain('\n  --order-by X        e.g. "metrics.loss ASC"; repeat for more keys');
    expect((await gyreCli(["runs", "--help"], {})).stdout).toBe(
      "Usage: gyre runs <command> [options]\n\nCommands:\n" +
        "  runs list  List runs: status, timing, and the metrics and params most of them share.\n" +
        "  runs show  Show one run: info, params, latest metrics, tags, inputs and artifacts.\n",
    );
  });

  it("prints the version", async () => {
    expect(await gyreCli(["--version"], {})).toEqual({ code: 0, stdout: "0.1.0\n", stderr: "" });
  });

  it.each([
    [[], "error: missing command"],
    [["frobnicate"], "error: unknown command 'frobnicate'"],
    [["runs"], "error: missing runs command"],
    [["runs", "delete"], "error: unknown command 'runs delete'"],
    [["runs", "list", "--bogus"], "error: Unknown option '--bogus'"],
    [
      ["runs", "list", "--max-results", "0"],
      "error: --max-results must be an integer from 1 to 50000, got '0'",
    ],
    [
      ["runs", "list", "--experiment", "a", "--experiment-id", "1"],
      "error: give either --experiment or --experiment-id, not both",
    ],
    [["runs", "show"], "error: missing RUN_ID"],
    [["runs", "show", "a", "b"], "error: unexpected argument 'b'"],
    [
      ["experiments", "list", "--view", "archived"],
      "error: --view must be active, deleted or all, got 'archived'",
    ],
    [
      ["experiments", "create", "x", "--artifact-location"],
      "error: Option '--artifact-location <value>' argument missing",
    ],
    [["server", "--port", "70000"], "error: --port must be an integer from 0 to 65535, got '70000'"],
    [["server", "--log-level", "loud"], "error: --log-level: Invalid input (got 'loud')"],
  ])("gyre %j is a usage error (exit code 2, usage on stderr)", async (args, message) => {
    const result = await gyreCli(args, { GYRE_HOME: "/nonexistent" });
    expect(result.code).toBe(2);
    expect(result.stdout).toBe("");
    const [first, blank, usage] = result.stderr.split("\n");
    expect([first, blank]).toEqual([message, ""]);
    expect(usage?.startsWith("Usage: gyre")).toBe(true);
  });
});
