/**
 * The value kinds a step input, output or pipeline parameter may have. Datasets and models are
 * carried as URIs (`datasets:/flights/3`, `models:/churn/2`), so lineage and cache keys can
 * resolve them to what they name.
 */
export const KINDS = ["string", "number", "boolean", "json", "dataset", "model", "artifact"] as const;
export type Kind = (typeof KINDS)[number];

export type ValueOf<K extends Kind> = K extends "number"
  ? number
  : K extends "boolean"
    ? boolean
    : K extends "json"
      ? unknown
      : string;

const DATASET_URI = /^datasets:\/[^/\s@]+\/[1-9]\d*$/;
const MODEL_URI = /^models:\/[^/\s@]+(?:\/[1-9]\d*|@[A-Za-z0-9_-]+)$/;

/** Why `value` is not of `kind`, or undefined when it is. */
export function kindProblem(kind: Kind, value: unknown): string | undefined {
  switch (kind) {
    case "string":
      return typeof value === "string" ? undefined : `must be a string, got ${describe(value)}`;
    case "number":
      return typeof value === "number" && Number.isFinite(value)
        ? undefined
        : `must be a finite number, got ${describe(value)}`;
    case "boolean":
      return typeof value === "boolean" ? undefined : `must be a boolean, got ${describe(value)}`;
    case "json":
      return value === undefined ? "must be a JSON value, got undefined" : undefined;
    case "dataset":
      return typeof value === "string" && DATASET_URI.test(value)
        ? undefined
        : `must be a dataset version URI like datasets:/name/3, got ${describe(value)}`;
    case "model":
      return typeof value === "string" && MODEL_URI.test(value)
        ? undefined
        : `must be a model URI like models:/name/2 or models:/name@alias, got ${describe(value)}`;
    case "artifact":
      return typeof value === "string" && value.length > 0
        ? undefined
        : `must be an artifact URI or path (a non-empty string), got ${describe(value)}`;
  }
}

export function isKind(value: unknown): value is Kind {
  return typeof value === "string" && (KINDS as readonly string[]).includes(value);
}

/** A command-line or stored parameter text turned into a value of `kind`; throws naming the rule. */
export function parseKindText(kind: Kind, text: string): unknown {
  switch (kind) {
    case "number": {
      const value = text.trim() === "" ? Number.NaN : Number(text);
      if (!Number.isFinite(value)) throw new Error(`must be a number, got '${text}'`);
      return value;
    }
    case "boolean":
      if (text === "true") return true;
      if (text === "false") return false;
      throw new Error(`must be true or false, got '${text}'`);
    case "json":
      try {
        return JSON.parse(text);
      } catch {
        throw new Error(`must be JSON, got '${text}'`);
      }
    default: {
      const problem = kindProblem(kind, text);
      if (problem) throw new Error(problem);
      return text;
    }
  }
}

/** The text form of a value, as stored in run params and passed to shell steps. */
export function valueText(value: unknown): string {
  return typeof value === "string" ? value : JSON.stringify(value);
}

function describe(value: unknown): string {
  if (value === undefined) return "undefined";
  if (typeof value === "string") return `'${value.length > 60 ? `${value.slice(0, 57)}...` : value}'`;
  const text = JSON.stringify(value);
  return text === undefined ? typeof value : text.length > 60 ? `${text.slice(0, 57)}...` : text;
}
