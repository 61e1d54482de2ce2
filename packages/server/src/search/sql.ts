import { type RawBuilder, type SqlBool, sql } from "kysely";
import type { Comparator, OrderTerm } from "./filter.js";

/**
 * Portable SQL for one parsed filter comparison. The same text runs on SQLite and PostgreSQL:
 * ILIKE is spelled lower() LIKE lower() because SQLite has no ILIKE, and the explicit text cast
 * lets PostgreSQL type the parameter.
 */
export function compare(
  column: RawBuilder<unknown>,
  comparator: Comparator,
  value: string | number | string[],
): RawBuilder<SqlBool> {
  if (Array.isArray(value)) {
    const list = sql.join(value.map((v) => sql`${v}`));
    return comparator === "NOT IN" ? sql`${column} not in (${list})` : sql`${column} in (${list})`;
  }
  switch (comparator) {
    case "=":
      return sql`${column} = ${value}`;
    case "!=":
      return sql`${column} <> ${value}`;
    case "LIKE":
      return sql`${column} like cast(${value} as text)`;
    case "ILIKE":
      return sql`lower(${column}) like lower(cast(${value} as text))`;
    case ">":
    case ">=":
    case "<":
    case "<=":
      return sql`${column} ${sql.raw(comparator)} ${value}`;
    default:
      // IN / NOT IN always carry a list; the parser guarantees it.
      return sql`${column} in (${value})`;
  }
}

export function and(conditions: readonly RawBuilder<SqlBool>[]): RawBuilder<SqlBool> {
  return conditions.length === 0 ? sql<SqlBool>`1 = 1` : sql<SqlBool>`${sql.join(conditions, sql` and `)}`;
}

/**
 * Rows lacking the ordered value sort after the others in both directions, as in MLflow; `rank`
 * may refine that (metrics put NaN between real values and missing ones).
 */
export function orderTerm(
  value: RawBuilder<unknown>,
  term: Pick<OrderTerm, "ascending">,
  rank: RawBuilder<unknown> = sql`(case when ${value} is null then 1 else 0 end)`,
): RawBuilder<unknown> {
  return sql`${rank}, ${value} ${sql.raw(term.ascending ? "asc" : "desc")}`;
}
