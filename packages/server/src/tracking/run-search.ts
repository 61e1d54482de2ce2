import { type RawBuilder, type SqlBool, sql } from "kysely";
import { type Clause, type OrderTerm, parseFilter, parseOrderBy, RUN_SEARCH } from "../search/filter.js";
import { decodePageToken, encodePageToken } from "../search/page-token.js";
import { and, compare, orderTerm } from "../search/sql.js";
import { SQL_HINTS } from "../store/database.js";
import { experimentKey, nonEmpty, type Req, type Res, type TrackingContext } from "./context.js";
import { lifecycleCondition } from "./experiments.js";
import { loadRunsFrom, RUN_COLUMNS, runOf } from "./run-reader.js";

const ATTRIBUTE_COLUMNS: Record<string, string> = {
  run_id: "r.run_uuid",
  run_name: "r.name",
  user_id: "r.user_id",
  status: "r.status",
  artifact_uri: "r.artifact_uri",
  start_time: "r.start_time",
  end_time: "r.end_time",
  lifecycle_stage: "r.lifecycle_stage",
};

const CONTEXT_TAG = "mlflow.data.context";

/**
 * Filters select run ids in SQL; only the page's runs are then materialised, so a search costs
 * what it returns rather than what it scans.
 */
export class RunSearchService {
  constructor(private readonly ctx: TrackingContext) {}

  async searchRuns(req: Req<"searchRuns">): Promise<Res<"searchRuns">> {
    const experimentIds = req.experiment_ids ?? [];
    const clauses = parseFilter(req.filter, RUN_SEARCH);
    const order = parseOrderBy(req.order_by, RUN_SEARCH);
    if (experimentIds.length === 0) return {};
    const maxResults = req.max_results ?? 1000;
    const offset = decodePageToken(req.page_token);

    const experiments = experimentIds.flatMap((id) => {
      try {
        return [experimentKey(id)];
      } catch {
        return []; // an id that cannot exist matches no run
      }
    });
    if (experiments.length === 0) return {};

    const where: RawBuilder<SqlBool>[] = [
      sql`r.experiment_id in (${sql.join(experiments)})`,
      lifecycleCondition(req.run_view_type ?? "ACTIVE_ONLY", "r"),
      ...byCost(clauses).map(clauseCondition),
    ];
    const joins: RawBuilder<unknown>[] = [];
    const orderBy: RawBuilder<unknown>[] = [];
    order.forEach((term, i) => {
      const { join, value, rank } = orderValue(term, `o${i}`);
      if (join) joins.push(join);
      orderBy.push(orderTerm(value, term, rank));
    });
    if (!order.some((t) => t.entity === "attribute" && t.key === "start_time")) {
      orderBy.push(sql`r.start_time desc`);
    }
    orderBy.push(sql`r.run_uuid asc`);

    // The page's runs rows come with their ids (as arrays, in RUN_COLUMNS order): no second read.
    const columns = sql.join(RUN_COLUMNS.map((column) => sql.ref(`r.${column}`)));
    const { rows } = await sql<
      readonly unknown[]
    >`${sql.raw(SQL_HINTS.arrayRows)}select ${columns} from runs r
      ${sql.join(joins, sql` `)} where ${and(where)} order by ${sql.join(orderBy)}
      limit ${maxResults + 1} offset ${offset}`.execute(this.ctx.db);
    const more = rows.length > maxResults;
    return {
      runs: nonEmpty(await loadRunsFrom(this.ctx.db, rows.slice(0, maxResults).map(runOf))),
      next_page_token: more ? encodePageToken(offset + maxResults) : undefined,
    };
  }
}

/**
 * SQLite tests a conjunction's terms in the order written, so cheap and selective ones go first:
 * attributes (read off the run's own row), then equality on params and tags (the usual
 * `params.x = 'v'` keeps a few runs), then the rest. The result is the same in any order.
 */
function byCost(clauses: readonly Clause[]): Clause[] {
  const cost = (c: Clause) =>
    c.entity === "attribute"
      ? 0
      : (c.entity === "param" || c.entity === "tag") && c.comparator === "="
        ? 1
        : 2;
  return clauses
    .map((clause, i) => ({ clause, i }))
    .sort((a, b) => cost(a.clause) - cost(b.clause) || a.i - b.i)
    .map(({ clause }) => clause);
}

/** A run lacking the key never matches, not even with != (each clause is an inner join in MLflow). */
function clauseCondition(clause: Clause): RawBuilder<SqlBool> {
  const { key, comparator, value } = clause;
  switch (clause.entity) {
    case "metric":
      return sql`exists (select 1 from latest_metrics m where m.run_uuid = r.run_uuid and m.key = ${key}
        and m.is_nan = 0 and ${compare(sql.ref("m.value"), comparator, value)})`;
    case "param":
      return sql`exists (select 1 from params p where p.run_uuid = r.run_uuid and p.key = ${key}
        and ${compare(sql.ref("p.value"), comparator, value)})`;
    case "tag":
      return sql`exists (select 1 from tags t where t.run_uuid = r.run_uuid and t.key = ${key}
        and ${compare(sql.ref("t.value"), comparator, value)})`;
    case "dataset": {
      const column =
        key === "context"
          ? sql`(select it.value from input_tags it where it.input_uuid = i.input_uuid and it.key = ${CONTEXT_TAG})`
          : sql.ref(`d.${key}`);
      return sql`exists (select 1 from inputs i join datasets d on d.dataset_uuid = i.dataset_uuid
        where i.run_uuid = r.run_uuid and ${compare(column, comparator, value)})`;
    }
    case "attribute":
      return compare(sql.ref(ATTRIBUTE_COLUMNS[key] ?? "r.run_uuid"), comparator, value);
  }
}

interface OrderValue {
  join?: RawBuilder<unknown>;
  value: RawBuilder<unknown>;
  rank?: RawBuilder<unknown>;
}

function orderValue(term: OrderTerm, alias: string): OrderValue {
  const ref = (column: string) => sql.ref(`${alias}.${column}`);
  switch (term.entity) {
    case "metric":
      return {
        join: sql`left join latest_metrics ${sql.id(alias)} on ${ref("run_uuid")} = r.run_uuid and ${ref("key")} = ${term.key}`,
        value: ref("value"),
        // NaN sorts after real values and before missing ones, as in MLflow.
        rank: sql`(case when ${ref("is_nan")} = 1 then 1 when ${ref("value")} is null then 2 else 0 end)`,
      };
    case "param":
    case "tag": {
      const table = term.entity === "param" ? "params" : "tags";
      return {
        join: sql`left join ${sql.table(table)} ${sql.id(alias)} on ${ref("run_uuid")} = r.run_uuid and ${ref("key")} = ${term.key}`,
        value: ref("value"),
      };
    }
    default:
      return { value: sql.ref(ATTRIBUTE_COLUMNS[term.key] ?? "r.start_time") };
  }
}
