import { GyreError, monitoring } from "@gyre/core";
import type { Kysely, Selectable, Transaction } from "kysely";
import type { SqlDialect } from "../store/database.js";
import type { Schema } from "../store/schema.js";
import type { HysteresisState } from "./hysteresis.js";
import type {
  MonitorAlertsTable,
  MonitorEvaluationsTable,
  MonitoringTables,
  MonitorsTable,
} from "./tables.js";

export type MonitoringDatabase = Kysely<Schema & MonitoringTables>;
type Trx = Transaction<Schema & MonitoringTables>;
export type MonitorRow = Selectable<MonitorsTable>;
export type EvaluationRow = Selectable<MonitorEvaluationsTable>;
export type AlertRow = Selectable<MonitorAlertsTable>;

export interface MonitoringContext {
  readonly db: MonitoringDatabase;
  readonly dialect: SqlDialect;
  readonly now: () => number;
}

export const monitorNotFound = (name: string) =>
  new GyreError("RESOURCE_DOES_NOT_EXIST", `Monitor '${name}' does not exist.`);

export function specOf(row: MonitorRow): monitoring.MonitorSpec {
  return monitoring.MonitorSpec.parse(JSON.parse(row.spec));
}

export function evaluationOf(row: EvaluationRow, alertId?: number): monitoring.Evaluation {
  return {
    monitor: row.monitor_name,
    number: Number(row.number),
    window_start: Number(row.window_start),
    window_end: Number(row.window_end),
    evaluated_at: Number(row.evaluated_at),
    status: row.status as monitoring.Evaluation["status"],
    values: JSON.parse(row.metric_values) as Record<string, number | null>,
    breaches: JSON.parse(row.breaches) as monitoring.Breach[],
    ...(alertId === undefined ? {} : { alert_id: alertId }),
  };
}

export function alertOf(row: AlertRow): monitoring.Alert {
  return {
    id: Number(row.id),
    monitor_name: row.monitor_name,
    state: row.state,
    fired_at: Number(row.fired_at),
    ...(row.resolved_at === null ? {} : { resolved_at: Number(row.resolved_at) }),
    ...(row.acknowledged_at === null ? {} : { acknowledged_at: Number(row.acknowledged_at) }),
    ...(row.acknowledged_by === null ? {} : { acknowledged_by: row.acknowledged_by }),
    details: JSON.parse(row.details) as Record<string, unknown>,
  };
}

/** What one evaluation changes, written in one transaction. */
export interface EvaluationWrite {
  readonly windowStart: number;
  readonly windowEnd: number;
  readonly status: monitoring.Evaluation["status"];
  readonly values: Record<string, number | null>;
  readonly breaches: monitoring.Breach[];
  /** The hysteresis step: new counts and what to do with the alert. */
  decide(state: HysteresisState): { state: HysteresisState; action: "fire" | "resolve" | "none" };
  /** Where the reports of evaluation `number` are stored. */
  reportPath(number: number): string;
}

export interface EvaluationWritten {
  readonly evaluation: EvaluationRow;
  readonly action: "fire" | "resolve" | "none";
  /** The alert fired, resolved or still firing. */
  readonly alert: AlertRow | undefined;
}

/**
 * Monitors, their evaluations and alerts in the metadata store. An evaluation is one
 * transaction: the monitor's row is locked (PostgreSQL `FOR UPDATE`; SQLite serialises writers),
 * the point is numbered, the hysteresis counts are updated, and an alert is opened or resolved.
 */
export class MonitorStore {
  constructor(private readonly ctx: MonitoringContext) {}

  async create(
    name: string,
    spec: monitoring.MonitorSpec,
    creator: string,
    nextRun: number | null,
  ): Promise<MonitorRow> {
    const now = this.ctx.now();
    const row: MonitorRow = {
      name,
      spec: JSON.stringify(spec),
      creator,
      creation_time: now,
      last_update_time: now,
      consecutive_breaches: 0,
      consecutive_ok: 0,
      open_alert_id: null,
      evaluations: 0,
      next_run_time: nextRun,
    };
    const inserted = await this.ctx.db
      .insertInto("monitors")
      .values(row)
      .onConflict((oc) => oc.column("name").doNothing())
      .executeTakeFirst();
    if (Number(inserted.numInsertedOrUpdatedRows ?? 0) === 0)
      throw new GyreError("RESOURCE_ALREADY_EXISTS", `Monitor '${name}' already exists.`);
    return row;
  }

  async get(name: string): Promise<MonitorRow> {
    const row = await this.ctx.db
      .selectFrom("monitors")
      .selectAll()
      .where("name", "=", name)
      .executeTakeFirst();
    if (!row) throw monitorNotFound(name);
    return row;
  }

  list(): Promise<MonitorRow[]> {
    return this.ctx.db.selectFrom("monitors").selectAll().orderBy("name").execute();
  }

  async delete(name: string): Promise<void> {
    await this.ctx.db.transaction().execute(async (trx) => {
      const deleted = await trx.deleteFrom("monitors").where("name", "=", name).executeTakeFirst();
      if (Number(deleted.numDeletedRows) === 0) throw monitorNotFound(name);
      await trx.deleteFrom("monitor_evaluations").where("monitor_name", "=", name).execute();
      // Its alerts stay in the history, but none is left firing for a monitor that is gone.
      await trx
        .updateTable("monitor_alerts")
        .set({ state: "resolved", resolved_at: this.ctx.now() })
        .where("monitor_name", "=", name)
        .where("state", "=", "firing")
        .execute();
    });
  }

  /** Monitors whose scheduled run is due. */
  async due(now: number): Promise<MonitorRow[]> {
    return this.ctx.db
      .selectFrom("monitors")
      .selectAll()
      .where("next_run_time", "is not", null)
      .where("next_run_time", "<=", now)
      .execute();
  }

  /** Moves a due run to `next`; false when another process claimed it first. */
  async claim(name: string, due: number, next: number | null): Promise<boolean> {
    const updated = await this.ctx.db
      .updateTable("monitors")
      .set({ next_run_time: next })
      .where("name", "=", name)
      .where("next_run_time", "=", due)
      .executeTakeFirst();
    return Number(updated.numUpdatedRows) === 1;
  }

  async evaluations(name: string, max: number): Promise<EvaluationRow[]> {
    const rows = await this.ctx.db
      .selectFrom("monitor_evaluations")
      .selectAll()
      .where("monitor_name", "=", name)
      .orderBy("number", "desc")
      .limit(max)
      .execute();
    return rows.reverse();
  }

  async evaluation(name: string, number: number | undefined): Promise<EvaluationRow> {
    let query = this.ctx.db.selectFrom("monitor_evaluations").selectAll().where("monitor_name", "=", name);
    query =
      number === undefined ? query.orderBy("number", "desc").limit(1) : query.where("number", "=", number);
    const row = await query.executeTakeFirst();
    if (!row) {
      await this.get(name);
      throw new GyreError(
        "RESOURCE_DOES_NOT_EXIST",
        number === undefined
          ? `Monitor '${name}' has no evaluation yet.`
          : `Monitor '${name}' has no evaluation ${number}.`,
      );
    }
    return row;
  }

  async recordEvaluation(name: string, write: EvaluationWrite): Promise<EvaluationWritten> {
    return this.ctx.db.transaction().execute(async (trx) => {
      let lock = trx.selectFrom("monitors").selectAll().where("name", "=", name);
      if (this.ctx.dialect === "postgres") lock = lock.forUpdate();
      const monitor = await lock.executeTakeFirst();
      if (!monitor) throw monitorNotFound(name);
      const number = Number(monitor.evaluations) + 1;
      const now = this.ctx.now();
      const { state, action } = write.decide({
        breaches: Number(monitor.consecutive_breaches),
        ok: Number(monitor.consecutive_ok),
        firing: monitor.open_alert_id !== null,
      });
      const evaluation = await trx
        .insertInto("monitor_evaluations")
        .values({
          monitor_name: name,
          number,
          window_start: write.windowStart,
          window_end: write.windowEnd,
          evaluated_at: now,
          status: write.status,
          metric_values: JSON.stringify(write.values),
          breaches: JSON.stringify(write.breaches),
          report_path: write.reportPath(number),
        })
        .returningAll()
        .executeTakeFirstOrThrow();
      let alert: AlertRow | undefined;
      let openAlert = monitor.open_alert_id === null ? null : Number(monitor.open_alert_id);
      if (action === "fire") {
        alert = await trx
          .insertInto("monitor_alerts")
          .values({
            monitor_name: name,
            state: "firing",
            fired_at: now,
            resolved_at: null,
            acknowledged_at: null,
            acknowledged_by: null,
            details: JSON.stringify({
              evaluation: number,
              window_start: write.windowStart,
              window_end: write.windowEnd,
              breaches: write.breaches,
              values: write.values,
            }),
          })
          .returningAll()
          .executeTakeFirstOrThrow();
        openAlert = Number(alert.id);
      } else if (openAlert !== null) {
        if (action === "resolve") {
          await trx
            .updateTable("monitor_alerts")
            .set({ state: "resolved", resolved_at: now })
            .where("id", "=", openAlert)
            .execute();
        }
        alert = await trx
          .selectFrom("monitor_alerts")
          .selectAll()
          .where("id", "=", openAlert)
          .executeTakeFirst();
        if (action === "resolve") openAlert = null;
      }
      await trx
        .updateTable("monitors")
        .set({
          evaluations: number,
          consecutive_breaches: state.breaches,
          consecutive_ok: state.ok,
          open_alert_id: openAlert,
        })
        .where("name", "=", name)
        .execute();
      return { evaluation, action, alert };
    });
  }

  async alerts(filter: {
    monitor?: string | undefined;
    state?: string | undefined;
    afterId?: number | undefined;
    max: number;
  }): Promise<AlertRow[]> {
    let query = this.ctx.db.selectFrom("monitor_alerts").selectAll();
    if (filter.monitor !== undefined) query = query.where("monitor_name", "=", filter.monitor);
    if (filter.state !== undefined) query = query.where("state", "=", filter.state as AlertRow["state"]);
    // Pollers read forward from the last id they saw; people read the newest first.
    query =
      filter.afterId === undefined
        ? query.orderBy("id", "desc")
        : query.where("id", ">", filter.afterId).orderBy("id", "asc");
    return query.limit(filter.max).execute();
  }

  async acknowledge(id: number, actor: string): Promise<AlertRow> {
    await this.ctx.db
      .updateTable("monitor_alerts")
      .set({ acknowledged_at: this.ctx.now(), acknowledged_by: actor })
      .where("id", "=", id)
      .where("acknowledged_at", "is", null)
      .execute();
    const row = await this.ctx.db
      .selectFrom("monitor_alerts")
      .selectAll()
      .where("id", "=", id)
      .executeTakeFirst();
    if (!row) throw new GyreError("RESOURCE_DOES_NOT_EXIST", `Alert ${id} does not exist.`);
    return row;
  }
}

export type { Trx };
