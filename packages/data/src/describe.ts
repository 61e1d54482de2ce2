import type { Expectation } from "@gyre/core";

function range(min: number | undefined, max: number | undefined): string {
  if (min !== undefined && max !== undefined) return `between ${min} and ${max}`;
  return min !== undefined ? `≥ ${min}` : `≤ ${max}`;
}

const shown = (values: readonly unknown[]) => values.map((v) => JSON.stringify(v)).join(", ");

/** The expectation in words, for reports: `values of "bill_length_mm" between 30 and 60`. */
export function describeExpectation(e: Expectation): string {
  const text = describeRule(e);
  return e.name ? `${e.name}: ${text}` : text;
}

function describeRule(e: Expectation): string {
  switch (e.kind) {
    case "column_exists":
      return `column "${e.column}" exists${e.type ? ` with type ${e.type}` : ""}`;
    case "missing_share":
      return `missing share of "${e.column}" ≤ ${e.max}`;
    case "values_in_range":
      return `values of "${e.column}" ${range(e.min, e.max)}`;
    case "values_in_set":
      return `values of "${e.column}" in {${shown(e.values)}}`;
    case "unique":
      return `values of "${e.column}" unique`;
    case "regex":
      return `values of "${e.column}" match /${e.pattern}/`;
    case "row_count":
      return `row count ${range(e.min, e.max)}`;
    case "mean_between":
      return `mean of "${e.column}" ${range(e.min, e.max)}`;
    case "std_between":
      return `standard deviation of "${e.column}" ${range(e.min, e.max)}`;
    case "no_drift":
      return `no drift${e.reference ? ` against ${e.reference}` : ""}${e.columns ? ` in ${shown(e.columns)}` : ""}`;
  }
}
