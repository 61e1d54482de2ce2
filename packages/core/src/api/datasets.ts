import { z } from "zod";
import { GyreError } from "../errors.js";
import { defineRoute } from "./contract.js";
import { doubleOut, int64, requiredString } from "./wire.js";

/**
 * Datasets: immutable, content-addressed versions of tabular data (CSV, Parquet, JSON lines),
 * their column profiles, and expectation suites validated against them. Gyre's own routes under
 * `/api/2.0/gyre/datasets`; the shapes here are also what `@gyre/data` computes without a server.
 */

// ---- Names and references ----

/** Letters, digits, '.', '_' and '-', starting with a letter or digit: safe in URIs and file paths. */
export const DATASET_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,254}$/;
export const DATASET_NAME_RULE =
  "must start with a letter or digit and hold only letters, digits, '.', '_' and '-' (at most 255 characters)";

/** `name`, `name@3` or `name@latest`; `version` is undefined when the text names none. */
export interface DatasetRef {
  name: string;
  version?: number | "latest";
}

/** Parses `name[@version]`; returns undefined when the text is not a dataset reference. */
export function parseDatasetRef(text: string): DatasetRef | undefined {
  const at = text.lastIndexOf("@");
  const name = at < 0 ? text : text.slice(0, at);
  if (!DATASET_NAME.test(name)) return undefined;
  if (at < 0) return { name };
  const version = text.slice(at + 1);
  if (version === "latest") return { name, version };
  if (!/^[1-9]\d{0,14}$/.test(version)) return undefined;
  return { name, version: Number(version) };
}

export function formatDatasetRef(name: string, version: number): string {
  return `${name}@${version}`;
}

/** The URI a dataset version is known by wherever Gyre records it (run inputs, suites). */
export function datasetUri(name: string, version: number): string {
  return `datasets:/${name}/${version}`;
}

// ---- Profiles ----

const scalar = z.union([z.string(), z.number(), z.boolean()]);

/** The fixed quantile levels of every numeric column's profile. */
export const PROFILE_QUANTILES = [0, 0.05, 0.25, 0.5, 0.75, 0.95, 1] as const;

export const ColumnProfile = z.object({
  name: z.string(),
  /** DuckDB's type name, e.g. BIGINT, DOUBLE, VARCHAR, TIMESTAMP. */
  type: z.string(),
  /** NULL values, and NaN/±Infinity in floating-point columns. */
  missing: z.number().int(),
  /** Exact up to 100,000 distinct values, else DuckDB's HyperLogLog estimate. */
  distinct: z.number().int(),
  min: scalar.nullable(),
  max: scalar.nullable(),
  mean: z.number().nullable(),
  /** Sample standard deviation (n − 1), as pandas. */
  std: z.number().nullable(),
  /** Linear interpolation between order statistics (numpy's default) at PROFILE_QUANTILES. */
  quantiles: z.array(z.object({ q: z.number(), value: z.number() })).nullable(),
  /** Ten equal-width bins from min to max; numpy.histogram's edges and counts. */
  histogram: z.object({ edges: z.array(z.number()), counts: z.array(z.number().int()) }).nullable(),
  /** The ten most frequent values, by count then value. */
  top: z.array(z.object({ value: scalar, count: z.number().int() })),
});
export type ColumnProfile = z.output<typeof ColumnProfile>;

export const DatasetProfile = z.object({ rows: z.number().int(), columns: z.array(ColumnProfile) });
export type DatasetProfile = z.output<typeof DatasetProfile>;

// ---- Expectation suites ----

const column = requiredString();
const bound = z.number();
const label = { name: z.string().optional() };

/** At least one of min and max, and min ≤ max: a bound pair that can fail. */
function bounded<T extends { min?: number | undefined; max?: number | undefined }>(
  value: T,
  ctx: z.RefinementCtx,
) {
  if (value.min === undefined && value.max === undefined) {
    ctx.addIssue({ code: "custom", message: "give 'min', 'max' or both", path: ["min"] });
  } else if (value.min !== undefined && value.max !== undefined && value.min > value.max) {
    ctx.addIssue({ code: "custom", message: "'min' must not exceed 'max'", path: ["min"] });
  }
}

// Strict objects: a misspelt key ("maximum") is an error naming it, never a silently weaker check.
export const ColumnExists = z.strictObject({
  kind: z.literal("column_exists"),
  column,
  /** A DuckDB type name (DOUBLE) or a family: integer, float, numeric, string, boolean, date, timestamp. */
  type: z.string().min(1).optional(),
  ...label,
});
export const MissingShare = z.strictObject({
  kind: z.literal("missing_share"),
  column,
  max: z.number().min(0).max(1),
  ...label,
});
export const ValuesInRange = z
  .strictObject({
    kind: z.literal("values_in_range"),
    column,
    min: bound.optional(),
    max: bound.optional(),
    ...label,
  })
  .superRefine(bounded);
export const ValuesInSet = z.strictObject({
  kind: z.literal("values_in_set"),
  column,
  values: z.array(scalar).min(1),
  ...label,
});
export const Unique = z.strictObject({ kind: z.literal("unique"), column, ...label });
export const Regex = z.strictObject({
  kind: z.literal("regex"),
  column,
  /** RE2 syntax, matched anywhere in the value (anchor with ^ and $ for a full match). */
  pattern: z.string().min(1),
  ...label,
});
export const RowCount = z
  .strictObject({
    kind: z.literal("row_count"),
    min: z.number().int().min(0).optional(),
    max: z.number().int().min(0).optional(),
    ...label,
  })
  .superRefine(bounded);
export const MeanBetween = z
  .strictObject({
    kind: z.literal("mean_between"),
    column,
    min: bound.optional(),
    max: bound.optional(),
    ...label,
  })
  .superRefine(bounded);
export const StdBetween = z
  .strictObject({
    kind: z.literal("std_between"),
    column,
    min: bound.optional(),
    max: bound.optional(),
    ...label,
  })
  .superRefine(bounded);
export const NoDrift = z.strictObject({
  kind: z.literal("no_drift"),
  /** Columns to test; default every column the two versions share. */
  columns: z.array(column).min(1).optional(),
  /** `name@version` of the reference; default the validation's `reference`. */
  reference: z.string().min(1).optional(),
  /** The suite fails when drifted/tested ≥ this share (Evidently's dataset rule, default 0.5). */
  drift_share: z.number().gt(0).max(1).optional(),
  ...label,
});

export const Expectation = z.discriminatedUnion("kind", [
  ColumnExists,
  MissingShare,
  ValuesInRange,
  ValuesInSet,
  Unique,
  Regex,
  RowCount,
  MeanBetween,
  StdBetween,
  NoDrift,
]);
export type Expectation = z.output<typeof Expectation>;
export type ExpectationKind = Expectation["kind"];

export const ExpectationSuite = z.strictObject({
  name: requiredString(),
  description: z.string().optional(),
  /** Offending rows kept per failed expectation (default 5). */
  sample_size: z.number().int().min(0).max(100).optional(),
  expectations: z.array(Expectation).min(1),
});
/** A suite as written (TypeScript object literal or parsed JSON). */
export type ExpectationSuite = z.input<typeof ExpectationSuite>;

/** One zod issue as `expectations[2].max: Too big: expected number to be <=1`. */
function describeSuiteIssue(issue: z.core.$ZodIssue): string {
  let field = "";
  for (const key of issue.path)
    field += typeof key === "number" ? `[${key}]` : `${field ? "." : ""}${String(key)}`;
  return `${field || "(suite)"}: ${issue.message}`;
}

/**
 * Validates a suite written as JSON: a mistake is INVALID_PARAMETER_VALUE naming the field
 * (`expectations[1].max`); unknown keys are mistakes too, never silently dropped.
 */
export function parseExpectationSuite(value: unknown, source = "suite"): ExpectationSuite {
  const result = ExpectationSuite.safeParse(value);
  if (result.success) return result.data;
  const problems = result.error.issues.map(describeSuiteIssue).join("; ");
  throw new GyreError("INVALID_PARAMETER_VALUE", `Invalid expectation suite (${source}): ${problems}`);
}

/** Parses suite JSON text; a syntax error names the source too. */
export function parseExpectationSuiteJson(text: string, source = "suite"): ExpectationSuite {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new GyreError(
      "INVALID_PARAMETER_VALUE",
      `Invalid expectation suite (${source}): not JSON: ${(error as Error).message}`,
    );
  }
  return parseExpectationSuite(value, source);
}

// ---- Validation results ----

export const DRIFT_TESTS = ["ks", "chisquare", "z", "wasserstein", "jensenshannon"] as const;
export type DriftTest = (typeof DRIFT_TESTS)[number];

export const ColumnDrift = z.object({
  column: z.string(),
  column_type: z.enum(["numerical", "categorical"]),
  test: z.enum(DRIFT_TESTS),
  /** The test's statistic: KS D, χ², z, normed Wasserstein or Jensen–Shannon distance (χ² may be "Infinity"). */
  statistic: doubleOut(),
  /** The figure compared with the threshold: a p-value (ks, chisquare, z) or the distance itself. */
  score: z.number(),
  threshold: z.number(),
  drifted: z.boolean(),
  reference_rows: z.number().int(),
  current_rows: z.number().int(),
});
export type ColumnDrift = z.output<typeof ColumnDrift>;

export const DriftReport = z.object({
  reference: z.string(),
  drift_share: z.number(),
  drifted_share: z.number(),
  columns: z.array(ColumnDrift),
  /** Columns not tested, with the reason (text, datetime, absent from one side, empty). */
  skipped: z.array(z.object({ column: z.string(), reason: z.string() })),
});
export type DriftReport = z.output<typeof DriftReport>;

export const ExpectationResult = z.object({
  expectation: Expectation,
  /** The expectation in words, e.g. `values of "bill_length_mm" between 30 and 60`. */
  description: z.string(),
  success: z.boolean(),
  /** What was measured: a share, a count, a mean, a type name, … (null when not measurable). */
  observed: z.unknown(),
  unexpected_count: z.number().int().optional(),
  unexpected_share: z.number().optional(),
  /** A few offending rows, each as {column: value}. */
  sample: z.array(z.record(z.string(), z.unknown())).optional(),
  drift: DriftReport.optional(),
  /** Why the expectation could not be evaluated (an absent column, a bad pattern); it then fails. */
  error: z.string().optional(),
});
export type ExpectationResult = z.output<typeof ExpectationResult>;

export const ValidationResult = z.object({
  suite: z.string(),
  success: z.boolean(),
  rows: z.number().int(),
  evaluated: z.number().int(),
  failed: z.number().int(),
  results: z.array(ExpectationResult),
});
export type ValidationResult = z.output<typeof ValidationResult>;

// ---- Stored objects ----

export const DatasetColumn = z.object({ name: z.string(), type: z.string() });
export type DatasetColumn = z.output<typeof DatasetColumn>;

export const DatasetFile = z.object({
  /** Relative to the version's location. */
  path: z.string(),
  size: z.number().int(),
  sha256: z.string(),
});
export type DatasetFile = z.output<typeof DatasetFile>;

export const DatasetVersion = z.object({
  name: z.string(),
  version: z.number().int(),
  /** Content digest: column names and types plus the multiset of rows (see @gyre/data digest.ts). */
  digest: z.string(),
  /** `datasets:/name/3` */
  uri: z.string(),
  /** Where the files are: `mlflow-artifacts:/datasets/<name>/<version>`. */
  location: z.string(),
  /** What it was registered from: a path the server read, or `upload`. */
  source: z.string(),
  /** The query over the source's files (as the view `source`) whose result this version holds. */
  sql: z.string().optional(),
  /** csv, parquet, json or mixed. */
  format: z.string(),
  files: z.array(DatasetFile),
  size_bytes: z.number().int(),
  schema: z.array(DatasetColumn),
  rows: z.number().int(),
  description: z.string().optional(),
  creator: z.string().optional(),
  created_time: z.number().int(),
});
export type DatasetVersion = z.output<typeof DatasetVersion>;

export const ValidationRecord = z.object({
  id: z.number().int(),
  name: z.string(),
  version: z.number().int(),
  suite: z.string(),
  reference: z.string().optional(),
  success: z.boolean(),
  creator: z.string().optional(),
  created_time: z.number().int(),
  result: ValidationResult,
});
export type ValidationRecord = z.output<typeof ValidationRecord>;

// ---- Routes ----

const BASE = "/api/2.0/gyre/datasets";
const TAG = "Datasets";
const actor = { user_id: z.string().optional() };
const page = {
  max_results: int64().pipe(z.number().int().min(1).max(1000)).optional(),
  page_token: z.string().optional(),
};
/** `name`, `name@3` or `name@latest`; `version` may be given apart instead. */
const ref = { name: requiredString(), version: int64().pipe(z.number().int().min(1)).optional() };

/** Staged uploads live at `datasets/_uploads/<upload_id>/` in the artifact destination. */
export const DATASET_UPLOAD_ROOT = "datasets/_uploads";
export const UPLOAD_ID = /^[A-Za-z0-9-]{8,64}$/;

export const registerDataset = defineRoute({
  operation: "registerDataset",
  methods: ["POST"],
  path: `${BASE}/register`,
  tag: TAG,
  summary:
    "Register a version from a path the server reads or from files uploaded through the artifact proxy (optionally through a SQL query); identical content returns the existing version.",
  request: z
    .object({
      name: z.string().regex(DATASET_NAME, DATASET_NAME_RULE),
      /** A file or directory the server can read (CSV, Parquet, JSON lines). */
      path: z.string().min(1).optional(),
      /** Files PUT under `datasets/_uploads/<upload_id>/` through the artifact proxy. */
      upload_id: z.string().regex(UPLOAD_ID, "must be 8 to 64 letters, digits or '-'").optional(),
      /** A SELECT over the view `source` (the files); its result becomes the version. */
      sql: z.string().min(1).optional(),
      description: z.string().optional(),
      ...actor,
    })
    .superRefine((value, ctx) => {
      if ((value.path === undefined) === (value.upload_id === undefined)) {
        ctx.addIssue({
          code: "custom",
          message: "give exactly one of 'path' and 'upload_id'",
          path: ["path"],
        });
      }
    }),
  response: z.object({
    dataset_version: DatasetVersion,
    created: z.boolean(),
    /** What the registrant should know, e.g. files combined although their columns differ. */
    warnings: z.array(z.string()).optional(),
  }),
});

export const listDatasets = defineRoute({
  operation: "listDatasets",
  methods: ["GET"],
  path: `${BASE}/list`,
  tag: TAG,
  summary: "Every dataset with its latest version, by name.",
  request: z.object({ ...page }),
  response: z.object({
    datasets: z.array(DatasetVersion).optional(),
    next_page_token: z.string().optional(),
  }),
});

export const listDatasetVersions = defineRoute({
  operation: "listDatasetVersions",
  methods: ["GET"],
  path: `${BASE}/versions`,
  tag: TAG,
  summary: "The versions of one dataset, newest first.",
  request: z.object({ name: requiredString(), ...page }),
  response: z.object({
    dataset_versions: z.array(DatasetVersion).optional(),
    next_page_token: z.string().optional(),
  }),
});

export const getDataset = defineRoute({
  operation: "getDataset",
  methods: ["GET"],
  path: `${BASE}/get`,
  tag: TAG,
  summary: "One dataset version by name[@version] (default the latest).",
  request: z.object(ref),
  response: z.object({ dataset_version: DatasetVersion }),
});

export const getDatasetProfile = defineRoute({
  operation: "getDatasetProfile",
  methods: ["GET"],
  path: `${BASE}/profile`,
  tag: TAG,
  summary: "The column profile computed at registration.",
  request: z.object(ref),
  response: z.object({ name: z.string(), version: z.number().int(), profile: DatasetProfile }),
});

export const validateDataset = defineRoute({
  operation: "validateDataset",
  methods: ["POST"],
  path: `${BASE}/validate`,
  tag: TAG,
  summary: "Evaluate an expectation suite against a version; the result is stored and returned.",
  request: z.object({
    ...ref,
    suite: ExpectationSuite,
    /** `name@version` used by no_drift expectations that name no reference of their own. */
    reference: z.string().min(1).optional(),
    ...actor,
  }),
  response: z.object({ validation: ValidationRecord }),
});

export const listDatasetResults = defineRoute({
  operation: "listDatasetResults",
  methods: ["GET"],
  path: `${BASE}/results`,
  tag: TAG,
  summary: "Stored validation results of a dataset (optionally one version and one suite), newest first.",
  request: z.object({ ...ref, suite: z.string().optional(), ...page }),
  response: z.object({
    validations: z.array(ValidationRecord).optional(),
    next_page_token: z.string().optional(),
  }),
});

export const datasetRoutes = [
  registerDataset,
  listDatasets,
  listDatasetVersions,
  getDataset,
  getDatasetProfile,
  validateDataset,
  listDatasetResults,
] as const;
