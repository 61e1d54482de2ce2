import { monitoring } from "@gyre/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Gyre } from "../src/index.js";
import { type ScratchStore, scratchSqliteStore, startScratchGyre } from "../src/testing/index.js";

/**
 * Every monitoring route answers malformed input within the error contract: a 400 naming the
 * field (or a 404 for what does not exist), never a 500, never a hang.
 */
const BAD_VALUES: unknown[] = [
  null,
  "",
  "x\u0000y",
  -1,
  1e300,
  "NaN",
  true,
  [],
  {},
  [1, 2],
  "a".repeat(5000),
];

describe("monitoring API error contract", () => {
  let store: ScratchStore;
  let gyre: Gyre;
  let url: string;
  beforeAll(async () => {
    store = scratchSqliteStore("gyre-mon-api-");
    ({ gyre, url } = await startScratchGyre(store));
  });
  afterAll(async () => {
    await gyre?.close();
    await store?.dispose();
  });

  const send = async (
    route: (typeof monitoring.monitoringRoutes)[number],
    payload: Record<string, unknown>,
  ) => {
    const method = route.methods[0];
    let target = `${url}${route.path}`;
    const init: RequestInit = { method };
    if (method === "GET") {
      const query = new URLSearchParams();
      for (const [k, v] of Object.entries(payload))
        query.append(k, typeof v === "string" ? v : JSON.stringify(v));
      target += `?${query}`;
    } else {
      init.body = JSON.stringify(payload);
      init.headers = { "content-type": "application/json" };
    }
    const response = await fetch(target, init);
    return {
      status: response.status,
      body: (await response.json()) as { error_code?: string; message?: string },
    };
  };

  it("answers every field of every route with a 4xx naming the problem for bad values", async () => {
    const fields: Record<string, string[]> = {
      logLabels: ["labels"],
      searchPredictions: ["model", "start_time", "max_results", "arm", "labeled_only"],
      createMonitor: ["name", "spec"],
      getMonitor: ["name"],
      listMonitors: [],
      deleteMonitor: ["name"],
      runMonitor: ["name", "window_end"],
      listEvaluations: ["name", "max_results"],
      getMonitorReport: ["name", "evaluation", "format"],
      listAlerts: ["after_id", "state", "max_results"],
      acknowledgeAlert: ["id"],
      explainPrediction: ["request_id", "row"],
      computeImportance: ["model", "version", "n_repeats"],
    };
    const problems: string[] = [];
    for (const route of monitoring.monitoringRoutes) {
      for (const field of fields[route.operation] ?? []) {
        for (const value of BAD_VALUES) {
          const answer = await send(route, {
            name: "m",
            model: "m",
            version: "1",
            id: 1,
            request_id: "r",
            [field]: value,
          });
          const fine =
            answer.status === 200 || (answer.status >= 400 && answer.status < 500 && answer.body.error_code);
          if (!fine)
            problems.push(
              `${route.operation} ${field}=${JSON.stringify(value)?.slice(0, 20)}: ${answer.status}`,
            );
        }
      }
    }
    expect(problems).toEqual([]);
  });

  it("names the field and the rule", async () => {
    const labels = await send(monitoring.logLabels, { labels: [{ request_id: "r", value: 1, row: -1 }] });
    expect(labels.status).toBe(400);
    expect(labels.body.message).toContain("labels");
    expect(labels.body.message).toContain("row");
    const spec = await send(monitoring.createMonitor, {
      name: "m",
      spec: { target: {}, thresholds: [{ metric: "accuracy" }] },
    });
    expect(spec.status).toBe(400);
    expect(spec.body.message).toMatch(/spec\.target|spec\.thresholds/);
    const metric = await send(monitoring.createMonitor, {
      name: "m",
      spec: { target: { model: "m" }, thresholds: [{ metric: "median", min: 1 }] },
    });
    expect(metric.status).toBe(400);
    expect(metric.body.message).toContain("spec.thresholds.0.metric");
  });
});
