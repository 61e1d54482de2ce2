/**
 * MLflow's search filter and order_by languages (spec §5), parsed by hand: one tokenizer, one parser,
 * and one grammar table per searchable object. MLflow itself runs `sqlparse` and then accepts only a
 * flat AND-list of `<identifier> <comparator> <literal>`; everything else is a 400 naming the part.
 */
import { GyreError } from "@gyre/core/errors";

export type Comparator = "=" | "!=" | ">" | ">=" | "<" | "<=" | "LIKE" | "ILIKE" | "IN" | "NOT IN";
export type Entity = "metric" | "param" | "tag" | "attribute" | "dataset";

export interface Clause {
  entity: Entity;
  key: string;
  comparator: Comparator;
  value: string | number | string[];
}

export interface OrderTerm {
  entity: Entity;
  key: string;
  ascending: boolean;
}

/** How one key may be filtered. A rule whose comparators include IN / NOT IN takes lists of strings. */
export interface KeyRule {
  readonly type: "string" | "number";
  readonly comparators: readonly Comparator[];
}

export interface EntityRule {
  /** One rule for every key: metric, param and tag names are chosen by users. */
  readonly anyKey?: KeyRule;
  /** Otherwise the closed set of filterable keys (canonical names). */
  readonly keys?: Readonly<Record<string, KeyRule>>;
  /** Other spellings MLflow accepts for a key, resolved to the canonical key in filters and order_by alike. */
  readonly aliases?: Readonly<Record<string, string>>;
  /** Keys order_by accepts: "any", or a closed list of canonical keys. Absent: not orderable at all. */
  readonly orderBy?: "any" | readonly string[];
}

/** Which entities a search accepts; an entity missing here is rejected as "Invalid entity type". */
export interface SearchGrammar {
  readonly entities: Readonly<Partial<Record<Entity, EntityRule>>>;
}

const NUMERIC: readonly Comparator[] = ["=", "!=", ">", ">=", "<", "<="];
const STRING: readonly Comparator[] = ["=", "!=", "LIKE", "ILIKE"];
const number: KeyRule = { type: "number", comparators: NUMERIC };
const string: KeyRule = { type: "string", comparators: STRING };
const stringOrList: KeyRule = { type: "string", comparators: [...STRING, "IN", "NOT IN"] };
const userTags: EntityRule = { anyKey: string };

export const RUN_SEARCH: SearchGrammar = {
  entities: {
    metric: { anyKey: number, orderBy: "any" },
    param: { anyKey: string, orderBy: "any" },
    tag: { anyKey: string, orderBy: "any" },
    attribute: {
      keys: {
        run_id: stringOrList,
        run_name: string,
        user_id: string,
        status: string,
        artifact_uri: string,
        start_time: number,
        end_time: number,
      },
      aliases: {
        "run name": "run_name",
        "Run name": "run_name",
        "Run Name": "run_name",
        created: "start_time",
        Created: "start_time",
      },
      orderBy: ["run_id", "run_name", "user_id", "status", "artifact_uri", "start_time", "end_time"],
    },
    dataset: { keys: { name: stringOrList, digest: stringOrList, context: stringOrList } },
  },
};

export const EXPERIMENT_SEARCH: SearchGrammar = {
  entities: {
    attribute: {
      keys: { name: string, creation_time: number, last_update_time: number },
      orderBy: ["name", "experiment_id", "creation_time", "last_update_time"],
    },
    tag: userTags,
  },
};

export const REGISTERED_MODEL_SEARCH: SearchGrammar = {
  entities: {
    attribute: {
      keys: { name: string },
      aliases: { timestamp: "last_updated_timestamp" },
      orderBy: ["name", "creation_timestamp", "last_updated_timestamp"],
    },
    tag: userTags,
  },
};

export const MODEL_VERSION_SEARCH: SearchGrammar = {
  entities: {
    attribute: {
      // MLflow lets model-version run_id take IN but not NOT IN.
      keys: {
        name: string,
        run_id: { type: "string", comparators: [...STRING, "IN"] },
        source_path: string,
        version_number: number,
      },
      orderBy: ["name", "version_number", "creation_timestamp", "last_updated_timestamp"],
    },
    tag: userTags,
  },
};

// Entity prefixes are case-sensitive in MLflow (`Metrics.x` is rejected), so no case folding here.
const ENTITY_ALIASES: Readonly<Record<string, Entity>> = {
  metric: "metric",
  metrics: "metric",
  param: "param",
  params: "param",
  parameter: "param",
  parameters: "param",
  tag: "tag",
  tags: "tag",
  attribute: "attribute",
  attributes: "attribute",
  attr: "attribute",
  run: "attribute",
  dataset: "dataset",
  datasets: "dataset",
};

const LABEL: Readonly<Record<Entity, string>> = {
  metric: "metric",
  param: "parameter",
  tag: "tag",
  attribute: "attribute",
  dataset: "dataset",
};

// ---------------------------------------------------------------------------------------------
// Tokenizer

/** One dot-separated piece of an identifier; `quote` remembers quoting so `"x"` can also be a string value. */
interface Part {
  text: string;
  quote: "" | "`" | '"';
}

type Token = { start: number; end: number } & (
  | { kind: "ident"; parts: Part[] }
  | { kind: "string"; value: string }
  | { kind: "number"; value: number }
  | { kind: "symbol"; text: string }
);

const SPACE = /\s/u;
const WORD_CHAR = /[\p{L}\p{N}_$#]/u;
// The minus sign belongs to the literal, as in sqlparse: `- 1` (with a space) is arithmetic, not a number.
const NUMBER = /-?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?/y;
const OPERATOR = /[<>=!~]+/y;

const invalid = (message: string) => new GyreError("INVALID_PARAMETER_VALUE", message);
const isWordChar = (c: string | undefined) => c !== undefined && WORD_CHAR.test(c);

/** Reads a quoted run starting at `i`; a doubled quote stands for itself, as in SQL. */
function readQuoted(src: string, i: number, where: string): [text: string, end: number] {
  const quote = src[i]!;
  let text = "";
  let from = i + 1;
  for (;;) {
    const close = src.indexOf(quote, from);
    if (close < 0) throw invalid(`Unterminated quoted string in ${where}: '${src.slice(i)}'`);
    text += src.slice(from, close);
    if (src[close + 1] !== quote) return [text, close + 1];
    text += quote;
    from = close + 2;
  }
}

function tokenize(src: string, where: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < src.length) {
    const c = src[i]!;
    const start = i;
    if (SPACE.test(c)) {
      i++;
      continue;
    }
    if (c === "'") {
      const [value, end] = readQuoted(src, i, where);
      tokens.push({ kind: "string", value, start, end });
      i = end;
      continue;
    }
    NUMBER.lastIndex = i;
    const num = NUMBER.exec(src);
    // `1abc` is a name to sqlparse, not a number followed by a name.
    if (num && !isWordChar(src[NUMBER.lastIndex])) {
      i = NUMBER.lastIndex;
      tokens.push({ kind: "number", value: Number(num[0]), start, end: i });
      continue;
    }
    if (isWordChar(c) || c === "`" || c === '"') {
      // A whole dotted path is one token so that `tags.v.1` keeps `1` as part of the key.
      const parts: Part[] = [];
      for (;;) {
        const q = src[i];
        if (q === "`" || q === '"') {
          const [text, end] = readQuoted(src, i, where);
          parts.push({ text, quote: q });
          i = end;
        } else {
          const from = i;
          while (isWordChar(src[i])) i++;
          if (i === from) throw invalid(`Invalid identifier '${src.slice(start, i)}' in ${where}`);
          parts.push({ text: src.slice(from, i), quote: "" });
        }
        if (src[i] !== ".") break;
        i++;
      }
      tokens.push({ kind: "ident", parts, start, end: i });
      continue;
    }
    OPERATOR.lastIndex = i;
    i = OPERATOR.test(src) ? OPERATOR.lastIndex : i + 1;
    tokens.push({ kind: "symbol", text: src.slice(start, i), start, end: i });
  }
  return tokens;
}

/** The upper-cased text of a bare word (unquoted, undotted), e.g. a keyword; undefined otherwise. */
function bareWord(t: Token | undefined): string | undefined {
  if (t?.kind !== "ident" || t.parts.length !== 1) return undefined;
  const [part] = t.parts;
  return part?.quote === "" ? part.text.toUpperCase() : undefined;
}

const isSymbol = (t: Token | undefined, text: string) => t?.kind === "symbol" && t.text === text;

/** MLflow takes `"x"` as a string value too: sqlparse sees a quoted name and MLflow strips the quotes. */
function stringValue(t: Token): string | undefined {
  if (t.kind === "string") return t.value;
  if (t.kind === "ident" && t.parts.length === 1 && t.parts[0]?.quote === '"') return t.parts[0].text;
  return undefined;
}

// ---------------------------------------------------------------------------------------------
// Identifiers

interface Resolved {
  entity: Entity;
  key: string;
  rule: EntityRule;
  /** The key as written, for messages. */
  written: string;
}

const own = <T>(record: Readonly<Record<string, T>> | undefined, key: string): T | undefined =>
  record !== undefined && Object.hasOwn(record, key) ? record[key] : undefined;

const quoteList = (items: readonly string[]) => items.map((s) => `'${s}'`).join(", ");

/** The first dot splits entity from key; an identifier without one names an attribute. */
function resolveIdentifier(t: Token & { kind: "ident" }, raw: string, grammar: SearchGrammar): Resolved {
  const [head, ...rest] = t.parts;
  const entityText = rest.length === 0 ? "attribute" : head!.text;
  const keyParts = rest.length === 0 ? t.parts : rest;
  const written = keyParts.map((p) => p.text).join(".");
  if (written === "") throw invalid(`Invalid identifier '${raw}'`);
  const entity = own(ENTITY_ALIASES, entityText);
  const rule = entity === undefined ? undefined : grammar.entities[entity];
  if (entity === undefined || rule === undefined) {
    const valid = quoteList(Object.keys(grammar.entities));
    throw invalid(`Invalid entity type '${entityText}'. Valid entity types are ${valid}`);
  }
  return { entity, key: own(rule.aliases, written) ?? written, rule, written };
}

// ---------------------------------------------------------------------------------------------
// Filter

export function parseFilter(filter: string | undefined, grammar: SearchGrammar): Clause[] {
  if (filter === undefined || filter.trim() === "") return [];
  const where = "filter string";
  const tokens = tokenize(filter, where);
  const raw = (from: number, to: number = from) => filter.slice(tokens[from]!.start, tokens[to]!.end);
  const badClause = (from: number, to: number = from) =>
    invalid(`Invalid clause(s) in filter string: '${raw(from, to)}'`);

  const semicolon = tokens.findIndex((t) => isSymbol(t, ";"));
  if (semicolon >= 0 && semicolon < tokens.length - 1) {
    throw invalid(
      `Search filter contained multiple expressions separated by ';': '${filter}'. Provide an AND-ed expression list.`,
    );
  }

  /** Index of the `)` closing the `(` at `open`, or the last token when it is never closed. */
  const groupEnd = (open: number) => {
    let depth = 0;
    for (let j = open; j < tokens.length; j++) {
      if (isSymbol(tokens[j], "(")) depth++;
      else if (isSymbol(tokens[j], ")") && --depth === 0) return j;
    }
    return tokens.length - 1;
  };
  /** Last token of the clause starting at `from`: everything up to the next top-level AND. */
  const clauseEnd = (from: number) => {
    let j = from;
    while (j + 1 < tokens.length && bareWord(tokens[j + 1]) !== "AND") {
      j = isSymbol(tokens[j + 1], "(") ? groupEnd(j + 1) : j + 1;
    }
    return j;
  };
  /** A single offending token, or a whole parenthesised group when it opens one. */
  const badToken = (at: number) => badClause(at, isSymbol(tokens[at], "(") ? groupEnd(at) : at);

  let i = 0;

  const readComparator = (): string | undefined => {
    const t = tokens[i];
    if (t?.kind === "symbol" && /^[<>=!~]+$/.test(t.text)) {
      i++;
      return t.text;
    }
    const word = bareWord(t);
    if (word === "LIKE" || word === "ILIKE" || word === "IN") {
      i++;
      return word;
    }
    if (word === "NOT" && bareWord(tokens[i + 1]) === "IN") {
      i += 2;
      return "NOT IN";
    }
    return undefined;
  };

  const readList = (first: number, comparator: string): string[] => {
    const open = i;
    if (!isSymbol(tokens[open], "(")) {
      const got = tokens[open] === undefined ? "nothing" : `'${raw(open)}'`;
      throw invalid(`Expected a list of quoted string values after ${comparator}, got ${got}`);
    }
    const close = groupEnd(open);
    if (!isSymbol(tokens[close], ")")) throw badClause(first, close);
    i = close + 1;
    if (close === open + 1) {
      throw invalid(
        "While parsing a list in the query, expected a non-empty list of string values, got '()'",
      );
    }
    const values: string[] = [];
    // Values sit at odd offsets from `(` and commas between them, so a trailing comma leaves an even count.
    for (let j = open + 1; j < close; j += 2) {
      const value = stringValue(tokens[j]!);
      const separator = tokens[j + 1]!;
      if (value === undefined || (close - open) % 2 !== 0 || (j + 1 < close && !isSymbol(separator, ","))) {
        throw invalid(
          `While parsing a list in the query, expected quoted string values separated by commas, got '${raw(open, close)}'`,
        );
      }
      values.push(value);
    }
    return values;
  };

  const readScalar = (first: number, comparator: string, field: Resolved, rule: KeyRule) => {
    const t = tokens[i];
    if (t === undefined) throw badClause(first, tokens.length - 1);
    if (isSymbol(t, "(")) {
      throw invalid(
        `Only IN and NOT IN take a list of values; got '${raw(i, groupEnd(i))}' after '${comparator}'`,
      );
    }
    if (t.kind === "ident" && isSymbol(tokens[i + 1], "(")) throw badClause(first, clauseEnd(first)); // a function call
    const label = `${LABEL[field.entity]} '${field.written}'`;
    i++;
    if (rule.type === "number") {
      // Numeric attributes are 64-bit integer columns (timestamps, version numbers).
      if (t.kind === "number" && field.entity === "attribute" && !(Math.abs(t.value) < 2 ** 63)) {
        throw invalid(`Value ${raw(i - 1)} for ${label} is outside the 64-bit integer range`);
      }
      if (t.kind === "number") return t.value;
      throw invalid(`Expected numeric value type for ${label}. Found ${raw(i - 1)}`);
    }
    const value = stringValue(t);
    if (value !== undefined) return value;
    throw invalid(`Expected a quoted string value for ${label} (e.g. 'my-value'). Got value ${raw(i - 1)}`);
  };

  const parseClause = (): Clause => {
    const first = i;
    const t = tokens[first]!;
    if (t.kind !== "ident" || ["AND", "OR", "NOT"].includes(bareWord(t) ?? "")) {
      throw t.kind === "ident" || isSymbol(t, "(") ? badToken(first) : badClause(first, clauseEnd(first));
    }
    i++;
    if (isSymbol(tokens[i], "(")) throw badClause(first, clauseEnd(first)); // a function call
    // Shape before meaning: `x IS NULL` is a bad clause whether or not `x` is a known key.
    const comparator = readComparator();
    if (comparator === undefined) throw badClause(first, clauseEnd(first));
    const field = resolveIdentifier(t, raw(first), grammar);
    const rule = field.rule.anyKey ?? own(field.rule.keys, field.key);
    if (rule === undefined) {
      const valid = quoteList(Object.keys(field.rule.keys ?? {}));
      throw invalid(
        `Invalid ${LABEL[field.entity]} key '${field.written}' specified. Valid keys are ${valid}`,
      );
    }
    if (!isComparator(comparator, rule)) {
      throw invalid(
        `Invalid comparator '${comparator}' for ${LABEL[field.entity]} '${field.written}'. ` +
          `Valid comparators are ${quoteList(rule.comparators)}`,
      );
    }
    const value =
      comparator === "IN" || comparator === "NOT IN"
        ? readList(first, comparator)
        : readScalar(first, comparator, field, rule);
    return { entity: field.entity, key: field.key, comparator, value };
  };

  const clauses: Clause[] = [];
  for (;;) {
    clauses.push(parseClause());
    if (i === tokens.length) return clauses;
    if (bareWord(tokens[i]) !== "AND" || i + 1 === tokens.length) throw badToken(i);
    i++;
  }
}

function isComparator(text: string, rule: KeyRule): text is Comparator {
  return (rule.comparators as readonly string[]).includes(text);
}

// ---------------------------------------------------------------------------------------------
// order_by

export function parseOrderBy(orderBy: readonly string[] | undefined, grammar: SearchGrammar): OrderTerm[] {
  const terms: OrderTerm[] = [];
  for (const clause of orderBy ?? []) {
    const tokens = tokenize(clause, "order_by clause");
    const [ident, direction, extra] = tokens;
    if (ident?.kind !== "ident" || extra !== undefined || (direction && direction.kind !== "ident")) {
      throw invalid(`Invalid order_by clause '${clause}'. Could not be parsed.`);
    }
    const word = bareWord(direction);
    if (direction && word !== "ASC" && word !== "DESC") {
      const got = clause.slice(direction.start, direction.end);
      throw invalid(`Invalid ordering key '${got}' in order_by clause '${clause}'. Expected ASC or DESC.`);
    }
    const field = resolveIdentifier(ident, clause.slice(ident.start, ident.end), grammar);
    const orderable = field.rule.orderBy;
    if (orderable === undefined) throw invalid(`Invalid order_by entity: ${LABEL[field.entity]}`);
    if (orderable !== "any" && !orderable.includes(field.key)) {
      throw invalid(
        `Invalid order_by key '${field.written}' specified. Valid keys are ${quoteList(orderable)}`,
      );
    }
    // MLflow answers this with a 500, which its client retries seven times; it is the caller's
    // mistake, so Gyre answers 400.
    if (terms.some((o) => o.entity === field.entity && o.key === field.key)) {
      throw new GyreError(
        "INVALID_PARAMETER_VALUE",
        `\`order_by\` contains duplicate fields: '${clause}' repeats ${LABEL[field.entity]} '${field.key}'`,
      );
    }
    terms.push({ entity: field.entity, key: field.key, ascending: word !== "DESC" });
  }
  return terms;
}
