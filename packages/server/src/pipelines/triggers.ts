import { alreadyExists, notFound, pipelines } from "@gyre/core";
import type { Selectable } from "kysely";
import type { PipelinesContext, Req, Res } from "./context.js";
import type { Db } from "./reader.js";
import { insertRun, newPipelineRunId, readRun } from "./runs.js";
import type { PipelineTriggersTable } from "./tables.js";
import { initialCursor, triggerEvents } from "./trigger-events.js";

const triggerNotFound = (name: string) => notFound(`Trigger '${name}' does not exist.`);

function triggerOf(row: Selectable<PipelineTriggersTable>): pipelines.PipelineTrigger {
  return {
    name: row.name,
    pipeline: row.pipeline,
    module: row.module,
    spec: pipelines.TriggerSpec.parse(JSON.parse(row.spec)),
    params: JSON.parse(row.params) as Record<string, string>,
    executor: row.executor,
    cursor: Number(row.cursor),
    creation_time: Number(row.creation_time),
  };
}

async function readTrigger(db: Db, name: string): Promise<pipelines.PipelineTrigger> {
  const row = await db
    .selectFrom("pipeline_triggers")
    .selectAll()
    .where("name", "=", name)
    .executeTakeFirst();
  if (!row) throw triggerNotFound(name);
  return triggerOf(row);
}

/**
 * Schedules and triggers. Schedulers poll for events and fire them; a firing is one row keyed by
 * (trigger, event), inserted with the run it creates in one transaction, so however many
 * schedulers race on one event, exactly one run starts.
 */
export class PipelineTriggerService {
  constructor(private readonly ctx: PipelinesContext) {}

  async createPipelineTrigger(req: Req<"createPipelineTrigger">): Promise<Res<"createPipelineTrigger">> {
    const now = this.ctx.now();
    await this.ctx.db.transaction().execute(async (tx) => {
      const existing = await tx
        .selectFrom("pipeline_triggers")
        .select("name")
        .where("name", "=", req.name)
        .executeTakeFirst();
      if (existing) throw alreadyExists(`Trigger '${req.name}' already exists.`);
      await tx
        .insertInto("pipeline_triggers")
        .values({
          name: req.name,
          pipeline: req.pipeline,
          module: req.module,
          spec: JSON.stringify(req.spec),
          params: JSON.stringify(req.params),
          executor: req.executor,
          cursor: await initialCursor(tx, req.spec, now),
          creation_time: now,
        })
        .execute();
    });
    return { trigger: await readTrigger(this.ctx.db, req.name) };
  }

  async listPipelineTriggers(_req: Req<"listPipelineTriggers">): Promise<Res<"listPipelineTriggers">> {
    const rows = await this.ctx.db.selectFrom("pipeline_triggers").selectAll().orderBy("name").execute();
    return { triggers: rows.map(triggerOf) };
  }

  async deletePipelineTrigger(req: Req<"deletePipelineTrigger">): Promise<Res<"deletePipelineTrigger">> {
    const result = await this.ctx.db
      .deleteFrom("pipeline_triggers")
      .where("name", "=", req.name)
      .executeTakeFirst();
    if (Number(result.numDeletedRows) === 0) throw triggerNotFound(req.name);
    return {};
  }

  /** Events after the trigger's cursor that have not fired it yet. */
  async pollPipelineTrigger(req: Req<"pollPipelineTrigger">): Promise<Res<"pollPipelineTrigger">> {
    const trigger = await readTrigger(this.ctx.db, req.name);
    const events = await triggerEvents(this.ctx.db, {
      name: trigger.name,
      spec: trigger.spec,
      cursor: trigger.cursor,
      creationTime: trigger.creation_time,
    });
    if (events.length === 0) return { events: [] };
    const fired = await this.ctx.db
      .selectFrom("pipeline_trigger_firings")
      .select("event_key")
      .where("trigger", "=", trigger.name)
      .where(
        "event_key",
        "in",
        events.map((e) => e.key),
      )
      .execute();
    const done = new Set(fired.map((f) => f.event_key));
    return { events: events.filter((e) => !done.has(e.key)) };
  }

  async firePipelineTrigger(req: Req<"firePipelineTrigger">): Promise<Res<"firePipelineTrigger">> {
    const now = this.ctx.now();
    const runId = newPipelineRunId();
    const fired = await this.ctx.db.transaction().execute(async (tx) => {
      const trigger = await readTrigger(tx, req.name);
      const inserted = await tx
        .insertInto("pipeline_trigger_firings")
        .values({ trigger: req.name, event_key: req.event_key, pipeline_run_id: runId, timestamp: now })
        .onConflict((oc) => oc.columns(["trigger", "event_key"]).doNothing())
        .executeTakeFirst();
      if (Number(inserted.numInsertedOrUpdatedRows ?? 0) === 0) return false;
      await insertRun(
        tx,
        {
          id: runId,
          name: trigger.pipeline,
          executor: trigger.executor,
          module: trigger.module,
          params: { ...trigger.params, ...req.params },
          trigger: trigger.name,
          eventKey: req.event_key,
        },
        now,
      );
      if (req.cursor > trigger.cursor) {
        await tx
          .updateTable("pipeline_triggers")
          .set({ cursor: req.cursor })
          .where("name", "=", req.name)
          .where("cursor", "<", req.cursor)
          .execute();
      }
      return true;
    });
    if (!fired) return { fired: false };
    return { fired: true, pipeline_run: await readRun(this.ctx.db, runId) };
  }

  async listTriggerFirings(req: Req<"listTriggerFirings">): Promise<Res<"listTriggerFirings">> {
    const rows = await this.ctx.db
      .selectFrom("pipeline_trigger_firings")
      .selectAll()
      .where("trigger", "=", req.name)
      .orderBy("timestamp", "desc")
      .orderBy("event_key", "desc")
      .execute();
    return {
      firings: rows.map((row) => ({
        trigger: row.trigger,
        event_key: row.event_key,
        pipeline_run_id: row.pipeline_run_id,
        timestamp: Number(row.timestamp),
      })),
    };
  }
}
