#!/usr/bin/env node
// Quick speed check of the tree learners against ml-baselines.md's scikit-learn figures (not a test).
//
// Usage (after `npx tsc -b packages/ml`):
//   node packages/ml/scripts/tree-speed-check.mjs [--threads N] [--repeat R] [--only hgb,rf,predict]
//
// Fits on the reference split with the `ord` encoding, as the spec's benchmark did, and prints one
// JSON line per measurement plus the 1-minute load average (the box is shared: read the wall times
// with it). Times are the best of --repeat runs; CPU time of this process is printed alongside.
import { loadavg } from "node:os";
import { parseArgs } from "node:util";
import {
  HistGradientBoostingClassifier,
  loadDataset,
  ordEncoding,
  RandomForestClassifier,
  takeRows,
  takeTarget,
  trainTestSplit,
} from "../dist/index.js";

const { values: args } = parseArgs({
  options: {
    threads: { type: "string", default: "1" },
    repeat: { type: "string", default: "1" },
    only: { type: "string", default: "hgb,rf,predict" },
  },
});
const threads = Number(args.threads);
const repeat = Number(args.repeat);
const only = new Set(args.only.split(","));
const DATA_DIR = new URL("../../../../shared/data/", import.meta.url).pathname;

// scikit-learn 1.2.1, ml-baselines.md §2.2 (2 threads unless said).
const SKLEARN = {
  "hgb flights-200k": "1.25 s (1.36 s at 1 thread)",
  "hgb letter": "5.44 s (7.14 s at 1 thread)",
  "rf flights-200k": "11.47 s (17.92 s at 1 thread)",
};

function ordReference(name) {
  const dataset = loadDataset(name, DATA_DIR);
  const split = trainTestSplit(dataset.features.nRows);
  let train = takeRows(dataset.features, split.train);
  let test = takeRows(dataset.features, split.test);
  const categorical = train.columns.filter((c) => c.kind === "categorical").map((c) => c.name);
  for (const step of ordEncoding()) {
    const fitted = step.fit(train);
    train = fitted.transform(train);
    test = fitted.transform(test);
  }
  return { train, test, yTrain: takeTarget(dataset.target, split.train), categorical };
}

function cpuMs() {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}

function timeFit(label, fit) {
  let best = Number.POSITIVE_INFINITY;
  let bestCpu = 0;
  let model;
  for (let r = 0; r < repeat; r++) {
    const c0 = cpuMs();
    const t0 = performance.now();
    model = fit();
    const wall = performance.now() - t0;
    if (wall < best) {
      best = wall;
      bestCpu = cpuMs() - c0;
    }
  }
  report({
    measure: label,
    fitSeconds: +(best / 1000).toFixed(2),
    cpuSeconds: +(bestCpu / 1000).toFixed(2),
    sklearn: SKLEARN[label],
  });
  return model;
}

function report(fields) {
  console.log(JSON.stringify({ ...fields, threads, load1: +loadavg()[0].toFixed(2) }));
}

/** Median latency of one-row predictions, no allocation per call (the row and output are reused). */
function batchOneLatency(label, model, frame) {
  const out = new Float64Array(model.classes.length);
  const rows = Array.from({ length: 200 }, (_, i) =>
    Float64Array.from(frame.columns, (c) => (c.kind === "numeric" ? c.values[i] : c.codes[i])),
  );
  for (let w = 0; w < 2000; w++) model.predictProbaRow(rows[w % rows.length], out);
  const times = [];
  for (const row of rows) {
    const t0 = process.hrtime.bigint();
    model.predictProbaRow(row, out);
    times.push(Number(process.hrtime.bigint() - t0) / 1000);
  }
  times.sort((a, b) => a - b);
  report({
    measure: label,
    medianMicroseconds: +times[100].toFixed(1),
    p90Microseconds: +times[180].toFixed(1),
  });
}

const flights = ordReference("flights-200k");
const hgbParams = (categorical) => ({ earlyStopping: false, categoricalFeatures: categorical });
let hgbFlights;
let rfFlights;
if (only.has("hgb") || only.has("predict")) {
  hgbFlights = timeFit("hgb flights-200k", () =>
    new HistGradientBoostingClassifier(hgbParams(flights.categorical)).fit(flights.train, flights.yTrain),
  );
}
if (only.has("hgb")) {
  const letter = ordReference("letter");
  timeFit("hgb letter", () =>
    new HistGradientBoostingClassifier(hgbParams([])).fit(letter.train, letter.yTrain),
  );
}
if (only.has("rf") || only.has("predict")) {
  rfFlights = timeFit("rf flights-200k", () =>
    new RandomForestClassifier({ threads }).fit(flights.train, flights.yTrain),
  );
}
if (only.has("predict")) {
  batchOneLatency("batch-1 hgb(100) flights-200k", hgbFlights, flights.test);
  batchOneLatency("batch-1 rf(100) flights-200k", rfFlights, flights.test);
}
