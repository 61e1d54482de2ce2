import { GyreError } from "@gyre/core";
import { familyOf, fromV2Datatype, type TensorData, v2Datatype } from "../runtime/dtypes.js";
import type { Field, GraphValue, InputBatch, InputSchema } from "../runtime/input-schema.js";
import type { Prediction } from "../runtime/predictor.js";
import { decodeBinaryTensor, encodeBinaryTensor } from "./binary-tensors.js";
import type { V2InferenceRequest, V2ModelMetadata } from "./contracts.js";
import {
  checkRowShape,
  flatten,
  invalid,
  missingField,
  type Table,
  tableToBatch,
  unknownName,
  writeFlat,
} from "./decode.js";
import { jsonArray } from "./tensors-json.js";

type RequestInput = V2InferenceRequest["inputs"][number];

const product = (dims: readonly number[]) => dims.reduce((a, b) => a * b, 1);

/** Each binary input's bytes, taken in input order from the part after the JSON header. */
function binarySegments(
  request: V2InferenceRequest,
  binary: Uint8Array | undefined,
): Map<RequestInput, Uint8Array> {
  const segments = new Map<RequestInput, Uint8Array>();
  let offset = 0;
  for (const input of request.inputs) {
    const size = input.parameters?.binary_data_size;
    if (size === undefined) continue;
    if (typeof size !== "number" || !Number.isInteger(size) || size < 0) {
      throw invalid(`Input '${input.name}' has an invalid binary_data_size ${JSON.stringify(size)}.`);
    }
    if (!binary || offset + size > binary.length) {
      throw invalid(
        `Input '${input.name}' declares ${size} bytes of binary data beyond the end of the request body.`,
      );
    }
    segments.set(input, binary.subarray(offset, offset + size));
    offset += size;
  }
  if (binary && offset !== binary.length) {
    throw invalid(`The request body has ${binary.length - offset} bytes of binary data no input declares.`);
  }
  return segments;
}

/** An input's values, flat and row-major: from JSON (flat or nested as `shape`) or binary bytes. */
function valuesOf(input: RequestInput, binary: Uint8Array | undefined): ArrayLike<unknown> {
  const count = product(input.shape);
  const type = fromV2Datatype(input.datatype)!;
  if (binary) {
    if (input.data !== undefined) throw invalid(`Input '${input.name}' has both JSON data and binary data.`);
    return decodeBinaryTensor(input.name, binary, type, count);
  }
  const data = input.data;
  if (data === undefined) throw invalid(`Input '${input.name}' has no data.`);
  if (data.length === count && (count === 0 || !Array.isArray(data[0]))) return data;
  const flat = flatten(data, input.shape);
  if (!flat) {
    const sent = data.flat(Number.POSITIVE_INFINITY).length;
    throw invalid(
      `Input '${input.name}' has ${sent} values (or is nested otherwise than its shape); its shape [${input.shape.join(", ")}] needs ${count}.`,
    );
  }
  return flat;
}

function checkDatatype(
  input: RequestInput,
  expected: { label: string; type: Parameters<typeof v2Datatype>[0] },
): void {
  const type = fromV2Datatype(input.datatype);
  if (type === undefined) {
    if (input.datatype === "FP16" || input.datatype === "BF16") {
      throw new GyreError(
        "NOT_IMPLEMENTED",
        `Datatype ${input.datatype} (input '${input.name}') is not supported.`,
      );
    }
    throw invalid(`Input '${input.name}' has the unknown datatype '${input.datatype}'.`);
  }
  const from = familyOf(type);
  const to = familyOf(expected.type);
  // JSON numbers carry no width: any numeric datatype may feed any numeric input, values checked one by one.
  const ok = from === to || (from !== "string" && to !== "string" && (from !== "float" || to === "float"));
  if (!ok) {
    throw invalid(
      `Input '${input.name}' has datatype ${input.datatype}; ${expected.label} expects ${v2Datatype(expected.type)}.`,
    );
  }
}

/**
 * MLServer's `content_type: "pd"` (or any request to a column-signature model): each input is
 * one column, shaped [n] or [n, 1].
 */
function decodeAsTable(
  schema: InputSchema,
  request: V2InferenceRequest,
  segments: Map<RequestInput, Uint8Array>,
): InputBatch {
  const only = request.inputs.length === 1 ? request.inputs[0]! : undefined;
  if (only && only.shape.length === 2 && only.shape[1]! > 1 && !schema.field(only.name)) {
    // One [n, k] tensor for k columns (the ONNX graph's own input): columns by position.
    const [rows = 0, width = 0] = only.shape;
    const values = valuesOf(only, segments.get(only));
    return tableToBatch(schema, {
      rows,
      columns: undefined,
      width,
      cell: (row, column) => values[row * width + column],
    });
  }
  const columns = request.inputs.map((input) => {
    const field = schema.field(input.name);
    if (field) checkDatatype(input, field);
    const [rows = 0, width = 1, ...rest] = input.shape;
    if (input.shape.length === 0 || input.shape.length > 2 || width !== 1 || rest.length > 0) {
      throw invalid(
        `Column '${input.name}' has shape [${input.shape.join(", ")}]; a column is [n] or [n, 1].`,
      );
    }
    return { rows, values: valuesOf(input, segments.get(input)) };
  });
  const rows = columns[0]!.rows;
  columns.forEach((c, i) => {
    if (c.rows !== rows)
      throw invalid(
        `Column '${request.inputs[i]!.name}' has ${c.rows} rows; '${request.inputs[0]!.name}' has ${rows}.`,
      );
  });
  const table: Table = {
    rows,
    columns: request.inputs.map((i) => i.name),
    width: columns.length,
    cell: (row, column) => columns[column]!.values[row],
  };
  return tableToBatch(schema, table);
}

/** Decodes the inputs of an inference request into one batch for the model. */
export function decodeV2Inputs(
  schema: InputSchema,
  request: V2InferenceRequest,
  binary: Uint8Array | undefined,
): InputBatch {
  const segments = binarySegments(request, binary);
  const pandas = request.parameters?.content_type === "pd";
  if (pandas || schema.kind === "columns") return decodeAsTable(schema, request, segments);

  const rowShapes: (readonly number[])[] = schema.feeds.map((f) => f.rowShape);
  let rows: number | undefined;
  const fields: Field[] = [];
  const values: ArrayLike<unknown>[] = [];
  for (const input of request.inputs) {
    const field = schema.field(input.name);
    if (!field) throw unknownName(schema, input.name);
    // Two tensors for one input: no rule says which to feed, so neither is.
    if (fields.includes(field)) throw invalid(`Duplicate ${field.label}.`);
    checkDatatype(input, field);
    if (input.shape.length === 0)
      throw invalid(`Input '${input.name}' has shape []; the model expects [-1, ...] with the batch first.`);
    checkRowShape(field, input.shape.slice(1), input.shape);
    if (rows !== undefined && input.shape[0] !== rows) {
      throw invalid(
        `Input '${input.name}' has ${input.shape[0]} rows; '${request.inputs[0]!.name}' has ${rows}.`,
      );
    }
    rows = input.shape[0]!;
    rowShapes[field.feed] = input.shape.slice(1);
    fields.push(field);
    // Read before allocating: a shape the data does not fill must not size the batch.
    values.push(valuesOf(input, segments.get(input)));
  }
  for (const field of schema.fields) if (!fields.includes(field)) throw missingField(field);
  if (!rows) throw invalid("The request has no rows (the first dimension of every input is 0).");
  const batch = schema.allocate(rows, rowShapes);
  request.inputs.forEach((input, i) => {
    const field = fields[i]!;
    const feed = schema.feeds[field.feed]!;
    // The binary fast path: bytes already of the feed's type go in with one copy.
    if (
      !Array.isArray(values[i]) &&
      fromV2Datatype(input.datatype) === feed.type &&
      feed.type === field.type
    ) {
      (batch.data[field.feed] as unknown as { set(source: unknown): void }).set(values[i]);
      return;
    }
    writeFlat(schema, batch, field, values[i]!);
  });
  return batch;
}

/** Options that select outputs and their encoding. */
function selection(
  request: V2InferenceRequest,
  outputs: readonly GraphValue[],
): { name: string; binary: boolean }[] {
  const allBinary = request.parameters?.binary_data_output === true;
  if (!request.outputs || request.outputs.length === 0) {
    return outputs.map((o) => ({ name: o.name, binary: allBinary }));
  }
  return request.outputs.map((o) => {
    if (!outputs.some((m) => m.name === o.name)) {
      throw invalid(
        `Unknown output '${o.name}': the model's outputs are ${outputs.map((m) => m.name).join(", ")}.`,
      );
    }
    return { name: o.name, binary: allBinary || o.parameters?.binary_data === true };
  });
}

export interface V2Answer {
  /** The response's JSON text (the whole body, or the header before the binary parts). */
  readonly json: string;
  /** Binary output parts in order; empty for a JSON-only answer. */
  readonly binary: readonly Uint8Array[];
}

/**
 * The inference response as JSON text, written straight from the output arrays: no response
 * object, no per-element array copy (this runs for every request). The same text
 * `JSON.stringify` gives for the `v2InferenceResponse` contract's object. Its `id` is the
 * request's own when it gave one (the protocol's rule), else the request id; a request id that
 * differs from the `id` goes in `parameters.request_id`, so the body always carries it.
 */
export function encodeV2Response(
  request: V2InferenceRequest,
  prediction: Prediction,
  model: { name: string; version: string | undefined; outputs: readonly GraphValue[] },
  requestId: string,
): V2Answer {
  const id = request.id ?? requestId;
  const binary: Uint8Array[] = [];
  let outputs = "";
  for (const { name, binary: asBinary } of selection(request, model.outputs)) {
    const tensor = prediction.outputs.find((o) => o.name === name)!;
    const head = `{"name":${JSON.stringify(name)},"datatype":"${v2Datatype(tensor.type)}","shape":[${tensor.shape.join(",")}]`;
    let part: string;
    if (asBinary) {
      const bytes = encodeBinaryTensor(tensor.data);
      binary.push(bytes);
      part = `${head},"parameters":{"binary_data_size":${bytes.length}}}`;
    } else {
      part = `${head},"data":${jsonArray(tensor.data as TensorData, tensor.type)}}`;
    }
    outputs = outputs === "" ? part : `${outputs},${part}`;
  }
  const version = model.version === undefined ? "" : `,"model_version":${JSON.stringify(model.version)}`;
  return {
    json: `{"model_name":${JSON.stringify(model.name)}${version},"id":${JSON.stringify(id)}${
      id === requestId ? "" : `,"parameters":{"request_id":${JSON.stringify(requestId)}}`
    },"outputs":[${outputs}]}`,
    binary,
  };
}

export function modelMetadata(
  name: string,
  versions: readonly string[],
  schema: InputSchema,
  outputs: readonly GraphValue[],
): V2ModelMetadata {
  return {
    name,
    ...(versions.length > 0 ? { versions: [...versions] } : {}),
    platform: "onnxruntime_onnx",
    inputs: schema.fields.map((f) => ({
      name: f.name,
      datatype: v2Datatype(f.type),
      shape: [-1, ...f.rowShape],
    })),
    outputs: outputs.map((o) => ({ name: o.name, datatype: v2Datatype(o.type), shape: [...o.shape] })),
  };
}
