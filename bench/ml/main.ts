/**
 * ML benchmark (issue 4): fit and predict times and the test metric of logistic regression, random
 * forest (100 trees) and histogram gradient boosting (100 iterations) on flights-200k, flights-1m
 * (all 1M rows: 800k training rows) and letter, with the reference split and encodings, beside
 * scikit-learn 1.2.1's figures; then batch-1 predict latency of the 100-tree flights-200k models in
 * process. stdout: one JSON line; progress on stderr. Each figure is one run (not a median of 3, as
 * scikit-learn's are), so the whole benchmark stays within a few minutes on 2 cores.
 *
 * Options: --skip-1m               leave out flights-1m (default: run it)
 *          --threads N             worker threads for forests and multiclass boosting (default 2,
 *                                  as scikit-learn's baseline)
 *          --forest-max-depth N    cap the forests' depth (default unlimited, scikit-learn's
 *                                  setting; flights-1m then holds ~30M nodes, a few GB)
 *          --data-dir DIR          the shared data sets (default ../shared/data from the repo)
 *          --datasets a,b          only these data sets (flights-200k, letter, flights-1m)
 *          --models a,b            only these models (logistic_regression, random_forest,
 *                                  hist_gradient_boosting)
 *          --peer a,b|none         also fit scikit-learn's model right after Gyre's, on the same
 *                                  matrices and threads (sklearn_peer.py, Debian's python3-sklearn),
 *                                  for a fit ratio under the same load (default: both tree models;
 *                                  never the forest on flights-1m: over a minute and GBs)
 *          --peer-timeout S        give up on one scikit-learn fit after S seconds (default 180;
 *                                  under load its OpenMP threads spin: letter took 348 s here)
 */
import { loadavg } from "node:os";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import type { DataSet, ModelName } from "./baselines.js";
import { referenceSplit } from "./data.js";
import { batch1Latency } from "./latency.js";
import { fitAndScore, type ModelSettings, type Scored } from "./models.js";
import { type PeerResult, runSklearnPeer } from "./peer.js";
import { batch1Entry, modelEntry } from "./report.js";

const MODELS: readonly ModelName[] = ["logistic_regression", "random_forest", "hist_gradient_boosting"];
const WATCHDOG_MS = 60 * 60_000;

function log(message: string): void {
  process.stderr.write(`[bench ml ${new Date().toISOString().slice(11, 19)}] ${message}\n`);
}

/** The comma-separated choice among `all` (all of them when not given); unknown names are an error. */
function pick<T extends string>(choice: unknown, all: readonly T[]): T[] {
  if (typeof choice !== "string") return [...all];
  const wanted = choice.split(",").map((s) => s.trim());
  for (const name of wanted) {
    if (!(all as readonly string[]).includes(name)) {
      log(`unknown name '${name}'; expected one of ${all.join(", ")}`);
      process.exit(2);
    }
  }
  return all.filter((name) => wanted.includes(name));
}

function main(): void {
  const { values } = parseArgs({
    options: {
      "skip-1m": { type: "boolean", default: false },
      threads: { type: "string", default: "2" },
      "forest-max-depth": { type: "string" },
      "data-dir": { type: "string" },
      datasets: { type: "string" },
      models: { type: "string" },
      peer: { type: "string", default: "hist_gradient_boosting,random_forest" },
      "peer-timeout": { type: "string", default: "180" },
    },
    // bench/run.mjs passes every benchmark the same arguments; ignore the others'.
    strict: false,
  });
  const settings: ModelSettings = {
    threads: Number(values.threads),
    forestMaxDepth:
      typeof values["forest-max-depth"] === "string" ? Number(values["forest-max-depth"]) : null,
  };
  const dataDir =
    typeof values["data-dir"] === "string"
      ? values["data-dir"]
      : fileURLToPath(new URL("../../../../shared/data/", import.meta.url));
  setTimeout(() => {
    log(`watchdog: still running after ${WATCHDOG_MS / 60_000} min, giving up`);
    process.exit(1);
  }, WATCHDOG_MS).unref();

  const loadBefore = loadavg()[0]!;
  const started = performance.now();
  const dataSets = pick<DataSet>(values.datasets, [
    "flights-200k",
    "letter",
    ...(values["skip-1m"] ? [] : ["flights-1m" as const]),
  ]);
  const models = pick<ModelName>(values.models, MODELS);
  const peers =
    values.peer === "none" ? [] : pick<ModelName>(values.peer, ["hist_gradient_boosting", "random_forest"]);
  const peerTimeoutMs = 1000 * Number(values["peer-timeout"]);
  const results: Record<string, Record<string, unknown>> = {};
  const batch1: Record<string, unknown> = {};
  for (const name of dataSets) {
    log(`loading ${name}`);
    const data = referenceSplit(name, dataDir);
    const perModel: Record<string, unknown> = {};
    for (const model of models) {
      log(`${name}: fitting ${model}`);
      let scored: Scored | null = fitAndScore(model, data, settings);
      log(
        `${name}: ${model} fit ${scored.fit_s.toFixed(2)} s (CPU ${scored.fit_cpu_s.toFixed(2)} s), metric ${scored.metric.toFixed(4)}`,
      );
      const loadAfterFit = loadavg()[0]!;
      let peer: PeerResult | null = null;
      if (
        model !== "logistic_regression" &&
        peers.includes(model) &&
        !(model === "random_forest" && name === "flights-1m")
      ) {
        log(`${name}: fitting scikit-learn's ${model} (peer)`);
        peer = runSklearnPeer(model, data, settings.threads, peerTimeoutMs);
        log(`${name}: scikit-learn ${model}: ${JSON.stringify(peer)}`);
      }
      perModel[model] = modelEntry(model, name, scored, loadAfterFit, peer);
      if (name === "flights-200k" && model !== "logistic_regression") {
        batch1[model] = batch1Entry(model, batch1Latency(scored.pipeline, data.test));
      }
      // Drop the model before the next fit: a 1M-row forest holds GBs.
      scored = null;
    }
    results[name] = perModel;
  }
  const line = {
    benchmark: "ml",
    settings: {
      threads: settings.threads,
      forest_max_depth: settings.forestMaxDepth,
      hgb: "maxIter 100, earlyStopping false, ord codes as categorical",
      logistic_regression: "lin encoding, maxIter 1000",
      runs_per_figure: 1,
    },
    results,
    batch1,
    total_s: Number(((performance.now() - started) / 1000).toFixed(1)),
    max_rss_mb: Math.round(process.resourceUsage().maxRSS / 1024),
    loadavg_1m_before: loadBefore,
    loadavg_1m_after: loadavg()[0]!,
  };
  process.stdout.write(`${JSON.stringify(line)}\n`);
}

main();
