import { describe, expect, it } from "vitest";
import { expectedFilterHits, planRuns, RUN_COUNT, seededRandom } from "./data.js";
import { type Figures, MLFLOW_2_16, reportLine, TARGETS } from "./report.js";
import { median, percentile, sig3 } from "./stats.js";

describe("benchmark data", () => {
  it("is the same on every run", () => {
    expect(planRuns(50)).toEqual(planRuns(50));
    const a = seededRandom(1);
    const b = seededRandom(1);
    expect([a(), a(), a()]).toEqual([b(), b(), b()]);
  });

  it("makes the filtered search hit about 5% of the runs", () => {
    const plan = planRuns();
    const hits = expectedFilterHits(plan);
    expect(plan).toHaveLength(RUN_COUNT);
    expect(hits.length / RUN_COUNT).toBeGreaterThan(0.04);
    expect(hits.length / RUN_COUNT).toBeLessThan(0.06);
    for (const i of hits) {
      expect(plan[i]!.params[0]).toEqual({ key: "p0", value: "v3" });
      expect(plan[i]!.metricValues[0]).toBeGreaterThan(0.5);
    }
  });
});

describe("statistics", () => {
  it("takes nearest-rank percentiles and medians", () => {
    const samples = [5, 1, 4, 2, 3, 6, 7, 8, 9, 10];
    expect(percentile(samples, 50)).toBe(5);
    expect(percentile(samples, 95)).toBe(10);
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 2, 3])).toBe(2.5);
    expect(sig3(123_456)).toBe(123_456);
    expect(sig3(0.012345)).toBe(0.0123);
  });
});

describe("report line", () => {
  const split = { wall_ms: 1, server_cpu_ms: 0.5, client_cpu_ms: 0.4 };
  const cpu = { server: 1, client: 1 };
  const serverCpu = (server: number) => ({ server, client: 1 });
  const figures: Figures = {
    runs_per_s: 39,
    points_per_s: 500_000,
    history_100k_ms: 150,
    search_filtered_ms: 10,
    search_unfiltered_1000_ms: 2090,
    requests_per_s: 117,
    search_filtered_hits: 97,
    a_request: split,
    latency_ms: {
      runs_create: { p50: 1, p95: 2 },
      runs_log_batch_15: { p50: 1, p95: 2 },
      runs_update: { p50: 1, p95: 2 },
      runs_log_batch_1000_points: { p50: 1, p95: 2 },
    },
    cpu: {
      run_ms: serverCpu(1.234),
      point_written_us: serverCpu(2.5),
      history_100k_ms: serverCpu(80),
      search_filtered_ms: cpu,
      search_unfiltered_1000_ms: cpu,
    },
    response_bytes: { history_100k: 1, search_filtered: 1, search_unfiltered_1000: 1 },
    floor_requests_per_s: 1170,
    floor_request: split,
    loadavg_1m_before: 0.5,
    client: "fetch",
    server_flags: [],
  };
  const line = reportLine("sqlite", figures);

  it("reports speedups as 'times faster than MLflow' in both directions", () => {
    expect(line.vs_mlflow).toMatchObject({
      mlflow: MLFLOW_2_16,
      speedup: { runs_per_s: 2, history_100k_ms: 30, search_unfiltered_1000_ms: 0.5 },
    });
  });

  it("judges each figure against its target, bounds inclusive", () => {
    expect(line.targets).toMatchObject({
      runs_per_s: { min: TARGETS.runs_per_s },
      search_filtered_ms: { max: 10 },
    });
    expect(line.meets_target).toEqual({
      runs_per_s: false,
      points_per_s: true,
      history_100k_ms: true,
      search_filtered_ms: true,
      search_unfiltered_1000_ms: false,
    });
    expect(line.request_rate_vs_floor).toBe(0.1);
  });

  it("puts the server's CPU per operation beside the headline figures", () => {
    expect(line.server_cpu_ms_per_op).toEqual({
      run: 1.23,
      points_1000: 2.5,
      history_100k: 80,
      search_filtered: 1,
      search_unfiltered_1000: 1,
    });
    expect(Object.keys(line).indexOf("server_cpu_ms_per_op")).toBeLessThan(
      Object.keys(line).indexOf("requests_per_s"),
    );
    expect(line).not.toHaveProperty("server_flags");
    expect(
      reportLine("sqlite", { ...figures, server_flags: ["--max-semi-space-size=32"] }).server_flags,
    ).toEqual(["--max-semi-space-size=32"]);
  });
});
