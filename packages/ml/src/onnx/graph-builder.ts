/**
 * Accumulates the nodes, constants, inputs and outputs of one ONNX graph and hands out unique value
 * names. Exporters only ever say "apply this operator to these values"; naming, constant sharing
 * and the final `Graph` object live here.
 */
import {
  type AttributeValue,
  type Graph,
  ML_DOMAIN,
  type Node,
  type Tensor,
  type ValueInfo,
} from "@gyre/onnx";

type Initializer = Tensor & { readonly name: string };

export interface OpOptions {
  readonly domain?: string;
  /** Readable part of the output name, e.g. "scaled". */
  readonly hint?: string;
}

export class GraphBuilder {
  private readonly nodes: Node[] = [];
  private readonly initializers: Initializer[] = [];
  private readonly inputs: ValueInfo[] = [];
  private readonly outputs: ValueInfo[] = [];
  private readonly taken = new Set<string>();
  /** Shared scalar constants: the same 1.0 or -1 feeds every node that needs it. */
  private readonly scalars = new Map<string, string>();
  private counter = 0;
  private usesMlDomain = false;

  /** Declares a graph input under exactly this name (input names are the frame's column names). */
  input(info: ValueInfo): string {
    this.claim(info.name, "input");
    this.inputs.push(info);
    return info.name;
  }

  /**
   * Declares a graph output under exactly this name, fed by `value`. An Identity node keeps output
   * names independent of how the value was computed (it may be an input or a shared constant).
   */
  output(value: string, info: ValueInfo): void {
    this.claim(info.name, "output");
    this.nodes.push({ opType: "Identity", inputs: [value], outputs: [info.name] });
    this.outputs.push(info);
  }

  /** A fresh value name that no input, output or other value uses. */
  fresh(hint = "v"): string {
    let name: string;
    do name = `${hint}:${this.counter++}`;
    while (this.taken.has(name));
    this.taken.add(name);
    return name;
  }

  /** One node with one output; returns the output's name. */
  op(
    opType: string,
    inputs: readonly string[],
    attributes: Readonly<Record<string, AttributeValue>> = {},
    options: OpOptions = {},
  ): string {
    const output = this.fresh(options.hint ?? opType.toLowerCase());
    if (options.domain === ML_DOMAIN) this.usesMlDomain = true;
    this.nodes.push({
      opType,
      ...(options.domain ? { domain: options.domain } : {}),
      inputs,
      outputs: [output],
      ...(Object.keys(attributes).length > 0 ? { attributes } : {}),
    });
    return output;
  }

  /**
   * A node with several outputs (e.g. TreeEnsembleClassifier's label and scores); returns their
   * names in order.
   */
  opMulti(
    opType: string,
    inputs: readonly string[],
    outputCount: number,
    attributes: Readonly<Record<string, AttributeValue>> = {},
    options: OpOptions = {},
  ): string[] {
    const outputs = Array.from({ length: outputCount }, () =>
      this.fresh(options.hint ?? opType.toLowerCase()),
    );
    if (options.domain === ML_DOMAIN) this.usesMlDomain = true;
    this.nodes.push({
      opType,
      ...(options.domain ? { domain: options.domain } : {}),
      inputs,
      outputs,
      attributes,
    });
    return outputs;
  }

  /** Adds a prebuilt node (from the @gyre/onnx helpers); its outputs must come from `fresh`. */
  node(node: Node): void {
    if (node.domain === ML_DOMAIN) this.usesMlDomain = true;
    this.nodes.push(node);
  }

  double(values: ArrayLike<number>, dims: readonly number[] = [values.length], hint = "const"): string {
    return this.constant({ dataType: "double", doubleData: Array.from(values), dims }, hint);
  }

  int64(values: ArrayLike<number>, dims: readonly number[] = [values.length], hint = "const"): string {
    return this.constant({ dataType: "int64", int64Data: Array.from(values), dims }, hint);
  }

  strings(values: readonly string[], dims: readonly number[] = [values.length], hint = "const"): string {
    return this.constant({ dataType: "string", stringData: values, dims }, hint);
  }

  /** A shared scalar constant (rank 0), broadcast by element-wise operators. */
  scalar(value: number, type: "double" | "int64"): string {
    const key = `${type}:${Object.is(value, -0) ? "-0" : String(value)}`;
    let name = this.scalars.get(key);
    if (!name) {
      name = type === "double" ? this.double([value], [], "scalar") : this.int64([value], [], "scalar");
      this.scalars.set(key, name);
    }
    return name;
  }

  /** Whether an ai.onnx.ml operator was used (the model must then import that opset). */
  get mlDomainUsed(): boolean {
    return this.usesMlDomain;
  }

  /** Whether a name is an input, output or value of this graph. */
  has(name: string): boolean {
    return this.taken.has(name);
  }

  build(name: string, docString?: string): Graph {
    return {
      name,
      nodes: [...this.nodes],
      initializers: [...this.initializers],
      inputs: [...this.inputs],
      outputs: [...this.outputs],
      ...(docString ? { docString } : {}),
    };
  }

  private constant(values: Tensor, hint: string): string {
    const name = this.fresh(hint);
    this.initializers.push({ ...values, name } as Initializer);
    return name;
  }

  private claim(name: string, what: string): void {
    if (this.taken.has(name))
      throw new Error(`ONNX export: the ${what} name '${name}' is already used in the graph`);
    this.taken.add(name);
  }
}
