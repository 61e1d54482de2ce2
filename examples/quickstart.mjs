// Five-minute quickstart: log a run to a Gyre (or any MLflow-compatible) tracking server.
// Start the server first (`npm start`), then: node examples/quickstart.mjs
import { writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Gyre } from "@gyre/sdk";

const gyre = new Gyre(); // --tracking-uri rule: GYRE_TRACKING_URI, MLFLOW_TRACKING_URI, else http://127.0.0.1:5000
const run = await gyre.startRun({ experiment: "quickstart", name: "gradient-descent" });
await run.logParams({ learning_rate: 0.5, epochs: 50 });

// Fit y = 3x + 1 by gradient descent and log the loss per epoch (metrics are buffered and batched).
const xs = Array.from({ length: 100 }, (_, i) => i / 100);
const ys = xs.map((x) => 3 * x + 1);
let [w, b] = [0, 0];
for (let epoch = 0; epoch < 50; epoch++) {
  let [gw, gb, loss] = [0, 0, 0];
  for (let i = 0; i < xs.length; i++) {
    const error = w * xs[i] + b - ys[i];
    gw += (2 * error * xs[i]) / xs.length;
    gb += (2 * error) / xs.length;
    loss += (error * error) / xs.length;
  }
  w -= 0.5 * gw;
  b -= 0.5 * gb;
  run.logMetrics({ loss }, { step: epoch });
}

const summary = join(tmpdir(), "quickstart-model.json");
writeFileSync(summary, JSON.stringify({ w, b }, null, 2));
await run.logArtifact(summary, "model");
await run.end();
console.log(`run ${run.id} finished: w=${w.toFixed(3)} b=${b.toFixed(3)}`);
