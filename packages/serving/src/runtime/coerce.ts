import { type ElementType, familyOf, INTEGER_RANGES, type TensorData } from "./dtypes.js";

/**
 * Writes one client value into a feed array, checking it against the type the signature
 * declares (`fieldType`) and converting it to the type the ONNX input takes (`feedType`): a
 * `double` column feeding a float32 tensor is the common case (scikit-learn exports). Returns
 * false when the value is not of the declared type; the caller names the column in the error.
 */
export type Put = (target: TensorData, index: number, value: unknown) => boolean;

type Accept = (value: unknown) => number | bigint | string | undefined;

/** Binary int64 data arrives as BigInt and may use the full 64-bit range. */
const BIGINT_RANGES: Record<string, readonly [bigint, bigint]> = {
  int64: [-(2n ** 63n), 2n ** 63n - 1n],
  uint64: [0n, 2n ** 64n - 1n],
};

function acceptor(fieldType: ElementType): Accept {
  switch (familyOf(fieldType)) {
    case "float":
      // JSON has no NaN: null is how pandas and MLflow clients send a missing float.
      return (v) =>
        typeof v === "number" ? v : v === null ? Number.NaN : typeof v === "bigint" ? Number(v) : undefined;
    case "int": {
      const [min, max] = INTEGER_RANGES[fieldType]!;
      const [bigMin, bigMax] = BIGINT_RANGES[fieldType] ?? [BigInt(min), BigInt(max)];
      return (v) => {
        if (typeof v === "number") return Number.isInteger(v) && v >= min && v <= max ? v : undefined;
        if (typeof v === "bigint") return v >= bigMin && v <= bigMax ? v : undefined;
        return undefined;
      };
    }
    case "bool":
      return (v) => (typeof v === "boolean" ? (v ? 1 : 0) : v === 0 || v === 1 ? v : undefined);
    case "string":
      // onnxruntime-node cuts a string at its first NUL: refuse it rather than score "a" for "a\0b".
      return (v) => (typeof v === "string" && !v.includes("\0") ? v : undefined);
  }
}

export function compatible(fieldType: ElementType, feedType: ElementType): boolean {
  const from = familyOf(fieldType);
  const to = familyOf(feedType);
  if (to === "string" || from === "string") return from === to;
  return true;
}

export function putFor(fieldType: ElementType, feedType: ElementType): Put {
  const accept = acceptor(fieldType);
  if (feedType === "int64" || feedType === "uint64") {
    return (target, index, value) => {
      const v = accept(value);
      if (v === undefined) return false;
      // A float field feeding an int64 input is truncated as NumPy's astype would.
      (target as BigInt64Array)[index] = typeof v === "bigint" ? v : BigInt(Math.trunc(v as number));
      return true;
    };
  }
  if (feedType === "string") {
    return (target, index, value) => {
      const v = accept(value);
      if (v === undefined) return false;
      (target as string[])[index] = v as string;
      return true;
    };
  }
  return (target, index, value) => {
    const v = accept(value);
    if (v === undefined) return false;
    (target as Float32Array)[index] = Number(v);
    return true;
  };
}

/** pandas' default `na_values`: the texts `read_csv` turns into a missing float. */
const PANDAS_NA_TEXTS = new Set([
  "",
  "#N/A",
  "#N/A N/A",
  "#NA",
  "-1.#IND",
  "-1.#QNAN",
  "-NaN",
  "-nan",
  "1.#IND",
  "1.#QNAN",
  "<NA>",
  "N/A",
  "NA",
  "NULL",
  "NaN",
  "None",
  "n/a",
  "nan",
  "null",
]);

/**
 * Text cells (CSV) read the way pandas reads them with the signature's dtypes: numbers, its
 * missing-value texts ("", NA, NaN, null, …) as a missing float, True/False for booleans.
 * Returns a JSON-like value for `Put`.
 */
export function fromText(type: ElementType, text: string): unknown {
  switch (familyOf(type)) {
    case "float": {
      const t = text.trim();
      if (PANDAS_NA_TEXTS.has(t)) return null;
      const n = Number(t);
      return Number.isNaN(n) ? text : n;
    }
    case "int":
      return /^\s*[-+]?\d+\s*$/.test(text) ? Number(text) : text;
    case "bool": {
      const t = text.trim().toLowerCase();
      return t === "true" || t === "1" ? true : t === "false" || t === "0" ? false : text;
    }
    case "string":
      return text;
  }
}
