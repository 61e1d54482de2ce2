/**
 * The benchmark's tables: 1,000,000 reference rows and 1,000,000 current rows × 20 columns (10
 * numeric, 10 categorical) built from flights-1m plus seeded derived columns. The reference is the
 * file's rows in order (January–June); the current is 1M rows drawn with replacement, skewed
 * towards later dates, so date-derived columns, delays and routes drift as they do in the data.
 * Seeded columns add known drift: `gauss_b` shifts by +0.3, `gauss_c` widens by 10 %, `zipf`
 * boosts its first level; `gauss_a` does not move.
 */
import { join } from "node:path";
import type { DriftColumnInput } from "@gyre/data";
import { categoricalColumnOf, mulberry32, numericColumnOf, readCsv } from "@gyre/ml";

export interface Tables {
  reference: DriftColumnInput[];
  current: DriftColumnInput[];
  rows: number;
}

function gaussian(random: () => number): number {
  return Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
}

interface Flights {
  n: number;
  /** Epoch ms of the departure (wall clock read as UTC). */
  date: Float64Array;
  delay: Float64Array;
  distance: Float64Array;
  origin: Int32Array;
  destination: Int32Array;
  airports: readonly string[];
}

function loadFlights(dataDir: string): Flights {
  const frame = readCsv(join(dataDir, "flights-1m.csv"), {
    schema: {
      date: "datetime",
      delay: "numeric",
      distance: "numeric",
      origin: "categorical",
      destination: "categorical",
    },
  });
  const origin = categoricalColumnOf(frame, "origin");
  const destination = categoricalColumnOf(frame, "destination");
  // One airport dictionary for both columns, so routes can be hashed from the codes.
  const airports = [...new Set([...origin.levels, ...destination.levels])].sort();
  const index = new Map(airports.map((a, i) => [a, i]));
  const remap = (c: typeof origin) => {
    const to = Int32Array.from(c.levels, (level) => index.get(level)!);
    return c.codes.map((code) => (code < 0 ? -1 : to[code]!));
  };
  return {
    n: frame.nRows,
    date: numericColumnOf(frame, "date").values,
    delay: numericColumnOf(frame, "delay").values,
    distance: numericColumnOf(frame, "distance").values,
    origin: remap(origin),
    destination: remap(destination),
    airports,
  };
}

const DAY_MS = 86_400_000;
const YEAR_START = Date.UTC(2001, 0, 1);
const WEEKDAYS = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];
const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul"];
const BANDS = ["<250", "250-500", "500-1000", "1000-2000", ">=2000"];
const DAYPARTS = ["night", "morning", "afternoon", "evening"];
const CARRIERS = Array.from({ length: 20 }, (_, i) => `C${String(i).padStart(2, "0")}`);
const ZIPF = Array.from({ length: 50 }, (_, i) => `z${i}`);

/** The 20 columns over the flights rows `rows` (indices into the file), with seeded noise. */
function table(f: Flights, rows: Int32Array, seed: number, drifted: boolean): DriftColumnInput[] {
  const n = rows.length;
  const random = mulberry32(seed);
  const num = (
    name: string,
    fill: (row: number, i: number) => number,
    family: "float" | "integer" = "float",
  ) => {
    const values = new Float64Array(n);
    for (let i = 0; i < n; i++) values[i] = fill(rows[i]!, i);
    return { name, kind: "numeric" as const, family, values };
  };
  const cat = (name: string, dictionary: readonly string[], code: (row: number, i: number) => number) => {
    const codes = new Int32Array(n);
    for (let i = 0; i < n; i++) codes[i] = code(rows[i]!, i);
    return { name, kind: "categorical" as const, dictionary, codes };
  };
  const minuteOfDay = (r: number) => (f.date[r]! % DAY_MS) / 60_000;
  const zipfWeights = ZIPF.map((_, k) => 1 / (k + 1));
  const zipfTotal = zipfWeights.reduce((a, b) => a + b, 0);
  const zipfCdf = zipfWeights.map(
    (
      (sum) => (w: number) =>
        (sum += w / zipfTotal)
    )(0),
  );
  return [
    num("delay", (r) => f.delay[r]!, "integer"),
    num("distance", (r) => f.distance[r]!, "integer"),
    num("dep_hour", (r) => minuteOfDay(r) / 60),
    num("day_of_year", (r) => Math.floor((f.date[r]! - YEAR_START) / DAY_MS), "integer"),
    num("log_distance", (r) => Math.log(f.distance[r]!) + 0.05 * gaussian(random)),
    num("speed", (r) => f.distance[r]! / (60 + Math.max(0, f.delay[r]!)) + 0.1 * gaussian(random)),
    num("delay_noisy", (r) => f.delay[r]! + 5 * gaussian(random)),
    num("gauss_a", () => gaussian(random)),
    num("gauss_b", () => gaussian(random) + (drifted ? 0.3 : 0)),
    num("gauss_c", () => gaussian(random) * (drifted ? 1.1 : 1)),
    cat("origin", f.airports, (r) => f.origin[r]!),
    cat("destination", f.airports, (r) => f.destination[r]!),
    cat("route_group", CARRIERS, (r) => (f.origin[r]! * 31 + f.destination[r]! * 17) % CARRIERS.length),
    cat(
      "origin_initial",
      [..."ABCDEFGHIJKLMNOPQRSTUVWXYZ"],
      (r) => f.airports[f.origin[r]!]!.charCodeAt(0) - 65,
    ),
    cat("weekday", WEEKDAYS, (r) => (Math.floor((f.date[r]! - YEAR_START) / DAY_MS) + 0) % 7),
    cat("month", MONTHS, (r) => new Date(f.date[r]!).getUTCMonth()),
    cat("late", ["on_time", "late"], (r) => (f.delay[r]! >= 15 ? 1 : 0)),
    cat("distance_band", BANDS, (r) => {
      const d = f.distance[r]!;
      return d < 250 ? 0 : d < 500 ? 1 : d < 1000 ? 2 : d < 2000 ? 3 : 4;
    }),
    cat("daypart", DAYPARTS, (r) => Math.floor(minuteOfDay(r) / 360)),
    cat("zipf", ZIPF, () => {
      if (drifted && random() < 0.05) return 0;
      const u = random();
      let k = 0;
      while (k < ZIPF.length - 1 && zipfCdf[k]! < u) k++;
      return k;
    }),
  ];
}

export function buildTables(dataDir: string, seed = 42): Tables {
  const flights = loadFlights(dataDir);
  const n = flights.n;
  const all = Int32Array.from({ length: n }, (_, i) => i);
  const random = mulberry32(seed);
  // Current rows: index n·u^0.7 leans towards the later months (the file is in date order).
  const later = Int32Array.from({ length: n }, () => Math.min(n - 1, Math.floor(n * random() ** 0.7)));
  return {
    reference: table(flights, all, seed + 1, false),
    current: table(flights, later, seed + 2, true),
    rows: n,
  };
}
