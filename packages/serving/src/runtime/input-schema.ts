import { GyreError } from "@gyre/core";
import {
  type ColumnSpec,
  isColumnSignature,
  type ModelSignature,
  type TensorSpec,
} from "../model/signature.js";
import { compatible, type Put, putFor } from "./coerce.js";
import { allocate, COLUMN_TYPES, type ElementType, type TensorData } from "./dtypes.js";

/** An ONNX graph input or output as the session reports it; -1 marks a symbolic or unknown dimension. */
export interface GraphValue {
  readonly name: string;
  readonly type: ElementType;
  readonly shape: readonly number[];
}

/** One ONNX input: what the session is fed. */
export interface Feed {
  readonly name: string;
  readonly type: ElementType;
  /** The shape after the batch dimension (-1 where only the request can tell). */
  readonly rowShape: readonly number[];
}

/** One signature input as clients address it, and where its values land in the feeds. */
export interface Field {
  readonly name: string;
  readonly index: number;
  /** The type clients must send (the signature's), e.g. float64 for an MLflow `double` column. */
  readonly type: ElementType;
  /** How error messages name the type: the MLflow column type ("double") or the tensor type. */
  readonly typeName: string;
  /** "column 'x3'" or "input 'input'". */
  readonly label: string;
  /** [] for a column; the tensor shape after the batch dimension otherwise. */
  readonly rowShape: readonly number[];
  readonly feed: number;
  /** Position of this field's first element inside one row of its feed. */
  readonly offset: number;
  /** Writes one value with the field's type check and the feed's conversion. */
  readonly put: Put;
}

/** Inputs for `rows` rows: one array per feed, row-major, filled by the protocol decoders. */
export class InputBatch {
  constructor(
    readonly rows: number,
    readonly data: readonly TensorData[],
    /** Per feed, the row shape with every variable dimension resolved. */
    readonly rowShapes: readonly (readonly number[])[],
  ) {}
}

const product = (dims: readonly number[]) => dims.reduce((a, b) => a * b, 1);

/**
 * The compiled mapping from a model's signature onto its ONNX inputs. Built once per loaded
 * model; decoders use it to write request values straight into typed feed arrays.
 *
 * Column signatures map onto ONNX either one input per column (the graph names its inputs after
 * the columns) or one [n, k] tensor holding the columns in signature order (skl2onnx's
 * `float_input`). Tensor signatures map each input onto the ONNX input of the same name.
 */
export class InputSchema {
  readonly kind: "columns" | "tensors";
  readonly fields: readonly Field[];
  readonly feeds: readonly Feed[];
  /** Whether requests can share one run: every row shape is fixed. */
  readonly fixedRowShapes: boolean;
  private readonly byName: ReadonlyMap<string, Field>;

  constructor(signature: ModelSignature, inputs: readonly GraphValue[]) {
    if (isColumnSignature(signature.inputs)) {
      this.kind = "columns";
      [this.fields, this.feeds] = mapColumns(signature.inputs, inputs);
    } else {
      this.kind = "tensors";
      [this.fields, this.feeds] = mapTensors(signature.inputs as readonly TensorSpec[], inputs);
    }
    this.byName = new Map(this.fields.map((f) => [f.name, f]));
    this.fixedRowShapes = this.feeds.every((f) => f.rowShape.every((d) => d >= 0));
  }

  field(name: string): Field | undefined {
    return this.byName.get(name);
  }

  /** Empty feed arrays for `rows` rows; `rowShapes` resolves variable dimensions per feed. */
  allocate(
    rows: number,
    rowShapes: readonly (readonly number[])[] = this.feeds.map((f) => f.rowShape),
  ): InputBatch {
    const data = this.feeds.map((feed, i) => {
      const shape = rowShapes[i]!;
      if (shape.some((d) => d < 0)) {
        throw new GyreError(
          "INVALID_PARAMETER_VALUE",
          `The shape of input '${feed.name}' cannot be determined from the request`,
        );
      }
      return allocate(feed.type, rows * product(shape));
    });
    return new InputBatch(rows, data, rowShapes);
  }

  /** Elements per row of a feed in a given batch. */
  rowSize(batch: InputBatch, feed: number): number {
    return product(batch.rowShapes[feed]!);
  }
}

function graphNames(inputs: readonly GraphValue[]): string {
  return inputs.map((i) => `'${i.name}' ${i.type}[${i.shape.join(", ")}]`).join(", ");
}

function noMapping(detail: string, inputs: readonly GraphValue[]): GyreError {
  return new GyreError(
    "INVALID_PARAMETER_VALUE",
    `${detail}; the ONNX graph's inputs are ${graphNames(inputs)}`,
  );
}

function requireCompatible(spec: { type: ElementType; label: string }, input: GraphValue): void {
  if (!compatible(spec.type, input.type)) {
    throw new GyreError(
      "INVALID_PARAMETER_VALUE",
      `The signature's ${spec.label} (${spec.type}) cannot feed the ONNX input '${input.name}' (${input.type})`,
    );
  }
}

function mapColumns(columns: readonly ColumnSpec[], inputs: readonly GraphValue[]): [Field[], Feed[]] {
  const named = columns.map((c, i) => ({
    name: c.name ?? String(i),
    type: COLUMN_TYPES[c.type],
    typeName: c.type,
  }));
  const byName = new Map(inputs.map((i) => [i.name, i]));
  const field = (
    c: (typeof named)[number],
    index: number,
    feeds: Feed[],
    feed: number,
    offset: number,
  ): Field => ({
    name: c.name,
    index,
    type: c.type,
    typeName: c.typeName,
    label: `column '${c.name}'`,
    rowShape: [],
    feed,
    offset,
    put: putFor(c.type, feeds[feed]!.type),
  });

  if (named.every((c) => byName.has(c.name)) && inputs.length === named.length) {
    // One ONNX input per column, [N] or [N, 1].
    const feeds = named.map((c): Feed => {
      const input = byName.get(c.name)!;
      if (
        input.shape.length > 2 ||
        (input.shape.length === 2 && input.shape[1] !== 1 && input.shape[1] !== -1)
      ) {
        throw noMapping(
          `Column '${c.name}' is a scalar per row but its ONNX input is not [N] or [N, 1]`,
          inputs,
        );
      }
      requireCompatible({ type: c.type, label: `column '${c.name}'` }, input);
      return { name: input.name, type: input.type, rowShape: input.shape.length === 2 ? [1] : [] };
    });
    return [named.map((c, i) => field(c, i, feeds, i, 0)), feeds];
  }

  const only = inputs.length === 1 ? inputs[0]! : undefined;
  if (only && only.shape.length === 2 && (only.shape[1] === named.length || only.shape[1] === -1)) {
    // All columns packed into one [N, k] tensor, in signature order.
    const feeds: Feed[] = [{ name: only.name, type: only.type, rowShape: [named.length] }];
    for (const c of named) requireCompatible({ type: c.type, label: `column '${c.name}'` }, only);
    return [named.map((c, i) => field(c, i, feeds, 0, i)), feeds];
  }
  throw noMapping(`Cannot map the signature's ${named.length} columns onto the ONNX inputs`, inputs);
}

function mapTensors(tensors: readonly TensorSpec[], inputs: readonly GraphValue[]): [Field[], Feed[]] {
  const fields: Field[] = [];
  const feeds: Feed[] = [];
  tensors.forEach((spec, index) => {
    const name = spec.name ?? inputs[index]?.name;
    const input = inputs.find((i) => i.name === name);
    if (!name || !input)
      throw noMapping(`The signature's input ${name ? `'${name}'` : index} is not an ONNX input`, inputs);
    if (spec.shape.length === 0 || input.shape.length === 0) {
      throw noMapping(
        `Input '${name}' has no batch dimension; Gyre serves inputs shaped [batch, ...]`,
        inputs,
      );
    }
    const label = `input '${name}'`;
    requireCompatible({ type: spec.type, label }, input);
    // A dimension fixed on either side is fixed; the signature wins only where ONNX is symbolic.
    const rowShape = spec.shape.slice(1).map((d, i) => {
      const onnx = input.shape[i + 1] ?? -1;
      if (d >= 0 && onnx >= 0 && d !== onnx) {
        throw noMapping(`The signature gives ${label} the shape [${spec.shape.join(", ")}]`, inputs);
      }
      return d >= 0 ? d : onnx;
    });
    feeds.push({ name: input.name, type: input.type, rowShape });
    fields.push({
      name,
      index,
      type: spec.type,
      typeName: spec.type,
      label,
      rowShape,
      feed: index,
      offset: 0,
      put: putFor(spec.type, input.type),
    });
  });
  return [fields, feeds];
}

/** The tensor signature an ONNX graph implies when the manifest declares none. */
export function signatureFromGraph(
  inputs: readonly GraphValue[],
  outputs: readonly GraphValue[],
): ModelSignature {
  const spec = (v: GraphValue): TensorSpec => ({ name: v.name, type: v.type, shape: [...v.shape] });
  return { inputs: inputs.map(spec), outputs: outputs.map(spec) };
}
