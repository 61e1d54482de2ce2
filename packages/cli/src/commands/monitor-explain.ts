import { MonitoringClient } from "@gyre/sdk";
import { defineCommand, integerFlag, TRACKING_OPTION_HELP, TRACKING_OPTIONS } from "../command.js";
import { renderTable } from "../format/table.js";
import { formatMetricValue } from "../format/values.js";
import { printJson, printLine } from "../io.js";
import { resolveTrackingTarget, withTracking } from "../tracking-store.js";
import { timeOf } from "./monitor-spec.js";

export const monitorExplainCommand = defineCommand({
  words: ["monitor", "explain"],
  arguments: ["REQUEST_ID"],
  summary: "TreeSHAP attributions of one logged prediction (tree models trained with @gyre/ml).",
  options: {
    row: { type: "string" },
    version: { type: "string" },
    top: { type: "string" },
    ...TRACKING_OPTIONS,
  },
  optionHelp: [
    ["--row N", "The row of a multi-row request (default 0)"],
    ["--version V", "Which version's answer (default the one returned to the client)"],
    ["--top N", "Features to print (default 20)"],
    ...TRACKING_OPTION_HELP,
  ],
  async run({ values, positionals: [requestId = ""] }, context) {
    const row = integerFlag("row", values.row, 0, 2 ** 31 - 1);
    const top = integerFlag("top", values.top, 1, 100_000) ?? 20;
    const answer = await withTracking(resolveTrackingTarget(values["tracking-uri"], context.env), (gyre) =>
      new MonitoringClient(gyre.client).explain(requestId, {
        ...(row === undefined ? {} : { row }),
        ...(values.version ? { version: values.version } : {}),
      }),
    );
    if (values.json) {
      printJson(context, answer);
      return;
    }
    const table = renderTable(
      ["FEATURE", ...answer.outputs],
      answer.attributions.slice(0, top).map((a) => [a.feature, ...a.values.map(formatMetricValue)]),
    );
    printLine(
      context.stdout,
      `${answer.model} version ${answer.version}, request ${answer.request_id} row ${answer.row}\nexpected value: ${answer.expected_value.map(formatMetricValue).join(", ")}\n${table}`,
    );
  },
});

export const monitorImportanceCommand = defineCommand({
  words: ["monitor", "importance"],
  arguments: ["MODEL", "VERSION"],
  summary: "Permutation importance of a model version on its labeled production predictions.",
  options: {
    start: { type: "string" },
    end: { type: "string" },
    repeats: { type: "string" },
    seed: { type: "string" },
    ...TRACKING_OPTIONS,
  },
  optionHelp: [
    ["--start TIME, --end TIME", "The window of predictions (default the last 7 days)"],
    ["--repeats N", "Shuffles per column (default 5)"],
    ["--seed N", "Shuffle seed (default 0)"],
    ...TRACKING_OPTION_HELP,
  ],
  async run({ values, positionals: [model = "", version = ""] }, context) {
    const nRepeats = integerFlag("repeats", values.repeats, 1, 50);
    const seed = integerFlag("seed", values.seed, 0, 2 ** 31 - 1);
    const answer = await withTracking(resolveTrackingTarget(values["tracking-uri"], context.env), (gyre) =>
      new MonitoringClient(gyre.client).importance(model, version, {
        ...(values.start ? { start: timeOf("--start", values.start) } : {}),
        ...(values.end ? { end: timeOf("--end", values.end) } : {}),
        ...(nRepeats === undefined ? {} : { nRepeats }),
        ...(seed === undefined ? {} : { seed }),
      }),
    );
    if (values.json) {
      printJson(context, answer);
      return;
    }
    printLine(
      context.stdout,
      `${model} version ${version}: ${answer.rows} labeled rows, ${answer.metric} ${formatMetricValue(answer.baseline_score)}\n${renderTable(
        ["FEATURE", "MEAN DROP", "STD"],
        answer.importances.map((i) => [i.feature, formatMetricValue(i.mean), formatMetricValue(i.std)]),
      )}`,
    );
  },
});
