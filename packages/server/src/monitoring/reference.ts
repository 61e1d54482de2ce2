import { createHash, randomBytes } from "node:crypto";
import { mkdir, rename, stat, writeFile } from "node:fs/promises";
import path from "node:path";
import { type DatasetFile, GyreError, invalidParameter, type monitoring, parseDatasetRef } from "@gyre/core";
import { DataEngine, type DataFile, familyOf, tableOverFiles } from "@gyre/data";
import type { Kysely } from "kysely";
import type { DatasetStorage } from "../datasets/storage.js";
import type { Schema } from "../store/schema.js";
import type { Cell } from "./evaluation/columns.js";
import { MAX_CATEGORIES, type ReferenceColumn, type ReferenceStats } from "./evaluation/quality.js";
import type { LabeledPrediction, PredictionStore } from "./store/prediction-store.js";
import type { MonitoringTables } from "./tables.js";

const TRAINING_CONTEXT = "mlflow.data.context";
/** A reference window larger than this is read as a uniform sample of it (`PredictionQuery.sample`). */
const WINDOW_ROWS = 100_000;

/** A reference data set, as files DuckDB reads. */
export interface ReferenceData {
  /** Cache key: `dataset:name@3` or `window:<target>:<start>:<end>`. */
  readonly key: string;
  /** For reports: `name@3`, or `window 2024-05-01T…/…`. */
  readonly name: string;
  readonly files: readonly DataFile[];
}

export type ReferenceOutcome = { data: ReferenceData } | { reason: string };

type Db = Kysely<Schema & MonitoringTables>;

const quote = (name: string) => `"${name.replaceAll('"', '""')}"`;

/**
 * Finds a monitor's reference and its statistics. The default is the training dataset of the
 * version being monitored, by lineage: the version's source run, its input tagged
 * `mlflow.data.context = training`, that input's `datasets:/name/N` source, the dataset version's
 * verified files. A fixed production window is materialised once as JSON lines under
 * `<artifacts>/monitoring/references/`. Statistics (per column: kind, min, max, the categories)
 * are computed once per reference with DuckDB and cached in `monitor_references`.
 */
export class ReferenceResolver {
  constructor(
    private readonly db: Db,
    private readonly storage: DatasetStorage | undefined,
    private readonly store: PredictionStore,
    /** Where production-window references are materialised; undefined without a local artifact directory. */
    private readonly dir: string | undefined,
    private readonly now: () => number,
  ) {}

  /** `cellsOf` turns a stored prediction into the columns a window reference keeps (inputs, prediction, label). */
  async resolve(
    spec: monitoring.MonitorSpec,
    modelName: string | undefined,
    version: string | undefined,
    cellsOf: (row: LabeledPrediction) => Record<string, Cell>,
  ): Promise<ReferenceOutcome> {
    const reference = spec.reference;
    if (reference.kind === "window")
      return { data: await this.window(spec.target, reference.start, reference.end, cellsOf) };
    if (reference.kind === "dataset") return this.dataset(reference.dataset);
    if (modelName === undefined || version === undefined)
      return { reason: "no model version answered in the window, so no training dataset to compare with" };
    const dataset = await this.trainingDataset(modelName, version);
    if (dataset === undefined)
      return {
        reason: `model ${modelName} version ${version} has no training dataset (its source run logged no input with ${TRAINING_CONTEXT}=training)`,
      };
    return this.dataset(dataset);
  }

  /** The reference's per-column statistics, computed on first use and cached. */
  async stats(data: ReferenceData): Promise<ReferenceStats> {
    const cached = await this.db
      .selectFrom("monitor_references")
      .select("stats")
      .where("key", "=", data.key)
      .executeTakeFirst();
    if (cached) return JSON.parse(cached.stats) as ReferenceStats;
    const stats = await computeStats(data.files);
    await this.db
      .insertInto("monitor_references")
      .values({ key: data.key, stats: JSON.stringify(stats), creation_time: this.now() })
      .onConflict((oc) => oc.column("key").doNothing())
      .execute();
    return stats;
  }

  /** `datasets:/name/N` of the version's source run's training input, if it has one. */
  async trainingDataset(modelName: string, version: string): Promise<string | undefined> {
    const row = await this.db
      .selectFrom("model_versions")
      .select("run_id")
      .where("name", "=", modelName)
      .where("version", "=", Number(version))
      .executeTakeFirst();
    if (!row?.run_id) return undefined;
    const inputs = await this.db
      .selectFrom("inputs")
      .innerJoin("input_tags", "input_tags.input_uuid", "inputs.input_uuid")
      .innerJoin("datasets", "datasets.dataset_uuid", "inputs.dataset_uuid")
      .select(["datasets.source", "datasets.source_type"])
      .where("inputs.run_uuid", "=", row.run_id)
      .where("input_tags.key", "=", TRAINING_CONTEXT)
      .where("input_tags.value", "=", "training")
      .execute();
    for (const input of inputs) {
      const uri = sourceUri(input.source);
      const match = uri === undefined ? null : /^datasets:\/([^/]+)\/(\d+)$/.exec(uri);
      if (match) return `${match[1]}@${match[2]}`;
    }
    return undefined;
  }

  private async dataset(text: string): Promise<ReferenceOutcome> {
    if (!this.storage) return { reason: "datasets need a local artifact destination" };
    const ref = parseDatasetRef(text);
    if (!ref) throw invalidParameter(`Reference dataset '${text}' is not name or name@version.`);
    let query = this.db
      .selectFrom("dataset_versions")
      .select(["name", "version", "files"])
      .where("name", "=", ref.name);
    query =
      typeof ref.version === "number"
        ? query.where("version", "=", ref.version)
        : query.orderBy("version", "desc").limit(1);
    const row = await query.executeTakeFirst();
    if (!row) throw new GyreError("RESOURCE_DOES_NOT_EXIST", `Reference dataset '${text}' does not exist.`);
    const version = Number(row.version);
    const files = await this.storage.verifiedFiles(row.name, version, JSON.parse(row.files) as DatasetFile[]);
    return { data: { key: `dataset:${row.name}@${version}`, name: `${row.name}@${version}`, files } };
  }

  private async window(
    target: monitoring.MonitorTarget,
    start: number,
    end: number,
    cellsOf: (row: LabeledPrediction) => Record<string, Cell>,
  ): Promise<ReferenceData> {
    const key = `window:${JSON.stringify(target)}:${start}:${end}`;
    if (this.dir === undefined)
      throw new GyreError("NOT_IMPLEMENTED", "Window references need a local artifact destination.");
    const file = path.join(
      this.dir,
      `window-${createHash("sha256").update(key).digest("hex").slice(0, 24)}.jsonl`,
    );
    let info = await stat(file).catch(() => undefined);
    if (!info) {
      const rows = await this.store.predictions({ ...target, start, end, limit: WINDOW_ROWS, sample: true });
      const answered = rows.filter((r) => r.arm !== "shadow");
      if (answered.length === 0)
        throw new GyreError(
          "INVALID_PARAMETER_VALUE",
          `The reference window [${new Date(start).toISOString()}, ${new Date(end).toISOString()}) holds no predictions of the target.`,
        );
      await mkdir(path.dirname(file), { recursive: true });
      // Private to this process until renamed: two servers materialising at once each write their own.
      const partial = `${file}.${process.pid}.${randomBytes(4).toString("hex")}.tmp`;
      await writeFile(partial, `${answered.map((r) => JSON.stringify(cellsOf(r))).join("\n")}\n`);
      await rename(partial, file);
      info = await stat(file);
    }
    const name = `window ${new Date(start).toISOString()} – ${new Date(end).toISOString()}`;
    return {
      key,
      name,
      files: [{ path: file, relative: path.basename(file), format: "json", size: info.size }],
    };
  }
}

function sourceUri(source: string): string | undefined {
  try {
    const value = JSON.parse(source) as { uri?: unknown };
    return typeof value.uri === "string" ? value.uri : undefined;
  } catch {
    return undefined;
  }
}

/** Per column: numeric (min, max) or categorical (its values, up to MAX_CATEGORIES). */
async function computeStats(files: readonly DataFile[]): Promise<ReferenceStats> {
  const engine = await DataEngine.open({
    allowedDirectories: [...new Set(files.map((f) => path.dirname(f.path)))],
  });
  try {
    const table = await tableOverFiles(engine, "reference", files);
    const { n } = await engine.one(`SELECT count(*) AS n FROM ${table.relation}`);
    const columns: ReferenceColumn[] = [];
    for (const column of table.columns) {
      const c = quote(column.name);
      const family = familyOf(column.type);
      if (family === "integer" || family === "float") {
        const row = await engine.one(
          `SELECT min(v) AS lo, max(v) AS hi FROM (SELECT CAST(${c} AS DOUBLE) AS v FROM ${table.relation}) WHERE isfinite(v)`,
        );
        columns.push({
          name: column.name,
          kind: "numeric",
          ...(row.lo === null ? {} : { min: Number(row.lo), max: Number(row.hi) }),
        });
      } else if (family === "string" || family === "boolean") {
        const values = await engine.all(
          `SELECT DISTINCT CAST(${c} AS VARCHAR) AS v FROM ${table.relation} WHERE ${c} IS NOT NULL ORDER BY v LIMIT ${MAX_CATEGORIES + 1}`,
        );
        columns.push({
          name: column.name,
          kind: "categorical",
          ...(values.length > MAX_CATEGORIES ? {} : { categories: values.map((v) => String(v.v)) }),
        });
      } else columns.push({ name: column.name, kind: "other" });
    }
    return { rows: Number(n), columns };
  } finally {
    engine.close();
  }
}
