import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  type GateResult,
  type GateThresholds,
  gateNeeds,
  judgeGate,
  type ModelEvaluation,
} from "@gyre/pipelines";
import { isModelsUri } from "@gyre/sdk";
import { ModelRuntime } from "@gyre/serving";
import { type TrackingTarget, withTracking } from "../tracking-store.js";
import { UsageError } from "../usage-error.js";
import { type DataFile, dataFile } from "./predict-formats.js";
import { fetchModel, type LocalModel } from "./predict-model.js";
import { evaluateModel, type Holdout, readHoldout } from "./test-evaluate.js";
import { renderGateReport } from "./test-format.js";
import { datasetRef, downloadDataset, loggedHoldout } from "./test-holdout.js";

/** The engine behind `gyre test`, loaded only when it runs (DuckDB and ONNX Runtime). */
export interface ModelTestJob {
  readonly challenger: string;
  /** `@alias`, a version number, or a model URI; absent: no champion (relative rules skip). */
  readonly against: string | undefined;
  /** A file or `datasets:/name/N`; absent: the challenger run's logged holdout. */
  readonly data: string | undefined;
  readonly target: string | undefined;
  readonly thresholds: GateThresholds;
  readonly latencySamples: number;
  readonly tracking: TrackingTarget;
  readonly progress: (text: string) => void;
}

export interface ModelTestOutcome {
  readonly result: GateResult;
  readonly challenger: ModelEvaluation;
  readonly champion: ModelEvaluation | undefined;
  readonly holdout: string;
  readonly text: string;
  readonly json: unknown;
}

/** `@champion` or `3` against `models:/flights@challenger` → `models:/flights@champion`, `models:/flights/3`. */
export function championUri(challenger: string, against: string): string {
  const name = /^models:\/([^/@]+)/i.exec(challenger)?.[1];
  const shorthand = /^@[\w.-]+$/.test(against) || /^v?\d+$/i.test(against);
  if (!shorthand) return against;
  if (name === undefined) {
    throw new UsageError(
      `--against ${against} names a version of the challenger's model, so MODEL_URI must be models:/NAME…`,
    );
  }
  return against.startsWith("@")
    ? `models:/${name}${against}`
    : `models:/${name}/${against.replace(/^v/i, "")}`;
}

interface Context {
  /** The challenger's run (for its logged holdout and target), when it is a registered version. */
  readonly runId: string | undefined;
  readonly params: Readonly<Record<string, string>>;
}

async function challengerContext(job: ModelTestJob): Promise<Context> {
  if (!isModelsUri(job.challenger) || (job.data !== undefined && job.target !== undefined)) {
    return { runId: undefined, params: {} };
  }
  return withTracking(job.tracking, async (gyre) => {
    const resolved = await gyre.resolveModel(job.challenger);
    const version = await gyre.getModelVersion(resolved.name, resolved.version);
    const runId = version.run_id || undefined;
    if (!runId) return { runId, params: {} };
    const run = await gyre.getRun(runId);
    return { runId, params: Object.fromEntries((run.data.params ?? []).map((p) => [p.key, p.value])) };
  });
}

/** Resolves the holdout to a local file (downloading a dataset version into `scratch`). */
async function holdoutFile(
  job: ModelTestJob,
  context: Context,
  scratch: string,
): Promise<{ file: DataFile; label: string }> {
  let data = job.data;
  if (data === undefined) {
    data = await withTracking(job.tracking, (gyre) => loggedHoldout(gyre, context.runId));
    if (data === undefined) {
      throw new UsageError(
        "missing --data: the challenger's run logged no dataset with the context 'holdout' (run.logInput(dataset, { context: 'holdout' }))",
      );
    }
  }
  if (datasetRef(data) !== undefined) {
    const uri = data;
    const file = await withTracking(job.tracking, (gyre) =>
      downloadDataset(gyre, uri, join(scratch, "holdout")),
    );
    return { file, label: uri };
  }
  return { file: dataFile("--data", data), label: data };
}

async function loadModel(
  uri: string,
  tracking: TrackingTarget,
): Promise<{ model: LocalModel; runtime: ModelRuntime }> {
  const model = await fetchModel(uri, tracking);
  try {
    return { model, runtime: await ModelRuntime.load(model.dir, { name: model.label }) };
  } catch (error) {
    await model.dispose();
    throw error;
  }
}

export async function runModelTest(job: ModelTestJob): Promise<ModelTestOutcome> {
  const context = await challengerContext(job);
  const target = job.target ?? context.params.target;
  if (target === undefined) {
    throw new UsageError(
      "missing --target: the challenger's run logged no 'target' param naming the label column",
    );
  }
  const scratch = await mkdtemp(join(tmpdir(), "gyre-test-"));
  const loaded: { model: LocalModel; runtime: ModelRuntime }[] = [];
  let holdout: Holdout | undefined;
  try {
    const { file, label } = await holdoutFile(job, context, scratch);
    job.progress(`test: reading ${label}`);
    holdout = await readHoldout(file, label);
    const rows = holdout.rows;
    const table = holdout;
    const needs = gateNeeds(job.thresholds);
    const evaluate = async (uri: string): Promise<ModelEvaluation> => {
      const entry = await loadModel(uri, job.tracking);
      loaded.push(entry);
      job.progress(`test: scoring ${rows.toLocaleString("en-US")} rows with ${entry.model.label}`);
      return evaluateModel(entry.runtime, table, {
        target,
        sliceColumns: needs.sliceColumns,
        latencySamples: job.latencySamples,
        label: entry.model.label,
      });
    };
    const challenger = await evaluate(job.challenger);
    const champion =
      job.against === undefined ? undefined : await evaluate(championUri(job.challenger, job.against));
    const result = judgeGate(job.thresholds, challenger, champion);
    return {
      result,
      challenger,
      champion,
      holdout: label,
      text: renderGateReport(result, challenger, champion, label),
      json: {
        passed: result.passed,
        holdout: { source: label, rows, target },
        checks: result.checks,
        challenger,
        champion: champion ?? null,
      },
    };
  } finally {
    await holdout?.close();
    for (const { model, runtime } of loaded) {
      await runtime.release();
      await model.dispose();
    }
    await rm(scratch, { recursive: true, force: true });
  }
}
