import { z } from "zod";

/**
 * Field types of MLflow's proto-JSON wire format. Each accepts every spelling an MLflow client
 * may send (int64 as number or decimal string, doubles as "NaN"/"Infinity", repeated fields as
 * a single query-string value) and yields one canonical value for the services.
 */

/** Ids that MLflow clients send either as strings or as JSON numbers (experiment_id). */
export const idString = () =>
  z
    .union([z.string(), z.number().int()], { error: "must be a string id" })
    .transform((v) => String(v))
    .pipe(z.string().min(1));

/** `fast` found no value it accepts: the contract's own schema decides and words the issue. */
export const REJECT: unique symbol = Symbol("reject");

interface FastWireDef extends z.core.$ZodTypeDef {
  type: "custom";
  /** The accepted value, converted; REJECT for anything the contract refuses. */
  fast: (raw: unknown) => unknown;
  /** The contract written in zod: what it rejects, and the wording of why. */
  reference: z.ZodType;
  /** The JSON Schema of the wire input, for the OpenAPI document. */
  jsonSchema: z.core.JSONSchema.BaseSchema;
}

interface FastWireInternals extends z.core.$ZodTypeInternals<unknown, unknown> {
  def: FastWireDef;
}

/**
 * A wire scalar validated by a plain function, with no zod machinery on the accept path: zod's
 * union + transform (and any `.check`) allocated a payload, an issue list and an iterator per
 * value, which made garbage collection the cost of metric ingest. A value `fast` refuses is handed
 * to the reference schema, so error messages are zod's own, word for word (a property test holds
 * `fast` and `reference` to the same accept/reject and the same output).
 */
const FastWire = z.core.$constructor(
  "GyreFastWire",
  (inst: z.ZodType & { _zod: FastWireInternals }, def: FastWireDef) => {
    z.ZodType.init(inst, def);
    inst._zod.parse = (payload, ctx) => {
      const value = def.fast(payload.value);
      if (value === REJECT) return def.reference._zod.run(payload, ctx) as typeof payload;
      payload.value = value;
      return payload;
    };
    inst._zod.processJSONSchema = (_ctx, json) => Object.assign(json, structuredClone(def.jsonSchema));
  },
);

function fastWire<Output, Input>(
  fast: FastWireDef["fast"],
  reference: z.ZodType<Output, Input>,
  jsonSchema: z.core.JSONSchema.BaseSchema,
): z.ZodType<Output, Input> {
  return new FastWire({ type: "custom", fast, reference, jsonSchema }) as unknown as z.ZodType<Output, Input>;
}

/** A proto string field that MLflow treats as required: absent and "" are both "missing". */
export const requiredString = () =>
  fastWire((raw) => (typeof raw === "string" && raw.length > 0 ? raw : REJECT), z.string().min(1), {
    type: "string",
    minLength: 1,
  });

/**
 * A number that may arrive as a JSON number or as text. The contract is one custom rule rather
 * than a union's branches, so a bad value yields one message naming the rule.
 */
function numeric(
  rule: string,
  fromText: (text: string) => number | undefined,
  accept: (n: number) => boolean,
): z.ZodType<number, number | string> {
  const reference = z.union([z.number(), z.string()]).transform((raw, ctx) => {
    const value = typeof raw === "number" ? raw : fromText(raw.trim());
    if (value === undefined || !accept(value)) {
      ctx.issues.push({ code: "custom", message: rule, input: raw });
      return z.NEVER;
    }
    return value;
  });
  const fast = (raw: unknown): unknown => {
    // z.number() refuses NaN and ±Infinity; only text spells those.
    if (typeof raw === "number") return Number.isFinite(raw) && accept(raw) ? raw : REJECT;
    if (typeof raw !== "string") return REJECT;
    const value = fromText(raw.trim());
    return value !== undefined && accept(value) ? value : REJECT;
  };
  return fastWire(fast, reference, { type: ["number", "string"] });
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
