import type { FileInfo, Gyre, SearchRunsOptions } from "@gyre/sdk";
import { GyreError } from "@gyre/sdk";
import { defineCommand, integerFlag, TRACKING_OPTION_HELP, TRACKING_OPTIONS } from "../command.js";
import { type ArtifactListing, runReport } from "../format/run-report.js";
import { runColumns } from "../format/run-summary.js";
import { renderTable } from "../format/table.js";
import { printJson, printLine } from "../io.js";
import { resolveTrackingTarget, withTracking } from "../tracking-store.js";
import { UsageError } from "../usage-error.js";

export const runsListCommand = defineCommand({
  words: ["runs", "list"],
  summary: "List runs: status, timing, and the metrics and params most of them share.",
  options: {
    experiment: { type: "string" },
    "experiment-id": { type: "string" },
    filter: { type: "string" },
    "order-by": { type: "string", multiple: true },
    "max-results": { type: "string" },
    ...TRACKING_OPTIONS,
  },
  optionHelp: [
    ["--experiment NAME", "Runs of this experiment (default: all active experiments)"],
    ["--experiment-id ID", "Runs of the experiment with this id"],
    ["--filter F", "MLflow search filter, e.g. \"metrics.loss < 0.1 and params.lr = '0.01'\""],
    ["--order-by X", 'e.g. "metrics.loss ASC"; repeat for more keys (default: start_time DESC)'],
    ["--max-results N", "At most N runs, 1 to 50000 (default: 1000)"],
    ...TRACKING_OPTION_HELP,
  ],
  async run({ values }, context) {
    if (values.experiment !== undefined && values["experiment-id"] !== undefined) {
      throw new UsageError("give either --experiment or --experiment-id, not both");
    }
    const maxResults = integerFlag("max-results", values["max-results"], 1, 50_000);
    const target = resolveTrackingTarget(values["tracking-uri"], context.env);
    const page = await withTracking(target, async (gyre) =>
      gyre.searchRuns({
        ...(await experimentSelection(gyre, values.experiment, values["experiment-id"])),
        filter: values.filter,
        orderBy: values["order-by"],
        maxResults,
      }),
    );
    if (values.json) {
      printJson(context, { runs: page.runs, next_page_token: page.nextPageToken });
      return;
    }
    const { headers, rows } = runColumns(page.runs);
    printLine(context.stdout, rows.length ? renderTable(headers, rows) : "No runs.");
    if (page.nextPageToken)
      printLine(context.stderr, "More runs match: raise --max-results or narrow --filter.");
  },
});

export const runsShowCommand = defineCommand({
  words: ["runs", "show"],
  arguments: ["RUN_ID"],
  summary: "Show one run: info, params, latest metrics, tags, inputs and artifacts.",
  options: { ...TRACKING_OPTIONS },
  optionHelp: [...TRACKING_OPTION_HELP],
  async run({ values, positionals: [runId = ""] }, context) {
    const target = resolveTrackingTarget(values["tracking-uri"], context.env);
    const { run, artifacts } = await withTracking(target, async (gyre) => {
      const found = await gyre.getRun(runId);
      return { run: found, artifacts: await artifactFiles(gyre, runId) };
    });
    if (values.json) printJson(context, { run, ...artifacts });
    else printLine(context.stdout, runReport(run, artifacts));
  },
});

async function experimentSelection(
  gyre: Gyre,
  name: string | undefined,
  id: string | undefined,
): Promise<Pick<SearchRunsOptions, "experimentIds" | "experiments">> {
  if (name !== undefined) return { experiments: [name] };
  if (id !== undefined) return { experimentIds: [id] };
  return { experimentIds: (await gyre.listExperiments()).map((e) => e.experiment_id) };
}

/**
 * Every artifact file of the run, depth first. A store the server cannot list (say, a remote
 * scheme it does not support) should not hide the rest of the run, so that failure is reported inline.
 */
async function artifactFiles(gyre: Gyre, runId: string): Promise<ArtifactListing> {
  const walk = async (path?: string): Promise<FileInfo[]> => {
    const entries = await gyre.listArtifacts(runId, path);
    const nested = await Promise.all(entries.filter((e) => e.is_dir).map((e) => walk(e.path)));
    return [...entries.filter((e) => !e.is_dir), ...nested.flat()].sort((a, b) => (a.path < b.path ? -1 : 1));
  };
  try {
    return { artifacts: await walk() };
  } catch (error) {
    if (error instanceof GyreError && error.code !== "RESOURCE_DOES_NOT_EXIST") {
      return { artifacts_error: `${error.message} [${error.code}]` };
    }
    throw error;
  }
}
