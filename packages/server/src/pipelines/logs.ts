import type { PipelinesContext, Req, Res } from "./context.js";
import { readRun } from "./runs.js";

const DEFAULT_PAGE = 1000;

/** Step log lines, appended by whoever runs the step and read (or followed) by anyone. */
export class PipelineLogService {
  constructor(private readonly ctx: PipelinesContext) {}

  async appendPipelineLogs(req: Req<"appendPipelineLogs">): Promise<Res<"appendPipelineLogs">> {
    if (req.lines.length === 0) return {};
    await readRun(this.ctx.db, req.id);
    const now = this.ctx.now();
    await this.ctx.db
      .insertInto("pipeline_logs")
      .values(
        req.lines.map((line) => ({
          pipeline_run_id: req.id,
          step: req.step,
          timestamp: line.timestamp ?? now,
          text: line.text,
        })),
      )
      .execute();
    return {};
  }

  async getPipelineLogs(req: Req<"getPipelineLogs">): Promise<Res<"getPipelineLogs">> {
    await readRun(this.ctx.db, req.id);
    let query = this.ctx.db
      .selectFrom("pipeline_logs")
      .selectAll()
      .where("pipeline_run_id", "=", req.id)
      .where("seq", ">", req.after ?? 0);
    if (req.step !== undefined) query = query.where("step", "=", req.step);
    const rows = await query
      .orderBy("seq")
      .limit(req.max_results ?? DEFAULT_PAGE)
      .execute();
    return {
      lines: rows.map((row) => ({
        seq: Number(row.seq),
        step: row.step,
        timestamp: Number(row.timestamp),
        text: row.text,
      })),
    };
  }
}
