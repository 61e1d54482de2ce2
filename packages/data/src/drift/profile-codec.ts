import { invalidParameter } from "@gyre/core/errors";
import { indexCategories } from "./categories.js";
import type { ReferenceColumn, ReferenceProfile } from "./profile.js";
import type { DriftColumnType } from "./selection.js";

/**
 * A reference profile as bytes, so it is computed once per reference and survives the process
 * (stored next to a dataset version or a monitor's reference): "GYREDRIFT" and a format byte, the
 * JSON header's length (u32), the header (names, types, counts, moments, dictionaries, where each
 * array lies), then the arrays, 8-byte aligned. Arrays are little-endian, as every platform Node
 * runs on; decoding copies them out, so the bytes may be released afterwards.
 */
const MAGIC = "GYREDRIFT";
const FORMAT = 1;

interface Block {
  offset: number;
  length: number;
}

type ColumnHeader =
  | {
      name: string;
      kind: "numeric";
      type: DriftColumnType;
      rows: number;
      missing: number;
      mean: number | null;
      std: number | null;
      values: Block;
      counts?: Block;
    }
  | {
      name: string;
      kind: "categorical";
      type: DriftColumnType;
      rows: number;
      missing: number;
      dictionary: readonly string[];
      counts: Block;
    };

export function encodeReferenceProfile(profile: ReferenceProfile): Uint8Array {
  const arrays: ArrayBufferView[] = [];
  let offset = 0;
  const place = (array: Float64Array | Uint32Array): Block => {
    arrays.push(array);
    const block = { offset, length: array.length };
    offset += Math.ceil(array.byteLength / 8) * 8;
    return block;
  };
  const columns = profile.columns.map((c): ColumnHeader => {
    const s = c.summary;
    if (c.kind === "numeric" && s.kind === "numeric") {
      return {
        name: c.name,
        kind: "numeric",
        type: c.type,
        rows: s.rows,
        missing: s.missing,
        mean: Number.isFinite(s.mean) ? s.mean : null,
        std: Number.isFinite(s.std) ? s.std : null,
        values: place(s.values),
        ...(s.counts ? { counts: place(s.counts) } : {}),
      };
    }
    if (c.kind === "categorical" && s.kind === "categorical") {
      return {
        name: c.name,
        kind: "categorical",
        type: c.type,
        rows: s.rows,
        missing: s.missing,
        dictionary: s.dictionary,
        counts: place(s.counts),
      };
    }
    throw new Error(`column "${c.name}": summary does not match its kind`);
  });
  const header = new TextEncoder().encode(JSON.stringify({ columns }));
  const start = Math.ceil((MAGIC.length + 1 + 4 + header.byteLength) / 8) * 8;
  const out = new Uint8Array(start + offset);
  out.set(new TextEncoder().encode(MAGIC), 0);
  out[MAGIC.length] = FORMAT;
  new DataView(out.buffer).setUint32(MAGIC.length + 1, header.byteLength, true);
  out.set(header, MAGIC.length + 5);
  let at = start;
  for (const array of arrays) {
    out.set(new Uint8Array(array.buffer, array.byteOffset, array.byteLength), at);
    at += Math.ceil(array.byteLength / 8) * 8;
  }
  return out;
}

export function decodeReferenceProfile(bytes: Uint8Array): ReferenceProfile {
  const fail = (why: string) => invalidParameter(`Not a Gyre drift reference profile: ${why}`);
  if (
    bytes.byteLength < MAGIC.length + 5 ||
    new TextDecoder().decode(bytes.subarray(0, MAGIC.length)) !== MAGIC
  ) {
    throw fail("bad signature");
  }
  if (bytes[MAGIC.length] !== FORMAT) throw fail(`format ${bytes[MAGIC.length]}, expected ${FORMAT}`);
  const headerLength = new DataView(bytes.buffer, bytes.byteOffset).getUint32(MAGIC.length + 1, true);
  const start = Math.ceil((MAGIC.length + 5 + headerLength) / 8) * 8;
  let header: { columns: ColumnHeader[] };
  try {
    header = JSON.parse(
      new TextDecoder().decode(bytes.subarray(MAGIC.length + 5, MAGIC.length + 5 + headerLength)),
    );
  } catch {
    throw fail("unreadable header");
  }
  const read = <T extends Float64Array | Uint32Array>(
    kind: { new (n: number): T; BYTES_PER_ELEMENT: number },
    b: Block,
  ): T => {
    const from = start + b.offset;
    const size = b.length * kind.BYTES_PER_ELEMENT;
    if (!(b.offset >= 0 && from + size <= bytes.byteLength)) throw fail("truncated");
    // A copy: aligned whatever the input's offset, and independent of the input's buffer.
    const out = new kind(b.length);
    new Uint8Array(out.buffer).set(bytes.subarray(from, from + size));
    return out;
  };
  const columns = header.columns.map((h): ReferenceColumn => {
    if (h.kind === "numeric") {
      const summary = {
        kind: "numeric" as const,
        values: read(Float64Array, h.values),
        counts: h.counts ? read(Uint32Array, h.counts) : undefined,
        rows: h.rows,
        missing: h.missing,
        mean: h.mean ?? Number.NaN,
        std: h.std ?? Number.NaN,
      };
      return { name: h.name, kind: "numeric", type: h.type, summary };
    }
    const summary = {
      kind: "categorical" as const,
      dictionary: h.dictionary,
      counts: read(Float64Array, h.counts),
      rows: h.rows,
      missing: h.missing,
    };
    return { name: h.name, kind: "categorical", type: h.type, summary, categories: indexCategories(summary) };
  });
  return { columns, byName: new Map(columns.map((c) => [c.name, c])) };
}
