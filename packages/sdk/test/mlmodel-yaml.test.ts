import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { parseMlmodelYaml } from "../src/mlmodel-yaml.js";

/** The reference: a full YAML parser in YAML 1.1 mode, PyYAML's dialect. */
const reference = (text: string) => parse(text, { version: "1.1" }) as unknown;

/** An MLmodel as MLflow 2.x writes it with PyYAML: long JSON signatures folded over lines. */
const PYYAML_MLMODEL = `artifact_path: model
databricks_runtime: null
flavors:
  onnx:
    code: null
    data: model.onnx
    onnx_version: 1.16.1
    providers:
    - CUDAExecutionProvider
    - CPUExecutionProvider
  python_function:
    data: model.onnx
    env:
      conda: conda.yaml
      virtualenv: python_env.yaml
    loader_module: mlflow.onnx
    python_version: 3.11.9
metadata:
  owner: 'O''Brien: data'
  threshold: 0.5
  retries: 3
  enabled: true
  note: "caf\\xE9 \\u2603\\ttab"
  empty: {}
  list: []
mlflow_version: 2.16.2
model_size_bytes: 1234
model_uuid: 0f3c9a4b2d
run_id: 5d2e7c
saved_input_example_info:
  artifact_path: input_example.json
  pandas_orient: split
  serving_input_path: serving_input_example.json
  type: dataframe
signature:
  inputs: '[{"type": "double", "name": "sepal length (cm)", "required": true}, {"type":
    "double", "name": "sepal width (cm)", "required": true}, {"type": "double", "name":
    "petal length (cm)", "required": true}]'
  outputs: '[{"type": "tensor", "tensor-spec": {"dtype": "int64", "shape": [-1]}}]'
  params: null
utc_time_created: '2024-09-01 10:00:00.000000'
`;

describe("the MLmodel reader", () => {
  it("reads what PyYAML writes exactly as a YAML 1.1 parser does", () => {
    const parsed = parseMlmodelYaml(PYYAML_MLMODEL);
    expect(parsed).toEqual(reference(PYYAML_MLMODEL));
    const signature = (parsed as { signature: { inputs: string } }).signature;
    expect(JSON.parse(signature.inputs)).toHaveLength(3);
  });

  it.each([
    [
      "sequences of mappings and nested sequences",
      "items:\n- name: a\n  size: 1\n- name: b\n  tags:\n  - x\n  - z\n- - 1\n  - 2\n",
    ],
    ["indented sequences", "list:\n  - 1\n  - two\n  -\n    k: v\n"],
    ["plain scalars folded over lines", "text: a long plain\n  scalar folded\n\n  with a break\nnext: 1\n"],
    ["double-quoted folding and escaped breaks", 'text: "one \\\n  two\n  three"\n'],
    ["literal and folded block scalars", "lit: |\n  a\n    b\n  c\nfold: >-\n  a\n  b\n\n  c\nend: x\n"],
    ["comments and document markers", "# written by hand\n---\na: 1 # one\nb: '#not a comment'\n...\n"],
    ["YAML 1.1 scalars", "a: yes\nb: Off\nc: ~\ne: 1.5e+3\nf: .inf\ng: -.5\nh: 0\ni: 1_000\n"],
    ["quoted keys and JSON flow collections", '\'a: b\': 1\n"c": [1, {"d": 2}]\n'],
    ["keys without values", "a:\nb:\n  c:\n"],
  ])("reads %s", (_, text) => {
    expect(parseMlmodelYaml(text)).toEqual(reference(text));
  });

  it("resolves scalars as PyYAML does where it departs from the YAML 1.1 spec", () => {
    // PyYAML's float needs a dot, y/n are no booleans to it, and timestamps are kept as text here.
    expect(parseMlmodelYaml("a: 1e5\nb: y\nc: n\nd: 2024-01-02\n")).toEqual({
      a: "1e5",
      b: "y",
      c: "n",
      d: "2024-01-02",
    });
  });

  it.each([
    ["anchors", "a: &x 1\nb: *x\n", "anchors, aliases and tags"],
    ["tags", "a: !!str 1\n", "anchors, aliases and tags"],
    ["complex keys", "? a\n: b\n", "complex keys"],
    ["YAML flow collections", "a: [b, c]\n", "unsupported flow collection '[b, c]'"],
    ["unterminated strings", "a: 'open\nb: 1\n", "unterminated quoted string"],
    ["bad indentation", "a: 1\n  b: 2\n", "line 2"],
    ["duplicate keys", "a: 1\na: 2\n", "duplicate key 'a'"],
  ])("refuses %s instead of misreading them", (_, text, message) => {
    expect(() => parseMlmodelYaml(text)).toThrow(message);
  });
});
