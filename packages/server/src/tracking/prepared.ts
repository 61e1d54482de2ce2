import type { Compilable, CompiledQuery, Kysely, QueryResult, RootOperationNode, Transaction } from "kysely";
import type { Schema } from "../store/schema.js";

type Db = Kysely<Schema> | Transaction<Schema>;
type Path = readonly (string | number)[];

/**
 * Stands for an argument while a statement is compiled: `$("runId")`, `$("rows", i, "key")` name a
 * value inside the arguments later passed to `execute`. Typed `never` so it fits any column.
 */
export type Placeholder = (...path: Path) => never;

/** Where each compiled parameter comes from: a path into the arguments, or a constant of the query. */
type Slot = { readonly path: Path } | { readonly constant: unknown };

interface Compiled {
  readonly sql: string;
  readonly query: RootOperationNode;
  readonly slots: readonly Slot[];
}

// A NUL never reaches a query (requests holding one are refused), so it cannot collide with data.
const MARK = "\u0000slot\u0000";

/**
 * A statement written once with Kysely's builder and compiled once per database (and per `size`,
 * for statements whose text grows with a list, e.g. a multi-row insert), then executed with fresh
 * arguments: building and compiling a query costs more than running it on SQLite.
 *
 * The builder receives placeholders instead of values; compiling records where each lands among
 * the parameters, so the order of parameters stays Kysely's business on every dialect.
 */
export class Prepared<A, R = unknown> {
  /** Per dialect adapter (shared by a Kysely instance and its transactions), then per size. */
  private readonly compiled = new WeakMap<object, Map<number, Compiled>>();

  constructor(private readonly build: (db: Kysely<Schema>, $: Placeholder, size: number) => Compilable<R>) {}

  execute(db: Db, args: A, size = 0): Promise<QueryResult<R>> {
    const { sql, query, slots } = this.compile(db, size);
    const parameters = new Array<unknown>(slots.length);
    for (let i = 0; i < slots.length; i++) {
      const slot = slots[i]!;
      parameters[i] = "constant" in slot ? slot.constant : valueAt(args, slot.path);
    }
    const compiled: CompiledQuery<R> = { sql, parameters, query, queryId: { queryId: "" } };
    return db.executeQuery(compiled);
  }

  async rows(db: Db, args: A, size = 0): Promise<R[]> {
    return (await this.execute(db, args, size)).rows;
  }

  private compile(db: Db, size: number): Compiled {
    const adapter = db.getExecutor().adapter;
    let bySize = this.compiled.get(adapter);
    if (!bySize) {
      bySize = new Map();
      this.compiled.set(adapter, bySize);
    }
    let compiled = bySize.get(size);
    if (!compiled) {
      const $: Placeholder = (...path) => `${MARK}${JSON.stringify(path)}` as never;
      const { sql, parameters, query } = this.build(db as Kysely<Schema>, $, size).compile();
      if (sql.includes(MARK)) throw new Error(`A placeholder was inlined into the SQL text: ${sql}`);
      const slots = parameters.map(
        (p): Slot =>
          typeof p === "string" && p.startsWith(MARK)
            ? { path: JSON.parse(p.slice(MARK.length)) }
            : { constant: p },
      );
      compiled = { sql, query, slots };
      bySize.set(size, compiled);
    }
    return compiled;
  }
}

function valueAt(args: unknown, path: Path): unknown {
  let value = args;
  for (const step of path) value = (value as Record<string | number, unknown>)[step];
  // undefined is no SQL value; absent optional arguments are NULL.
  return value === undefined ? null : value;
}

/** 0, 1, …, n − 1: the row indexes a multi-row statement is built over. */
export function indexes(n: number): number[] {
  return Array.from({ length: n }, (_, i) => i);
}
