import type { AttributeValue, Graph, Tensor } from "./types.js";

/** Constructors for tagged attribute values: `attr.floats([0.5, 1])`, `attr.string("LOGISTIC")`. */
export const attr = {
  int: (value: number | bigint): AttributeValue => ({ type: "int", value }),
  float: (value: number): AttributeValue => ({ type: "float", value }),
  string: (value: string): AttributeValue => ({ type: "string", value }),
  tensor: (value: Tensor): AttributeValue => ({ type: "tensor", value }),
  graph: (value: Graph): AttributeValue => ({ type: "graph", value }),
  ints: (value: ArrayLike<number | bigint>): AttributeValue => ({ type: "ints", value }),
  floats: (value: ArrayLike<number>): AttributeValue => ({ type: "floats", value }),
  strings: (value: readonly string[]): AttributeValue => ({ type: "strings", value }),
};
