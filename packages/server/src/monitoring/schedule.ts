import { invalidParameter } from "@gyre/core";
import { Cron } from "croner";

/** Validates a cron expression (5 fields, or 6 with seconds; UTC); a 400 names the field otherwise. */
export function checkSchedule(pattern: string, field = "spec.schedule"): void {
  try {
    new Cron(pattern, { timezone: "UTC", paused: true });
  } catch (error) {
    throw invalidParameter(
      `Invalid value '${pattern}' for parameter '${field}': ${error instanceof Error ? error.message : String(error)}`,
    );
  }
}

/** The first run time strictly after `after` (ms), or null when the pattern never fires again. */
export function nextRunAfter(pattern: string, after: number): number | null {
  const next = new Cron(pattern, { timezone: "UTC", paused: true }).nextRun(new Date(after));
  return next ? next.getTime() : null;
}
