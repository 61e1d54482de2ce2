import type { PipelinesContext, Req, Res } from "./context.js";

/** Step outputs by content key: the index that makes an unchanged step a cache hit. */
export class PipelineCacheService {
  constructor(private readonly ctx: PipelinesContext) {}

  async getPipelineCache(req: Req<"getPipelineCache">): Promise<Res<"getPipelineCache">> {
    const row = await this.ctx.db
      .selectFrom("pipeline_cache")
      .selectAll()
      .where("key", "=", req.key)
      .executeTakeFirst();
    if (!row) return {};
    return {
      entry: {
        key: row.key,
        pipeline: row.pipeline,
        step: row.step,
        outputs: JSON.parse(row.outputs) as Record<string, unknown>,
        run_id: row.run_id ?? undefined,
        creation_time: Number(row.creation_time),
      },
    };
  }

  async putPipelineCache(req: Req<"putPipelineCache">): Promise<Res<"putPipelineCache">> {
    const values = {
      pipeline: req.pipeline,
      step: req.step,
      outputs: JSON.stringify(req.outputs),
      run_id: req.run_id ?? null,
      creation_time: this.ctx.now(),
    };
    await this.ctx.db
      .insertInto("pipeline_cache")
      .values({ key: req.key, ...values })
      .onConflict((oc) => oc.column("key").doUpdateSet(values))
      .execute();
    return {};
  }
}
