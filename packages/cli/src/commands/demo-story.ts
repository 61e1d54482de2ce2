import { renderTable } from "../format/table.js";
import { DEMO_ACCURACY_FLOOR, type DemoStory, type PipelineStory } from "./demo-spec.js";

/** The story `gyre demo` ends with: what happened, in order, with the ids and paths to look at. */

function pipelineLine(label: string, story: PipelineStory, gyre: string): string[] {
  const lines = [
    `${label}: pipeline run ${story.pipeline_run_id} ${story.status}${story.trigger ? ` (started by trigger '${story.trigger}')` : ""}`,
    `  ${gyre} pipelines show ${story.pipeline_run_id}    # steps, child runs, outputs`,
    `  ${gyre} runs show ${story.run_id}    # the pipeline's MLflow run`,
  ];
  if (story.model_version) lines.push(`  registered: flight-delay version ${story.model_version}`);
  const gate = story.gate as
    | { passed?: boolean; challenger?: Record<string, number>; champion?: Record<string, number> | null }
    | undefined;
  if (gate?.challenger) {
    const auc = gate.challenger.roc_auc;
    const theirs = gate.champion?.roc_auc;
    lines.push(
      `  gate: ${gate.passed ? "passed" : "failed"} — holdout ROC AUC ${auc?.toFixed(4) ?? "-"}${theirs !== undefined ? ` vs champion ${theirs.toFixed(4)}` : " (no champion yet)"}, log loss ${gate.challenger.log_loss?.toFixed(4) ?? "-"}${gate.champion?.log_loss !== undefined ? ` vs ${gate.champion.log_loss.toFixed(4)}` : ""}`,
    );
  }
  if (story.decision)
    lines.push(`  ${story.decision === "promoted" ? "promoted" : "rolled back"}: ${story.reason ?? ""}`);
  if (story.error) lines.push(`  error: ${story.error.split("\n")[0]}`);
  return lines;
}

function breachText(breaches: unknown): string {
  if (!Array.isArray(breaches)) return JSON.stringify(breaches);
  return breaches
    .map(
      (b: { metric?: string; value?: number; min?: number; max?: number }) =>
        `${b.metric} ${typeof b.value === "number" ? b.value.toFixed(3) : "?"}${b.min !== undefined ? ` < min ${b.min}` : ""}${b.max !== undefined ? ` > max ${b.max}` : ""}`,
    )
    .join(", ");
}

export function renderStory(story: DemoStory): string {
  const lines: string[] = [];
  lines.push("", "The story", "=========");
  lines.push(
    `Data: ${story.data.source}; ${story.data.replayed_rows.toLocaleString("en-US")} flights replayed as traffic.`,
    `      From ${story.data.shift_start} the replayed world is shifted on purpose (seeded): 35 % of morning departures`,
    "      move 8 h later and 45 % of departures from 16:00 get 40 more minutes of delay — the real months alone",
    "      do not drift enough to break the model.",
    `Datasets: ${story.datasets.join(", ")}`,
    `Features: airport statistics of the previous day (${story.feature_store}).`,
    "",
  );
  const gyre = `GYRE_HOME=${story.home} npx gyre`;
  lines.push(
    `Home: ${story.home} (the first model trains on ${story.data.training_rows.toLocaleString("en-US")} flights); everything below is there:`,
    `  inspect it with '${gyre} …', or serve it with '${gyre} server' (deployment, monitor and reports included).`,
    "",
  );
  lines.push(...pipelineLine("1. First model", story.first, gyre), "");
  lines.push(
    `2. Traffic, week by week: accuracy on the week's labelled traffic (the monitor's floor is ${DEMO_ACCURACY_FLOOR}), features drifted against the training set:`,
  );
  lines.push(
    renderTable(
      ["week of", "flights", "accuracy", "drifted features", "monitor", "served by"],
      story.weeks.map((w) => [
        w.week,
        String(w.predictions),
        w.accuracy === null ? "-" : w.accuracy.toFixed(3),
        w.drifted.join(" ") || "-",
        `${w.status}${w.alert_id !== undefined ? ` (alert ${w.alert_id})` : ""}`,
        Object.entries(w.versions)
          .map(([v, n]) => `v${v}:${n}`)
          .join(" "),
      ]),
    )
      .split("\n")
      .map((l) => `   ${l}`)
      .join("\n"),
    "",
  );
  if (story.alert) {
    const alertId = story.alert.id;
    const firing = story.weeks.findIndex((w) => w.alert_id === alertId);
    const resolved = story.weeks.slice(firing + 1).find((w) => w.alert_id !== alertId);
    lines.push(
      `3. Alert ${alertId} fired after the week of ${story.alert.week}: ${breachText(story.alert.breaches)}; ${story.alert.webhook_deliveries} signed webhook deliveries${resolved ? `; resolved by the week of ${resolved.week}` : "; still firing at the end"}.`,
      `   ${gyre} monitor alerts`,
      "",
    );
  } else lines.push("3. No alert fired.", "");
  if (story.retrain) lines.push(...pipelineLine("4. Retrain", story.retrain, gyre), "");
  else lines.push("4. No retrain.", "");
  lines.push(`Champion: ${story.champion.before} → ${story.champion.after}`);
  if (story.reports.length > 0) lines.push(`Reports: ${story.reports.join(", ")}`);
  lines.push(`  ${gyre} models history flight-delay    # who moved which alias when`);
  lines.push(`Finished in ${story.seconds.toFixed(1)} s.`, "");
  return lines.join("\n");
}
