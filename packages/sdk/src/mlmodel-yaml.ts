import { GyreError } from "@gyre/core/errors";

/**
 * A reader for MLflow's MLmodel files, so the SDK can take an MLflow model directory without a
 * YAML dependency. MLflow writes MLmodel with PyYAML's `safe_dump(default_flow_style=False)`, and
 * that is the subset read here: block mappings and sequences (including sequences not indented
 * under their key), plain, single- and double-quoted scalars folded over several lines, literal
 * and folded block scalars, `{}` / `[]` and JSON-style flow collections, comments. Scalars resolve
 * as YAML 1.1 does (PyYAML's resolver). Anchors, aliases, tags and complex keys are refused with
 * an error rather than misread.
 */

export type YamlValue = null | boolean | number | string | YamlValue[] | { [key: string]: YamlValue };

interface Line {
  readonly number: number;
  readonly indent: number;
  /** The text after the indentation. */
  readonly text: string;
}

function unsupported(line: Line | undefined, detail: string): GyreError {
  const where = line ? ` (line ${line.number})` : "";
  return new GyreError("INVALID_PARAMETER_VALUE", `Cannot read MLmodel${where}: ${detail}`);
}

/** Parses an MLmodel document into plain JSON-like values. */
export function parseMlmodelYaml(source: string): YamlValue {
  const all = source.replace(/^\uFEFF/, "").split(/\r?\n/);
  // "..." ends the document; whatever follows is not part of it.
  const end = all.indexOf("...");
  const lines = (end < 0 ? all : all.slice(0, end)).map((raw, i): Line => {
    const text = raw.trimStart();
    return { number: i + 1, indent: raw.length - text.length, text: text.trimEnd() };
  });
  const reader = new BlockReader(lines);
  return reader.document();
}

class BlockReader {
  private position = 0;

  constructor(private readonly lines: Line[]) {}

  document(): YamlValue {
    this.skipBlank();
    if (this.peek()?.text === "---") {
      this.position++;
      this.skipBlank();
    }
    const first = this.peek();
    if (!first) return null;
    const value = this.block(first.indent);
    const rest = this.peek();
    if (rest) throw unsupported(rest, "unexpected content after the document");
    return value;
  }

  /** Lines that carry nothing (empty or comment-only) are skipped between entries. */
  private skipBlank(): void {
    while (this.position < this.lines.length) {
      const text = this.lines[this.position]!.text;
      if (text !== "" && !text.startsWith("#")) return;
      this.position++;
    }
  }

  private peek(): Line | undefined {
    this.skipBlank();
    return this.lines[this.position];
  }

  private block(indent: number): YamlValue {
    const line = this.peek()!;
    return isSequenceItem(line.text) ? this.sequence(indent) : this.mapping(indent);
  }

  private sequence(indent: number): YamlValue[] {
    const items: YamlValue[] = [];
    for (
      let line = this.peek();
      line && line.indent === indent && isSequenceItem(line.text);
      line = this.peek()
    ) {
      const rest = line.text.slice(1).trimStart();
      if (rest === "" || rest.startsWith("#")) {
        this.position++;
        items.push(this.nested(indent, false));
        continue;
      }
      // "- key: value" and "- - x" open a block inside the item: re-read the line as that block,
      // indented where its content starts.
      const contentIndent = indent + (line.text.length - rest.length);
      if (isSequenceItem(rest) || mappingKey(rest, line) !== undefined) {
        this.lines[this.position] = { number: line.number, indent: contentIndent, text: rest };
        items.push(this.block(contentIndent));
      } else {
        this.position++;
        items.push(this.scalar(rest, indent, line));
      }
    }
    return items;
  }

  private mapping(indent: number): { [key: string]: YamlValue } {
    const entries: { [key: string]: YamlValue } = {};
    for (let line = this.peek(); line && line.indent === indent; line = this.peek()) {
      if (isSequenceItem(line.text)) break;
      const split = mappingKey(line.text, line);
      if (split === undefined) throw unsupported(line, `expected 'key: value', got '${line.text}'`);
      if (Object.hasOwn(entries, split.key)) throw unsupported(line, `duplicate key '${split.key}'`);
      this.position++;
      const rest = split.rest;
      entries[split.key] =
        rest === "" || rest.startsWith("#") ? this.nested(indent, true) : this.scalar(rest, indent, line);
    }
    const next = this.peek();
    if (next && next.indent > indent) throw unsupported(next, "unexpected indentation");
    return entries;
  }

  /**
   * The value of a key or item whose line ends after the indicator: a deeper block, a sequence
   * at the key's own indentation (PyYAML does not indent sequences under their key), or null.
   */
  private nested(indent: number, allowIndentless: boolean): YamlValue {
    const next = this.peek();
    if (!next) return null;
    if (next.indent > indent) return this.block(next.indent);
    if (allowIndentless && next.indent === indent && isSequenceItem(next.text)) return this.sequence(indent);
    return null;
  }

  /** A scalar starting on a key or item line; every following deeper line continues it. */
  private scalar(first: string, indent: number, line: Line): YamlValue {
    const continuation: string[] = [];
    const head = first.charAt(0);
    const plain = !"|>'\"{[".includes(head);
    while (this.position < this.lines.length) {
      const next = this.lines[this.position]!;
      if (next.text !== "" && next.indent <= indent) break;
      // A plain scalar cannot hold ": "; such a line is a key indented by mistake.
      if (plain && mappingKey(next.text, next) !== undefined)
        throw unsupported(next, "unexpected indentation");
      continuation.push(next.text === "" ? "" : " ".repeat(next.indent - indent - 1) + next.text);
      this.position++;
    }
    // Trailing empty lines belong to the gap before the next entry, not to the scalar.
    while (continuation.length > 0 && continuation.at(-1) === "") continuation.pop();
    if (head === "|" || head === ">") return blockScalar(first, continuation, line);
    if (head === "'" || head === '"') return quotedScalar([first, ...continuation], line);
    if (head === "&" || head === "*" || head === "!") throw unsupported(line, "anchors, aliases and tags");
    if (head === "{" || head === "[") return flowCollection([first, ...continuation].join(" "), line);
    return resolvePlain(fold([first, ...continuation].map(stripComment)));
  }
}

function isSequenceItem(text: string): boolean {
  return text === "-" || text.startsWith("- ");
}

/** Splits `key: rest` (plain or quoted key); undefined when the text is no mapping entry. */
function mappingKey(text: string, line: Line): { key: string; rest: string } | undefined {
  if (text.startsWith("? ")) throw unsupported(line, "complex keys");
  let key: string;
  let after: number;
  if (text.startsWith("'") || text.startsWith('"')) {
    const end = closingQuote(text, 0);
    if (end < 0 || text[end + 1] !== ":") return undefined;
    key = String(quotedScalar([text.slice(0, end + 1)], line));
    after = end + 2;
  } else {
    const match = /:(?:\s|$)/.exec(text);
    if (!match) return undefined;
    key = text.slice(0, match.index).trimEnd();
    after = match.index + 1;
    if (key.startsWith("{") || key.startsWith("[")) return undefined;
  }
  if (after < text.length && !/\s/.test(text[after]!)) return undefined;
  return { key, rest: text.slice(after).trim() };
}

/** Index of the quote closing the quoted scalar that opens at `start`; -1 if it does not close. */
function closingQuote(text: string, start: number): number {
  const quote = text[start];
  for (let i = start + 1; i < text.length; i++) {
    if (quote === '"' && text[i] === "\\") {
      i++;
      continue;
    }
    if (text[i] !== quote) continue;
    if (quote === "'" && text[i + 1] === "'") {
      i++;
      continue;
    }
    return i;
  }
  return -1;
}

/** YAML line folding of flow scalars: one line break is a space, each empty line a newline. */
function fold(lines: readonly string[]): string {
  let text = lines[0]!.trimEnd();
  let breaks = 0;
  for (const raw of lines.slice(1)) {
    const line = raw.trim();
    if (line === "") {
      breaks++;
      continue;
    }
    text += breaks === 0 ? ` ${line}` : "\n".repeat(breaks) + line;
    breaks = 0;
  }
  return text;
}

function stripComment(line: string): string {
  const at = line.search(/(^|\s)#/);
  return at < 0 ? line : line.slice(0, at);
}

function quotedScalar(lines: readonly string[], line: Line): string {
  const joined = lines.join("\n");
  const end = closingQuote(joined, 0);
  if (end < 0) throw unsupported(line, "unterminated quoted string");
  if (stripComment(joined.slice(end + 1)).trim() !== "")
    throw unsupported(line, "text after a quoted string");
  const body = joined.slice(1, end);
  if (joined[0] === "'") return fold(body.split("\n")).replaceAll("''", "'");
  // An escaped line break ("\" at the end of a line) joins the lines without a space.
  return unescapeDouble(
    fold(body.replace(/\\\n[ \t]*/g, "\u0000").split("\n")).replaceAll("\u0000", ""),
    line,
  );
}

const DOUBLE_ESCAPES: Readonly<Record<string, string>> = {
  "0": "\0",
  a: "\x07",
  b: "\b",
  t: "\t",
  "\t": "\t",
  n: "\n",
  v: "\v",
  f: "\f",
  r: "\r",
  e: "\x1b",
  " ": " ",
  '"': '"',
  "/": "/",
  "\\": "\\",
  N: "\u0085",
  _: "\u00a0",
  L: "\u2028",
  P: "\u2029",
};

function unescapeDouble(text: string, line: Line): string {
  return text.replace(/\\(x[0-9a-fA-F]{2}|u[0-9a-fA-F]{4}|U[0-9a-fA-F]{8}|.)/g, (_, code: string) => {
    if (code.length > 1) return String.fromCodePoint(Number.parseInt(code.slice(1), 16));
    const char = DOUBLE_ESCAPES[code];
    if (char === undefined) throw unsupported(line, `unknown escape '\\${code}'`);
    return char;
  });
}

/**
 * `|` keeps line breaks, `>` folds them; `-` strips the final break. Keep chomping (`+`) needs the
 * trailing empty lines, which the scalar reader leaves to the gap between entries: refused.
 */
function blockScalar(header: string, lines: readonly string[], line: Line): string {
  const match = /^([|>])([-+]?)([1-9]?)([-+]?)\s*(#.*)?$/.exec(header);
  if (!match) throw unsupported(line, `unsupported block scalar header '${header}'`);
  const chomping = match[2] || match[4];
  if (chomping === "+") throw unsupported(line, "keep-chomping block scalars ('|+', '>+')");
  const nonEmpty = lines.filter((l) => l.trim() !== "");
  const margin = match[3]
    ? Number(match[3]) - 1
    : Math.min(...nonEmpty.map((l) => l.length - l.trimStart().length));
  const content = lines.map((l) => l.slice(Math.min(margin, l.length - l.trimStart().length)));
  let text = match[1] === "|" ? content.join("\n") : foldBlock(content);
  text = text.replace(/\n*$/, "");
  return chomping === "-" || text === "" ? text : `${text}\n`;
}

/**
 * Folded block scalars: a break between two lines at the block's margin is a space, each empty
 * line between them a newline; around more-indented lines every break is kept.
 */
function foldBlock(lines: readonly string[]): string {
  let text = lines[0] ?? "";
  let previous = text;
  let empties = 0;
  for (const current of lines.slice(1)) {
    if (current === "") {
      empties++;
      continue;
    }
    const literal = current.startsWith(" ") || previous.startsWith(" ");
    text += literal
      ? "\n".repeat(empties + 1) + current
      : (empties === 0 ? " " : "\n".repeat(empties)) + current;
    previous = current;
    empties = 0;
  }
  return text + "\n".repeat(empties);
}

/** `{}`, `[]` and flow collections written as JSON; anything fancier is refused. */
function flowCollection(text: string, line: Line): YamlValue {
  const trimmed = stripComment(text).trim();
  try {
    return JSON.parse(trimmed) as YamlValue;
  } catch {
    throw unsupported(line, `unsupported flow collection '${trimmed}'`);
  }
}

const NULLS = new Set(["", "~", "null", "Null", "NULL"]);
/** PyYAML's booleans: YAML 1.1's words, without the single letters y/n its resolver leaves out. */
const TRUES = new Set(["true", "True", "TRUE", "yes", "Yes", "YES", "on", "On", "ON"]);
const FALSES = new Set(["false", "False", "FALSE", "no", "No", "NO", "off", "Off", "OFF"]);
const INTEGER = /^[-+]?(?:0|[1-9][0-9_]*)$/;
/** PyYAML's float: a dot is required, so "1e5" stays a string. */
const FLOAT = /^[-+]?(?:[0-9][0-9_]*\.[0-9_]*|\.[0-9_]+)(?:[eE][-+]?[0-9]+)?$/;

/** Plain scalars resolve as PyYAML's YAML 1.1 resolver does (timestamps stay strings). */
function resolvePlain(text: string): YamlValue {
  if (NULLS.has(text)) return null;
  if (TRUES.has(text)) return true;
  if (FALSES.has(text)) return false;
  if (INTEGER.test(text)) return Number(text.replaceAll("_", ""));
  if (FLOAT.test(text)) return Number(text.replaceAll("_", ""));
  if (/^[-+]?\.(?:inf|Inf|INF)$/.test(text)) return text.startsWith("-") ? -Infinity : Infinity;
  if (/^\.(?:nan|NaN|NAN)$/.test(text)) return Number.NaN;
  return text;
}
