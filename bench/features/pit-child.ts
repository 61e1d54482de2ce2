/**
 * One point-in-time join in its own process, so its wall time and peak RSS are its own:
 * `gyre` runs @gyre/features' join (ASOF on event time, tie resolution by created time and value
 * hash, entity order kept); `floor` runs the hand-written DuckDB ASOF JOIN of the same data
 * (`e.ts >= f.ts`, no tie-break, no order). Prints one JSON line: seconds, cpu_seconds,
 * max_rss_mb, rows.
 */
import { dirname } from "node:path";
import { DuckDBInstance } from "@duckdb/node-api";
import { parseFeatureRepository } from "@gyre/core";
import { DataEngine, listDataFiles, tableOverFiles } from "@gyre/data";
import { checkViewSource, defineSource, FeatureCatalog, writeHistorical } from "@gyre/features";

const [mode, view, spine, out, ttlArg] = process.argv.slice(2) as [string, string, string, string, string];
const ttlSeconds = Number(ttlArg ?? 0);
const started = performance.now();
let rows = 0;

if (mode === "floor") {
  const instance = await DuckDBInstance.create(":memory:");
  const c = await instance.connect();
  await c.run(
    `COPY (SELECT e.*, f.conv_rate, f.trips, f.earnings, f.city FROM read_parquet('${spine}') e ` +
      `ASOF LEFT JOIN read_parquet('${view}') f ON e.driver_id = f.driver_id AND e.event_timestamp >= f.event_timestamp) ` +
      `TO '${out}' (FORMAT parquet)`,
  );
  const reader = await c.runAndReadAll(`SELECT count(*) AS n FROM read_parquet('${out}')`);
  rows = Number(reader.getRowObjectsJS()[0]!.n);
  c.closeSync();
  instance.closeSync();
} else {
  const repository = parseFeatureRepository({
    entities: [{ name: "driver", join_keys: [{ name: "driver_id", type: "int64" }] }],
    sources: [{ name: "stats", path: view }],
    feature_views: [
      {
        name: "driver_stats",
        entities: ["driver"],
        source: "stats",
        created_timestamp_column: "created",
        ttl_seconds: ttlSeconds,
        features: [
          { name: "conv_rate", type: "float64" },
          { name: "trips", type: "int64" },
          { name: "earnings", type: "float64" },
          { name: "city", type: "string" },
        ],
      },
    ],
  });
  const catalog = new FeatureCatalog(repository);
  const engine = await DataEngine.open({ allowedDirectories: [dirname(view), dirname(out)] });
  try {
    const source = await defineSource(engine, "stats", { files: await listDataFiles(view) });
    const resolved = catalog.views.get("driver_stats")!;
    checkViewSource(resolved, source);
    const table = await tableOverFiles(engine, "entities", await listDataFiles(spine));
    const result = await writeHistorical(
      {
        engine,
        spine: table,
        timestampColumn: "event_timestamp",
        selection: catalog.select(["driver_stats:*"], false),
        sources: new Map([["driver_stats", source]]),
      },
      out,
      "parquet",
    );
    rows = result.rows;
  } finally {
    engine.close();
  }
}

process.stdout.write(
  `${JSON.stringify({
    seconds: (performance.now() - started) / 1000,
    // Every thread's CPU (DuckDB's workers too): steadier than wall time on a shared machine.
    cpu_seconds: (process.cpuUsage().user + process.cpuUsage().system) / 1e6,
    max_rss_mb: Math.round(process.resourceUsage().maxRSS / 1024),
    rows,
  })}\n`,
);
