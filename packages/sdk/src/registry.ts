import {
  type AuditEntry,
  type ModelVersion,
  type ModelVersionStage,
  type RegisteredModel,
  type ResponseOf,
  registry,
} from "@gyre/core";
import { GyreError } from "@gyre/core/errors";
import { collectPages, toKeyValues } from "./batching.js";
import type { GyreClient } from "./client.js";
import { isRunsUri, parseRunsUri } from "./model-uri.js";

/** The version a models:/ URI names, with where its files are (Gyre's resolve route). */
export type ResolvedModel = ResponseOf<typeof registry.resolveModelUri>;

export interface RegisterModelOptions {
  /** Tags of the new version. */
  tags?: Record<string, string>;
  /** Description of the new version. */
  description?: string;
}

export interface SearchOptions {
  /** MLflow's filter grammar, e.g. `name = 'churn' and tags.team = 'ml'`. */
  filter?: string;
  /** e.g. `["version_number DESC"]`. */
  orderBy?: string[];
}

export interface TransitionOptions {
  /** Moves the stage's other versions to Archived (Staging and Production only). */
  archiveExistingVersions?: boolean;
}

/** The registry's listings are read page by page at these sizes (each below the server's cap). */
const MODELS_PAGE = 1000;
const VERSIONS_PAGE = 10_000;
const AUDIT_PAGE = 1000;

/**
 * The model registry through MLflow's REST API plus Gyre's audit and resolve routes. Free
 * functions over a client, so `Gyre` stays a thin facade.
 */

/**
 * Registers a model version from a runs:/, models:/ or artifact URI, creating the registered model
 * first when missing. Two processes may create it at once: RESOURCE_ALREADY_EXISTS then means
 * the other one won, as MLflow's client treats it.
 */
export async function registerModel(
  client: GyreClient,
  uri: string,
  name: string,
  options: RegisterModelOptions = {},
): Promise<ModelVersion> {
  try {
    await client.call(registry.createRegisteredModel, { name });
  } catch (error) {
    if (!(error instanceof GyreError && error.code === "RESOURCE_ALREADY_EXISTS")) throw error;
  }
  const { model_version } = await client.call(registry.createModelVersion, {
    name,
    source: uri,
    run_id: isRunsUri(uri) ? parseRunsUri(uri).runId : undefined,
    tags: options.tags ? toKeyValues(options.tags) : undefined,
    description: options.description,
  });
  return model_version;
}

export async function getRegisteredModel(client: GyreClient, name: string): Promise<RegisteredModel> {
  return (await client.call(registry.getRegisteredModel, { name })).registered_model;
}

export function listRegisteredModels(
  client: GyreClient,
  options: SearchOptions = {},
): Promise<RegisteredModel[]> {
  return collectPages(async (pageToken) => {
    const page = await client.call(registry.searchRegisteredModels, {
      filter: options.filter,
      order_by: options.orderBy,
      max_results: MODELS_PAGE,
      page_token: pageToken,
    });
    return { items: page.registered_models, next: page.next_page_token };
  });
}

export async function getModelVersion(
  client: GyreClient,
  name: string,
  version: string | number,
): Promise<ModelVersion> {
  return (await client.call(registry.getModelVersion, { name, version: String(version) })).model_version;
}

export async function getModelVersionByAlias(
  client: GyreClient,
  name: string,
  alias: string,
): Promise<ModelVersion> {
  return (await client.call(registry.getModelVersionByAlias, { name, alias })).model_version;
}

export function searchModelVersions(
  client: GyreClient,
  options: SearchOptions = {},
): Promise<ModelVersion[]> {
  return collectPages(async (pageToken) => {
    const page = await client.call(registry.searchModelVersions, {
      filter: options.filter,
      order_by: options.orderBy,
      max_results: VERSIONS_PAGE,
      page_token: pageToken,
    });
    return { items: page.model_versions, next: page.next_page_token };
  });
}

export async function setAlias(
  client: GyreClient,
  name: string,
  alias: string,
  version: string | number,
): Promise<void> {
  await client.call(registry.setRegisteredModelAlias, { name, alias, version: String(version) });
}

export async function deleteAlias(client: GyreClient, name: string, alias: string): Promise<void> {
  await client.call(registry.deleteRegisteredModelAlias, { name, alias });
}

export async function transitionStage(
  client: GyreClient,
  name: string,
  version: string | number,
  stage: ModelVersionStage | string,
  options: TransitionOptions = {},
): Promise<ModelVersion> {
  const { model_version } = await client.call(registry.transitionModelVersionStage, {
    name,
    version: String(version),
    stage,
    archive_existing_versions: options.archiveExistingVersions ?? false,
  });
  return model_version;
}

export function resolveModel(client: GyreClient, uri: string): Promise<ResolvedModel> {
  return client.call(registry.resolveModelUri, { uri });
}

/** The audit log of a model (or one version), newest first: who changed what, when, before → after. */
export function modelHistory(
  client: GyreClient,
  name: string,
  version?: string | number,
): Promise<AuditEntry[]> {
  return collectPages(async (pageToken) => {
    const page = await client.call(registry.getRegistryAudit, {
      name,
      version: version === undefined ? undefined : String(version),
      max_results: AUDIT_PAGE,
      page_token: pageToken,
    });
    return { items: page.entries, next: page.next_page_token };
  });
}

/** A string literal of MLflow's filter grammar: single-quoted, a quote doubled. */
export function filterString(value: string): string {
  return `'${value.replaceAll("'", "''")}'`;
}
