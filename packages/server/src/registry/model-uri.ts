import { type GyreError, invalidParameter, type ModelVersionStage, notFound } from "@gyre/core";
import { safeArtifactPath } from "../artifacts/store.js";
import type { ModelVersionsTable } from "../store/schema.js";
import { runArtifactUri as artifactRootOf } from "../tracking/runs.js";
import {
  canonicalStage,
  type Db,
  isLatestAlias,
  modelNotFound,
  type RegistryContext,
  type Req,
  type Res,
  requireVersion,
} from "./context.js";

/**
 * Model URIs, accepted wherever Gyre takes a model (registration sources, serving, batch scoring):
 *
 *   models:/<name>/<version>   models:/<name>@<alias>   models:/<name>/latest   models:/<name>/<stage>
 *   runs:/<run_id>/<path>      (a path inside a run's artifacts)
 */
export type ModelUri =
  | { kind: "version"; name: string; version: string }
  | { kind: "alias"; name: string; alias: string }
  | { kind: "latest"; name: string }
  | { kind: "stage"; name: string; stage: ModelVersionStage };

export interface RunsUri {
  runId: string;
  /** Relative to the run's artifact root; "" for the root itself. */
  path: string;
}

const SCHEME = /^([a-zA-Z][\w+.-]*):/;

/** The URI's scheme in lower case, or undefined for a plain path. */
export function uriScheme(uri: string): string | undefined {
  return SCHEME.exec(uri)?.[1]?.toLowerCase();
}

export const isModelUri = (uri: string) => uriScheme(uri) === "models";
export const isRunsUri = (uri: string) => uriScheme(uri) === "runs";

/** The path of `scheme:/path` or `scheme:///path`; an authority (`scheme://host/...`) is refused. */
function pathOf(uri: string, scheme: string, invalid: () => GyreError): string {
  let rest = uri.slice(scheme.length + 1);
  const query = rest.indexOf("?");
  if (query >= 0) rest = rest.slice(0, query);
  if (rest.startsWith("//")) {
    const end = rest.indexOf("/", 2);
    if (end !== 2) {
      throw invalidParameter(
        `Model URI '${uri}' names a remote registry ('${rest.slice(2, end < 0 ? undefined : end)}'); only this server's registry can be used.`,
      );
    }
    rest = rest.slice(2);
  }
  if (!rest.startsWith("/") || rest.length <= 1) throw invalid();
  return rest.slice(1);
}

export function parseModelUri(uri: string): ModelUri {
  const invalid = () =>
    invalidParameter(
      `Not a proper models:/ URI: ${uri}. Models URIs must be of the form 'models:/model_name/suffix' or 'models:/model_name@alias' where suffix is a model version, stage, or the string 'latest' and where alias is a registered model alias. Only one of suffix or alias can be defined at a time.`,
    );
  if (!isModelUri(uri)) throw invalid();
  const parts = pathOf(uri, "models", invalid).split("/");
  const [first = "", suffix] = parts;
  if (parts.length > 2 || first.trim() === "") throw invalid();
  if (suffix !== undefined) {
    if (suffix.trim() === "") throw invalid();
    if (/^\d+$/.test(suffix)) return { kind: "version", name: first, version: suffix };
    if (suffix.toLowerCase() === "latest") return { kind: "latest", name: first };
    return { kind: "stage", name: first, stage: canonicalStage(suffix) };
  }
  const at = first.lastIndexOf("@");
  if (at < 0) throw invalid();
  const name = first.slice(0, at);
  const alias = first.slice(at + 1);
  if (name.trim() === "" || alias.trim() === "") throw invalid();
  return { kind: "alias", name, alias };
}

export function parseRunsUri(uri: string): RunsUri {
  const invalid = () =>
    invalidParameter(
      `Not a proper runs:/ URI: ${uri}. Runs URIs must be of the form 'runs:/<run_id>/run-relative/path/to/artifact'`,
    );
  if (!isRunsUri(uri)) throw invalid();
  const [runId = "", ...rest] = pathOf(uri, "runs", invalid).split("/");
  if (runId === "") throw invalid();
  return { runId, path: safeArtifactPath(rest.join("/")) };
}

/** Resolves model URIs against this server's registry and runs. */
export class ModelUriResolver {
  constructor(private readonly ctx: RegistryContext) {}

  /**
   * The live version a models:/ URI names (an unknown alias is 400, as MLflow answers); `@latest`
   * is `/latest`, as MLflow 3 reads it.
   */
  async resolveVersion(uri: string | ModelUri, db: Db = this.ctx.db): Promise<ModelVersionsTable> {
    let parsed = typeof uri === "string" ? parseModelUri(uri) : uri;
    if (parsed.kind === "alias" && isLatestAlias(parsed.alias))
      parsed = { kind: "latest", name: parsed.name };
    switch (parsed.kind) {
      case "version":
        return requireVersion(db, parsed.name, parsed.version);
      case "alias": {
        const alias = await db
          .selectFrom("registered_model_aliases")
          .select("version")
          .where("name", "=", parsed.name)
          .where("alias", "=", parsed.alias)
          .executeTakeFirst();
        if (!alias) throw invalidParameter(`Registered model alias ${parsed.alias} not found.`);
        return requireVersion(db, parsed.name, String(alias.version));
      }
      case "latest":
      case "stage": {
        let query = db
          .selectFrom("model_versions")
          .selectAll()
          .where("name", "=", parsed.name)
          .where("deleted_time", "is", null);
        if (parsed.kind === "stage") query = query.where("current_stage", "=", parsed.stage);
        const row = await query.orderBy("version", "desc").limit(1).executeTakeFirst();
        if (row) return row;
        const model = await db
          .selectFrom("registered_models")
          .select("name")
          .where("name", "=", parsed.name)
          .executeTakeFirst();
        if (!model) throw modelNotFound(parsed.name);
        throw notFound(
          parsed.kind === "stage"
            ? `No versions of model with name '${parsed.name}' and stage '${parsed.stage}' found`
            : `No versions of model with name '${parsed.name}' found`,
        );
      }
    }
  }

  /** The artifact URI of a runs:/ URI: the run's artifact root joined with the path. */
  async runArtifactUri(uri: string | RunsUri, db: Db = this.ctx.db): Promise<string> {
    const parsed = typeof uri === "string" ? parseRunsUri(uri) : uri;
    const artifactUri = await artifactRootOf(db, parsed.runId);
    const root = artifactUri.replace(/\/+$/, "");
    return parsed.path === "" ? root : `${root}/${parsed.path}`;
  }

  /**
   * Where a model's files are: models:/ → the version's storage location, runs:/ → the run's
   * artifacts; any other URI is already an artifact location.
   */
  async artifactUri(uri: string, db: Db = this.ctx.db): Promise<string> {
    if (isModelUri(uri)) return (await this.resolveVersion(uri, db)).storage_location;
    if (isRunsUri(uri)) return this.runArtifactUri(uri, db);
    return uri;
  }

  async resolveModelUri(req: Req<"resolveModelUri">): Promise<Res<"resolveModelUri">> {
    if (!isModelUri(req.uri)) {
      throw invalidParameter(
        `Cannot resolve '${req.uri}': expected models:/<name>/<version>, models:/<name>@<alias> or models:/<name>/latest.`,
      );
    }
    const row = await this.resolveVersion(req.uri);
    return {
      name: row.name,
      version: String(row.version),
      source: row.source,
      download_uri: row.storage_location,
      format: row.format ?? undefined,
      signature: row.signature ?? undefined,
    };
  }
}
