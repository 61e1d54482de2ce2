import { z } from "zod";

/**
 * Field types of MLflow's proto-JSON wire format. Each accepts every spelling an MLflow client
 * may send (int64 as number or decimal string, doubles as "NaN"/"Infinity", repeated fields as
 * a single query-string value) and yields one canonical value for the services.
 */

/** A proto string field that MLflow treats as required: absent and "" are both "missing". */
export const requiredString = () => z.string().min(1);

/** Ids that MLflow clients send either as strings or as JSON numbers (experiment_id). */
export const idString = () =>
  z
    .union([z.string(), z.number().int()], { error: "must be a string id" })
    .transform((v) => String(v))
    .pipe(z.string().min(1));

/**
 * A number that may arrive as a JSON number or as text. One custom rule rather than a union, so
 * a bad value yields one message naming the rule, not the inner branches' details.
 */
function numeric(
  rule: string,
  fromText: (text: string) => number | undefined,
  accept: (n: number) => boolean,
) {
  return z.union([z.number(), z.string()]).transform((raw, ctx) => {
    const value = typeof raw === "number" ? raw : fromText(raw.trim());
    if (value === undefined || !accept(value)) {
      ctx.issues.push({ code: "custom", message: rule, input: raw });
      return z.NEVER;
    }
    return value;
  });
}

const INTEGER_TEXT = /^-?\d{1,19}$/;
const DOUBLE_TEXT = /^(?:[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?|NaN|[-+]?Infinity)$/;

export const int64 = () =>
  numeric(
    "must be an integer (a JSON number or a decimal string)",
    (t) => (INTEGER_TEXT.test(t) ? Number(t) : undefined),
    Number.isSafeInteger,
  );

export const int32 = () =>
  numeric(
    "must be a 32-bit integer (a JSON number or a decimal string)",
    (t) => (INTEGER_TEXT.test(t) ? Number(t) : undefined),
    (n) => Number.isInteger(n) && n >= -2147483648 && n <= 2147483647,
  );

export const double = () =>
  numeric(
    'must be a number (a JSON number, a numeric string, "NaN", "Infinity" or "-Infinity")',
    (t) => (DOUBLE_TEXT.test(t) ? Number(t) : undefined),
    () => true,
  );

export const bool = () =>
  z
    .union([z.boolean(), z.string().regex(/^(?:true|false)$/i)], { error: "must be true or false" })
    .transform((v) => (typeof v === "boolean" ? v : v.toLowerCase() === "true"));

/** A repeated proto field: GET query strings carry a lone value as a scalar. */
export const repeated = <T extends z.ZodType>(item: T) =>
  z.union([z.array(item), item]).transform((v) => (Array.isArray(v) ? v : [v]) as z.output<T>[]);

/** Output-side double: non-finite values travel as proto-JSON strings. */
export const doubleOut = () =>
  z.union([z.number(), z.literal("NaN"), z.literal("Infinity"), z.literal("-Infinity")]);

/** Encodes a double the way proto-JSON does (JSON.stringify would turn NaN into null). */
export function encodeDouble(value: number): number | "NaN" | "Infinity" | "-Infinity" {
  if (Number.isFinite(value)) return value;
  if (Number.isNaN(value)) return "NaN";
  return value > 0 ? "Infinity" : "-Infinity";
}
