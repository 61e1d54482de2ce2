/**
 * The outputs of a standalone transformer export: the transformed frame, one output per column in
 * frame order, named `<column>_out` (an ONNX output cannot share its input's name). Numeric columns
 * are double [N, 1]; one-hot encoded columns their indicator block double [N, levels] (what
 * `expandOneHot` materialises); other categorical columns string [N, 1], "" for missing.
 */
import type { ValueInfo } from "@gyre/onnx";
import { BATCH_DIM } from "./input-convention.js";
import type { OnnxFrame } from "./onnx-frame.js";

export function outputNameFor(column: string, frame: OnnxFrame): string {
  let name = `${column}_out`;
  while (frame.graph.has(name)) name = `${name}_`;
  return name;
}

export function addFrameOutputs(frame: OnnxFrame): ValueInfo[] {
  return frame.entries.map(({ name: column, values }) => {
    const name = outputNameFor(column, frame);
    let info: ValueInfo;
    let value: string;
    if (values.kind === "numeric") {
      value = values.tensor;
      info = { name, elemType: "double", shape: [BATCH_DIM, 1] };
    } else if (values.encodedOver) {
      value = frame.oneHot(column, values.encodedOver);
      info = { name, elemType: "double", shape: [BATCH_DIM, values.encodedOver.length] };
    } else {
      value = frame.strings(column);
      info = { name, elemType: "string", shape: [BATCH_DIM, 1] };
    }
    frame.graph.output(value, { ...info, docString: `column '${column}'` });
    return info;
  });
}
