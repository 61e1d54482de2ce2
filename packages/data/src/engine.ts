import { mkdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type DuckDBConnection, type DuckDBDataChunk, DuckDBInstance, StatementType } from "@duckdb/node-api";
import { invalidParameter } from "@gyre/core";
import { stringList } from "./sql.js";

/** A value as read back from DuckDB, before conversion to JSON. */
export type SqlValue = unknown;
export type SqlRow = Record<string, SqlValue>;

export interface EngineOptions {
  /**
   * The only directories DuckDB may read or write. Everything else on the machine is refused, so a
   * user's SQL (`--sql`) cannot read /etc/passwd or write outside its staging directory.
   */
  allowedDirectories: readonly string[];
  /** DuckDB worker threads (default: DuckDB's, one per core). */
  threads?: number;
}

/**
 * One private, in-memory DuckDB database, sandboxed to a set of directories. Every analysis opens
 * its own and closes it: nothing is shared between requests, and memory is returned at once.
 */
export class DataEngine {
  private constructor(
    private readonly instance: DuckDBInstance,
    private readonly connection: DuckDBConnection,
  ) {}

  static async open(options: EngineOptions): Promise<DataEngine> {
    // Spills of large sorts and aggregates go to the OS temp directory, not the server's cwd.
    const spill = join(tmpdir(), "gyre-duckdb");
    mkdirSync(spill, { recursive: true });
    const instance = await DuckDBInstance.create(":memory:", {
      // Extensions would be downloaded from outside; CSV, Parquet and JSON are built in.
      autoinstall_known_extensions: "false",
      autoload_known_extensions: "false",
      temp_directory: spill,
      ...(options.threads ? { threads: String(options.threads) } : {}),
    });
    const connection = await instance.connect();
    const engine = new DataEngine(instance, connection);
    try {
      const dirs = options.allowedDirectories.map((d) => (d.endsWith("/") ? d : `${d}/`));
      await connection.run(`SET allowed_directories = ${stringList(dirs)}`);
      await connection.run("SET enable_external_access = false");
      await connection.run("SET lock_configuration = true");
    } catch (error) {
      engine.close();
      throw error;
    }
    return engine;
  }

  async run(sql: string): Promise<void> {
    await this.connection.run(sql);
  }

  /** Every row of a (small) result: aggregates, samples, top-k lists. */
  async all(sql: string): Promise<SqlRow[]> {
    const reader = await this.connection.runAndReadAll(sql);
    return reader.getRowObjectsJS() as SqlRow[];
  }

  /** A large result chunk by chunk (about 2048 rows each), for readers that fill typed arrays. */
  async *chunks(sql: string): AsyncGenerator<DuckDBDataChunk> {
    const result = await this.connection.stream(sql);
    for (
      let chunk = await result.fetchChunk();
      chunk && chunk.rowCount > 0;
      chunk = await result.fetchChunk()
    ) {
      yield chunk;
    }
  }

  async one(sql: string): Promise<SqlRow> {
    const [row] = await this.all(sql);
    if (!row) throw new Error(`query returned no row: ${sql.slice(0, 200)}`);
    return row;
  }

  /** Refuses anything but one SELECT (or WITH … SELECT, VALUES, FROM …): user SQL defines data, nothing else. */
  async requireSingleSelect(sql: string): Promise<void> {
    let statements: Awaited<ReturnType<DuckDBConnection["extractStatements"]>>;
    try {
      statements = await this.connection.extractStatements(sql);
    } catch (error) {
      throw invalidParameter(`Invalid SQL: ${firstLine(error)}`);
    }
    if (statements.count !== 1) {
      throw invalidParameter(`The SQL must be one SELECT statement, got ${statements.count} statements.`);
    }
    let type: StatementType;
    try {
      const prepared = await statements.prepare(0);
      type = prepared.statementType;
      prepared.destroySync();
    } catch (error) {
      throw invalidParameter(`Invalid SQL: ${firstLine(error)}`);
    }
    if (type !== StatementType.SELECT) throw invalidParameter("The SQL must be a SELECT statement.");
  }

  close(): void {
    this.connection.closeSync();
    this.instance.closeSync();
  }
}

/** DuckDB's messages carry a caret diagram after the first line; the first line says it all. */
export function firstLine(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.split("\n")[0] ?? message;
}

/** Runs `use` with a fresh engine and always closes it. */
export async function withEngine<T>(
  options: EngineOptions,
  use: (engine: DataEngine) => Promise<T>,
): Promise<T> {
  const engine = await DataEngine.open(options);
  try {
    return await use(engine);
  } finally {
    engine.close();
  }
}
