/**
 * RFC 4180 tokenizer: finds field boundaries in one pass over the text and records them in typed
 * arrays, so decoding a million-row file allocates per column, not per cell.
 */
export interface CsvTokens {
  readonly header: readonly string[];
  readonly nRows: number;
  readonly nCols: number;
  /** Field j of row r is at `r * nCols + j`: start and end offsets into the text, quotes excluded. */
  readonly starts: Uint32Array;
  readonly ends: Uint32Array;
  /** 0 = bare, 1 = quoted, 2 = quoted and holds escaped quotes ("") to undo. */
  readonly quoting: Uint8Array;
}

const QUOTE = 34;
const LF = 10;
const CR = 13;

export function tokenizeCsv(text: string, delimiter = ","): CsvTokens {
  if (delimiter.length !== 1) throw new Error("The CSV delimiter must be one character");
  const scanner = new RecordScanner(text, delimiter.charCodeAt(0));

  const header: string[] = [];
  const headerLine = scanner.line;
  if (scanner.done()) throw new Error("CSV text is empty: no header row");
  scanner.record((s, e, q) => header.push(fieldText(text, s, e, q)));
  const nCols = header.length;

  // Every record ends at a line feed or at the end of the text, so this bounds the field count.
  let lineFeeds = 0;
  for (let i = scanner.pos; i < text.length; i++) if (text.charCodeAt(i) === LF) lineFeeds++;
  const capacity = (lineFeeds + 1) * nCols;
  const starts = new Uint32Array(capacity);
  const ends = new Uint32Array(capacity);
  const quoting = new Uint8Array(capacity);
  let count = 0;
  while (!scanner.done()) {
    const line = scanner.line;
    const rowStart = count;
    scanner.record((s, e, q) => {
      if (count - rowStart === nCols)
        throw new Error(`CSV line ${line}: more fields than the header's ${nCols}`);
      starts[count] = s;
      ends[count] = e;
      quoting[count] = q;
      count++;
    });
    const fields = count - rowStart;
    const blankLine =
      fields === 1 && nCols > 1 && ends[rowStart] === starts[rowStart] && quoting[rowStart] === 0;
    if (blankLine) count = rowStart;
    else if (fields !== nCols)
      throw new Error(`CSV line ${line}: ${fields} fields, the header (line ${headerLine}) has ${nCols}`);
  }
  return {
    header,
    nRows: count / nCols,
    nCols,
    starts: starts.subarray(0, count),
    ends: ends.subarray(0, count),
    quoting: quoting.subarray(0, count),
  };
}

export function fieldText(text: string, start: number, end: number, quoting: number): string {
  const raw = text.slice(start, end);
  return quoting === 2 ? raw.replaceAll('""', '"') : raw;
}

type FieldSink = (start: number, end: number, quoting: number) => void;

class RecordScanner {
  pos: number;
  line = 1;

  constructor(
    private readonly text: string,
    private readonly sep: number,
  ) {
    this.pos = text.charCodeAt(0) === 0xfeff ? 1 : 0; // byte-order mark
  }

  done(): boolean {
    return this.pos >= this.text.length;
  }

  /** Reads one record (fields up to an unquoted line end) and hands each field to `sink`. */
  record(sink: FieldSink): void {
    const { text, sep } = this;
    const recordLine = this.line;
    for (;;) {
      let pos = this.pos;
      if (text.charCodeAt(pos) === QUOTE) {
        let quoting = 1;
        const start = ++pos;
        for (;;) {
          if (pos >= text.length) throw new Error(`CSV line ${recordLine}: unterminated quoted field`);
          const ch = text.charCodeAt(pos);
          if (ch === QUOTE) {
            if (text.charCodeAt(pos + 1) !== QUOTE) break;
            quoting = 2;
            pos += 2;
            continue;
          }
          if (ch === LF) this.line++;
          pos++;
        }
        sink(start, pos, quoting);
        pos++;
        const next = text.charCodeAt(pos);
        if (pos < text.length && next !== sep && next !== LF && next !== CR) {
          throw new Error(`CSV line ${recordLine}: text after a closing quote`);
        }
      } else {
        const start = pos;
        while (pos < text.length) {
          const ch = text.charCodeAt(pos);
          if (ch === sep || ch === LF || ch === CR) break;
          pos++;
        }
        sink(start, pos, 0);
      }
      const ch = text.charCodeAt(pos);
      if (ch === sep) {
        this.pos = pos + 1;
        continue;
      }
      if (ch === CR) pos++;
      if (text.charCodeAt(pos) === LF) pos++;
      this.pos = pos;
      this.line++;
      return;
    }
  }
}
