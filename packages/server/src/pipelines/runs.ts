import { randomUUID } from "node:crypto";
import { GyreError, invalidParameter, notFound, type pipelines } from "@gyre/core";
import type { PipelinesContext, Req, Res } from "./context.js";
import { type Db, readRuns, stepOf } from "./reader.js";

const FINAL_RUN = new Set<string>(["SUCCEEDED", "FAILED", "CANCELLED"]);
const FINAL_STEP = new Set<string>(["SUCCEEDED", "CACHED", "FAILED", "SKIPPED", "CANCELLED"]);

export const pipelineRunNotFound = (id: string) => notFound(`Pipeline run '${id}' does not exist.`);

export function newPipelineRunId(): string {
  return randomUUID().replaceAll("-", "");
}

type StepDeclaration = { name: string; depends_on: string[] };

/** Checks a step list: unique names, dependencies among the listed steps. */
function checkSteps(steps: readonly StepDeclaration[]): void {
  const names = new Set<string>();
  for (const step of steps) {
    if (names.has(step.name)) throw invalidParameter(`steps: the step name '${step.name}' appears twice.`);
    names.add(step.name);
  }
  for (const step of steps) {
    for (const dep of step.depends_on) {
      if (!names.has(dep)) {
        throw invalidParameter(
          `steps: step '${step.name}' depends on '${dep}', which is not a step of the run.`,
        );
      }
    }
  }
}

export async function insertSteps(db: Db, runId: string, steps: readonly StepDeclaration[]): Promise<void> {
  if (steps.length === 0) return;
  await db
    .insertInto("pipeline_steps")
    .values(
      steps.map((step, position) => ({
        pipeline_run_id: runId,
        name: step.name,
        position,
        status: "PENDING",
        depends_on: JSON.stringify(step.depends_on),
        attempt: 0,
        run_id: null,
        cache_key: null,
        cached_from: null,
        outputs: null,
        error: null,
        job_id: null,
        start_time: null,
        end_time: null,
      })),
    )
    .execute();
}

export interface NewRun {
  id: string;
  name: string;
  executor: string;
  module: string | undefined;
  params: Record<string, string>;
  trigger?: string;
  eventKey?: string;
}

export async function insertRun(db: Db, run: NewRun, now: number): Promise<void> {
  await db
    .insertInto("pipeline_runs")
    .values({
      id: run.id,
      name: run.name,
      status: "QUEUED",
      run_id: null,
      experiment_id: null,
      params: JSON.stringify(run.params),
      module: run.module ?? null,
      executor: run.executor,
      trigger: run.trigger ?? null,
      event_key: run.eventKey ?? null,
      cancel_requested: 0,
      error: null,
      creation_time: now,
      start_time: null,
      end_time: null,
    })
    .execute();
}

export async function readRun(db: Db, id: string): Promise<pipelines.PipelineRun> {
  const row = await db.selectFrom("pipeline_runs").selectAll().where("id", "=", id).executeTakeFirst();
  if (!row) throw pipelineRunNotFound(id);
  const [run] = await readRuns(db, [row]);
  if (!run) throw pipelineRunNotFound(id);
  return run;
}

/** Pipeline runs and their steps: what coordinators and workers write, and what the CLI reads. */
export class PipelineRunService {
  constructor(private readonly ctx: PipelinesContext) {}

  async createPipelineRun(req: Req<"createPipelineRun">): Promise<Res<"createPipelineRun">> {
    checkSteps(req.steps);
    const id = newPipelineRunId();
    await this.ctx.db.transaction().execute(async (tx) => {
      await insertRun(
        tx,
        { id, name: req.name, executor: req.executor, module: req.module, params: req.params },
        this.ctx.now(),
      );
      await insertSteps(tx, id, req.steps);
    });
    return { pipeline_run: await readRun(this.ctx.db, id) };
  }

  async getPipelineRun(req: Req<"getPipelineRun">): Promise<Res<"getPipelineRun">> {
    return { pipeline_run: await readRun(this.ctx.db, req.id) };
  }

  async listPipelineRuns(req: Req<"listPipelineRuns">): Promise<Res<"listPipelineRuns">> {
    let query = this.ctx.db.selectFrom("pipeline_runs").selectAll();
    if (req.name !== undefined) query = query.where("name", "=", req.name);
    if (req.status !== undefined) query = query.where("status", "=", req.status);
    const rows = await query
      .orderBy("creation_time", "desc")
      .orderBy("id")
      .limit(req.max_results ?? 100)
      .execute();
    return { pipeline_runs: await readRuns(this.ctx.db, rows) };
  }

  async updatePipelineRun(req: Req<"updatePipelineRun">): Promise<Res<"updatePipelineRun">> {
    await this.ctx.db.transaction().execute(async (tx) => {
      const run = await readRun(tx, req.id);
      if (req.status !== undefined && req.status !== run.status && FINAL_RUN.has(run.status)) {
        throw new GyreError(
          "INVALID_STATE",
          `Pipeline run '${req.id}' has ended (${run.status}); its status cannot change to ${req.status}.`,
        );
      }
      if (req.steps !== undefined) {
        if (run.status !== "QUEUED") {
          throw new GyreError(
            "INVALID_STATE",
            `Pipeline run '${req.id}' has started; its steps cannot change.`,
          );
        }
        checkSteps(req.steps);
        await tx.deleteFrom("pipeline_steps").where("pipeline_run_id", "=", req.id).execute();
        await insertSteps(tx, req.id, req.steps);
      }
      const now = this.ctx.now();
      const startsNow = req.status === "RUNNING" && run.start_time === undefined;
      const endsNow = req.status !== undefined && FINAL_RUN.has(req.status) && run.end_time === undefined;
      await tx
        .updateTable("pipeline_runs")
        .set({
          ...(req.status !== undefined ? { status: req.status } : {}),
          ...(req.run_id !== undefined ? { run_id: req.run_id } : {}),
          ...(req.experiment_id !== undefined ? { experiment_id: req.experiment_id } : {}),
          ...(req.executor !== undefined ? { executor: req.executor } : {}),
          ...(req.module !== undefined ? { module: req.module } : {}),
          ...(req.params !== undefined ? { params: JSON.stringify(req.params) } : {}),
          ...(req.error !== undefined ? { error: req.error } : {}),
          ...(startsNow ? { start_time: now } : {}),
          ...(endsNow ? { end_time: now } : {}),
        })
        .where("id", "=", req.id)
        .execute();
    });
    return { pipeline_run: await readRun(this.ctx.db, req.id) };
  }

  /**
   * A queued run ends CANCELLED here; a running one is flagged and its coordinator stops it.
   * `force` ends a running one here too (its coordinator, if alive, still stops its steps).
   */
  async cancelPipelineRun(req: Req<"cancelPipelineRun">): Promise<Res<"cancelPipelineRun">> {
    await this.ctx.db.transaction().execute(async (tx) => {
      const run = await readRun(tx, req.id);
      if (FINAL_RUN.has(run.status)) return;
      const now = this.ctx.now();
      const endNow = run.status === "QUEUED" || req.force === true;
      await tx
        .updateTable("pipeline_runs")
        .set({ cancel_requested: 1, ...(endNow ? { status: "CANCELLED", end_time: now } : {}) })
        .where("id", "=", req.id)
        .execute();
      if (!endNow) return;
      await tx
        .updateTable("pipeline_steps")
        .set({ status: "CANCELLED", end_time: now })
        .where("pipeline_run_id", "=", req.id)
        .where("status", "not in", [...FINAL_STEP])
        .execute();
    });
    return { pipeline_run: await readRun(this.ctx.db, req.id) };
  }

  async updatePipelineStep(req: Req<"updatePipelineStep">): Promise<Res<"updatePipelineStep">> {
    return this.ctx.db.transaction().execute(async (tx) => {
      const row = await tx
        .selectFrom("pipeline_steps")
        .selectAll()
        .where("pipeline_run_id", "=", req.id)
        .where("name", "=", req.step)
        .executeTakeFirst();
      if (!row) {
        await readRun(tx, req.id);
        throw notFound(`Pipeline run '${req.id}' has no step '${req.step}'.`);
      }
      const now = this.ctx.now();
      const running = req.status === "RUNNING" || req.status === "RETRYING";
      const final = req.status !== undefined && FINAL_STEP.has(req.status);
      await tx
        .updateTable("pipeline_steps")
        .set({
          ...(req.status !== undefined ? { status: req.status } : {}),
          ...(req.attempt !== undefined ? { attempt: req.attempt } : {}),
          ...(req.run_id !== undefined ? { run_id: req.run_id } : {}),
          ...(req.cache_key !== undefined ? { cache_key: req.cache_key } : {}),
          ...(req.cached_from !== undefined ? { cached_from: req.cached_from } : {}),
          ...(req.outputs !== undefined ? { outputs: JSON.stringify(req.outputs) } : {}),
          ...(req.error !== undefined ? { error: req.error } : {}),
          ...(req.job_id !== undefined ? { job_id: req.job_id } : {}),
          ...(running && row.start_time === null ? { start_time: now } : {}),
          ...(final ? { end_time: now } : {}),
          ...(final && row.start_time === null ? { start_time: now } : {}),
        })
        .where("pipeline_run_id", "=", req.id)
        .where("name", "=", req.step)
        .execute();
      const updated = await tx
        .selectFrom("pipeline_steps")
        .selectAll()
        .where("pipeline_run_id", "=", req.id)
        .where("name", "=", req.step)
        .executeTakeFirstOrThrow();
      return { step: stepOf(updated) };
    });
  }
}
