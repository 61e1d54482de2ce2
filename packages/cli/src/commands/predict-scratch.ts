import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type DuckDBConnection, DuckDBInstance } from "@duckdb/node-api";

/**
 * The DuckDB that does a scoring job's I/O: a database file in a temporary directory, so the
 * scored rows collect on disk (not in memory) until they are copied to the output, under a
 * memory limit past which DuckDB spills. Two connections, because a query on a connection
 * ends the streaming result open on it: one streams the input, the other writes.
 */
export interface Scratch {
  readonly reader: DuckDBConnection;
  readonly writer: DuckDBConnection;
  close(): Promise<void>;
}

/** DuckDB's own memory, whatever the input size; JS holds one batch besides. */
const MEMORY_LIMIT = "256MB";

export async function openScratch(): Promise<Scratch> {
  const dir = await mkdtemp(join(tmpdir(), "gyre-predict-"));
  try {
    const instance = await DuckDBInstance.create(join(dir, "scored.duckdb"), {
      memory_limit: MEMORY_LIMIT,
      temp_directory: join(dir, "spill"),
      // Rows come out in the order they went in: predictions line up with their inputs.
      preserve_insertion_order: "true",
      // CSV, Parquet and JSON are built in; never fetch an extension from the network.
      autoinstall_known_extensions: "false",
      autoload_known_extensions: "false",
    });
    const reader = await instance.connect();
    const writer = await instance.connect();
    return {
      reader,
      writer,
      async close() {
        reader.closeSync();
        writer.closeSync();
        instance.closeSync();
        await rm(dir, { recursive: true, force: true });
      },
    };
  } catch (error) {
    await rm(dir, { recursive: true, force: true });
    throw error;
  }
}
