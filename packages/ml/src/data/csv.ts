/**
 * CSV → Frame. A column is numeric when every non-missing field is a decimal number, otherwise
 * categorical with its levels sorted (the reference `ord` codes); a schema entry overrides the guess.
 * Quoting does not decide the type (as in pandas): a quoted "12" is the number 12.
 */
import { readFileSync } from "node:fs";
import { compareCodePoints } from "../frame/build.js";
import type { CategoricalColumn, Column, Frame, NumericColumn } from "../frame/frame.js";
import { type CsvTokens, fieldText, tokenizeCsv } from "./csv-tokenize.js";
import { parseDateTime } from "./datetime.js";

/** `datetime` becomes a numeric column of epoch milliseconds (wall-clock time read as UTC). */
export type CsvColumnType = "numeric" | "categorical" | "datetime";

export interface CsvOptions {
  readonly delimiter?: string;
  /** Field texts that mean "missing"; default `""` and `"NA"`. */
  readonly missing?: readonly string[];
  /** Per-column type overrides; other columns are inferred. */
  readonly schema?: Readonly<Record<string, CsvColumnType>>;
  /** Decode only these columns, in this order (default: all, in file order). */
  readonly columns?: readonly string[];
}

export function readCsv(path: string, options: CsvOptions = {}): Frame {
  return parseCsv(readFileSync(path, "utf8"), options);
}

export function parseCsv(text: string, options: CsvOptions = {}): Frame {
  const tokens = tokenizeCsv(text, options.delimiter ?? ",");
  const missing = new MissingTokens(options.missing ?? ["", "NA"]);
  const wanted = options.columns ?? tokens.header;
  for (const name of Object.keys(options.schema ?? {})) {
    if (!tokens.header.includes(name))
      throw new Error(`Schema names column '${name}', which the CSV header lacks`);
  }
  const columns = wanted.map((name): Column => {
    const j = tokens.header.indexOf(name);
    if (j < 0) throw new Error(`No column '${name}' in the CSV header (${tokens.header.join(", ")})`);
    return decodeColumn(name, new FieldReader(text, tokens, j, missing), options.schema?.[name]);
  });
  return { nRows: tokens.nRows, columns };
}

function decodeColumn(name: string, field: FieldReader, type: CsvColumnType | undefined): Column {
  if (type === "numeric") return decodeNumeric(name, field, true)!;
  if (type === "categorical") return decodeCategorical(name, field);
  if (type === "datetime") return decodeDateTime(name, field);
  return decodeNumeric(name, field, false) ?? decodeCategorical(name, field);
}

class MissingTokens {
  private readonly set: Set<string>;
  private readonly maxLength: number;
  private readonly empty: boolean;
  constructor(tokens: readonly string[]) {
    this.set = new Set(tokens);
    this.maxLength = Math.max(0, ...tokens.map((t) => t.length));
    this.empty = this.set.has("");
  }
  /** Only short fields can be missing tokens, so most fields are never sliced here. */
  test(text: string, start: number, end: number): boolean {
    const len = end - start;
    if (len === 0) return this.empty;
    return len <= this.maxLength && this.set.has(text.slice(start, end));
  }
}

/** The fields of one column, row by row. */
class FieldReader {
  constructor(
    readonly text: string,
    private readonly tokens: CsvTokens,
    private readonly column: number,
    private readonly missingTokens: MissingTokens,
  ) {}
  get nRows(): number {
    return this.tokens.nRows;
  }
  start(row: number): number {
    return this.tokens.starts[row * this.tokens.nCols + this.column]!;
  }
  end(row: number): number {
    return this.tokens.ends[row * this.tokens.nCols + this.column]!;
  }
  isMissing(row: number): boolean {
    return this.missingTokens.test(this.text, this.start(row), this.end(row));
  }
  value(row: number): string {
    const k = row * this.tokens.nCols + this.column;
    return fieldText(this.text, this.tokens.starts[k]!, this.tokens.ends[k]!, this.tokens.quoting[k]!);
  }
}

/** Undefined when a field is not a number and `strict` is off; throws when it is on. */
function decodeNumeric(name: string, field: FieldReader, strict: boolean): NumericColumn | undefined {
  const values = new Float64Array(field.nRows);
  for (let r = 0; r < field.nRows; r++) {
    if (field.isMissing(r)) {
      values[r] = Number.NaN;
      continue;
    }
    const v = parseDecimal(field.text, field.start(r), field.end(r));
    if (Number.isNaN(v)) {
      if (strict) throw new Error(`Column '${name}', row ${r + 1}: '${field.value(r)}' is not a number`);
      return undefined;
    }
    values[r] = v;
  }
  return { kind: "numeric", name, values };
}

function decodeCategorical(name: string, field: FieldReader): CategoricalColumn {
  const firstSeen = new Map<string, number>();
  const codes = new Int32Array(field.nRows);
  for (let r = 0; r < field.nRows; r++) {
    if (field.isMissing(r)) {
      codes[r] = -1;
      continue;
    }
    const v = field.value(r);
    let code = firstSeen.get(v);
    if (code === undefined) {
      code = firstSeen.size;
      firstSeen.set(v, code);
    }
    codes[r] = code;
  }
  const levels = [...firstSeen.keys()].sort(compareCodePoints);
  const sortedCode = new Int32Array(levels.length);
  levels.forEach((level, code) => {
    sortedCode[firstSeen.get(level)!] = code;
  });
  for (let r = 0; r < codes.length; r++) if (codes[r]! >= 0) codes[r] = sortedCode[codes[r]!]!;
  return { kind: "categorical", name, codes, levels };
}

function decodeDateTime(name: string, field: FieldReader): NumericColumn {
  const values = new Float64Array(field.nRows);
  for (let r = 0; r < field.nRows; r++) {
    if (field.isMissing(r)) {
      values[r] = Number.NaN;
      continue;
    }
    const t = parseDateTime(field.text, field.start(r), field.end(r));
    if (Number.isNaN(t))
      throw new Error(`Column '${name}', row ${r + 1}: '${field.value(r)}' is not a date-time`);
    values[r] = t;
  }
  return { kind: "numeric", name, values };
}

/**
 * A plain decimal (sign, digits, optional fraction, optional exponent), else NaN. Stricter than
 * Number(): no hex, no "Infinity", no surrounding blanks, which would silently turn text into numbers.
 */
export function parseDecimal(text: string, start: number, end: number): number {
  let p = start;
  let ch = text.charCodeAt(p);
  if (ch === 43 || ch === 45) ch = text.charCodeAt(++p);
  let mantissaDigits = 0;
  while (p < end && isDigit(text.charCodeAt(p))) {
    p++;
    mantissaDigits++;
  }
  if (p < end && text.charCodeAt(p) === 46) {
    p++;
    while (p < end && isDigit(text.charCodeAt(p))) {
      p++;
      mantissaDigits++;
    }
  }
  if (mantissaDigits === 0) return Number.NaN;
  if (p < end && (text.charCodeAt(p) | 32) === 101) {
    p++;
    ch = text.charCodeAt(p);
    if (ch === 43 || ch === 45) p++;
    const expStart = p;
    while (p < end && isDigit(text.charCodeAt(p))) p++;
    if (p === expStart) return Number.NaN;
  }
  return p === end ? Number(text.slice(start, end)) : Number.NaN;
}

function isDigit(ch: number): boolean {
  return ch >= 48 && ch <= 57;
}
