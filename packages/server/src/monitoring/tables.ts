import type { Generated, Kysely } from "kysely";

/** The monitoring tables (migration 0006_monitoring); JSON columns hold text. */
export interface MonitorsTable {
  name: string;
  spec: string;
  creator: string;
  creation_time: number;
  last_update_time: number;
  consecutive_breaches: number;
  consecutive_ok: number;
  open_alert_id: number | null;
  evaluations: number;
  next_run_time: number | null;
}

export interface MonitorEvaluationsTable {
  id: Generated<number>;
  monitor_name: string;
  number: number;
  window_start: number;
  window_end: number;
  evaluated_at: number;
  status: string;
  metric_values: string;
  breaches: string;
  report_path: string | null;
}

/** Read by id by the pipelines domain to trigger retraining: keep these names. */
export interface MonitorAlertsTable {
  id: Generated<number>;
  monitor_name: string;
  state: "firing" | "resolved";
  fired_at: number;
  resolved_at: number | null;
  acknowledged_at: number | null;
  acknowledged_by: string | null;
  details: string;
}

export interface MonitorReferencesTable {
  key: string;
  stats: string;
  creation_time: number;
}

export type MonitoringTables = {
  monitors: MonitorsTable;
  monitor_evaluations: MonitorEvaluationsTable;
  monitor_alerts: MonitorAlertsTable;
  monitor_references: MonitorReferencesTable;
};

/** The metadata store seen with the monitoring tables (they are not in the shared Schema type). */
export type MonitoringDb = Kysely<MonitoringTables>;
