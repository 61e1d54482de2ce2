import { GyreError } from "@gyre/core";
import type { InputBatch, InputSchema } from "../runtime/input-schema.js";
import type { Prediction, Predictor } from "../runtime/predictor.js";
import { describeIssues, mlflowInvocationRequest } from "./contracts.js";
import { invalid, rowsToBatch, type Table, tableToBatch, unknownName } from "./decode.js";
import { flatJson, nest } from "./tensors-json.js";

/**
 * MLflow's scoring protocol (mlflow/pyfunc/scoring_server) for ONNX models. The onnx flavor
 * answers a DataFrame with a DataFrame (→ records) and an array or dict with a dict of output
 * arrays; MLflow turns inputs into a DataFrame first when the signature has columns, and a
 * DataFrame into arrays when it has tensors. So: column signature → records; declared tensor
 * signature → dict; no signature → whatever the input form was.
 */

const FORMATS = ["dataframe_split", "dataframe_records", "instances", "inputs"] as const;
type Format = (typeof FORMATS)[number];

/** MLflow's wording, so clients that match on it keep working. */
const REQUIRED_INPUT_FORMAT =
  "The input must be a JSON dictionary with exactly one of the input fields {'dataframe_split', 'dataframe_records', 'instances', 'inputs'}";
const SCORING_PROTOCOL_CHANGE_INFO =
  "IMPORTANT: The MLflow Model scoring protocol has changed in MLflow version 2.0. If you are seeing this error, you are likely using an outdated scoring request format. To resolve the error, either update your request format or adjust your MLflow Model's requirements file to specify an older version of MLflow (for example, change the 'mlflow' requirement specifier to 'mlflow==1.30.0'). If you are making a request using the MLflow client (e.g. via `mlflow.pyfunc.spark_udf()`), upgrade your MLflow client to a version >= 2.0 in order to use the new request format. For more information about the updated MLflow Model scoring protocol in MLflow 2.0, see https://mlflow.org/docs/latest/models.html#deploy-mlflow-models.";

/** Whether the client sent a table (DataFrame) or tensors. */
export type InputForm = "table" | "tensors";

export interface MlflowInput {
  readonly batch: InputBatch;
  readonly form: InputForm;
}

function badRequest(message: string): GyreError {
  return new GyreError("BAD_REQUEST", message);
}

export function parseJsonBody(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    throw invalid(
      `Invalid input. Ensure that input is a valid JSON formatted string. Error: '${(error as Error).message}'`,
    );
  }
}

/** A table over row objects: columns are the union of keys, in order of first appearance. */
function recordsTable(records: readonly unknown[], what: string): Table {
  const columns: string[] = [];
  const seen = new Set<string>();
  records.forEach((record, r) => {
    if (typeof record !== "object" || record === null || Array.isArray(record)) {
      throw invalid(`${what}[${r}] must be an object mapping column names to values.`);
    }
    for (const key of Object.keys(record)) {
      if (!seen.has(key)) {
        seen.add(key);
        columns.push(key);
      }
    }
  });
  return {
    rows: records.length,
    columns,
    width: columns.length,
    cell: (row, column) => (records[row] as Record<string, unknown>)[columns[column]!],
  };
}

/** A table over row arrays, named by `columns` or positional. */
function rowsTable(rows: readonly unknown[], columns: readonly string[] | undefined, what: string): Table {
  const width = columns?.length ?? (Array.isArray(rows[0]) ? rows[0].length : 1);
  rows.forEach((row, r) => {
    const ok = Array.isArray(row) ? row.length === width : width === 1 && columns === undefined;
    if (!ok) throw invalid(`${what}[${r}] must be a list of ${width} values, one per column.`);
  });
  return {
    rows: rows.length,
    columns,
    width,
    cell: (row, column) => {
      const r = rows[row];
      return Array.isArray(r) ? r[column] : r;
    },
  };
}

/** `instances` / `inputs` given as a list: one unnamed tensor (MLflow's NumPy array). */
function unnamedTensor(schema: InputSchema, rows: readonly unknown[]): MlflowInput {
  if (schema.kind === "columns")
    return { batch: tableToBatch(schema, rowsTable(rows, undefined, "instances")), form: "tensors" };
  if (schema.fields.length !== 1) {
    throw invalid(
      `Unable to map a list input to the model's inputs: a list can only feed a model with a single input; this model requires ${schema.fields.length} inputs (${schema.fields.map((f) => f.name).join(", ")}). Pass a dictionary of named inputs instead.`,
    );
  }
  return { batch: rowsToBatch(schema, [{ field: schema.fields[0]!, rows }]), form: "tensors" };
}

/** `inputs` given as a dictionary: named columns or named tensors, each a list of rows. */
function namedTensors(schema: InputSchema, inputs: Record<string, unknown>): MlflowInput {
  const entries = Object.entries(inputs);
  for (const [name, value] of entries) {
    if (!Array.isArray(value)) throw invalid(`inputs['${name}'] must be a list with one entry per row.`);
  }
  if (schema.kind === "columns") {
    const columns = entries.map(([name]) => name);
    const lists = entries.map(([, value]) => value as unknown[]);
    const rows = lists[0]?.length ?? 0;
    lists.forEach((list, c) => {
      if (list.length !== rows)
        throw invalid(`Column '${columns[c]}' has ${list.length} rows; '${columns[0]}' has ${rows}.`);
    });
    const table: Table = { rows, columns, width: columns.length, cell: (row, column) => lists[column]![row] };
    return { batch: tableToBatch(schema, table), form: "tensors" };
  }
  const named = entries.map(([name, rows]) => {
    const field = schema.field(name);
    if (!field) throw unknownName(schema, name);
    return { field, rows: rows as unknown[] };
  });
  return { batch: rowsToBatch(schema, named), form: "tensors" };
}

/** Decodes a JSON body of /invocations. */
export function decodeMlflowJson(schema: InputSchema, body: unknown): MlflowInput {
  if (typeof body !== "object" || body === null || Array.isArray(body)) {
    const received = Array.isArray(body)
      ? "Received a list"
      : `Received unexpected input type '${typeof body}'`;
    throw badRequest(`Invalid input. ${REQUIRED_INPUT_FORMAT}. ${received}. ${SCORING_PROTOCOL_CHANGE_INFO}`);
  }
  const formats = Object.keys(body).filter((k): k is Format => (FORMATS as readonly string[]).includes(k));
  if (formats.length !== 1) {
    throw badRequest(
      `${REQUIRED_INPUT_FORMAT}. Received dictionary with input fields: [${Object.keys(body)
        .map((k) => `'${k}'`)
        .join(", ")}]. ${SCORING_PROTOCOL_CHANGE_INFO}`,
    );
  }
  const format = formats[0]!;
  if ((format === "instances" || format === "inputs") && "signature_name" in body) {
    // MLflow's own refusal: TF Serving clients that pick a signature would otherwise be served
    // by whatever the model's only signature is, silently.
    throw badRequest('Failed to parse data as TF serving input. "signature_name" is currently not supported');
  }
  const parsed = mlflowInvocationRequest.safeParse(body);
  if (!parsed.success) throw invalid(`Invalid input. ${describeIssues(parsed.error)}`);
  const request = parsed.data;
  switch (format) {
    case "dataframe_split": {
      const split = request.dataframe_split!;
      const columns = split.columns?.map(String);
      return {
        batch: tableToBatch(schema, rowsTable(split.data, columns, "dataframe_split.data")),
        form: "table",
      };
    }
    case "dataframe_records":
      return {
        batch: tableToBatch(schema, recordsTable(request.dataframe_records!, "dataframe_records")),
        form: "table",
      };
    case "instances":
      return { batch: decodeInstances(schema, request.instances!), form: "tensors" };
    case "inputs": {
      const inputs = request.inputs!;
      return Array.isArray(inputs) ? unnamedTensor(schema, inputs) : namedTensors(schema, inputs);
    }
  }
}

/**
 * TF-Serving's row format (MLflow `instances`, KServe V1): a list of objects is converted to
 * columns; a list of values or arrays is one unnamed tensor.
 */
export function decodeInstances(schema: InputSchema, instances: readonly unknown[]): InputBatch {
  if (isPlainObject(instances[0])) return tableToBatch(schema, recordsTable(instances, "instances"));
  return unnamedTensor(schema, instances).batch;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** `{"predictions": ...}` shaped as MLflow's pyfunc scoring server shapes an ONNX model's answer. */
export function mlflowPredictions(predictor: Predictor, prediction: Prediction, form: InputForm): unknown {
  const records = predictor.schema.kind === "columns" || (!predictor.signatureDeclared && form === "table");
  if (!records) {
    const out: Record<string, unknown> = {};
    for (const o of prediction.outputs) out[o.name] = nest(flatJson(o.data, o.type), o.shape);
    return out;
  }
  // A DataFrame with one column per output. MLflow flattens each output, so an output with
  // several values per row would not line up (pandas fails); we keep such rows as lists.
  const columns = prediction.outputs.map((o) => {
    const flat = flatJson(o.data, o.type);
    const rowShape = o.shape.slice(1);
    const size = rowShape.reduce((a, b) => a * b, 1);
    return { name: o.name, flat, rowShape, size };
  });
  return Array.from({ length: prediction.rows }, (_, r) => {
    const row: Record<string, unknown> = {};
    for (const c of columns) {
      row[c.name] = c.size === 1 ? c.flat[r] : nest(c.flat.slice(r * c.size, (r + 1) * c.size), c.rowShape);
    }
    return row;
  });
}
