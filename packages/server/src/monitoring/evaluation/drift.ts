import path from "node:path";
import {
  compareToReferenceSync,
  DataEngine,
  type DriftColumnInput,
  type DriftMethod,
  type DriftResult,
  prepareReference,
  type ReferenceProfile,
  readDriftColumns,
  tableOverFiles,
} from "@gyre/data";
import type { ReferenceData } from "../reference.js";
import type { Cell } from "./columns.js";

export interface DriftOptions {
  readonly columns?: readonly string[] | undefined;
  readonly driftShare: number;
  readonly methods?: Readonly<Record<string, DriftMethod>> | undefined;
  readonly thresholds?: Readonly<Record<string, number>> | undefined;
}

/** Prepared references kept per process (each holds one summary per column, not the rows). */
const KEEP = 8;

/**
 * Reference profiles for drift, prepared once per reference with @gyre/data (`readDriftColumns`
 * reads the reference's files through DuckDB into typed columns, `prepareReference` summarises
 * them) and kept in memory for the following evaluations (the few most recently used).
 */
export class DriftReferences {
  private readonly profiles = new Map<string, Promise<ReferenceProfile>>();

  profile(data: ReferenceData): Promise<ReferenceProfile> {
    let profile = this.profiles.get(data.key);
    if (profile) {
      // Most recently used last.
      this.profiles.delete(data.key);
    } else {
      profile = prepare(data);
      profile.catch(() => this.profiles.delete(data.key));
    }
    this.profiles.set(data.key, profile);
    while (this.profiles.size > KEEP) this.profiles.delete(this.profiles.keys().next().value!);
    return profile;
  }
}

async function prepare(data: ReferenceData): Promise<ReferenceProfile> {
  const engine = await DataEngine.open({
    allowedDirectories: [...new Set(data.files.map((f) => path.dirname(f.path)))],
  });
  try {
    const table = await tableOverFiles(engine, "reference", data.files);
    return await prepareReference((await readDriftColumns(table)).columns);
  } finally {
    engine.close();
  }
}

/**
 * The window's columns typed as the reference's (numbers as a Float64Array with NaN for missing;
 * text and booleans as codes into a dictionary, matched to the reference's categories by label).
 */
export function currentColumns(
  profile: ReferenceProfile,
  rows: readonly Record<string, Cell>[],
  columns: readonly string[],
): DriftColumnInput[] {
  const out: DriftColumnInput[] = [];
  for (const name of columns) {
    const reference = profile.byName.get(name);
    if (!reference) continue;
    if (reference.kind === "numeric") {
      const values = new Float64Array(rows.length);
      rows.forEach((row, i) => {
        const v = row[name];
        values[i] = typeof v === "number" ? v : typeof v === "boolean" ? Number(v) : Number.NaN;
      });
      out.push({ name, kind: "numeric", values });
    } else {
      const dictionary: string[] = [];
      const index = new Map<string, number>();
      const codes = new Int32Array(rows.length);
      rows.forEach((row, i) => {
        const v = row[name];
        if (v === null || v === undefined) {
          codes[i] = -1;
          return;
        }
        const label = String(v);
        let code = index.get(label);
        if (code === undefined) {
          code = dictionary.length;
          dictionary.push(label);
          index.set(label, code);
        }
        codes[i] = code;
      });
      out.push({ name, kind: "categorical", codes, dictionary });
    }
  }
  return out;
}

/** Drift of the window's input columns against a prepared reference: one pass per column. */
export function driftOf(
  profile: ReferenceProfile,
  rows: readonly Record<string, Cell>[],
  columns: readonly string[],
  options: DriftOptions,
): DriftResult {
  return compareToReferenceSync(profile, currentColumns(profile, rows, columns), {
    driftShare: options.driftShare,
    ...(options.columns ? { columns: options.columns } : {}),
    ...(options.methods ? { methods: options.methods } : {}),
    ...(options.thresholds ? { thresholds: options.thresholds } : {}),
  });
}
