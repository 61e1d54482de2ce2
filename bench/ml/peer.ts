/**
 * scikit-learn fitted in the same run as Gyre, on the same `ord` matrices (sklearn_peer.py), so the fit
 * ratio is measured under the same machine load. Needs Debian's python3-sklearn at /usr/bin/python3;
 * without it the peer is reported as skipped.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { type Frame, ordEncoding } from "@gyre/ml";
import type { ModelName } from "./baselines.js";
import type { SplitData } from "./data.js";

export type PeerResult =
  | {
      readonly fit_s: number;
      readonly fit_cpu_s: number;
      readonly metric: number;
      readonly sklearn: string;
      readonly numpy: string;
    }
  | { readonly skipped: string };

const PYTHON = "/usr/bin/python3";
const SCRIPT = fileURLToPath(new URL("../../ml/sklearn_peer.py", import.meta.url));

/** The frame's numeric columns, column-major float64 (the `ord` encoding leaves only numbers). */
function columnMajor(frame: Frame): Buffer {
  const out = new Float64Array(frame.columns.length * frame.nRows);
  frame.columns.forEach((c, f) => {
    if (c.kind !== "numeric") throw new Error(`ord-encoded column '${c.name}' is not numeric`);
    out.set(c.values, f * frame.nRows);
  });
  return Buffer.from(out.buffer, out.byteOffset, out.byteLength);
}

export function runSklearnPeer(
  model: Extract<ModelName, "hist_gradient_boosting" | "random_forest">,
  data: SplitData,
  threads: number,
  timeoutMs: number,
): PeerResult {
  let train = data.train;
  let test = data.test;
  for (const step of ordEncoding()) {
    const fitted = step.fit(train);
    train = fitted.transform(train);
    test = fitted.transform(test);
  }
  const categorical = new Set(data.train.columns.filter((c) => c.kind === "categorical").map((c) => c.name));
  const dir = mkdtempSync(join(tmpdir(), "gyre-bench-ml-"));
  try {
    const file = (name: string, bytes: Buffer | Int32Array) => {
      const path = join(dir, name);
      writeFileSync(path, bytes);
      return path;
    };
    const spec = {
      model,
      threads,
      n_train: train.nRows,
      n_test: test.nRows,
      d: train.columns.length,
      categorical: train.columns.map((c) => categorical.has(c.name)),
      x_train: file("x_train.f64", columnMajor(train)),
      x_test: file("x_test.f64", columnMajor(test)),
      y_train: file("y_train.i32", data.yTrain.codes),
      y_test: file("y_test.i32", data.yTest.codes),
    };
    const specPath = join(dir, "spec.json");
    writeFileSync(specPath, JSON.stringify(spec));
    const result = spawnSync(PYTHON, [SCRIPT, specPath], {
      encoding: "utf8",
      timeout: timeoutMs,
      env: { ...process.env, OMP_NUM_THREADS: String(threads), OPENBLAS_NUM_THREADS: String(threads) },
    });
    if (result.error) return { skipped: `${PYTHON}: ${result.error.message}` };
    if (result.status !== 0) {
      const reason = result.signal
        ? `killed by ${result.signal} (timeout ${timeoutMs / 1000} s?)`
        : result.stderr.trim();
      return { skipped: reason.split("\n").slice(-1)[0] ?? "failed" };
    }
    return JSON.parse(result.stdout.trim().split("\n").slice(-1)[0]!) as PeerResult;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
