import {
  type DuckDBAppender,
  type DuckDBConnection,
  DuckDBDataChunk,
  type DuckDBType,
} from "@duckdb/node-api";
import type { Prediction } from "@gyre/serving";
import { sqlIdentifier } from "./predict-formats.js";
import { columnValues, type PredictionColumn } from "./predict-output.js";

const INPUTS = "scored_inputs";
const PREDICTIONS = "scored_predictions";

/**
 * The scored rows, collected in the scratch database as two tables appended in step: the input
 * chunks exactly as DuckDB read them (appended whole, never converted to JS), and the prediction
 * columns. The output is their positional join: row i of one beside row i of the other.
 */
export class ScoredTables {
  private constructor(
    private readonly inputs: DuckDBAppender,
    private readonly predictions: DuckDBAppender,
    readonly columns: readonly PredictionColumn[],
  ) {}

  static async create(
    connection: DuckDBConnection,
    inputSql: string,
    columns: readonly PredictionColumn[],
  ): Promise<ScoredTables> {
    // The input's own columns and types, from the same reader the rows stream from.
    await connection.run(`CREATE TABLE ${INPUTS} AS SELECT * FROM ${inputSql} LIMIT 0`);
    const definitions = columns.map((c) => `${sqlIdentifier(c.name)} ${c.type.toString()}`);
    await connection.run(`CREATE TABLE ${PREDICTIONS} (${definitions.join(", ")})`);
    return new ScoredTables(
      await connection.createAppender(INPUTS),
      await connection.createAppender(PREDICTIONS),
      columns,
    );
  }

  /** Appends one batch: its input chunks and, chunk by chunk, the matching prediction rows. */
  append(chunks: readonly DuckDBDataChunk[], prediction: Prediction): void {
    const types: DuckDBType[] = this.columns.map((c) => c.type);
    let first = 0;
    for (const chunk of chunks) {
      const rows = chunk.rowCount;
      this.inputs.appendDataChunk(chunk);
      const out = DuckDBDataChunk.create(types, rows);
      this.columns.forEach((column, c) => {
        out.setColumnValues(c, columnValues(prediction, column, first, rows));
      });
      this.predictions.appendDataChunk(out);
      first += rows;
    }
    // Flushed per batch, so the appenders never hold more than one batch.
    this.inputs.flushSync();
    this.predictions.flushSync();
  }

  close(): void {
    this.inputs.closeSync();
    this.predictions.closeSync();
  }

  /** Writes input and prediction columns side by side with COPY … TO, streamed by DuckDB. */
  static copyTo(connection: DuckDBConnection, target: string, options: string): Promise<unknown> {
    return connection.run(
      `COPY (SELECT * FROM ${INPUTS} POSITIONAL JOIN ${PREDICTIONS}) TO ${target} ${options}`,
    );
  }
}
