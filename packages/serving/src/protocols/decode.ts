import { GyreError } from "@gyre/core";
import { fromText } from "../runtime/coerce.js";
import { familyOf, type TensorData } from "../runtime/dtypes.js";
import type { Field, InputBatch, InputSchema } from "../runtime/input-schema.js";

/**
 * Request values → typed feed arrays, for every protocol. Two shapes of input exist:
 * - a table (DataFrame forms, CSV, records, V2 `pd`): rows × named or positional columns;
 * - tensors (MLflow `inputs`/`instances` arrays, V2 tensors, V1 instances): per input, the rows
 *   as nested arrays (or one flat row-major list with a declared shape).
 * Every failure is INVALID_PARAMETER_VALUE naming the column or input and the expected type.
 */

export function invalid(message: string): GyreError {
  return new GyreError("INVALID_PARAMETER_VALUE", message);
}

function preview(value: unknown): string {
  let text: string;
  try {
    text = JSON.stringify(value) ?? String(value);
  } catch {
    text = String(value);
  }
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

export function describeField(field: Field): string {
  return field.rowShape.length === 0
    ? field.typeName
    : `${field.typeName} [-1, ${field.rowShape.join(", ")}]`;
}

function listNames(names: readonly string[]): string {
  const shown = names.slice(0, 12).join(", ");
  return names.length > 12 ? `${shown}, ... (${names.length})` : shown;
}

export function unknownName(schema: InputSchema, name: string): GyreError {
  const what = schema.kind === "columns" ? "column" : "input";
  return invalid(
    `Unknown ${what} '${name}': the model's ${what}s are ${listNames(schema.fields.map((f) => f.name))}.`,
  );
}

export function missingField(field: Field): GyreError {
  return invalid(`Missing ${field.label} (expected ${describeField(field)}).`);
}

function badValue(field: Field, value: unknown, where: string): GyreError {
  return invalid(`Invalid value ${preview(value)} for ${field.label}${where}: expected ${field.typeName}.`);
}

const product = (dims: readonly number[]) => dims.reduce((a, b) => a * b, 1);

function isFloatArray(data: TensorData): data is Float32Array | Float64Array {
  return data instanceof Float32Array || data instanceof Float64Array;
}

/** Writes rows × rowSize row-major values of one field, starting at `firstRow`. */
export function writeFlat(
  schema: InputSchema,
  batch: InputBatch,
  field: Field,
  values: ArrayLike<unknown>,
  firstRow = 0,
  rows = batch.rows - firstRow,
): void {
  const target = batch.data[field.feed]!;
  const stride = schema.rowSize(batch, field.feed);
  const rowSize = field.rowShape.length === 0 ? 1 : product(batch.rowShapes[field.feed]!);
  const put = field.put;
  if (stride === rowSize && isFloatArray(target) && familyOf(field.type) === "float") {
    // The hot path (a float tensor from JSON numbers): one contiguous loop, `put` only for the rest.
    const start = firstRow * stride;
    const count = rows * rowSize;
    for (let i = 0; i < count; i++) {
      const value = values[i];
      if (typeof value === "number") target[start + i] = value;
      else if (!put(target, start + i, value)) {
        throw badValue(field, value, ` at row ${firstRow + Math.floor(i / rowSize)}, element ${i % rowSize}`);
      }
    }
    return;
  }
  for (let r = 0; r < rows; r++) {
    const base = (firstRow + r) * stride + field.offset;
    const source = r * rowSize;
    for (let e = 0; e < rowSize; e++) {
      const value = values[source + e];
      if (!put(target, base + e, value)) {
        throw badValue(
          field,
          value,
          rows === 1 && rowSize === 1 ? "" : ` at row ${firstRow + r}${rowSize > 1 ? `, element ${e}` : ""}`,
        );
      }
    }
  }
}

/** The shape of a nested array, following first elements (checked fully by `flatten`). */
export function shapeOf(value: unknown): number[] {
  const shape: number[] = [];
  let v = value;
  while (Array.isArray(v)) {
    shape.push(v.length);
    v = v[0];
  }
  return shape;
}

/** Flattens `value` if it is nested exactly as `shape`; returns undefined otherwise. */
export function flatten(value: unknown, shape: readonly number[]): unknown[] | undefined {
  const out: unknown[] = [];
  const walk = (v: unknown, depth: number): boolean => {
    if (depth === shape.length) {
      if (Array.isArray(v)) return false;
      out.push(v);
      return true;
    }
    if (!Array.isArray(v) || v.length !== shape[depth]) return false;
    for (const item of v) if (!walk(item, depth + 1)) return false;
    return true;
  };
  return walk(value, 0) ? out : undefined;
}

function shapeText(shape: readonly number[]): string {
  return `[${shape.join(", ")}]`;
}

/** Checks a tensor's row shape against the field's (variable dimensions match anything). */
export function checkRowShape(field: Field, rowShape: readonly number[], sent: readonly number[]): void {
  const ok =
    rowShape.length === field.rowShape.length && field.rowShape.every((d, i) => d < 0 || d === rowShape[i]);
  if (!ok) {
    throw invalid(
      `${capitalise(field.label)} has shape ${shapeText(sent)}; the model expects ${shapeText([-1, ...field.rowShape])}.`,
    );
  }
}

function capitalise(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/** A table: rows × columns, named or positional (no names sent). */
export interface Table {
  readonly rows: number;
  /** Column names as sent, or undefined for positional columns. */
  readonly columns: readonly string[] | undefined;
  readonly width: number;
  cell(row: number, column: number): unknown;
  /** Cells are text (CSV) and are parsed by each column's type first. */
  readonly text?: boolean;
}

/**
 * Which field each table column feeds: one element of the field's row, or (`whole`) the whole
 * row, each cell holding it nested as the field's row shape (TF Serving's named rows).
 */
interface ColumnTarget {
  readonly field: Field;
  readonly element: number;
  readonly whole?: boolean;
}

function tableTargets(schema: InputSchema, table: Table): ColumnTarget[] {
  const single = schema.fields.length === 1 ? schema.fields[0]! : undefined;
  const scalarFields = schema.fields.every((f) => product(f.rowShape) === 1);
  // A lone [-1, k] tensor takes the columns in order, whatever they are called (MLflow converts
  // such a DataFrame with to_numpy()).
  if (
    single &&
    single.rowShape.length === 1 &&
    !(table.columns?.length === 1 && table.columns[0] === single.name)
  ) {
    const width = single.rowShape[0]!;
    if (table.width !== width) {
      throw invalid(
        `${capitalise(single.label)} takes ${width} columns per row (${describeField(single)}); got ${table.width}.`,
      );
    }
    return Array.from({ length: width }, (_, element) => ({ field: single, element }));
  }
  if (!scalarFields && table.columns === undefined && !(single && table.width === 1)) {
    throw invalid(
      `This model takes tensor inputs (${schema.fields.map((f) => `${f.name}: ${describeField(f)}`).join("; ")}); send them as tensors, not as a table.`,
    );
  }
  if (table.columns === undefined) {
    if (table.width !== schema.fields.length) {
      throw invalid(
        `Got ${table.width} unnamed columns; the model takes ${schema.fields.length} (${listNames(schema.fields.map((f) => f.name))}).`,
      );
    }
    return schema.fields.map((field) => ({ field, element: 0, whole: field.rowShape.length > 0 }));
  }
  const seen = new Set<string>();
  const targets = table.columns.map((name) => {
    const field = schema.field(name);
    if (!field) throw unknownName(schema, name);
    if (seen.has(name)) throw invalid(`Duplicate ${field.label}.`);
    seen.add(name);
    return { field, element: 0, whole: field.rowShape.length > 0 };
  });
  for (const field of schema.fields) if (!seen.has(field.name)) throw missingField(field);
  return targets;
}

export function tableToBatch(schema: InputSchema, table: Table): InputBatch {
  if (table.rows === 0) throw invalid("The input has no rows.");
  const targets = tableTargets(schema, table);
  const batch = schema.allocate(table.rows);
  targets.forEach(({ field, element, whole }, c) => {
    const target = batch.data[field.feed]!;
    const stride = schema.rowSize(batch, field.feed);
    const put = (index: number, raw: unknown, r: number) => {
      const value = table.text && typeof raw === "string" ? fromText(field.type, raw) : raw;
      if (!field.put(target, index, value)) throw badValue(field, raw, ` at row ${r}`);
    };
    const rowShape = whole ? batch.rowShapes[field.feed]! : [];
    const oneElement = product(rowShape) === 1;
    for (let r = 0; r < table.rows; r++) {
      const raw = table.cell(r, c);
      if (raw === undefined) throw invalid(`Missing value for ${field.label} at row ${r}.`);
      const start = r * stride + field.offset + element;
      // A lone value still fills a one-element row; a whole row must come nested as its shape.
      if (!whole || (!Array.isArray(raw) && oneElement)) {
        put(start, raw, r);
        continue;
      }
      const cells = Array.isArray(raw) ? flatten(raw, rowShape) : undefined;
      if (!cells) {
        throw invalid(
          `Invalid value ${preview(raw)} for ${field.label} at row ${r}: expected ${describeField(field)}.`,
        );
      }
      for (const [e, cell] of cells.entries()) put(start + e, cell, r);
    }
  });
  return batch;
}

/** One input given as a list of rows (each nested as the field's row shape). */
export interface RowsInput {
  readonly field: Field;
  readonly rows: readonly unknown[];
}

/**
 * Named or unnamed tensors sent as rows: every input must have the same number of rows, every
 * field must be present. Variable dimensions are read from the first row.
 */
export function rowsToBatch(schema: InputSchema, inputs: readonly RowsInput[]): InputBatch {
  const byField = new Map(inputs.map((i) => [i.field, i]));
  for (const field of schema.fields) if (!byField.has(field)) throw missingField(field);
  const rows = inputs[0]?.rows.length ?? 0;
  if (rows === 0) throw invalid("The input has no rows.");
  const rowShapes = schema.feeds.map((feed, f) => {
    const input = inputs.find((i) => i.field.feed === f)!;
    if (input.field.rowShape.length === 0) return feed.rowShape;
    const sent = shapeOf(input.rows[0]);
    checkRowShape(input.field, sent, [input.rows.length, ...sent]);
    return sent;
  });
  const batch = schema.allocate(rows, rowShapes);
  for (const { field, rows: values } of inputs) {
    if (values.length !== rows) {
      throw invalid(
        `${capitalise(field.label)} has ${values.length} rows; ${inputs[0]!.field.label} has ${rows}.`,
      );
    }
    const rowShape = field.rowShape.length === 0 ? [] : batch.rowShapes[field.feed]!;
    // Scalars per row pass as is; nested rows are checked and flattened first.
    const flat = rowShape.length === 0 ? values : flatten(values, [rows, ...rowShape]);
    if (!flat) {
      throw invalid(
        `${capitalise(field.label)} is not nested as ${shapeText([rows, ...rowShape])} (expected ${describeField(field)}).`,
      );
    }
    writeFlat(schema, batch, field, flat);
  }
  return batch;
}

/**
 * A batch from columnar arrays (`{x0: Float64Array, x1: ...}`), e.g. a batch-scoring chunk:
 * named columns for column signatures, or the columns of a lone [-1, k] tensor in order.
 */
export function batchFromColumns(
  schema: InputSchema,
  columns: Readonly<Record<string, ArrayLike<unknown>>>,
): InputBatch {
  const names = Object.keys(columns);
  const arrays = names.map((n) => columns[n]!);
  const rows = arrays[0]?.length ?? 0;
  arrays.forEach((a, i) => {
    if (a.length !== rows)
      throw invalid(`Column '${names[i]}' has ${a.length} rows; '${names[0]}' has ${rows}.`);
  });
  return tableToBatch(schema, { rows, columns: names, width: names.length, cell: (r, c) => arrays[c]![r] });
}
