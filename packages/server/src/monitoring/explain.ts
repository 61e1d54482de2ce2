import type { Readable } from "node:stream";
import { text } from "node:stream/consumers";
import {
  GyreError,
  invalidParameter,
  type monitoring,
  type RouteNames,
  type RouteRequest,
  type RouteResponse,
} from "@gyre/core";
import {
  accuracy,
  type Column,
  FittedPipeline,
  type Frame,
  linearModelLoaders,
  PIPELINE_FORMAT,
  permutationImportance,
  r2,
  treeModelLoaders,
  treeShap,
} from "@gyre/ml";
import type { ArtifactService } from "../artifacts/service.js";
import type { MonitoringDatabase } from "./monitor-store.js";
import type { LabeledPrediction, PredictionStore } from "./store/prediction-store.js";

const PIPELINE_FILE = "pipeline.json";
const KEEP = 8;
const WEEK_MS = 7 * 86_400_000;
const IMPORTANCE_ROWS = 20_000;

type Routes = typeof monitoring;
type Req<K extends RouteNames<Routes>> = RouteRequest<Routes, K>;
type Res<K extends RouteNames<Routes>> = RouteResponse<Routes, K>;
type Pipeline = FittedPipeline;
interface Classifier {
  readonly classes: readonly string[];
}

/** Rows' inputs as a @gyre/ml frame: numbers (and booleans) numeric with NaN missing, the rest categorical. */
export function frameOf(rows: readonly Record<string, unknown>[], names: readonly string[]): Frame {
  const columns: Column[] = names.map((name) => {
    const values = rows.map((r) => r[name]);
    const numeric = values.every(
      (v) => v === null || v === undefined || typeof v === "number" || typeof v === "boolean",
    );
    if (numeric) {
      return {
        kind: "numeric",
        name,
        values: Float64Array.from(values, (v) => (v === null || v === undefined ? Number.NaN : Number(v))),
      };
    }
    const levels = [...new Set(values.filter((v) => v !== null && v !== undefined).map(String))].sort();
    const code = new Map(levels.map((l, i) => [l, i]));
    return {
      kind: "categorical",
      name,
      levels,
      codes: Int32Array.from(values, (v) => (v === null || v === undefined ? -1 : code.get(String(v))!)),
    };
  });
  return { nRows: rows.length, columns };
}

/**
 * Explanations of models trained with @gyre/ml, whose model directories carry `pipeline.json`:
 * exact TreeSHAP per logged prediction (tree models), and permutation importance of a version
 * on its labeled production traffic. Loaded pipelines are kept per version (the few last used).
 */
export class Explanations {
  private readonly pipelines = new Map<string, Promise<Pipeline>>();

  constructor(
    private readonly db: MonitoringDatabase,
    private readonly artifacts: ArtifactService | undefined,
    private readonly store: PredictionStore,
  ) {}

  async explain(req: Req<"explainPrediction">): Promise<Res<"explainPrediction">> {
    const row = req.row ?? 0;
    const rows = (await this.store.predictions({ requestId: req.request_id })).filter(
      (r) => r.row === row && (req.version === undefined || r.version === req.version),
    );
    const logged = rows.find((r) => r.arm !== "shadow") ?? rows[0];
    if (!logged)
      throw new GyreError(
        "RESOURCE_DOES_NOT_EXIST",
        `No logged prediction for request '${req.request_id}' row ${row}.`,
      );
    if (logged.version === null)
      throw invalidParameter(
        `The prediction of request '${req.request_id}' has no model version to explain.`,
      );
    const pipeline = await this.pipeline(logged.model, logged.version);
    const model = pipeline.model as unknown as { treeEnsemble?: unknown };
    if (typeof model.treeEnsemble !== "function")
      throw invalidParameter(
        `Model ${logged.model} version ${logged.version} is a '${pipeline.model.kind}' model; TreeSHAP explains tree models only.`,
      );
    const frame = pipeline.transform(frameOf([logged.inputs], Object.keys(logged.inputs)));
    const shap = treeShap(pipeline.model as never, frame);
    const k = shap.nOutputs;
    const classes = (pipeline.model as unknown as Partial<Classifier>).classes;
    const outputs =
      classes && classes.length === k ? [...classes] : Array.from({ length: k }, (_, i) => `output_${i}`);
    const attributions = shap.featureNames.map((feature, f) => ({
      feature,
      values: Array.from({ length: k }, (_, o) => shap.values[f * k + o]!),
    }));
    const size = (a: { values: number[] }) => Math.max(...a.values.map(Math.abs));
    attributions.sort((a, b) => size(b) - size(a));
    return {
      request_id: logged.request_id,
      row,
      model: logged.model,
      version: logged.version,
      outputs,
      expected_value: [...shap.expectedValue],
      attributions,
    };
  }

  async importance(req: Req<"computeImportance">, now: number): Promise<Res<"computeImportance">> {
    const pipeline = await this.pipeline(req.model, req.version);
    const end = req.end_time ?? now;
    const start = req.start_time ?? end - WEEK_MS;
    const rows = await this.store.predictions({
      model: req.model,
      version: req.version,
      start,
      end,
      labeledOnly: true,
      limit: IMPORTANCE_ROWS,
    });
    // A version answering as primary and as shadow of one request counts once.
    const unique = dedupe(rows);
    if (unique.length < 2)
      throw invalidParameter(
        `Model ${req.model} version ${req.version} has ${unique.length} labeled prediction(s) between ${new Date(start).toISOString()} and ${new Date(end).toISOString()}; permutation importance needs at least 2.`,
      );
    const names = Object.keys(unique[0]!.inputs);
    const frame = frameOf(
      unique.map((r) => r.inputs),
      names,
    );
    const classes = (pipeline.model as unknown as Partial<Classifier>).classes;
    const result = classes
      ? permutationImportance(
          pipeline as { predict(f: Frame): Int32Array },
          frame,
          Int32Array.from(unique, (r) => classes.indexOf(String(r.label))),
          (truth, predicted) => accuracy(truth, predicted),
          { nRepeats: req.n_repeats, seed: req.seed },
        )
      : permutationImportance(
          pipeline as { predict(f: Frame): Float64Array },
          frame,
          Float64Array.from(unique, (r) => Number(r.label)),
          (truth, predicted) => r2(truth, predicted),
          { nRepeats: req.n_repeats, seed: req.seed },
        );
    return {
      model: req.model,
      version: req.version,
      rows: unique.length,
      metric: classes ? "accuracy" : "r2",
      baseline_score: result.baselineScore,
      importances: result.columns
        .map((feature, c) => ({ feature, mean: result.mean[c]!, std: result.std[c]! }))
        .sort((a, b) => b.mean - a.mean),
    };
  }

  /** The version's @gyre/ml pipeline, from `pipeline.json` in its model directory. */
  private pipeline(model: string, version: string): Promise<Pipeline> {
    const key = `${model}@${version}`;
    let loaded = this.pipelines.get(key);
    if (loaded) this.pipelines.delete(key);
    else {
      loaded = this.load(model, version);
      loaded.catch(() => this.pipelines.delete(key));
    }
    this.pipelines.set(key, loaded);
    while (this.pipelines.size > KEEP) this.pipelines.delete(this.pipelines.keys().next().value!);
    return loaded;
  }

  private async load(model: string, version: string): Promise<Pipeline> {
    if (!this.artifacts)
      throw new GyreError("NOT_IMPLEMENTED", "Explanations need the server's artifact store.");
    const row = await this.db
      .selectFrom("model_versions")
      .select(["storage_location"])
      .where("name", "=", model)
      .where("version", "=", Number(version))
      .executeTakeFirst();
    if (!row)
      throw new GyreError("RESOURCE_DOES_NOT_EXIST", `Model ${model} version ${version} does not exist.`);
    const { store, base } = this.artifacts.locate(row.storage_location);
    let json: string;
    try {
      json = await text(
        (await store.read(base === "" ? PIPELINE_FILE : `${base}/${PIPELINE_FILE}`)).stream as Readable,
      );
    } catch {
      throw invalidParameter(
        `Model ${model} version ${version} has no ${PIPELINE_FILE}: only models trained with @gyre/ml (toModelDir) can be explained.`,
      );
    }
    const saved = JSON.parse(json) as { kind?: string };
    const loaders = { ...linearModelLoaders, ...treeModelLoaders };
    // A bare model (not a pipeline) is a pipeline without steps.
    return saved.kind === "pipeline"
      ? FittedPipeline.fromJSON(saved as never, loaders)
      : FittedPipeline.fromJSON(
          { kind: "pipeline", format: PIPELINE_FORMAT, steps: [], model: saved } as never,
          loaders,
        );
  }
}

function dedupe(rows: readonly LabeledPrediction[]): LabeledPrediction[] {
  const seen = new Set<string>();
  return rows.filter((r) => {
    const key = `${r.request_id}\u0001${r.row}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
