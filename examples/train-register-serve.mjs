// The loop in one script: train with @gyre/ml, log and register the model, then score it through a
// served deployment. Start the server first (`npm start`), then:
//   node examples/train-register-serve.mjs [path/to/shared/data]
// and serve the champion with:  npx gyre serve models:/penguins@champion --port 8080
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import {
  accuracy,
  HistGradientBoostingClassifier,
  loadDataset,
  ordEncoding,
  Pipeline,
  takeRows,
  takeTarget,
  toModelDir,
  trainTestSplit,
} from "@gyre/ml";
import { Gyre } from "@gyre/sdk";

const dataDir = process.argv[2] ?? fileURLToPath(new URL("../../shared/data/", import.meta.url));
const data = loadDataset("penguins", dataDir);
const split = trainTestSplit(data.features.nRows, { seed: 42 });
const [train, test] = [takeRows(data.features, split.train), takeRows(data.features, split.test)];
const [yTrain, yTest] = [takeTarget(data.target, split.train), takeTarget(data.target, split.test)];

const gyre = new Gyre();
const run = await gyre.startRun({ experiment: "penguins", name: "hgb" });
const params = { maxIter: 50, learningRate: 0.1, maxLeafNodes: 15 };
await run.logParams(params);
const fitted = new Pipeline(ordEncoding(), new HistGradientBoostingClassifier(params)).fit(train, yTrain);
const testAccuracy = accuracy(yTest.codes, fitted.predict(test));
run.logMetrics({ test_accuracy: testAccuracy });

// ONNX export of the whole pipeline: one input per CSV column, so the served model takes raw rows.
const dir = mkdtempSync(join(tmpdir(), "penguins-model-"));
await toModelDir(fitted, dir, { inputExample: takeRows(test, [0, 1, 2]) });
const uri = await run.logModel(dir);
await run.end();

const version = await gyre.registerModel(uri, "penguins");
await gyre.setAlias("penguins", "champion", version.version);
console.log(
  `run ${run.id}: test accuracy ${testAccuracy.toFixed(4)}; registered penguins v${version.version} as champion`,
);
