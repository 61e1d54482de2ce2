import { z } from "zod";
import { defineRoute } from "./contract.js";
import { bool, doubleOut, idString, int64, repeated, requiredString } from "./wire.js";

/**
 * The model registry: MLflow's `model_registry.proto` routes with its JSON shapes, plus Gyre's
 * own routes under `/api/2.0/gyre/registry` (the audit log and model-URI resolution).
 */

// ---- Objects (response side), field names exactly as in MLflow's model_registry.proto ----

/** Stages in MLflow's canonical spelling; requests match them case-insensitively. */
export const MODEL_VERSION_STAGES = ["None", "Staging", "Production", "Archived"] as const;
export type ModelVersionStage = (typeof MODEL_VERSION_STAGES)[number];
export const MODEL_VERSION_STATUSES = ["PENDING_REGISTRATION", "FAILED_REGISTRATION", "READY"] as const;

const keyValue = z.object({ key: z.string(), value: z.string() });
export const RegisteredModelTag = keyValue;
export const ModelVersionTag = keyValue;
export const RegisteredModelAlias = z.object({ alias: z.string(), version: z.string() });

/** One metric of the source run, as it was when the version was registered. */
export const RunMetricSnapshot = z.object({ key: z.string(), value: doubleOut() });

/**
 * MLflow's ModelVersion plus Gyre's `gyre_*` fields, which MLflow clients ignore (they parse with
 * ignore_unknown_fields). `gyre_signature` and `gyre_input_example` are JSON text, like MLflow's
 * dataset schema and profile fields.
 */
export const ModelVersion = z.object({
  name: z.string(),
  version: z.string(),
  creation_timestamp: z.number().int(),
  last_updated_timestamp: z.number().int(),
  user_id: z.string().optional(),
  current_stage: z.enum(MODEL_VERSION_STAGES),
  description: z.string().optional(),
  source: z.string(),
  run_id: z.string().optional(),
  status: z.enum(MODEL_VERSION_STATUSES),
  status_message: z.string().optional(),
  tags: z.array(ModelVersionTag).optional(),
  run_link: z.string().optional(),
  aliases: z.array(z.string()).optional(),
  /** The model's format from its manifest (`onnx`, or the MLmodel flavor, ...). */
  gyre_format: z.string().optional(),
  /** The model's signature (named, typed inputs and outputs) as JSON text. */
  gyre_signature: z.string().optional(),
  /** The model's input example as JSON text. */
  gyre_input_example: z.string().optional(),
  /** The source run's latest metrics at registration. */
  gyre_run_metrics: z.array(RunMetricSnapshot).optional(),
});

export const RegisteredModel = z.object({
  name: z.string(),
  creation_timestamp: z.number().int(),
  last_updated_timestamp: z.number().int(),
  user_id: z.string().optional(),
  description: z.string().optional(),
  latest_versions: z.array(ModelVersion).optional(),
  tags: z.array(RegisteredModelTag).optional(),
  aliases: z.array(RegisteredModelAlias).optional(),
});

/** What an audit entry records; one entry per change, appended in the change's transaction. */
export const AUDIT_ACTIONS = [
  "create_model",
  "rename_model",
  "update_model",
  "delete_model",
  "set_model_tag",
  "delete_model_tag",
  "create_version",
  "update_version",
  "transition_stage",
  "delete_version",
  "set_version_tag",
  "delete_version_tag",
  "set_alias",
  "delete_alias",
] as const;
export type AuditAction = (typeof AUDIT_ACTIONS)[number];

export const AuditEntry = z.object({
  id: z.number().int(),
  name: z.string(),
  version: z.string().optional(),
  action: z.enum(AUDIT_ACTIONS),
  actor: z.string(),
  timestamp: z.number().int(),
  /** The changed fields before the change (absent for creations). */
  before: z.record(z.string(), z.unknown()).optional(),
  /** The changed fields after the change (absent for deletions). */
  after: z.record(z.string(), z.unknown()).optional(),
});

export type ModelVersion = z.output<typeof ModelVersion>;
export type RegisteredModel = z.output<typeof RegisteredModel>;
export type AuditEntry = z.output<typeof AuditEntry>;

// ---- Request pieces ----

const tagsIn = z.array(z.object({ key: requiredString(), value: z.string().default("") }));
/** A version number: MLflow clients send a decimal string; numbers are accepted too. */
const version = () => idString();
/**
 * Gyre: who makes the change, for the audit log and a version's `user_id`. MLflow clients never
 * send it; the server then takes the `x-gyre-user` header, else records "unknown".
 */
const actor = { user_id: z.string().optional() };
const empty = z.object({});

const API = "/api/2.0/mlflow";
const GYRE = "/api/2.0/gyre/registry";
const TAG_MODELS = "Registered models";
const TAG_VERSIONS = "Model versions";
const TAG_GYRE = "Registry (Gyre)";

// ---- Registered models ----

export const createRegisteredModel = defineRoute({
  operation: "createRegisteredModel",
  methods: ["POST"],
  path: `${API}/registered-models/create`,
  tag: TAG_MODELS,
  summary: "Create a registered model; an existing name is RESOURCE_ALREADY_EXISTS.",
  request: z.object({
    name: requiredString(),
    tags: tagsIn.optional(),
    description: z.string().optional(),
    ...actor,
  }),
  response: z.object({ registered_model: RegisteredModel }),
});

export const getRegisteredModel = defineRoute({
  operation: "getRegisteredModel",
  methods: ["GET"],
  path: `${API}/registered-models/get`,
  tag: TAG_MODELS,
  summary: "Get a registered model with its latest version per stage, tags and aliases.",
  request: z.object({ name: requiredString() }),
  response: z.object({ registered_model: RegisteredModel }),
});

export const renameRegisteredModel = defineRoute({
  operation: "renameRegisteredModel",
  methods: ["POST"],
  path: `${API}/registered-models/rename`,
  tag: TAG_MODELS,
  summary: "Rename a registered model; its versions, tags and aliases follow.",
  request: z.object({ name: requiredString(), new_name: requiredString(), ...actor }),
  response: z.object({ registered_model: RegisteredModel }),
});

export const updateRegisteredModel = defineRoute({
  operation: "updateRegisteredModel",
  methods: ["PATCH"],
  path: `${API}/registered-models/update`,
  tag: TAG_MODELS,
  summary: "Update a registered model's description.",
  request: z.object({ name: requiredString(), description: z.string().optional(), ...actor }),
  response: z.object({ registered_model: RegisteredModel }),
});

export const deleteRegisteredModel = defineRoute({
  operation: "deleteRegisteredModel",
  methods: ["DELETE"],
  path: `${API}/registered-models/delete`,
  tag: TAG_MODELS,
  summary: "Delete a registered model with its versions, tags and aliases (the audit log stays).",
  request: z.object({ name: requiredString(), ...actor }),
  response: empty,
});

export const searchRegisteredModels = defineRoute({
  operation: "searchRegisteredModels",
  methods: ["GET"],
  path: `${API}/registered-models/search`,
  tag: TAG_MODELS,
  summary: "Search registered models by name and tags; default order name ASC; 100 per page (≤ 1000).",
  request: z.object({
    filter: z.string().optional(),
    max_results: int64().pipe(z.number().int().min(1).max(1000)).optional(),
    order_by: repeated(z.string()).optional(),
    page_token: z.string().optional(),
  }),
  response: z.object({
    registered_models: z.array(RegisteredModel).optional(),
    next_page_token: z.string().optional(),
  }),
});

export const getLatestVersions = defineRoute({
  operation: "getLatestVersions",
  methods: ["POST", "GET"],
  path: `${API}/registered-models/get-latest-versions`,
  tag: TAG_MODELS,
  summary: "The latest version in each requested stage (every stage when none is given).",
  request: z.object({ name: requiredString(), stages: repeated(z.string()).optional() }),
  response: z.object({ model_versions: z.array(ModelVersion).optional() }),
});

export const setRegisteredModelTag = defineRoute({
  operation: "setRegisteredModelTag",
  methods: ["POST"],
  path: `${API}/registered-models/set-tag`,
  tag: TAG_MODELS,
  summary: "Set (upsert) a registered model tag.",
  request: z.object({
    name: requiredString(),
    key: requiredString(),
    value: z.string().default(""),
    ...actor,
  }),
  response: empty,
});

export const deleteRegisteredModelTag = defineRoute({
  operation: "deleteRegisteredModelTag",
  methods: ["DELETE"],
  path: `${API}/registered-models/delete-tag`,
  tag: TAG_MODELS,
  summary: "Delete a registered model tag (an absent tag is not an error).",
  request: z.object({ name: requiredString(), key: requiredString(), ...actor }),
  response: empty,
});

export const setRegisteredModelAlias = defineRoute({
  operation: "setRegisteredModelAlias",
  methods: ["POST"],
  path: `${API}/registered-models/alias`,
  tag: TAG_MODELS,
  summary: "Point an alias at a version, moving it atomically if it exists.",
  request: z.object({ name: requiredString(), alias: requiredString(), version: version(), ...actor }),
  response: empty,
});

export const deleteRegisteredModelAlias = defineRoute({
  operation: "deleteRegisteredModelAlias",
  methods: ["DELETE"],
  path: `${API}/registered-models/alias`,
  tag: TAG_MODELS,
  summary: "Delete an alias (an absent alias is not an error).",
  request: z.object({ name: requiredString(), alias: requiredString(), ...actor }),
  response: empty,
});

export const getModelVersionByAlias = defineRoute({
  operation: "getModelVersionByAlias",
  methods: ["GET"],
  path: `${API}/registered-models/alias`,
  tag: TAG_MODELS,
  summary: "The version an alias points at; an unknown alias is INVALID_PARAMETER_VALUE, as in MLflow.",
  request: z.object({ name: requiredString(), alias: requiredString() }),
  response: z.object({ model_version: ModelVersion }),
});

// ---- Model versions ----

export const createModelVersion = defineRoute({
  operation: "createModelVersion",
  methods: ["POST"],
  path: `${API}/model-versions/create`,
  tag: TAG_VERSIONS,
  summary:
    "Register the next version (max+1) of a model from a source URI; created READY, with the model's manifest and the run's metrics.",
  request: z.object({
    name: requiredString(),
    source: requiredString(),
    run_id: z.string().optional(),
    tags: tagsIn.optional(),
    run_link: z.string().optional(),
    description: z.string().optional(),
    ...actor,
  }),
  response: z.object({ model_version: ModelVersion }),
});

export const getModelVersion = defineRoute({
  operation: "getModelVersion",
  methods: ["GET"],
  path: `${API}/model-versions/get`,
  tag: TAG_VERSIONS,
  summary: "Get a model version (deleted versions are not found).",
  request: z.object({ name: requiredString(), version: version() }),
  response: z.object({ model_version: ModelVersion }),
});

export const updateModelVersion = defineRoute({
  operation: "updateModelVersion",
  methods: ["PATCH"],
  path: `${API}/model-versions/update`,
  tag: TAG_VERSIONS,
  summary: "Update a model version's description.",
  request: z.object({
    name: requiredString(),
    version: version(),
    description: z.string().optional(),
    ...actor,
  }),
  response: z.object({ model_version: ModelVersion }),
});

export const deleteModelVersion = defineRoute({
  operation: "deleteModelVersion",
  methods: ["DELETE"],
  path: `${API}/model-versions/delete`,
  tag: TAG_VERSIONS,
  summary: "Delete a model version: its aliases go, its number is never reused.",
  request: z.object({ name: requiredString(), version: version(), ...actor }),
  response: empty,
});

export const searchModelVersions = defineRoute({
  operation: "searchModelVersions",
  methods: ["GET"],
  path: `${API}/model-versions/search`,
  tag: TAG_VERSIONS,
  summary:
    "Search model versions by name, run_id, source_path, version_number and tags; 200,000 per page by default.",
  request: z.object({
    filter: z.string().optional(),
    max_results: int64().pipe(z.number().int().min(1).max(200_000)).optional(),
    order_by: repeated(z.string()).optional(),
    page_token: z.string().optional(),
  }),
  response: z.object({
    model_versions: z.array(ModelVersion).optional(),
    next_page_token: z.string().optional(),
  }),
});

export const getModelVersionDownloadUri = defineRoute({
  operation: "getModelVersionDownloadUri",
  methods: ["GET"],
  path: `${API}/model-versions/get-download-uri`,
  tag: TAG_VERSIONS,
  summary: "The artifact URI holding a version's files (runs:/ and models:/ sources resolved).",
  request: z.object({ name: requiredString(), version: version() }),
  response: z.object({ artifact_uri: z.string() }),
});

export const transitionModelVersionStage = defineRoute({
  operation: "transitionModelVersionStage",
  methods: ["POST"],
  path: `${API}/model-versions/transition-stage`,
  tag: TAG_VERSIONS,
  summary:
    "Move a version to None, Staging, Production or Archived, optionally archiving the stage's other versions.",
  request: z.object({
    name: requiredString(),
    version: version(),
    stage: requiredString(),
    // Required, as in MLflow's proto: the caller says whether the stage's other versions move.
    archive_existing_versions: bool(),
    ...actor,
  }),
  response: z.object({ model_version: ModelVersion }),
});

export const setModelVersionTag = defineRoute({
  operation: "setModelVersionTag",
  methods: ["POST"],
  path: `${API}/model-versions/set-tag`,
  tag: TAG_VERSIONS,
  summary: "Set (upsert) a model version tag.",
  request: z.object({
    name: requiredString(),
    version: version(),
    key: requiredString(),
    value: z.string().default(""),
    ...actor,
  }),
  response: empty,
});

export const deleteModelVersionTag = defineRoute({
  operation: "deleteModelVersionTag",
  methods: ["DELETE"],
  path: `${API}/model-versions/delete-tag`,
  tag: TAG_VERSIONS,
  summary: "Delete a model version tag (an absent tag is not an error).",
  request: z.object({ name: requiredString(), version: version(), key: requiredString(), ...actor }),
  response: empty,
});

// ---- Gyre's registry routes ----

export const getRegistryAudit = defineRoute({
  operation: "getRegistryAudit",
  methods: ["GET"],
  path: `${GYRE}/audit`,
  tag: TAG_GYRE,
  summary:
    "The audit log of a registered model (optionally one version), newest first: who changed what, when, before → after.",
  request: z.object({
    name: requiredString(),
    version: version().optional(),
    max_results: int64().pipe(z.number().int().min(1).max(1000)).optional(),
    page_token: z.string().optional(),
  }),
  response: z.object({ entries: z.array(AuditEntry).optional(), next_page_token: z.string().optional() }),
});

export const resolveModelUri = defineRoute({
  operation: "resolveModelUri",
  methods: ["GET"],
  path: `${GYRE}/resolve`,
  tag: TAG_GYRE,
  summary: "Resolve models:/name/3, models:/name@alias, models:/name/latest (or a stage) to a version.",
  request: z.object({ uri: requiredString() }),
  response: z.object({
    name: z.string(),
    version: z.string(),
    source: z.string(),
    download_uri: z.string(),
    format: z.string().optional(),
    signature: z.string().optional(),
  }),
});

export const registryRoutes = [
  createRegisteredModel,
  getRegisteredModel,
  renameRegisteredModel,
  updateRegisteredModel,
  deleteRegisteredModel,
  searchRegisteredModels,
  getLatestVersions,
  setRegisteredModelTag,
  deleteRegisteredModelTag,
  setRegisteredModelAlias,
  deleteRegisteredModelAlias,
  getModelVersionByAlias,
  createModelVersion,
  getModelVersion,
  updateModelVersion,
  deleteModelVersion,
  searchModelVersions,
  getModelVersionDownloadUri,
  transitionModelVersionStage,
  setModelVersionTag,
  deleteModelVersionTag,
  getRegistryAudit,
  resolveModelUri,
] as const;
