import {
  allocate,
  type BigIntArray,
  byteWidth,
  type ElementType,
  type NumericArray,
  type TensorData,
} from "../runtime/dtypes.js";
import { invalid } from "./decode.js";

/**
 * The binary tensor data extension (Triton's `binary_tensor_data`): tensors travel as raw
 * little-endian row-major bytes after the JSON header, whose length the
 * `Inference-Header-Content-Length` header gives. BOOL is one byte per element; BYTES elements
 * are a 4-byte little-endian length and the bytes.
 */
export const HEADER_LENGTH_HEADER = "inference-header-content-length";

const utf8 = new TextDecoder("utf-8", { fatal: true });
const utf8Encoder = new TextEncoder();

/** Decodes one input's bytes. Typed arrays are the host's byte order: little-endian on every Node platform. */
export function decodeBinaryTensor(
  name: string,
  bytes: Uint8Array,
  type: ElementType,
  count: number,
): TensorData {
  if (type === "string") {
    const out: string[] = [];
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    let offset = 0;
    while (offset < bytes.length) {
      if (offset + 4 > bytes.length)
        throw invalid(`Binary data of input '${name}' ends inside a BYTES length prefix.`);
      const length = view.getUint32(offset, true);
      offset += 4;
      if (offset + length > bytes.length)
        throw invalid(`Binary data of input '${name}' ends inside a BYTES element.`);
      try {
        out.push(utf8.decode(bytes.subarray(offset, offset + length)));
      } catch {
        throw invalid(`Binary data of input '${name}' holds a BYTES element that is not UTF-8.`);
      }
      offset += length;
    }
    if (out.length !== count)
      throw invalid(`Input '${name}' has ${out.length} BYTES elements; its shape needs ${count}.`);
    return out;
  }
  const width = byteWidth(type)!;
  if (bytes.length !== count * width) {
    throw invalid(
      `Input '${name}' has ${bytes.length} bytes of binary data; its shape needs ${count * width}.`,
    );
  }
  const data = allocate(type, count) as NumericArray | BigIntArray;
  // Copying into a fresh array also fixes alignment: the tensor may start at any byte offset.
  new Uint8Array(data.buffer).set(bytes);
  return data;
}

/** An output's bytes: a view of the typed array, or length-prefixed UTF-8 strings. */
export function encodeBinaryTensor(data: TensorData): Uint8Array {
  if (!Array.isArray(data)) return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  const parts = data.map((s) => utf8Encoder.encode(s));
  const out = new Uint8Array(parts.reduce((n, p) => n + 4 + p.length, 0));
  const view = new DataView(out.buffer);
  let offset = 0;
  for (const part of parts) {
    view.setUint32(offset, part.length, true);
    out.set(part, offset + 4);
    offset += 4 + part.length;
  }
  return out;
}
