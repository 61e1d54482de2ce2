import type { Compilable, CompiledQuery, Kysely, QueryResult, RootOperationNode, Transaction } from "kysely";
import { SQL_HINTS } from "../store/database.js";
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
  readonly size: number;
  readonly sql: string;
  readonly query: RootOperationNode;
  readonly slots: readonly Slot[];
}

export interface PreparedOptions {
  /** Rows as arrays in select-list order: cheaper to materialise than objects. */
  arrayRows?: boolean;
}

// A NUL never reaches a query (requests holding one are refused), so it cannot collide with data.
const MARK = "\u0000slot\u0000";

/**
 * Sizes up to this are compiled once and kept prepared by the driver for good (a bounded set per
 * statement); a larger one (a page of 1,000 run ids) is remembered only until another comes.
 */
const KEPT_SIZES = 64;

/**
 * A statement written once with Kysely's builder and compiled once per database (and per `size`,
 * for statements whose text grows with a list, e.g. a multi-row insert), then executed with fresh
 * arguments: building and compiling a query costs more than running it on SQLite.
 *
 * The builder receives placeholders instead of values; compiling records where each lands among
 * the parameters, so the order of parameters stays Kysely's business on every dialect. The text
 * carries SQL_HINTS, so the driver keeps it prepared (a named statement on PostgreSQL).
 */
export class Prepared<A, R = unknown> {
  /** Per dialect adapter (shared by a Kysely instance and its transactions), then per size. */
  private readonly compiled = new WeakMap<object, Map<number, Compiled>>();

  constructor(
    private readonly build: (db: Kysely<Schema>, $: Placeholder, size: number) => Compilable<R>,
    private readonly options: PreparedOptions = {},
  ) {}

  execute(db: Db, args: A, size = 0): Promise<QueryResult<R>> {
    let statement: Compiled;
    try {
      statement = this.compile(db, size);
    } catch (error) {
      return Promise.reject(error); // a bad builder fails like a bad query: as a rejection
    }
    const { sql, query, slots } = statement;
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
    const kept = size <= KEPT_SIZES;
    const key = kept ? size : -1;
    let compiled = bySize.get(key);
    if (compiled?.size !== size) {
      compiled = this.compileFresh(db, size, kept);
      bySize.set(key, compiled);
    }
    return compiled;
  }

  private compileFresh(db: Db, size: number, kept: boolean): Compiled {
    const $: Placeholder = (...path) => `${MARK}${JSON.stringify(path)}` as never;
    const { sql, parameters, query } = this.build(db as Kysely<Schema>, $, size).compile();
    if (sql.includes(MARK)) throw new Error(`A placeholder was inlined into the SQL text: ${sql}`);
    const slots = parameters.map(
      (p): Slot =>
        typeof p === "string" && p.startsWith(MARK)
          ? { path: JSON.parse(p.slice(MARK.length)) }
          : { constant: p },
    );
    const hints = (kept ? SQL_HINTS.prepared : "") + (this.options.arrayRows ? SQL_HINTS.arrayRows : "");
    return { size, sql: hints + sql, query, slots };
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
