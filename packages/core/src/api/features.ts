import { z } from "zod";
import { GyreError } from "../errors.js";
import { defineRoute } from "./contract.js";
import { DATASET_NAME, DATASET_NAME_RULE } from "./datasets.js";
import { requiredString } from "./wire.js";

/**
 * The feature store: entities, data sources, feature views, on-demand transformations and feature
 * services defined as code (a feature repository), applied to the registry in the metadata store;
 * point-in-time retrieval for training, materialization into an online store, and online reads
 * with a status per value. Gyre's own routes under `/api/2.0/gyre/features`.
 */

const BASE = "/api/2.0/gyre/features";
const TAG = "Features";

// ---- Names, types and references ----

/** Object and field names: identifiers, so they read the same in SQL, refs and JSON keys. */
export const FEATURE_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,127}$/;
export const FEATURE_NAME_RULE =
  "must start with a letter or '_' and hold only letters, digits and '_' (at most 128 characters)";
const name = () => z.string().regex(FEATURE_NAME, FEATURE_NAME_RULE);

/** Value types a feature may have; join keys are integers or strings. */
export const VALUE_TYPES = ["int32", "int64", "float32", "float64", "string", "bool", "timestamp"] as const;
export const ValueType = z.enum(VALUE_TYPES);
export type ValueType = z.output<typeof ValueType>;
export const KEY_TYPES = ["int32", "int64", "string"] as const;
export const KeyType = z.enum(KEY_TYPES);
export type KeyType = z.output<typeof KeyType>;

/** `view:feature`, `view:*` (every feature of the view), or `transformation:output`. */
export const FEATURE_REF = /^[A-Za-z_][A-Za-z0-9_]{0,127}:(?:[A-Za-z_][A-Za-z0-9_]{0,127}|\*)$/;
const featureRef = () => z.string().regex(FEATURE_REF, "a feature reference is 'view:feature' or 'view:*'");

export function splitFeatureRef(ref: string): { view: string; feature: string } {
  const colon = ref.indexOf(":");
  return { view: ref.slice(0, colon), feature: ref.slice(colon + 1) };
}

// ---- TTL ----

const DURATION = /^(\d+(?:\.\d+)?)\s*(ms|s|m|h|d|w)$/;
const UNIT_SECONDS: Record<string, number> = { ms: 0.001, s: 1, m: 60, h: 3600, d: 86_400, w: 604_800 };
export const TTL_RULE =
  "a ttl is a whole number of seconds ≥ 0 (0 = no limit) or a duration such as '90s', '15m', '12h', '7d', '2w'";

/** Seconds in a ttl given as a number of seconds or a duration text; undefined when malformed. */
export function ttlSeconds(value: number | string): number | undefined {
  if (typeof value === "number") return Number.isSafeInteger(value) && value >= 0 ? value : undefined;
  const match = DURATION.exec(value.trim());
  if (!match) return undefined;
  const seconds = Number(match[1]) * UNIT_SECONDS[match[2]!]!;
  return Number.isSafeInteger(seconds) ? seconds : undefined;
}

// ---- Definitions ----

export const JoinKey = z.strictObject({ name: name(), type: KeyType });
export type JoinKey = z.output<typeof JoinKey>;

export const EntityDef = z.strictObject({
  name: name(),
  /** One or more join keys; composite keys are compared column by column, never concatenated. */
  join_keys: z.array(JoinKey).min(1, "an entity needs at least one join key"),
  description: z.string().optional(),
});
export type EntityDef = z.output<typeof EntityDef>;

/**
 * Where a view's rows come from: files (a CSV/Parquet/JSON-lines file or a directory), a
 * registered dataset version (`datasets:/name/3` or `name@3`), optionally through a SELECT that
 * reads them as the view `source`.
 */
export const SourceDef = z
  .strictObject({
    name: name(),
    /** An absolute path on the server (the CLI resolves a repository's relative paths). */
    path: z.string().min(1).optional(),
    dataset: z.string().min(1).optional(),
    sql: z.string().min(1).optional(),
    description: z.string().optional(),
  })
  .refine((s) => (s.path === undefined) !== (s.dataset === undefined), {
    message: "a source gives exactly one of 'path' or 'dataset'",
    path: ["path"],
  });
export type SourceDef = z.output<typeof SourceDef>;

export const FieldDef = z.strictObject({
  name: name(),
  type: ValueType,
  /** The source column, when it is named differently from the feature. */
  column: z.string().min(1).optional(),
});
export type FieldDef = z.output<typeof FieldDef>;

export const FeatureViewDef = z.strictObject({
  name: name(),
  entities: z.array(name()).min(1, "a feature view needs at least one entity"),
  source: name(),
  event_timestamp_column: z.string().min(1).default("event_timestamp"),
  /** Breaks ties between rows of the same event time: the latest created wins. */
  created_timestamp_column: z.string().min(1).optional(),
  /** How long a value stays valid after its event time, in seconds; 0 = forever. */
  ttl_seconds: z
    .number({ error: TTL_RULE })
    .refine((n) => Number.isSafeInteger(n) && n >= 0, TTL_RULE)
    .default(0),
  features: z.array(FieldDef).min(1, "a feature view needs at least one feature"),
  /** Whether materialization writes it to the online store. */
  online: z.boolean().default(true),
  description: z.string().optional(),
  tags: z.record(z.string(), z.string()).optional(),
});
export type FeatureViewDef = z.output<typeof FeatureViewDef>;

/**
 * A request-time transformation: a TypeScript function in the repository's code, registered by
 * name and signature. It receives, per entity row, the input features and the request fields.
 */
export const OnDemandDef = z.strictObject({
  name: name(),
  inputs: z.array(featureRef()).default([]),
  request: z.array(FieldDef).default([]),
  outputs: z.array(FieldDef).min(1, "a transformation needs at least one output"),
  description: z.string().optional(),
});
export type OnDemandDef = z.output<typeof OnDemandDef>;

export const FeatureServiceDef = z.strictObject({
  name: name(),
  features: z.array(featureRef()).min(1, "a feature service needs at least one feature"),
  description: z.string().optional(),
  tags: z.record(z.string(), z.string()).optional(),
});
export type FeatureServiceDef = z.output<typeof FeatureServiceDef>;

/** A whole feature repository: what `apply` makes the registry hold. */
export const FeatureRepository = z.strictObject({
  entities: z.array(EntityDef).default([]),
  sources: z.array(SourceDef).default([]),
  feature_views: z.array(FeatureViewDef).default([]),
  on_demand: z.array(OnDemandDef).default([]),
  feature_services: z.array(FeatureServiceDef).default([]),
});
export type FeatureRepository = z.output<typeof FeatureRepository>;
export type FeatureRepositoryInput = z.input<typeof FeatureRepository>;

/** The registry's object kinds, in dependency order, with the repository field holding each. */
export const OBJECT_KINDS = ["entity", "source", "feature_view", "on_demand", "feature_service"] as const;
export type ObjectKind = (typeof OBJECT_KINDS)[number];
export const KIND_FIELD: Record<ObjectKind, keyof FeatureRepository> = {
  entity: "entities",
  source: "sources",
  feature_view: "feature_views",
  on_demand: "on_demand",
  feature_service: "feature_services",
};
export const KIND_LABEL: Record<ObjectKind, string> = {
  entity: "entity",
  source: "source",
  feature_view: "feature view",
  on_demand: "on-demand transformation",
  feature_service: "feature service",
};

/**
 * Parses a repository (JSON or built in TypeScript); a malformed one is INVALID_PARAMETER_VALUE
 * naming each object and field, e.g. `feature view 'driver_stats': field 'ttl_seconds': …`.
 */
export function parseFeatureRepository(input: unknown): FeatureRepository {
  const result = FeatureRepository.safeParse(input, { reportInput: true });
  if (result.success) return result.data;
  throw new GyreError(
    "INVALID_PARAMETER_VALUE",
    result.error.issues.map((i) => describeDefIssue(input, i)).join("; "),
  );
}

function describeDefIssue(input: unknown, issue: z.core.$ZodIssue): string {
  const [field, index, ...rest] = issue.path;
  const kind = OBJECT_KINDS.find((k) => KIND_FIELD[k] === field);
  if (kind === undefined || typeof index !== "number") {
    return `${issue.path.length > 0 ? `field '${issue.path.join(".")}'` : "repository"}: ${issue.message}`;
  }
  const object = (input as Record<string, unknown[]>)[field as string]?.[index] as
    | { name?: unknown }
    | undefined;
  const label =
    typeof object?.name === "string"
      ? `${KIND_LABEL[kind]} '${object.name}'`
      : `${KIND_LABEL[kind]} #${index + 1}`;
  const where = rest.length > 0 ? `field '${rest.join(".")}'` : "definition";
  return `${label}: ${where}: ${issue.message}`;
}

// ---- Registry ----

export const RegistryObject = z.object({
  kind: z.enum(OBJECT_KINDS),
  name: z.string(),
  /** The definition as applied. */
  spec: z.record(z.string(), z.unknown()),
  /** The registry version that last changed it. */
  version: z.number().int(),
  creation_time: z.number().int(),
  last_update_time: z.number().int(),
});
export type RegistryObject = z.output<typeof RegistryObject>;

export const FieldChange = z.object({ field: z.string(), before: z.unknown(), after: z.unknown() });
export type FieldChange = z.output<typeof FieldChange>;

export const ObjectChange = z.object({
  kind: z.enum(OBJECT_KINDS),
  name: z.string(),
  action: z.enum(["add", "change", "remove"]),
  /** For `change`: each changed field (dotted path) with its old and new value. */
  fields: z.array(FieldChange).optional(),
});
export type ObjectChange = z.output<typeof ObjectChange>;

export const RegistryPlan = z.object({
  changes: z.array(ObjectChange),
  /** Objects present in both and identical. */
  unchanged: z.number().int(),
  /** The registry version the plan was computed against. */
  registry_version: z.number().int(),
});
export type RegistryPlan = z.output<typeof RegistryPlan>;

export const Watermark = z.object({
  feature_view: z.string(),
  /** ISO time: everything with event time up to here has been materialized. */
  watermark: z.string(),
  last_run_time: z.number().int(),
  rows_written: z.number().int(),
});
export type Watermark = z.output<typeof Watermark>;

const actor = { user_id: z.string().optional() };

export const planFeatures = defineRoute({
  operation: "planFeatures",
  methods: ["POST"],
  path: `${BASE}/plan`,
  tag: TAG,
  summary:
    "The changes applying a repository would make: objects added, changed (field by field) or removed.",
  request: z.object({ repository: FeatureRepository }),
  response: RegistryPlan,
});

export const applyFeatures = defineRoute({
  operation: "applyFeatures",
  methods: ["POST"],
  path: `${BASE}/apply`,
  tag: TAG,
  summary:
    "Make the registry hold exactly the repository, in one transaction; applying the same repository again changes nothing.",
  request: z.object({ repository: FeatureRepository, ...actor }),
  response: RegistryPlan.extend({ applied: z.boolean() }),
});

export const listFeatures = defineRoute({
  operation: "listFeatures",
  methods: ["GET"],
  path: `${BASE}/list`,
  tag: TAG,
  summary: "Every registry object (optionally of one kind), with the registry version and watermarks.",
  request: z.object({ kind: z.enum(OBJECT_KINDS).optional() }),
  response: z.object({
    registry_version: z.number().int(),
    objects: z.array(RegistryObject),
    watermarks: z.array(Watermark),
  }),
});

// ---- Offline retrieval ----

export const HistoricalRequest = z
  .object({
    /** The entity table ("spine"): a file or directory on the server … */
    entity_path: z.string().min(1).optional(),
    /** … or a registered dataset version (`name@3`, `datasets:/name/3`). */
    entity_dataset: z.string().min(1).optional(),
    /** The spine's timestamp column. */
    timestamp_column: z.string().min(1).default("event_timestamp"),
    feature_service: name().optional(),
    features: z.array(featureRef()).optional(),
    /** Name output columns `view__feature` instead of `feature`. */
    full_feature_names: z.boolean().default(false),
    /** Where the server writes the result (.parquet or .csv); a temporary file when only registering. */
    output_path: z.string().min(1).optional(),
    /** Register the result as a new version of this dataset (checked before the join runs). */
    register: z.string().regex(DATASET_NAME, DATASET_NAME_RULE).optional(),
    ...actor,
  })
  .refine((r) => (r.entity_path === undefined) !== (r.entity_dataset === undefined), {
    message: "give exactly one of entity_path or entity_dataset",
    path: ["entity_path"],
  })
  .refine((r) => (r.feature_service === undefined) !== (r.features === undefined), {
    message: "give exactly one of feature_service or features",
    path: ["features"],
  })
  .refine((r) => r.output_path !== undefined || r.register !== undefined, {
    message: "give output_path, register, or both",
    path: ["output_path"],
  });
export type HistoricalRequest = z.output<typeof HistoricalRequest>;

export const getHistoricalFeatures = defineRoute({
  operation: "getHistoricalFeatures",
  methods: ["POST"],
  path: `${BASE}/historical`,
  tag: TAG,
  summary:
    "Point-in-time correct join of an entity table against feature views; one output row per entity row, in order.",
  request: HistoricalRequest,
  response: z.object({
    rows: z.number().int(),
    columns: z.array(z.object({ name: z.string(), type: z.string() })),
    output_path: z.string().optional(),
    /** `datasets:/name/version` when registered. */
    dataset_uri: z.string().optional(),
    seconds: z.number(),
  }),
});

// ---- Materialization ----

const isoTime = z
  .string()
  .refine((t) => !Number.isNaN(Date.parse(t)), "a time is ISO 8601, e.g. 2024-05-01T00:00:00Z");

export const MaterializeRequest = z
  .object({
    start: isoTime.optional(),
    end: isoTime.optional(),
    /** From each view's watermark (or its ttl before `end`, or the beginning) up to `end` (default now). */
    incremental: z.boolean().default(false),
    /** Views to materialize (default every online view). */
    feature_views: z.array(name()).optional(),
    /** Rows per write to the online store. */
    batch_size: z.number().int().min(1).max(1_000_000).default(10_000),
  })
  .refine((r) => r.incremental || r.start !== undefined, {
    message: "give start (and end), or incremental",
    path: ["start"],
  })
  .refine((r) => !(r.incremental && r.start !== undefined), {
    message: "incremental starts at each view's watermark; do not give start",
    path: ["start"],
  });
export type MaterializeRequest = z.output<typeof MaterializeRequest>;

export const MaterializeViewState = z.object({
  feature_view: z.string(),
  start: z.string().nullable(),
  end: z.string(),
  /** Entities to write (known once the view's window has been read). */
  total: z.number().int().nullable(),
  written: z.number().int(),
  status: z.enum(["PENDING", "RUNNING", "SUCCEEDED", "FAILED"]),
});

export const MaterializeJob = z.object({
  job_id: z.string(),
  status: z.enum(["RUNNING", "SUCCEEDED", "FAILED"]),
  views: z.array(MaterializeViewState),
  error: z.string().optional(),
  start_time: z.number().int(),
  end_time: z.number().int().optional(),
});
export type MaterializeJob = z.output<typeof MaterializeJob>;

export const materializeFeatures = defineRoute({
  operation: "materializeFeatures",
  methods: ["POST"],
  path: `${BASE}/materialize`,
  tag: TAG,
  summary: "Start writing the latest value per entity in a window into the online store; poll the job.",
  request: MaterializeRequest,
  response: z.object({ job: MaterializeJob }),
});

export const getMaterializeJob = defineRoute({
  operation: "getMaterializeJob",
  methods: ["GET"],
  path: `${BASE}/materialize/get`,
  tag: TAG,
  summary: "A materialization job's progress per view.",
  request: z.object({ job_id: requiredString() }),
  response: z.object({ job: MaterializeJob }),
});

// ---- Online retrieval ----

export const FEATURE_STATUSES = ["PRESENT", "MISSING", "EXPIRED"] as const;
export type FeatureStatus = (typeof FEATURE_STATUSES)[number];
export type FeatureValue = string | number | boolean | null;

export const OnlineRequest = z
  .object({
    /** One object per entity row: its join keys (and any request fields of transformations). */
    entities: z.array(z.record(z.string(), z.unknown())).min(1, "give at least one entity row"),
    feature_service: name().optional(),
    features: z.array(featureRef()).min(1).optional(),
    full_feature_names: z.boolean().default(false),
  })
  .refine((r) => (r.feature_service === undefined) !== (r.features === undefined), {
    message: "give exactly one of feature_service or features",
    path: ["features"],
  });
export type OnlineRequest = z.output<typeof OnlineRequest>;

const featureValue = z.union([z.string(), z.number(), z.boolean(), z.null()]);

export const OnlineResult = z.object({
  values: z.record(z.string(), featureValue),
  /** PRESENT, MISSING (never materialized, unknown key) or EXPIRED (older than the view's ttl). */
  statuses: z.record(z.string(), z.enum(FEATURE_STATUSES)),
  /** Per feature view: the event time of the value read, or null. */
  event_timestamps: z.record(z.string(), z.string().nullable()),
});
export type OnlineResult = z.output<typeof OnlineResult>;

export const getOnlineFeatures = defineRoute({
  operation: "getOnlineFeatures",
  methods: ["POST"],
  path: `${BASE}/online`,
  tag: TAG,
  summary: "Latest feature values for entity keys from the online store, with a status per value.",
  request: OnlineRequest,
  response: z.object({ feature_names: z.array(z.string()), results: z.array(OnlineResult) }),
});

export const featureRoutes = [
  planFeatures,
  applyFeatures,
  listFeatures,
  getHistoricalFeatures,
  materializeFeatures,
  getMaterializeJob,
  getOnlineFeatures,
] as const;
