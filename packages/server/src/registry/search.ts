import { type RawBuilder, type Selectable, type SqlBool, sql } from "kysely";
import {
  type Clause,
  MODEL_VERSION_SEARCH,
  parseFilter,
  parseOrderBy,
  REGISTERED_MODEL_SEARCH,
} from "../search/filter.js";
import { decodePageToken, encodePageToken } from "../search/page-token.js";
import { and, compare, orderTerm } from "../search/sql.js";
import type { ModelVersionsTable, RegisteredModelsTable } from "../store/schema.js";
import { nonEmpty } from "../tracking/context.js";
import type { RegistryContext, Req, Res } from "./context.js";
import { materializeModels, materializeVersions } from "./reader.js";

const PROMPT_TAG = "mlflow.prompt.is_prompt";

const MODEL_COLUMNS: Record<string, string> = {
  name: "m.name",
  creation_timestamp: "m.creation_time",
  last_updated_timestamp: "m.last_updated_time",
};

const VERSION_COLUMNS: Record<string, string> = {
  name: "mv.name",
  run_id: "mv.run_id",
  source_path: "mv.source",
  version_number: "mv.version",
  creation_timestamp: "mv.creation_time",
  last_updated_timestamp: "mv.last_updated_time",
};

/**
 * registered-models/search and model-versions/search: the filter selects rows in SQL (a tag
 * clause needs the tag, even for !=, as MLflow's join does), then only the page is materialised.
 */
export class RegistrySearchService {
  constructor(private readonly ctx: RegistryContext) {}

  async searchRegisteredModels(req: Req<"searchRegisteredModels">): Promise<Res<"searchRegisteredModels">> {
    const clauses = parseFilter(req.filter, REGISTERED_MODEL_SEARCH);
    const order = parseOrderBy(req.order_by, REGISTERED_MODEL_SEARCH);
    const maxResults = req.max_results ?? 100;
    const offset = decodePageToken(req.page_token);

    const where = withoutPrompts(clauses, excludePromptModels).map(modelCondition);
    const orderBy = order.map((term) => orderTerm(sql.ref(MODEL_COLUMNS[term.key] ?? "m.name"), term));
    if (!order.some((t) => t.key === "name")) orderBy.push(sql`m.name asc`);

    const { rows } = await sql<
      Selectable<RegisteredModelsTable>
    >`select m.* from registered_models m where ${and(where)}
      order by ${sql.join(orderBy)} limit ${maxResults + 1} offset ${offset}`.execute(this.ctx.db);
    return {
      registered_models: nonEmpty(await materializeModels(this.ctx.db, rows.slice(0, maxResults))),
      next_page_token: rows.length > maxResults ? encodePageToken(offset + maxResults) : undefined,
    };
  }

  async searchModelVersions(req: Req<"searchModelVersions">): Promise<Res<"searchModelVersions">> {
    const clauses = parseFilter(req.filter, MODEL_VERSION_SEARCH);
    const order = parseOrderBy(
      req.order_by?.length
        ? req.order_by
        : ["last_updated_timestamp DESC", "name ASC", "version_number DESC"],
      MODEL_VERSION_SEARCH,
    );
    const maxResults = req.max_results ?? 200_000;
    const offset = decodePageToken(req.page_token);

    const where: RawBuilder<SqlBool>[] = [
      sql`mv.deleted_time is null`,
      ...withoutPrompts(clauses, excludePromptVersions).map(versionCondition),
    ];
    const orderBy = order.map((term) => orderTerm(sql.ref(VERSION_COLUMNS[term.key] ?? "mv.name"), term));
    if (!order.some((t) => t.key === "name")) orderBy.push(sql`mv.name asc`);
    if (!order.some((t) => t.key === "version_number")) orderBy.push(sql`mv.version desc`);

    const { rows } = await sql<ModelVersionsTable>`select mv.* from model_versions mv where ${and(where)}
      order by ${sql.join(orderBy)} limit ${maxResults + 1} offset ${offset}`.execute(this.ctx.db);
    return {
      model_versions: nonEmpty(await materializeVersions(this.ctx.db, rows.slice(0, maxResults))),
      next_page_token: rows.length > maxResults ? encodePageToken(offset + maxResults) : undefined,
    };
  }
}

/**
 * MLflow 3 keeps prompts (models tagged `mlflow.prompt.is_prompt` = 'true') in the registry and
 * hides them from searches unless the filter asks for them; its client appends
 * `tag.\`mlflow.prompt.is_prompt\` != 'true'` to every registered-model filter. As MLflow's store
 * does: unless the filter asks for prompts, clauses on that tag are dropped and prompts excluded
 * (a plain tag clause would also drop every model lacking the tag).
 */
function withoutPrompts(
  clauses: readonly Clause[],
  excludePrompts: (key: string) => RawBuilder<SqlBool>,
): (Clause | RawBuilder<SqlBool>)[] {
  const prompt = clauses.find((c) => c.entity === "tag" && c.key === PROMPT_TAG);
  const value = typeof prompt?.value === "string" ? prompt.value.toLowerCase() : undefined;
  const askingForPrompts =
    (prompt?.comparator === "=" && value === "true") || (prompt?.comparator === "!=" && value === "false");
  if (askingForPrompts) return [...clauses];
  return [
    ...clauses.filter((c) => !(c.entity === "tag" && c.key === PROMPT_TAG)),
    excludePrompts(PROMPT_TAG),
  ];
}

const isClause = (item: Clause | RawBuilder<SqlBool>): item is Clause => "entity" in item;

const excludePromptModels = (key: string) =>
  sql<SqlBool>`not exists (select 1 from registered_model_tags p where p.name = m.name
    and p.key = ${key} and p.value = 'true')`;

function modelCondition(item: Clause | RawBuilder<SqlBool>): RawBuilder<SqlBool> {
  if (!isClause(item)) return item;
  const { key, comparator, value } = item;
  if (item.entity === "tag") {
    return sql`exists (select 1 from registered_model_tags t where t.name = m.name
      and t.key = ${key} and ${compare(sql.ref("t.value"), comparator, value)})`;
  }
  return compare(sql.ref(MODEL_COLUMNS[key] ?? "m.name"), comparator, value);
}

/** As MLflow's store: a model with any prompt-tagged version is a prompt, and all its versions go. */
const excludePromptVersions = (key: string) =>
  sql<SqlBool>`not exists (select 1 from model_version_tags p where p.name = mv.name
    and p.key = ${key} and p.value = 'true')`;

function versionCondition(item: Clause | RawBuilder<SqlBool>): RawBuilder<SqlBool> {
  if (!isClause(item)) return item;
  const { key, comparator, value } = item;
  if (item.entity === "tag") {
    return sql`exists (select 1 from model_version_tags t where t.name = mv.name and t.version = mv.version
      and t.key = ${key} and ${compare(sql.ref("t.value"), comparator, value)})`;
  }
  // An integer column compared with a fraction: compare as a double rather than fail the cast.
  const column =
    key === "version_number" && typeof value === "number" && !Number.isInteger(value)
      ? sql`cast(mv.version as double precision)`
      : sql.ref(VERSION_COLUMNS[key] ?? "mv.name");
  return compare(column, comparator, value);
}
