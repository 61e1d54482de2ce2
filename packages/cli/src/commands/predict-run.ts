import { basename } from "node:path";
import type { DuckDBConnection, DuckDBDataChunk, DuckDBResult } from "@duckdb/node-api";
import { GyreError } from "@gyre/core";
import { batchFromColumns, ModelRuntime, type Prediction } from "@gyre/serving";
import type { TrackingTarget } from "../tracking-store.js";
import { type FeatureColumns, featureColumns, featureValues } from "./predict-features.js";
import { copyOptionsSql, type DataFile, readerSql, sqlIdentifier, sqlString } from "./predict-formats.js";
import { fetchModel } from "./predict-model.js";
import { checkLayout, predictionColumns } from "./predict-output.js";
import type { Progress } from "./predict-progress.js";
import { openScratch, type Scratch } from "./predict-scratch.js";
import { ScoredTables } from "./predict-table.js";

/**
 * The scoring engine behind `gyre predict`, loaded only when the command runs (DuckDB and ONNX
 * Runtime are native modules, too slow to load for every other command). Input rows stream from
 * DuckDB a batch at a time, each batch is scored by the same runtime `gyre serve` uses, and the
 * scored rows collect in a scratch database on disk that DuckDB finally copies to the output:
 * memory holds one batch, whatever the input size.
 */
export interface ScoreJob {
  readonly modelUri: string;
  readonly input: DataFile;
  readonly output: DataFile;
  /** Rows per model run, rounded up to DuckDB's chunks of 2048. */
  readonly batchRows: number;
  readonly target: TrackingTarget;
  readonly progress: Progress;
  /** Aborted when the user interrupts: scoring stops at the next batch. */
  readonly signal?: AbortSignal;
}

export interface ScoreResult {
  readonly rows: number;
  /** "churn version 3", or the directory name of a local model. */
  readonly model: string;
}

export async function scoreFile(job: ScoreJob): Promise<ScoreResult> {
  const model = await fetchModel(job.modelUri, job.target);
  try {
    const runtime = await ModelRuntime.load(model.dir, { name: model.label });
    try {
      const scratch = await openScratch();
      try {
        job.progress.note(`predict: scoring ${basename(job.input.path)} with ${model.label}`);
        return { rows: await score(job, runtime, scratch), model: model.label };
      } finally {
        await scratch.close();
      }
    } finally {
      await runtime.release();
    }
  } finally {
    await model.dispose();
  }
}

async function score(job: ScoreJob, runtime: ModelRuntime, scratch: Scratch): Promise<number> {
  const source = readerSql(job.input);
  const inputName = basename(job.input.path);
  job.progress.start(await countRows(scratch.writer, source));
  const stream = await scratch.reader.stream(`SELECT * FROM ${source}`);
  const inputColumns = stream.columnNames();
  const features = featureColumns(runtime.schema, inputColumns, stream.columnTypes(), inputName);
  await refuseTextFeatures(scratch.writer, source, features, inputName);
  let table: ScoredTables | undefined;
  let rows = 0;
  for await (const chunks of batches(stream, job.batchRows)) {
    job.signal?.throwIfAborted();
    const prediction = await predictBatch(runtime, chunks, features, rows, inputName);
    table ??= await ScoredTables.create(scratch.writer, source, predictionColumns(prediction, inputColumns));
    checkLayout(prediction, table.columns);
    table.append(chunks, prediction);
    rows += prediction.rows;
    job.progress.advance(prediction.rows);
  }
  // No rows: the output still gets its columns, laid out from the graph's declared outputs.
  table ??= await ScoredTables.create(
    scratch.writer,
    source,
    predictionColumns(emptyPrediction(runtime), inputColumns),
  );
  table.close();
  job.signal?.throwIfAborted();
  job.progress.note(`predict: writing ${job.output.path}`);
  await ScoredTables.copyTo(scratch.writer, sqlString(job.output.path), copyOptionsSql(job.output));
  return rows;
}

/**
 * A feature column DuckDB read as text fails on its first row anyway; failing before scoring,
 * with a value that is no number, says what is wrong with the file. DuckDB also reads a column
 * as text when it has no values at all (a header without rows, an empty column): nothing fails
 * to cast there, and its rows are scored with missing values.
 */
async function refuseTextFeatures(
  connection: DuckDBConnection,
  source: string,
  features: FeatureColumns,
  inputName: string,
): Promise<void> {
  for (const column of features.textual) {
    const name = sqlIdentifier(column.name);
    const reader = await connection.runAndReadAll(
      `SELECT ${name} FROM ${source} WHERE ${name} IS NOT NULL AND TRY_CAST(${name} AS ${column.cast}) IS NULL LIMIT 1`,
    );
    const [row] = reader.getRows();
    if (row === undefined) continue;
    throw new GyreError(
      "INVALID_PARAMETER_VALUE",
      `Column '${column.name}' of ${inputName} holds text such as ${JSON.stringify(row[0])}; the model expects ${column.expected}.`,
    );
  }
}

/** Parquet answers from its metadata; CSV and JSON are scanned once (in parallel, without the model). */
async function countRows(connection: DuckDBConnection, source: string): Promise<number> {
  const reader = await connection.runAndReadAll(`SELECT count(*) FROM ${source}`);
  return Number(reader.getRows()[0]?.[0] ?? 0);
}

/** Input chunks grouped into batches of at least `rows` rows (the last one may be smaller). */
async function* batches(result: DuckDBResult, rows: number): AsyncGenerator<DuckDBDataChunk[]> {
  let pending: DuckDBDataChunk[] = [];
  let pendingRows = 0;
  for (;;) {
    const chunk = await result.fetchChunk();
    if (!chunk || chunk.rowCount === 0) break;
    pending.push(chunk);
    pendingRows += chunk.rowCount;
    if (pendingRows >= rows) {
      yield pending;
      pending = [];
      pendingRows = 0;
    }
  }
  if (pending.length > 0) yield pending;
}

/**
 * Scores one batch. The runtime's messages count rows from 0 within the batch; they are
 * rewritten to count data rows of the file from 1, and name it.
 */
async function predictBatch(
  runtime: ModelRuntime,
  chunks: readonly DuckDBDataChunk[],
  features: FeatureColumns,
  firstRow: number,
  inputName: string,
): Promise<Prediction> {
  try {
    return await runtime.predict(batchFromColumns(runtime.schema, featureValues(chunks, features)));
  } catch (error) {
    if (!(error instanceof GyreError)) throw error;
    const message = error.message.replace(
      /\bat row (\d+)/,
      (_, row: string) => `at row ${firstRow + Number(row) + 1}`,
    );
    throw new GyreError(error.code, `${message} (${inputName})`, { cause: error });
  }
}

/** A zero-row prediction shaped as the graph declares its outputs (unknown dimensions taken as 1). */
function emptyPrediction(runtime: ModelRuntime): Prediction {
  return {
    rows: 0,
    outputs: runtime.outputs.map((output) => ({
      name: output.name,
      type: output.type,
      shape: [0, ...output.shape.slice(1).map((d) => (d < 0 ? 1 : d))],
      data: [],
    })),
  };
}
