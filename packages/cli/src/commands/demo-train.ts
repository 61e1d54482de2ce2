import { DuckDBInstance } from "@duckdb/node-api";
import {
  type AnyParams,
  categoricalColumn,
  crossValidationObjective,
  type FittedClassifier,
  type Frame,
  frameOf,
  HistGradientBoostingClassifier,
  int,
  LogisticRegression,
  linEncoding,
  logUniform,
  numericColumn,
  ordEncoding,
  Pipeline,
  type SearchSpace,
  scorers,
  toModelDir,
  tune,
} from "@gyre/ml";
import type { TrainInput, TrainOutput } from "@gyre/pipelines";
import { sqlIdentifier, sqlString } from "./predict-formats.js";

/**
 * The demo's training hook for the continuous-training template: reads the joined training table,
 * tunes a model with `@gyre/ml` (TPE over a small space, 3-fold cross-validated log loss, one child
 * run per trial), refits the best on every row and exports the whole pipeline to ONNX.
 */

export interface TrainingTable {
  readonly frame: Frame;
  readonly target: { codes: Int32Array; classes: string[] };
}

/** Reads `features` and a 0/1 `target` from Parquet files; strings become categorical columns. */
export async function readTrainingTable(
  files: readonly string[],
  features: readonly string[],
  target: string,
): Promise<TrainingTable> {
  const instance = await DuckDBInstance.create(":memory:", { threads: "1" });
  try {
    const connection = await instance.connect();
    const list = `[${files.map(sqlString).join(", ")}]`;
    const reader = await connection.runAndReadAll(
      `SELECT ${[...features, target].map(sqlIdentifier).join(", ")} FROM read_parquet(${list})`,
    );
    const columns = reader.getColumnsObjectJS() as Record<string, unknown[]>;
    connection.closeSync();
    const frame = frameOf(
      features.map((name) => {
        const values = columns[name]!;
        return values.some((v) => typeof v === "string")
          ? categoricalColumn(name, values as (string | null)[])
          : numericColumn(
              name,
              values.map((v) => (v === null ? null : Number(v))),
            );
      }),
    );
    const codes = Int32Array.from(columns[target]!, (v) => Number(v));
    return { frame, target: { codes, classes: ["0", "1"] } };
  } finally {
    instance.closeSync();
  }
}

type ClassTarget = TrainingTable["target"];

interface ModelFamily {
  readonly space: SearchSpace;
  build(params: AnyParams): Pipeline<ClassTarget, FittedClassifier>;
}

/** The model families the template's `model_type` parameter names, each with a small search space. */
function family(modelType: string): ModelFamily {
  if (modelType === "logistic_regression") {
    return {
      space: { C: logUniform(0.01, 10) },
      build: (p) => new Pipeline(linEncoding(), new LogisticRegression({ C: p.C as number, maxIter: 200 })),
    };
  }
  if (modelType === "hist_gradient_boosting") {
    return {
      space: { learningRate: logUniform(0.03, 0.3), maxLeafNodes: int(7, 63), minSamplesLeaf: int(10, 80) },
      build: (p) =>
        new Pipeline(
          ordEncoding(),
          new HistGradientBoostingClassifier({
            learningRate: p.learningRate as number,
            maxLeafNodes: p.maxLeafNodes as number,
            minSamplesLeaf: p.minSamplesLeaf as number,
            maxIter: 80,
            earlyStopping: false,
          }),
        ),
    };
  }
  throw new Error(
    `Parameter 'model_type' is hist_gradient_boosting or logistic_regression, got '${modelType}'.`,
  );
}

export function demoTrainer(features: readonly string[]) {
  return async (input: TrainInput): Promise<TrainOutput> => {
    const table = await readTrainingTable(input.files, features, input.target);
    input.log(`training on ${table.frame.nRows} rows × ${features.length} features (${input.modelType})`);
    const { space, build } = family(input.modelType);
    const result = await tune({
      space,
      objective: crossValidationObjective(build, table.frame, table.target, scorers.logLoss, {
        folds: 3,
        seed: 42,
      }),
      direction: "minimize",
      sampler: "tpe",
      trials: input.trials,
      seed: 42,
      metricName: "cv_log_loss",
      logger: {
        startTrial: (params, trial) => input.run.startChildRun({ name: `trial-${trial.number}`, params }),
      },
      onTrialEnd: (trial) =>
        input.log(
          `trial ${trial.number}: cv log loss ${trial.value?.toFixed(4) ?? "-"} ${JSON.stringify(trial.params)}`,
        ),
    });
    input.signal.throwIfAborted();
    const fitted = build(result.bestParams).fit(table.frame, table.target);
    await toModelDir(fitted, input.dir, { inputExample: table.frame });
    return {
      params: Object.fromEntries(
        Object.entries(result.bestParams).map(([k, v]) => [`best_${k}`, v as number]),
      ),
      metrics: { best_cv_log_loss: result.bestValue, training_rows: table.frame.nRows },
    };
  };
}
