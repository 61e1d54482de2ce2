import { mkdir } from "node:fs/promises";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { type DuckDBConnection, DuckDBInstance } from "@duckdb/node-api";
import { GyreError } from "@gyre/core";
import { sqlString } from "./predict-formats.js";

/**
 * The demo's data: real US domestic flights of January–June 2001 from the npm package
 * `vega-datasets` (its data/flights-3m.parquet, BSD-3-Clause; the source of ../shared's
 * flights-1m.csv), read in place with DuckDB, so a fresh clone needs nothing else.
 *
 * The real months do not drift enough to make a model fail, so from DEMO_SHIFT_START the world is
 * shifted on purpose, deterministically (a hash of the flight's row number and a seed):
 * - a schedule change: 35 % of the departures between 06:00 and 11:59 move 8 hours later;
 * - an evening disruption: 45 % of the departures from 16:00 on get 40 more minutes of delay.
 * Both apply to every flight of the file, so the feature store's airport statistics see them too.
 */

export const DEMO_SHIFT_START = "2001-04-01";
export const DEMO_SEED = 7;
export const FLIGHTS_LICENCE = "vega-datasets data/flights-3m.parquet (BSD-3-Clause)";

/** The columns the model sees; `late` (delay > 15 min) is the target. */
export const DEMO_FEATURES = [
  "dep_hour",
  "weekday",
  "distance",
  "origin",
  "destination",
  "origin_late_share",
  "origin_mean_delay",
] as const;
export const DEMO_TARGET = "late";

export function flightsParquet(): string {
  // The package exports only its build/index.js; the data folder sits beside build/.
  let entry: string;
  try {
    entry = createRequire(import.meta.url).resolve("vega-datasets");
  } catch {
    throw new GyreError(
      "RESOURCE_DOES_NOT_EXIST",
      "The demo's data comes from the npm package vega-datasets, which is not installed: run 'npm ci'.",
    );
  }
  return join(dirname(dirname(entry)), "data", "flights-3m.parquet");
}

export interface FlightDataOptions {
  /** Keep one flight in `sampleEvery` (by a hash of its row number): the demo's traffic. */
  readonly sampleEvery: number;
  readonly seed?: number;
}

/**
 * One DuckDB over the flights file for the whole demo: the shifted world as a view, the airport
 * statistics (the feature view's source) and the sampled flights written as Parquet under `dir`.
 */
export class FlightData {
  private constructor(
    private readonly instance: DuckDBInstance,
    private readonly connection: DuckDBConnection,
    readonly dir: string,
  ) {}

  static async open(dir: string, options: FlightDataOptions): Promise<FlightData> {
    await mkdir(dir, { recursive: true });
    const instance = await DuckDBInstance.create(":memory:", {
      autoinstall_known_extensions: "false",
      autoload_known_extensions: "false",
      threads: "2",
    });
    const connection = await instance.connect();
    const data = new FlightData(instance, connection, dir);
    try {
      await data.prepare(options);
    } catch (error) {
      data.close();
      throw error;
    }
    return data;
  }

  private async prepare({ sampleEvery, seed = DEMO_SEED }: FlightDataOptions): Promise<void> {
    const shift = `TIMESTAMP '${DEMO_SHIFT_START}'`;
    await this.connection.run(`
      CREATE VIEW world AS
      WITH raw AS (
        SELECT file_row_number AS flight_id, * FROM read_parquet(${sqlString(flightsParquet())}, file_row_number = true)
        WHERE date < TIMESTAMP '2001-07-01'),
      moved AS (
        SELECT flight_id, origin, destination, distance, delay,
          CASE WHEN date >= ${shift} AND hour(date) BETWEEN 6 AND 11 AND hash(flight_id, ${seed}) % 100 < 35
               THEN date + INTERVAL 8 HOUR ELSE date END AS date
        FROM raw)
      SELECT flight_id, origin, destination, distance, date,
        CASE WHEN date >= ${shift} AND hour(date) >= 16 AND hash(flight_id, ${seed + 1}) % 100 < 45
             THEN delay + 40 ELSE delay END AS delay
      FROM moved`);
    // Airport statistics of each day, known from the next midnight on (the feature view's source).
    await this.connection.run(`
      COPY (
        SELECT origin, date_trunc('day', date) + INTERVAL 1 DAY AS event_timestamp,
               avg((delay > 15)::INTEGER)::DOUBLE AS origin_late_share, avg(delay)::DOUBLE AS origin_mean_delay,
               count(*)::BIGINT AS origin_flights
        FROM world WHERE delay IS NOT NULL AND origin IS NOT NULL GROUP BY ALL ORDER BY ALL
      ) TO ${sqlString(this.airportStats)} (FORMAT parquet)`);
    await this.connection.run(`
      CREATE TABLE flights AS
      SELECT flight_id, date AS event_timestamp, origin, destination, distance::DOUBLE AS distance,
             (hour(date) + minute(date) / 60.0)::DOUBLE AS dep_hour, (isodow(date) - 1)::DOUBLE AS weekday,
             (delay > 15)::BIGINT AS late
      FROM world
      WHERE hash(flight_id, ${seed + 2}) % ${sampleEvery} = 0 AND delay IS NOT NULL
      ORDER BY event_timestamp, flight_id`);
  }

  /** The feature view's source file. */
  get airportStats(): string {
    return join(this.dir, "airport_daily.parquet");
  }

  /** Writes the sampled flights departing in [from, to) (ISO dates) to `name`.parquet; resolves to its path and rows. */
  async window(name: string, from: string, to: string): Promise<{ path: string; rows: number }> {
    const path = join(this.dir, `${name}.parquet`);
    await this.connection.run(
      `COPY (SELECT * FROM flights WHERE event_timestamp >= TIMESTAMP '${from}' AND event_timestamp < TIMESTAMP '${to}' ORDER BY event_timestamp, flight_id) TO ${sqlString(path)} (FORMAT parquet)`,
    );
    const reader = await this.connection.runAndReadAll(
      `SELECT count(*) FROM read_parquet(${sqlString(path)})`,
    );
    return { path, rows: Number(reader.getRows()[0]?.[0] ?? 0) };
  }

  /** Rows of a Parquet file as objects (JS values: numbers, strings, bigint, DuckDB timestamps). */
  async rows(path: string): Promise<Record<string, unknown>[]> {
    const reader = await this.connection.runAndReadAll(`SELECT * FROM read_parquet(${sqlString(path)})`);
    return reader.getRowObjectsJS() as Record<string, unknown>[];
  }

  /** How many sampled flights depart in [from, to). */
  async count(from: string, to: string): Promise<number> {
    const reader = await this.connection.runAndReadAll(
      `SELECT count(*) FROM flights WHERE event_timestamp >= TIMESTAMP '${from}' AND event_timestamp < TIMESTAMP '${to}'`,
    );
    return Number(reader.getRows()[0]?.[0] ?? 0);
  }

  /** The point-in-time join done locally (the same rule as the feature store's): the seam used while its routes are absent. */
  async joinAirportStats(entities: string, output: string): Promise<number> {
    await this.connection.run(`
      COPY (
        SELECT e.*, s.origin_late_share, s.origin_mean_delay, s.origin_flights
        FROM read_parquet(${sqlString(entities)}) e
        ASOF LEFT JOIN read_parquet(${sqlString(this.airportStats)}) s
          ON e.origin = s.origin AND e.event_timestamp >= s.event_timestamp
        ORDER BY e.event_timestamp, e.flight_id
      ) TO ${sqlString(output)} (FORMAT parquet)`);
    const reader = await this.connection.runAndReadAll(
      `SELECT count(*) FROM read_parquet(${sqlString(output)})`,
    );
    return Number(reader.getRows()[0]?.[0] ?? 0);
  }

  close(): void {
    this.connection.closeSync();
    this.instance.closeSync();
  }
}
