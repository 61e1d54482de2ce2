import type { Command } from "../command.js";
import { monitorDriftCommand } from "./monitor-drift.js";
import { monitorIngestCommand } from "./monitor-ingest.js";
import { monitorManageCommands } from "./monitor-manage.js";

/**
 * The `gyre monitor` group. `drift` compares two files ad hoc; the monitors over deployments
 * (`create`, `list`, `run`, `delete`) join this array from their own modules.
 */
export const monitorCommands: Command[] = [
  monitorDriftCommand,
  ...monitorManageCommands,
  monitorIngestCommand,
];
