/**
 * The benchmark's tables on disk, so the measured process never parses CSV: a child process builds
 * them (data.ts) and writes every column's bytes after a JSON header; the measuring process reads
 * the file straight into SharedArrayBuffers (typed arrays over them, no copy, and worker threads
 * read them in place). Its peak RSS is then the tables plus what drift detection itself uses.
 */
import { closeSync, openSync, readSync, writeSync } from "node:fs";
import type { DriftColumnInput } from "@gyre/data";
import type { Tables } from "./data.js";

interface ColumnEntry {
  name: string;
  kind: "numeric" | "categorical";
  family?: string;
  dictionary?: readonly string[];
  offset: number;
  length: number;
}

interface Header {
  rows: number;
  reference: ColumnEntry[];
  current: ColumnEntry[];
  bytes: number;
}

function bytesOf(column: DriftColumnInput): Uint8Array {
  const array = column.kind === "numeric" ? column.values : column.codes;
  return new Uint8Array(array.buffer, array.byteOffset, array.byteLength);
}

export function writeTables(path: string, tables: Tables): void {
  let offset = 0;
  const entries = (columns: DriftColumnInput[]) =>
    columns.map((c): ColumnEntry => {
      const entry: ColumnEntry = {
        name: c.name,
        kind: c.kind,
        family: c.family,
        dictionary: c.kind === "categorical" ? c.dictionary : undefined,
        offset,
        length: c.kind === "numeric" ? c.values.length : c.codes.length,
      };
      offset += Math.ceil(bytesOf(c).byteLength / 8) * 8;
      return entry;
    });
  const reference = entries(tables.reference);
  const current = entries(tables.current);
  const header = Buffer.from(
    JSON.stringify({ rows: tables.rows, reference, current, bytes: offset } satisfies Header),
  );
  const length = Buffer.alloc(8);
  length.writeBigUInt64LE(BigInt(header.byteLength));
  const fd = openSync(path, "w");
  try {
    writeSync(fd, length);
    writeSync(fd, header);
    const entriesInOrder = [...reference, ...current];
    [...tables.reference, ...tables.current].forEach((c, i) => {
      const bytes = bytesOf(c);
      writeSync(fd, bytes, 0, bytes.byteLength, 8 + header.byteLength + entriesInOrder[i]!.offset);
    });
  } finally {
    closeSync(fd);
  }
}

export function readTables(path: string): Tables {
  const fd = openSync(path, "r");
  try {
    const length = Buffer.alloc(8);
    readSync(fd, length, 0, 8, 0);
    const headerBytes = Number(length.readBigUInt64LE());
    const text = Buffer.alloc(headerBytes);
    readSync(fd, text, 0, headerBytes, 8);
    const header = JSON.parse(text.toString("utf8")) as Header;
    const shared = new SharedArrayBuffer(header.bytes);
    const view = new Uint8Array(shared);
    for (let done = 0; done < header.bytes; ) {
      const n = readSync(fd, view, done, Math.min(header.bytes - done, 1 << 26), 8 + headerBytes + done);
      if (n === 0) throw new Error(`${path}: truncated`);
      done += n;
    }
    const columns = (entries: ColumnEntry[]) =>
      entries.map(
        (e): DriftColumnInput =>
          e.kind === "numeric"
            ? {
                name: e.name,
                kind: "numeric",
                family: e.family as "float" | "integer",
                values: new Float64Array(shared, e.offset, e.length),
              }
            : {
                name: e.name,
                kind: "categorical",
                dictionary: e.dictionary!,
                codes: new Int32Array(shared, e.offset, e.length),
              },
      );
    return { rows: header.rows, reference: columns(header.reference), current: columns(header.current) };
  } finally {
    closeSync(fd);
  }
}
