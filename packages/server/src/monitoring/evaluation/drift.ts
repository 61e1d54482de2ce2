import path from "node:path";
import { invalidParameter } from "@gyre/core";
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
import { type Cell, LABEL_COLUMN, PREDICTION_COLUMN } from "./columns.js";

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

  /**
   * `targetColumn`: a dataset reference's target, also compared under the names `prediction`
   * and `label` (the window's predictions and ground truth against the training target).
   */
  profile(data: ReferenceData, targetColumn?: string): Promise<ReferenceProfile> {
    const key = targetColumn === undefined ? data.key : `${data.key}#${targetColumn}`;
    let profile = this.profiles.get(key);
    if (profile) {
      // Most recently used last.
      this.profiles.delete(key);
    } else {
      profile = prepare(data, targetColumn);
      profile.catch(() => this.profiles.delete(key));
    }
    this.profiles.set(key, profile);
    while (this.profiles.size > KEEP) this.profiles.delete(this.profiles.keys().next().value!);
    return profile;
  }
}

async function prepare(data: ReferenceData, targetColumn: string | undefined): Promise<ReferenceProfile> {
  const engine = await DataEngine.open({
    allowedDirectories: [...new Set(data.files.map((f) => path.dirname(f.path)))],
  });
  try {
    const table = await tableOverFiles(engine, "reference", data.files);
    const { columns } = await readDriftColumns(table);
    const target = targetColumn === undefined ? undefined : columns.find((c) => c.name === targetColumn);
    if (targetColumn !== undefined && !target)
      throw invalidParameter(`drift.target_column: the reference has no column "${targetColumn}"`);
    const names = new Set(columns.map((c) => c.name));
    const aliases = target
      ? [PREDICTION_COLUMN, LABEL_COLUMN].filter((n) => !names.has(n)).map((name) => ({ ...target, name }))
      : [];
    return await prepareReference([...columns, ...aliases]);
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
