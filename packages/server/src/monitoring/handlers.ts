import type { monitoring } from "@gyre/core";
import type { Handlers } from "../http/api-routes.js";
import { actorOf } from "../registry/context.js";
import type { MonitoringService } from "./service.js";

/** Each monitoring contract mapped to its service call; creations and acknowledgements record who. */
export function monitoringHandlers(s: MonitoringService): Handlers<typeof monitoring.monitoringRoutes> {
  return {
    logLabels: (r) => s.logLabels(r),
    searchPredictions: (r) => s.searchPredictions(r),
    createMonitor: (r, c) => s.createMonitor(r, actorOf(r, c.user)),
    getMonitor: (r) => s.getMonitor(r),
    listMonitors: (r) => s.listMonitors(r),
    deleteMonitor: (r) => s.deleteMonitor(r),
    runMonitor: (r) => s.runMonitor(r),
    listEvaluations: (r) => s.listEvaluations(r),
    getMonitorReport: (r) => s.getMonitorReport(r),
    listAlerts: (r) => s.listAlerts(r),
    acknowledgeAlert: (r, c) => s.acknowledgeAlert(r, actorOf(r, c.user)),
    explainPrediction: (r) => s.explainPrediction(r),
    computeImportance: (r) => s.computeImportance(r),
  };
}
