import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { describe, expect, it } from "vitest";
import { httpRequests, v2Bodies } from "./bodies.js";
import { LoadRun } from "./loadgen.js";
import { percentile } from "./measure.js";
import { seededRandom, treesGraph } from "./models.js";
import { reportLine } from "./report.js";

describe("benchmark inputs", () => {
  it("are the same on every run, and the bodies are all distinct", () => {
    expect(v2Bodies(50)).toEqual(v2Bodies(50));
    const bodies = v2Bodies();
    expect(new Set(bodies).size).toBe(1000);
    const a = seededRandom(3);
    const b = seededRandom(3);
    expect([a(), a()]).toEqual([b(), b()]);
    // 100 full trees of depth 6: 127 nodes each.
    const node = treesGraph().nodes[0]!;
    const ids = node.attributes?.nodes_treeids as { value: readonly number[] } | undefined;
    expect(ids?.value).toHaveLength(12_700);
  });
});

describe("load generator", () => {
  it("counts answers by status, keeps connections busy, and stops at the request limit", async () => {
    let served = 0;
    const server = createServer((request, response) => {
      request.resume();
      request.on("end", () => {
        served++;
        const body = served % 10 === 0 ? '{"error":"no"}' : '{"model_version":"7"}';
        response.writeHead(served % 10 === 0 ? 503 : 200, {
          "content-type": "application/json",
          "content-length": Buffer.byteLength(body),
        });
        response.end(body);
      });
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const { port } = server.address() as AddressInfo;
    const bodies: string[] = [];
    const result = await new LoadRun({
      port,
      requests: httpRequests("/x", v2Bodies(10)),
      connections: 8,
      maxRequests: 500,
      onBody: (body) => bodies.push(body.toString()),
    }).run();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    expect(result).toMatchObject({ answered: 500, ok: 450, non2xx: 50, socketErrors: 0 });
    expect(result.statuses).toEqual({ 200: 450, 503: 50 });
    expect(result.latenciesMs).toHaveLength(450);
    expect(new Set(bodies)).toEqual(new Set(['{"model_version":"7"}']));
  });

  it("paces an open loop: every due request is sent, each timed from when it fell due", async () => {
    // The first answer is held for 120 ms; with one connection, the requests that fall due
    // meanwhile queue behind it, and their wait is part of their latency (no coordinated omission).
    let served = 0;
    const server = createServer((request, response) => {
      request.resume();
      request.on("end", () => {
        const answer = () => response.end("{}");
        response.writeHead(200, { "content-type": "application/json", "content-length": 2 });
        if (served++ === 0) setTimeout(answer, 120);
        else answer();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const { port } = server.address() as AddressInfo;
    const result = await new LoadRun({
      port,
      requests: httpRequests("/x", v2Bodies(10)),
      connections: 1,
      durationMs: 300,
      ratePerS: 100,
    }).run();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    expect(result).toMatchObject({ answered: 30, ok: 30, non2xx: 0, socketErrors: 0 });
    const latencies = [...result.latenciesMs];
    expect(latencies[0]).toBeGreaterThanOrEqual(119);
    // Due at 10, 20, …, 110 ms, sent at ≈ 120 ms: waits of ≈ 110 down to 10 ms.
    expect(latencies[1]).toBeGreaterThanOrEqual(100);
    expect(latencies[11]).toBeGreaterThanOrEqual(5);
    expect(latencies.slice(1, 12)).toEqual([...latencies.slice(1, 12)].sort((a, b) => b - a));
    expect(result.elapsedMs).toBeGreaterThanOrEqual(290);
  });

  it("takes nearest-rank percentiles", () => {
    const sorted = Float64Array.from([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(percentile(sorted, 50)).toBe(5);
    expect(percentile(sorted, 99)).toBe(10);
  });
});

describe("report", () => {
  const figures = (rps: number, p99: number, loopUs = 30) => ({
    load_generator: "wrk" as const,
    requests_per_s: rps,
    p50_ms: 1,
    p99_ms: p99,
    server_cpu_us_per_request: 40,
    event_loop_cpu_us_per_request: loopUs,
    cores: { server: 1, load_generator: 0.5, other_tenants: 0 },
    requests: rps * 10,
    errors: 0,
  });
  const alias = {
    requests: 100_000,
    errors: 0,
    alias_moves: 10,
    swaps_completed: 10,
    answers_by_version: { 1: 50_000, 2: 50_000 },
    requests_per_s: 30_000,
    p99_ms: 3,
  };

  it("compares each model with the floor and the workers with one process", () => {
    const line = reportLine({
      models: {
        logreg: [
          {
            floor: figures(30_000, 3.5),
            one_process: figures(36_000, 2.1),
            workers: figures(50_000, 2.5),
            paced: { 5000: figures(5_000, 0.9) },
          },
        ],
        trees: [
          {
            floor: figures(30_000, 3.5),
            bare_batching: figures(28_500, 3.2),
            one_process: figures(27_000, 2.9),
            workers: figures(30_000, 3.1),
            paced: { 5000: figures(5_000, 3.2) },
          },
        ],
      },
      alias,
      workers: 2,
      predictionLog: true,
      loadBefore: 0.5,
      seconds: 10,
      loadGenerator: "wrk",
    });
    expect(line.meets_target).toEqual({
      logreg_rps_vs_floor: true,
      logreg_p99: true,
      logreg_workers_speedup: true,
      logreg_p99_at_5000_per_s: true,
      trees_rps_vs_floor: false,
      trees_p99: true,
      trees_workers_speedup: false,
      trees_p99_at_5000_per_s: false,
      alias_moves_zero_errors: true,
    });
    expect(line.trees).toMatchObject({
      one_process_paced: { 5000: { p99_ms: 3.2 } },
      bare_batching: { requests_per_s: 28_500 },
      bare_batching_rps_vs_floor: 0.95,
    });
    // Without the reference measured, the report says nothing about it.
    expect(line.logreg).not.toHaveProperty("bare_batching_rps_vs_floor");
    expect(line.logreg).toMatchObject({
      rps_vs_floor: 1.2,
      workers_speedup: 1.39,
      requests_per_core_s: { floor: 33_333, one_process: 33_333 },
    });
  });

  it("takes each ratio within a round, then the median over rounds", () => {
    // The machine's speed changes between rounds; a ratio of medians would mix them.
    const model = [
      { floor: figures(10_000, 9), one_process: figures(12_000, 8, 20), workers: figures(15_000, 8) },
      { floor: figures(30_000, 3), one_process: figures(27_000, 3, 40), workers: figures(30_000, 3) },
      { floor: figures(20_000, 5), one_process: figures(22_000, 4, 25), workers: figures(33_000, 4) },
    ];
    const line = reportLine({
      models: { logreg: model, trees: model },
      alias: undefined,
      workers: 2,
      predictionLog: false,
      loadBefore: 0,
      seconds: 5,
      loadGenerator: "wrk",
    });
    expect(line.logreg).toMatchObject({
      rps_vs_floor_by_round: [1.2, 0.9, 1.1],
      rps_vs_floor: 1.1,
      workers_speedup_by_round: [1.25, 1.11, 1.5],
      workers_speedup: 1.25,
      one_process: { requests_per_s: 22_000, p99_ms: 4, event_loop_cpu_us_per_request: 25 },
      requests_per_core_s: { one_process: 40_000 },
    });
    expect(line.meets_target).not.toHaveProperty("alias_moves_zero_errors");
    expect(line).toMatchObject({ rounds: 3, seconds: 5 });
  });
});
