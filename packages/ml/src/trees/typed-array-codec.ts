/**
 * Typed arrays in model JSON: base64 of the little-endian bytes. Exact for float64 (text decimals would
 * need 17 digits per value and a parse on load), and about 2.5× smaller than a JSON number array.
 */
export type EncodedArray =
  | { readonly dtype: "float64"; readonly base64: string }
  | { readonly dtype: "int32"; readonly base64: string }
  | { readonly dtype: "uint32"; readonly base64: string }
  | { readonly dtype: "uint8"; readonly base64: string };

const littleEndian = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

function bytesOf(array: ArrayBufferView): string {
  if (!littleEndian) throw new Error("Model serialisation assumes a little-endian platform");
  return Buffer.from(array.buffer, array.byteOffset, array.byteLength).toString("base64");
}

function decodeBytes(base64: string, bytesPerElement: number): ArrayBuffer {
  if (!littleEndian) throw new Error("Model serialisation assumes a little-endian platform");
  const bytes = Buffer.from(base64, "base64");
  if (bytes.byteLength % bytesPerElement !== 0) throw new Error("Corrupt typed-array payload in model JSON");
  // Copy into a fresh, aligned buffer: Buffer's pool offset may not be a multiple of 8.
  const out = new ArrayBuffer(bytes.byteLength);
  new Uint8Array(out).set(bytes);
  return out;
}

export function encodeFloat64(array: Float64Array): EncodedArray {
  return { dtype: "float64", base64: bytesOf(array) };
}
export function encodeInt32(array: Int32Array): EncodedArray {
  return { dtype: "int32", base64: bytesOf(array) };
}
export function encodeUint32(array: Uint32Array): EncodedArray {
  return { dtype: "uint32", base64: bytesOf(array) };
}
export function encodeUint8(array: Uint8Array): EncodedArray {
  return { dtype: "uint8", base64: bytesOf(array) };
}

function expectDtype(encoded: EncodedArray, dtype: EncodedArray["dtype"]): void {
  if (encoded.dtype !== dtype)
    throw new Error(`Expected a ${dtype} array in model JSON, got ${encoded.dtype}`);
}

export function decodeFloat64(encoded: EncodedArray): Float64Array {
  expectDtype(encoded, "float64");
  return new Float64Array(decodeBytes(encoded.base64, 8));
}
export function decodeInt32(encoded: EncodedArray): Int32Array {
  expectDtype(encoded, "int32");
  return new Int32Array(decodeBytes(encoded.base64, 4));
}
export function decodeUint32(encoded: EncodedArray): Uint32Array {
  expectDtype(encoded, "uint32");
  return new Uint32Array(decodeBytes(encoded.base64, 4));
}
export function decodeUint8(encoded: EncodedArray): Uint8Array {
  expectDtype(encoded, "uint8");
  return new Uint8Array(decodeBytes(encoded.base64, 1));
}
