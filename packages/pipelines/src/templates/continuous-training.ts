import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { deployments, GyreError } from "@gyre/core";
import type { Gyre, Run } from "@gyre/sdk";
import { type PipelineDef, pipeline } from "../definition.js";
import { datasetRef, downloadDataset, joinFeatures, type TrainingSetInput, validate } from "./data-steps.js";
import { type GateCheck, type GateThresholds, type ModelEvaluation, parseGateThresholds } from "./gate.js";
import { judgeByMonitoring, type OnlineJudgeInput, type OnlineVerdict } from "./online-judge.js";
import { championOf, deploymentExists, serveChampionOnly } from "./serving-steps.js";

export { joinFeatures, type TrainingSetInput };

/**
 * The continuous-training template: the closed loop as one pipeline.
 *
 *   validate ─► training_set ─► train ─► evaluate ─► gate ─► register ─► deploy ─► promote
 *   (suite on     (point-in-time   (hook,    (challenger vs   (thresholds)  (alias      (canary or   (online metrics
 *    both data     join through     tracked)  champion, same               challenger)  shadow)      hold: champion;
 *    sets)         the feature                holdout)                                              else roll back)
 *                  store)
 *
 * Model fitting and offline evaluation are hooks: fitting is the user's code (as TFX's Trainer
 * takes a module), and evaluation is `gyre test`'s engine, which needs ONNX Runtime — a
 * dependency this package does not take. Everything else goes through Gyre's HTTP contracts with
 * the step's SDK client, so the template runs on any executor.
 *
 * Parameters (`--param name=value`):
 * - `dataset`, `holdout`: labelled entity rows (keys, event timestamp, target) as dataset versions;
 *   the model is fitted on the first and judged on the second;
 * - `suite`: an expectation suite (JSON) both must pass (default none);
 * - `feature_service`, `timestamp_column`: what the point-in-time join adds to each row ('' skips
 *   the feature store: the datasets are used as they are);
 * - `target`, `model_name`, `model_type`, `trials`: what to fit and register;
 * - `thresholds`: the gate (`gyre test`'s schema);
 * - `deployment`, `rollout` (`canary` | `shadow`), `percent`: how the challenger meets traffic;
 * - `online_metric`, `online_max_drop`, `online_min_labels`, `online_timeout_s`: when it is promoted.
 */

export interface ContinuousTrainingHooks {
  /** Fits a model on the training table and writes an ONNX model directory (gyre-model.json) to `dir`. */
  train(input: TrainInput): Promise<TrainOutput>;
  /** Scores candidate and champion on the holdout and judges the thresholds (`gyre test`'s engine). */
  evaluate(input: EvaluateInput): Promise<EvaluateOutput>;
  /** Joins features onto labelled rows; default: the feature store's point-in-time join. */
  buildTrainingSet?(input: TrainingSetInput): Promise<string>;
  /** Decides promotion from online traffic; default: labelled predictions per version from monitoring. */
  judgeOnline?(input: OnlineJudgeInput): Promise<OnlineVerdict>;
  /** Part of the train step's cache key: change it when the training code changes. */
  readonly version?: string;
}

export interface TrainInput {
  /** The training table's files (downloaded), and the dataset URI they come from. */
  readonly files: readonly string[];
  readonly dataset: string;
  readonly target: string;
  readonly modelType: string;
  readonly trials: number;
  /** Write the model directory here. */
  readonly dir: string;
  /** The step's MLflow run: log params, metrics and trials to it. */
  readonly run: Run;
  readonly gyre: Gyre;
  readonly signal: AbortSignal;
  log(...parts: unknown[]): void;
}

export interface TrainOutput {
  /** Figures to log on the step's run (e.g. the best trial's cross-validated score). */
  readonly metrics?: Readonly<Record<string, number>>;
  readonly params?: Readonly<Record<string, string | number | boolean>>;
}

export interface EvaluateInput {
  /** The challenger's model URI (`runs:/<run>/model`). */
  readonly candidate: string;
  /** `models:/<name>@champion`, or undefined when the model has no champion yet. */
  readonly champion: string | undefined;
  /** The holdout dataset URI. */
  readonly holdout: string;
  readonly target: string;
  readonly thresholds: GateThresholds;
  readonly gyre: Gyre;
  log(...parts: unknown[]): void;
}

export interface EvaluateOutput {
  readonly passed: boolean;
  readonly checks: readonly GateCheck[];
  readonly challenger: ModelEvaluation;
  readonly champion: ModelEvaluation | undefined;
}

export const CONTINUOUS_TRAINING = "continuous-training";

/** Defaults of the parameters that have one. */
export const CONTINUOUS_TRAINING_DEFAULTS = {
  feature_service: "",
  timestamp_column: "event_timestamp",
  model_type: "hist_gradient_boosting",
  trials: 8,
  rollout: "canary",
  percent: 20,
  online_metric: "accuracy",
  online_max_drop: 0.01,
  online_min_labels: 200,
  online_timeout_s: 120,
} as const;

function logMetrics(run: Run, prefix: string, evaluation: ModelEvaluation | undefined): void {
  if (!evaluation) return;
  const figures = Object.entries(evaluation.metrics).filter(
    ([, v]) => typeof v === "number" && Number.isFinite(v),
  );
  run.logMetrics(Object.fromEntries(figures.map(([k, v]) => [`${prefix}_${k}`, v as number])));
}

/** The continuous-training pipeline over the given hooks. */
export function continuousTraining(hooks: ContinuousTrainingHooks, name = CONTINUOUS_TRAINING): PipelineDef {
  const d = CONTINUOUS_TRAINING_DEFAULTS;
  return pipeline(name, (p) => {
    const dataset = p.param("dataset", "dataset");
    const holdout = p.param("holdout", "dataset");
    const suite = p.param("suite", "json", null);
    const featureService = p.param("feature_service", "string", d.feature_service);
    const timestampColumn = p.param("timestamp_column", "string", d.timestamp_column);
    const target = p.param("target", "string");
    const modelName = p.param("model_name", "string");
    const modelType = p.param("model_type", "string", d.model_type);
    const trials = p.param("trials", "number", d.trials);
    const thresholds = p.param("thresholds", "json", {});
    const deployment = p.param("deployment", "string");
    const rollout = p.param("rollout", "string", d.rollout);
    const percent = p.param("percent", "number", d.percent);
    const onlineMetric = p.param("online_metric", "string", d.online_metric);
    const onlineMaxDrop = p.param("online_max_drop", "number", d.online_max_drop);
    const onlineMinLabels = p.param("online_min_labels", "number", d.online_min_labels);
    const onlineTimeout = p.param("online_timeout_s", "number", d.online_timeout_s);

    const validated = p.step(
      "validate",
      { inputs: { dataset, holdout, suite }, outputs: { expectations: "number" } },
      async ({ inputs, gyre, log, run }) => {
        let count = 0;
        if (inputs.suite === null) log("no expectation suite: nothing to validate");
        else
          for (const uri of [inputs.dataset, inputs.holdout])
            count += await validate(gyre, uri, inputs.suite, log);
        run.logMetrics({ expectations_checked: count });
        return { expectations: count };
      },
    );

    const joined = p.step(
      "training_set",
      {
        inputs: { dataset, holdout, featureService, timestampColumn, modelName },
        outputs: { train: "dataset", holdout: "dataset" },
        after: [validated],
      },
      async ({ inputs, gyre, log }) => {
        if (inputs.featureService === "") return { train: inputs.dataset, holdout: inputs.holdout };
        const build = hooks.buildTrainingSet ?? joinFeatures;
        const join = (uri: string, suffix: string) =>
          build({
            dataset: uri,
            featureService: inputs.featureService,
            timestampColumn: inputs.timestampColumn,
            register: `${inputs.modelName}-${suffix}`,
            gyre,
            log,
          });
        return { train: await join(inputs.dataset, "train"), holdout: await join(inputs.holdout, "holdout") };
      },
    );

    const trained = p.step(
      "train",
      {
        inputs: {
          train: joined.outputs.train,
          holdout: joined.outputs.holdout,
          target,
          modelType,
          trials,
        },
        outputs: { model: "artifact" },
        ...(hooks.version ? { version: hooks.version } : {}),
        resources: { cpu: 2 },
      },
      async ({ inputs, gyre, run, log, signal }) => {
        const scratch = await mkdtemp(join(tmpdir(), "gyre-ct-train-"));
        try {
          const files = await downloadDataset(gyre, inputs.train, join(scratch, "data"));
          const [train, test] = await Promise.all(
            [inputs.train, inputs.holdout].map((u) => gyre.getDataset(datasetRef(u))),
          );
          await run.logInput(train!, { context: "training" });
          await run.logInput(test!, { context: "holdout" });
          await run.logParams({ target: inputs.target, model_type: inputs.modelType, trials: inputs.trials });
          const dir = join(scratch, "model");
          const output = await hooks.train({
            files,
            dataset: inputs.train,
            target: inputs.target,
            modelType: inputs.modelType,
            trials: inputs.trials,
            dir,
            run,
            gyre,
            signal,
            log,
          });
          if (output.params) await run.logParams(output.params);
          if (output.metrics) run.logMetrics(output.metrics);
          return { model: await run.logModel(dir) };
        } finally {
          await rm(scratch, { recursive: true, force: true });
        }
      },
    );

    const evaluated = p.step(
      "evaluate",
      {
        inputs: {
          candidate: trained.outputs.model,
          holdout: joined.outputs.holdout,
          target,
          thresholds,
          modelName,
        },
        outputs: { passed: "boolean", report: "json" },
        cache: false,
      },
      async ({ inputs, gyre, run, log }) => {
        const gate = parseGateThresholds(inputs.thresholds, "thresholds");
        const champion = await championOf(gyre, inputs.modelName);
        const result = await hooks.evaluate({
          candidate: inputs.candidate,
          champion: champion === undefined ? undefined : `models:/${inputs.modelName}@champion`,
          holdout: inputs.holdout,
          target: inputs.target,
          thresholds: gate,
          gyre,
          log,
        });
        logMetrics(run, "challenger", result.challenger);
        logMetrics(run, "champion", result.champion);
        const report = {
          passed: result.passed,
          champion_version: champion ?? null,
          checks: result.checks.filter((c) => c.status !== "pass" || !c.name.includes("[")),
          challenger: result.challenger.metrics,
          champion: result.champion?.metrics ?? null,
        };
        return { passed: result.passed, report };
      },
    );

    const gated = p.step(
      "gate",
      {
        inputs: { passed: evaluated.outputs.passed, report: evaluated.outputs.report },
        outputs: { passed: "boolean" },
        cache: false,
      },
      async ({ inputs, log }) => {
        const report = inputs.report as { checks: GateCheck[] };
        for (const check of report.checks) {
          log(
            `${check.status.toUpperCase()} ${check.name} ${check.rule}: challenger ${check.challenger ?? "-"}, limit ${check.limit ?? "-"}`,
          );
        }
        if (!inputs.passed) {
          const failed = report.checks.filter((c) => c.status === "fail").map((c) => `${c.name} (${c.rule})`);
          throw new GyreError("INVALID_STATE", `The challenger failed the gate: ${failed.join(", ")}.`);
        }
        return { passed: true };
      },
    );

    const registered = p.step(
      "register",
      {
        inputs: { candidate: trained.outputs.model, modelName },
        outputs: { model: "model", version: "string" },
        after: [gated],
        cache: false,
      },
      async ({ inputs, gyre, log }) => {
        const version = await gyre.registerModel(inputs.candidate, inputs.modelName);
        await gyre.setAlias(inputs.modelName, "challenger", version.version);
        log(`registered ${inputs.modelName} version ${version.version} as @challenger`);
        return { model: `models:/${inputs.modelName}/${version.version}`, version: version.version };
      },
    );

    const deployed = p.step(
      "deploy",
      {
        inputs: { version: registered.outputs.version, modelName, deployment, rollout, percent },
        outputs: { mode: "string", since: "number" },
        cache: false,
      },
      async ({ inputs, gyre, log }) => {
        const since = Date.now();
        const champion = await championOf(gyre, inputs.modelName);
        if (champion === undefined) {
          // The first model has nothing to be compared with: it becomes the champion at once.
          await gyre.setAlias(inputs.modelName, "champion", inputs.version);
          await gyre.deleteAlias(inputs.modelName, "challenger");
          await serveChampionOnly(gyre, inputs.deployment, inputs.modelName);
          log(`no champion yet: version ${inputs.version} serves all traffic of '${inputs.deployment}'`);
          return { mode: "first", since };
        }
        if (inputs.rollout !== "canary" && inputs.rollout !== "shadow") {
          throw new GyreError(
            "INVALID_PARAMETER_VALUE",
            `Parameter 'rollout' is canary or shadow, got '${inputs.rollout}'.`,
          );
        }
        if (!(inputs.percent > 0 && inputs.percent < 100)) {
          throw new GyreError(
            "INVALID_PARAMETER_VALUE",
            `Parameter 'percent' is between 0 and 100, got ${inputs.percent}.`,
          );
        }
        const championArm = { model_uri: `models:/${inputs.modelName}@champion`, weight: 100 };
        const challenger = `models:/${inputs.modelName}/${inputs.version}`;
        if (!(await deploymentExists(gyre, inputs.deployment)))
          await serveChampionOnly(gyre, inputs.deployment, inputs.modelName);
        await gyre.client.call(
          deployments.updateDeployment,
          inputs.rollout === "canary"
            ? {
                name: inputs.deployment,
                arms: [
                  { ...championArm, weight: 100 - inputs.percent },
                  { model_uri: challenger, weight: inputs.percent },
                ],
                shadows: [],
              }
            : {
                name: inputs.deployment,
                arms: [championArm],
                shadows: [{ model_uri: challenger, percent: inputs.percent }],
              },
        );
        log(
          `${inputs.rollout}: version ${inputs.version} gets ${inputs.percent}% of '${inputs.deployment}' beside champion version ${champion}`,
        );
        return { mode: inputs.rollout, since };
      },
    );

    p.step(
      "promote",
      {
        inputs: {
          version: registered.outputs.version,
          mode: deployed.outputs.mode,
          since: deployed.outputs.since,
          modelName,
          deployment,
          onlineMetric,
          onlineMaxDrop,
          onlineMinLabels,
          onlineTimeout,
        },
        outputs: { decision: "string", champion: "model", reason: "string" },
        cache: false,
      },
      async ({ inputs, gyre, log, signal }) => {
        const model = inputs.modelName;
        if (inputs.mode === "first") {
          return {
            decision: "promoted",
            champion: `models:/${model}/${inputs.version}`,
            reason: "first model",
          };
        }
        const champion = (await championOf(gyre, model))!;
        const judge = hooks.judgeOnline ?? judgeByMonitoring;
        const verdict = await judge({
          gyre,
          deployment: inputs.deployment,
          championVersion: champion,
          challengerVersion: inputs.version,
          metric: inputs.onlineMetric,
          maxDrop: inputs.onlineMaxDrop,
          minLabels: inputs.onlineMinLabels,
          timeoutMs: inputs.onlineTimeout * 1000,
          since: inputs.since,
          signal,
          log,
        });
        if (verdict.promote) {
          await gyre.setAlias(model, "champion", inputs.version);
          await gyre.deleteAlias(model, "challenger");
          await serveChampionOnly(gyre, inputs.deployment, model);
          log(`promoted version ${inputs.version} to @champion: ${verdict.reason}`);
          return {
            decision: "promoted",
            champion: `models:/${model}/${inputs.version}`,
            reason: verdict.reason,
          };
        }
        await serveChampionOnly(gyre, inputs.deployment, model);
        await gyre.deleteAlias(model, "challenger");
        log(`rolled back version ${inputs.version}; champion stays version ${champion}: ${verdict.reason}`);
        return { decision: "rolled_back", champion: `models:/${model}/${champion}`, reason: verdict.reason };
      },
    );
  });
}
