import { ProtoWriter } from "./protobuf.js";
import {
  type AttributeValue,
  type Graph,
  type Model,
  type Node,
  TENSOR_DATA_TYPES,
  type Tensor,
  type ValueInfo,
} from "./types.js";

/** Field numbers from onnx.proto, one table per message so the encoders below read like the schema. */
const MODEL = {
  irVersion: 1,
  producerName: 2,
  producerVersion: 3,
  domain: 4,
  modelVersion: 5,
  docString: 6,
  graph: 7,
  opsetImport: 8,
  metadataProps: 14,
} as const;
const OPSET_ID = { domain: 1, version: 2 } as const;
const STRING_ENTRY = { key: 1, value: 2 } as const;
const GRAPH = {
  node: 1,
  name: 2,
  initializer: 5,
  docString: 10,
  input: 11,
  output: 12,
  valueInfo: 13,
} as const;
const NODE = { input: 1, output: 2, name: 3, opType: 4, attribute: 5, docString: 6, domain: 7 } as const;
const ATTRIBUTE = {
  name: 1,
  f: 2,
  i: 3,
  s: 4,
  t: 5,
  g: 6,
  floats: 7,
  ints: 8,
  strings: 9,
  type: 20,
} as const;
const VALUE_INFO = { name: 1, type: 2, docString: 3 } as const;
const TYPE = { tensorType: 1 } as const;
const TENSOR_TYPE = { elemType: 1, shape: 2 } as const;
const SHAPE = { dim: 1 } as const;
const DIMENSION = { dimValue: 1, dimParam: 2 } as const;
const TENSOR = {
  dims: 1,
  dataType: 2,
  floatData: 4,
  int32Data: 5,
  stringData: 6,
  int64Data: 7,
  name: 8,
  doubleData: 10,
  uint64Data: 11,
  docString: 12,
} as const;

/** `AttributeProto.AttributeType`. */
const ATTRIBUTE_TYPES = {
  float: 1,
  int: 2,
  string: 3,
  tensor: 4,
  graph: 5,
  floats: 6,
  ints: 7,
  strings: 8,
} as const;

const utf8 = new TextEncoder();

/** Serialises a model to the ONNX protobuf bytes that onnxruntime and `onnx.load` read. */
export function encodeModel(model: Model): Uint8Array {
  if (model.opsetImports.length === 0) throw new Error("An ONNX model needs at least one opset import");
  const w = new ProtoWriter().int64(MODEL.irVersion, model.irVersion);
  if (model.producer) {
    w.string(MODEL.producerName, model.producer.name);
    if (model.producer.version !== undefined) w.string(MODEL.producerVersion, model.producer.version);
  }
  if (model.domain !== undefined) w.string(MODEL.domain, model.domain);
  if (model.modelVersion !== undefined) w.int64(MODEL.modelVersion, model.modelVersion);
  if (model.docString !== undefined) w.string(MODEL.docString, model.docString);
  w.message(MODEL.graph, encodeGraph(model.graph));
  for (const opset of model.opsetImports) {
    w.message(
      MODEL.opsetImport,
      new ProtoWriter().string(OPSET_ID.domain, opset.domain).int64(OPSET_ID.version, opset.version),
    );
  }
  for (const [key, value] of Object.entries(model.metadata ?? {})) {
    w.message(
      MODEL.metadataProps,
      new ProtoWriter().string(STRING_ENTRY.key, key).string(STRING_ENTRY.value, value),
    );
  }
  return w.finish();
}

function encodeGraph(graph: Graph): ProtoWriter {
  const w = new ProtoWriter();
  for (const node of graph.nodes) w.message(GRAPH.node, encodeNode(node));
  w.string(GRAPH.name, graph.name);
  for (const tensor of graph.initializers ?? []) w.message(GRAPH.initializer, encodeTensor(tensor));
  if (graph.docString !== undefined) w.string(GRAPH.docString, graph.docString);
  for (const input of graph.inputs) w.message(GRAPH.input, encodeValueInfo(input));
  for (const output of graph.outputs) w.message(GRAPH.output, encodeValueInfo(output));
  for (const info of graph.valueInfo ?? []) w.message(GRAPH.valueInfo, encodeValueInfo(info));
  return w;
}

function encodeNode(node: Node): ProtoWriter {
  const w = new ProtoWriter();
  for (const input of node.inputs) w.string(NODE.input, input);
  for (const output of node.outputs) w.string(NODE.output, output);
  if (node.name !== undefined) w.string(NODE.name, node.name);
  w.string(NODE.opType, node.opType);
  for (const [name, value] of Object.entries(node.attributes ?? {})) {
    w.message(NODE.attribute, encodeAttribute(name, value));
  }
  if (node.docString !== undefined) w.string(NODE.docString, node.docString);
  if (node.domain) w.string(NODE.domain, node.domain);
  return w;
}

function encodeAttribute(name: string, attribute: AttributeValue): ProtoWriter {
  const w = new ProtoWriter().string(ATTRIBUTE.name, name);
  switch (attribute.type) {
    case "float":
      w.float(ATTRIBUTE.f, attribute.value);
      break;
    case "int":
      w.int64(ATTRIBUTE.i, attribute.value);
      break;
    case "string":
      w.string(ATTRIBUTE.s, attribute.value);
      break;
    case "tensor":
      w.message(ATTRIBUTE.t, encodeTensor(attribute.value));
      break;
    case "graph":
      w.message(ATTRIBUTE.g, encodeGraph(attribute.value));
      break;
    case "floats":
      w.packedFloat(ATTRIBUTE.floats, attribute.value);
      break;
    case "ints":
      w.packedInt64(ATTRIBUTE.ints, attribute.value);
      break;
    case "strings":
      for (const s of attribute.value) w.string(ATTRIBUTE.strings, s);
      break;
  }
  return w.int64(ATTRIBUTE.type, ATTRIBUTE_TYPES[attribute.type]);
}

function encodeValueInfo(info: ValueInfo): ProtoWriter {
  const tensorType = new ProtoWriter().int64(TENSOR_TYPE.elemType, TENSOR_DATA_TYPES[info.elemType]);
  if (info.shape) {
    const shape = new ProtoWriter();
    for (const dim of info.shape) {
      const d = new ProtoWriter();
      if (typeof dim === "number") d.int64(DIMENSION.dimValue, dim);
      else if (typeof dim === "string") d.string(DIMENSION.dimParam, dim);
      shape.message(SHAPE.dim, d);
    }
    tensorType.message(TENSOR_TYPE.shape, shape);
  }
  const w = new ProtoWriter()
    .string(VALUE_INFO.name, info.name)
    .message(VALUE_INFO.type, new ProtoWriter().message(TYPE.tensorType, tensorType));
  if (info.docString !== undefined) w.string(VALUE_INFO.docString, info.docString);
  return w;
}

function encodeTensor(tensor: Tensor): ProtoWriter {
  const w = new ProtoWriter();
  for (const dim of tensor.dims) w.int64(TENSOR.dims, dim);
  w.int64(TENSOR.dataType, TENSOR_DATA_TYPES[tensor.dataType]);
  const expected = tensor.dims.reduce((a, b) => a * b, 1);
  const check = (count: number) => {
    if (count !== expected) {
      throw new Error(
        `Tensor ${tensor.name ?? "(attribute)"} has ${count} values for dims [${tensor.dims.join(", ")}] (${expected} expected)`,
      );
    }
  };
  switch (tensor.dataType) {
    case "float":
      check(tensor.floatData.length);
      w.packedFloat(TENSOR.floatData, tensor.floatData);
      break;
    case "double":
      check(tensor.doubleData.length);
      w.packedDouble(TENSOR.doubleData, tensor.doubleData);
      break;
    case "int64":
      check(tensor.int64Data.length);
      w.packedInt64(TENSOR.int64Data, tensor.int64Data);
      break;
    case "uint32":
    case "uint64":
      check(tensor.uint64Data.length);
      w.packedInt64(TENSOR.uint64Data, tensor.uint64Data);
      break;
    case "string":
      check(tensor.stringData.length);
      for (const s of tensor.stringData) w.bytes(TENSOR.stringData, utf8.encode(s));
      break;
    default:
      check(tensor.int32Data.length);
      w.packedInt64(TENSOR.int32Data, tensor.int32Data);
  }
  if (tensor.name !== undefined) w.string(TENSOR.name, tensor.name);
  if (tensor.docString !== undefined) w.string(TENSOR.docString, tensor.docString);
  return w;
}
