import { type FeatureValue, type features, invalidParameter } from "@gyre/core";
import type { FeatureSelection, OnlineResponse } from "@gyre/features";

/** The inference routes of a deployment that take entity keys when it names a feature service. */
export type Protocol = "mlflow" | "v1" | "v2";

type RecordsKey = "dataframe_records" | "instances";

/**
 * What the model is handed, which also decides the answer's form: MLflow answers a DataFrame
 * (`dataframe_records`) and tensor input (`instances`) differently, so each request keeps the
 * form the client chose; a V2 request keeps its id, parameters and requested outputs.
 */
export type ModelTarget =
  | { readonly kind: "records"; readonly key: RecordsKey }
  | { readonly kind: "v2"; readonly request: Record<string, unknown> };

export interface EntityRequest {
  readonly rows: Record<string, unknown>[];
  readonly target: ModelTarget;
}

const FORMS: Record<Protocol, string> = {
  mlflow:
    '{"dataframe_records": [{...}]}, {"dataframe_split": {"columns": [...], "data": [[...]]}}, {"instances": [{...}]}, {"inputs": {"<key>": [...]}}; or as CSV with a header row',
  v1: '{"instances": [{...}]}',
  v2: '{"inputs": [{"name": "<key>", "datatype": "INT64", "shape": [n], "data": [...]}]}',
};

function usage(protocol: Protocol) {
  return invalidParameter(
    `This deployment reads its features from a feature service: send the entity keys as JSON, ${FORMS[protocol]}.`,
  );
}

/** MLflow's CSV body: a header row, then text cells (the serving package's parser). */
export type CsvParser = (text: string) => {
  readonly rows: number;
  readonly columns: readonly string[] | undefined;
  cell(row: number, column: number): unknown;
};

/** Whether an MLflow body is CSV, by its content type (as the scoring route decides). */
export function isCsv(headers: Record<string, string | string[] | undefined>): boolean {
  return /^\s*(text|application)\/csv\b/i.test(String(headers["content-type"]));
}

const INTEGER_TEXT = /^[+-]?\d+$/;

/**
 * A CSV cell as the JSON value a client would have sent for a key or request field of `type`;
 * text that does not fit stays text, so the online read's type check names the field.
 */
function csvValue(cell: unknown, type: features.ValueType | undefined): unknown {
  if (typeof cell !== "string" || cell === "") return null;
  const text = cell;
  if (type === "int32" || type === "int64") return INTEGER_TEXT.test(text) ? Number(text) : text;
  if (type === "float32" || type === "float64") return Number.isFinite(Number(text)) ? Number(text) : text;
  if (type === "bool") return /^true$/i.test(text) ? true : /^false$/i.test(text) ? false : text;
  return text;
}

function csvRows(text: string, parse: CsvParser, selection: FeatureSelection): Record<string, unknown>[] {
  const table = parse(text);
  const columns = table.columns ?? [];
  const types = columns.map(
    (name) => selection.keys.get(name)?.type ?? selection.requestFields.get(name)?.type,
  );
  return rowsOf(columns, table.rows, (r, c) => csvValue(table.cell(r, c), types[c]));
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Entity rows from named columns; `cell` reads row r of column c. */
function rowsOf(
  names: readonly string[],
  rows: number,
  cell: (row: number, column: number) => unknown,
): Record<string, unknown>[] {
  const twice = names.find((name, i) => names.indexOf(name) !== i);
  if (twice !== undefined) throw invalidParameter(`column '${twice}' is given twice`);
  return Array.from({ length: rows }, (_, r) =>
    Object.fromEntries(names.map((name, c) => [name, cell(r, c)])),
  );
}

/** Named columns of one length each; `where(c)` is column c's place in the body, for errors. */
function columnRows(
  names: readonly string[],
  columns: readonly unknown[][],
  where: (column: number) => string,
): Record<string, unknown>[] {
  const rows = columns[0]?.length ?? 0;
  columns.forEach((column, c) => {
    if (column.length !== rows) {
      throw invalidParameter(`${where(c)}: ${column.length} rows, but ${where(0)} has ${rows}`);
    }
  });
  return rowsOf(names, rows, (r, c) => columns[c]![r]);
}

function recordRows(value: unknown, path: string, protocol: Protocol): Record<string, unknown>[] {
  if (!Array.isArray(value)) throw usage(protocol);
  value.forEach((row, i) => {
    if (!isRecord(row)) throw invalidParameter(`${path}.${i}: must be an object of entity keys`);
  });
  return value;
}

function splitRows(value: unknown, protocol: Protocol): Record<string, unknown>[] {
  if (!isRecord(value)) throw usage(protocol);
  const { columns, data } = value;
  if (!Array.isArray(columns) || !columns.every((c) => typeof c === "string")) {
    throw invalidParameter("dataframe_split.columns: must list the entity key columns by name");
  }
  if (!Array.isArray(data)) throw invalidParameter("dataframe_split.data: must be a list of rows");
  data.forEach((row, i) => {
    if (!Array.isArray(row) || row.length !== columns.length) {
      throw invalidParameter(
        `dataframe_split.data.${i}: must be a list of ${columns.length} values, one per column`,
      );
    }
  });
  return rowsOf(columns, data.length, (r, c) => (data[r] as unknown[])[c]);
}

function inputsRows(value: unknown, protocol: Protocol): Record<string, unknown>[] {
  if (!isRecord(value)) throw usage(protocol);
  const names = Object.keys(value);
  const columns = names.map((name) => value[name]);
  columns.forEach((column, c) => {
    if (!Array.isArray(column))
      throw invalidParameter(`inputs.${names[c]}: must be a list, one value per row`);
  });
  return columnRows(names, columns as unknown[][], (c) => `inputs.${names[c]}`);
}

const INTEGER_DATATYPE = /^U?INT(8|16|32|64)$/;

/**
 * V2 inputs as key columns: each `[n]` or `[n, 1]`, JSON data, a datatype that fits the join key
 * (values themselves are checked with the online route's rules).
 */
function v2Rows(inputs: unknown, selection: FeatureSelection): Record<string, unknown>[] {
  if (!Array.isArray(inputs) || inputs.length === 0 || !inputs.every(isRecord)) throw usage("v2");
  const names: string[] = [];
  const columns = inputs.map((input, i) => {
    const { name, datatype, shape, data } = input;
    if (typeof name !== "string")
      throw invalidParameter(`inputs.${i}.name: must be a string, the key's name`);
    names.push(name);
    const key = selection.keys.get(name);
    const fits = key?.type === "string" ? datatype === "BYTES" : INTEGER_DATATYPE.test(String(datatype));
    if (key && !fits) {
      const expected = key.type === "string" ? "BYTES" : "INT64 or INT32";
      throw invalidParameter(
        `inputs.${i}.datatype: join key '${name}' (${key.type}) is sent as ${expected}, got ${JSON.stringify(datatype)}`,
      );
    }
    const ok = Array.isArray(shape) && (shape.length === 1 || (shape.length === 2 && shape[1] === 1));
    if (!ok) {
      throw invalidParameter(
        `inputs.${i}.shape: a key column is [n] or [n, 1], got ${JSON.stringify(shape)}`,
      );
    }
    if (!Array.isArray(data)) {
      throw invalidParameter(`inputs.${i}.data: send the keys as JSON data (not binary)`);
    }
    const values = data.map((v) => (Array.isArray(v) && v.length === 1 ? v[0] : v));
    if (values.length !== shape[0]) {
      throw invalidParameter(`inputs.${i}.data: ${values.length} values for shape ${JSON.stringify(shape)}`);
    }
    return values;
  });
  return columnRows(names, columns, (c) => `inputs.${c}`);
}

/** MLflow's JSON forms (KServe V1 has `instances` alone): how each becomes rows, and the model body's key. */
const RECORD_FORMS: Record<
  string,
  { rows: (value: unknown, protocol: Protocol) => Record<string, unknown>[]; key: RecordsKey }
> = {
  dataframe_records: { rows: (v, p) => recordRows(v, "dataframe_records", p), key: "dataframe_records" },
  dataframe_split: { rows: splitRows, key: "dataframe_records" },
  instances: { rows: (v, p) => recordRows(v, "instances", p), key: "instances" },
  inputs: { rows: inputsRows, key: "instances" },
};

/**
 * The entity rows of any body a feature-service deployment takes, and what its model body must
 * be. Only the body's shape is checked here: key names, types and request fields are checked
 * by the online read, whose messages name `entities.<row>.<field>`.
 */
export function entityRequest(
  protocol: Protocol,
  body: unknown,
  headers: Record<string, string | string[] | undefined>,
  selection: FeatureSelection,
  /** Given for an MLflow body sent as CSV (`isCsv`): its parser. */
  parseCsv: CsvParser | undefined,
): EntityRequest {
  // A V2 binary part would follow the rewritten JSON: it cannot carry keys through the rewrite.
  if (protocol === "v2" && headers["inference-header-content-length"] !== undefined) throw usage(protocol);
  const text = Buffer.isBuffer(body) ? body.toString("utf8") : String(body);
  if (parseCsv) {
    // A CSV body is a DataFrame: the model answers it as it answers dataframe_records.
    return {
      rows: csvRows(text, parseCsv, selection),
      target: { kind: "records", key: "dataframe_records" },
    };
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw invalidParameter(`Malformed JSON request body: ${(error as Error).message}`);
  }
  if (!isRecord(json)) throw usage(protocol);
  if (protocol === "v2") {
    const { inputs, ...request } = json;
    return { rows: v2Rows(inputs, selection), target: { kind: "v2", request } };
  }
  const forms =
    protocol === "v1" ? ["instances"] : Object.keys(RECORD_FORMS).filter((f) => Object.hasOwn(json, f));
  if (forms.length !== 1) throw usage(protocol);
  const form = RECORD_FORMS[forms[0]!]!;
  return { rows: form.rows(json[forms[0]!], protocol), target: { kind: "records", key: form.key } };
}

const STATUS_MEANING: Record<string, string> = {
  MISSING: "never materialized, or an unknown entity",
  EXPIRED: "older than its view's ttl",
};

/**
 * Each row's feature values in the service's order. A value the store lacks fails the request:
 * the model would otherwise see NaN. A null stored as the value passes, as it does offline.
 */
export function featureRows(
  selection: FeatureSelection,
  service: string,
  online: OnlineResponse,
): FeatureValue[][] {
  return online.results.map((result, i) =>
    selection.outputs.map(({ output }) => {
      const status = result.statuses[output] ?? "MISSING";
      if (status !== "PRESENT") {
        throw invalidParameter(
          `entities.${i}: no value for feature '${output}' of service '${service}' (${status}: ${STATUS_MEANING[status]}); the model needs every feature`,
        );
      }
      return result.values[output]!;
    }),
  );
}

const V2_DATATYPES: Record<features.ValueType, string> = {
  int32: "INT32",
  int64: "INT64",
  float32: "FP32",
  float64: "FP64",
  string: "BYTES",
  bool: "BOOL",
  timestamp: "BYTES",
};

/**
 * The body the deployment's route gets, as if the client had sent the features. V2 sends one
 * column per feature with `content_type: "pd"`, so the model's inputs are fed by the same
 * table decoding as MLflow's `dataframe_records` (by name for column signatures, in order for a
 * lone `[-1, k]` tensor) without this hook reading the model's signature.
 */
export function modelBody(target: ModelTarget, selection: FeatureSelection, rows: FeatureValue[][]): Buffer {
  const outputs = selection.outputs;
  let body: unknown;
  if (target.kind === "records") {
    body = { [target.key]: rows.map((row) => Object.fromEntries(outputs.map((o, f) => [o.output, row[f]]))) };
  } else {
    const parameters = isRecord(target.request.parameters) ? target.request.parameters : {};
    body = {
      ...target.request,
      parameters: { ...parameters, content_type: "pd" },
      inputs: outputs.map((o, f) => ({
        name: o.output,
        datatype: V2_DATATYPES[o.field.type],
        shape: [rows.length],
        data: rows.map((row) => row[f]),
      })),
    };
  }
  return Buffer.from(JSON.stringify(body));
}
