import type { Cell } from "./columns.js";

/** What quality checks need to know of a reference column (computed once per reference, cached). */
export interface ReferenceColumn {
  readonly name: string;
  readonly kind: "numeric" | "categorical" | "other";
  readonly min?: number;
  readonly max?: number;
  /** Every value of a categorical column, when it has at most MAX_CATEGORIES of them. */
  readonly categories?: readonly string[];
}

export interface ReferenceStats {
  readonly rows: number;
  readonly columns: readonly ReferenceColumn[];
}

export const MAX_CATEGORIES = 1000;

export interface ColumnQuality {
  readonly name: string;
  readonly rows: number;
  readonly missing: number;
  readonly missing_rate: number;
  /** Numeric values outside the reference's [min, max]. */
  readonly out_of_range: number | null;
  readonly out_of_range_rate: number | null;
  /** Categorical values the reference never had, and up to ten of them. */
  readonly new_category: number | null;
  readonly new_category_rate: number | null;
  readonly new_categories: readonly string[];
  /** Not in the reference at all. */
  readonly unknown_column: boolean;
}

export interface Quality {
  readonly columns: readonly ColumnQuality[];
  /** Missing cells / all cells over every column. */
  readonly missing_rate: number | null;
  /** Out-of-range values / values checked (numeric columns with a reference range). */
  readonly out_of_range_rate: number | null;
  /** Values of unseen categories / values checked (categorical columns with a full category list). */
  readonly new_category_rate: number | null;
}

const rate = (part: number, whole: number) => (whole === 0 ? null : part / whole);

/**
 * Per-window data quality against the reference: the missing rate (null, NaN and ±Infinity
 * count as missing), values outside the reference's [min, max] (numeric columns), and values
 * of categories the reference never had (categorical columns whose categories are all known).
 */
export function qualityOf(
  rows: readonly Record<string, Cell>[],
  columns: readonly string[],
  reference: ReferenceStats | undefined,
): Quality {
  const byName = new Map(reference?.columns.map((c) => [c.name, c]));
  let cells = 0;
  let missingCells = 0;
  let rangeChecked = 0;
  let outOfRange = 0;
  let categoryChecked = 0;
  let newCategory = 0;
  const out: ColumnQuality[] = [];
  for (const name of columns) {
    const ref = byName.get(name);
    const categories = ref?.categories ? new Set(ref.categories) : undefined;
    const checkRange = ref?.kind === "numeric" && ref.min !== undefined && ref.max !== undefined;
    let missing = 0;
    let outside = 0;
    let unseen = 0;
    let present = 0;
    const examples = new Set<string>();
    for (const row of rows) {
      const value = row[name];
      if (value === null || value === undefined) {
        missing++;
        continue;
      }
      present++;
      if (checkRange && typeof value === "number" && (value < ref.min! || value > ref.max!)) outside++;
      if (ref?.kind === "categorical" && categories && !categories.has(String(value))) {
        unseen++;
        if (examples.size < 10) examples.add(String(value));
      }
    }
    cells += rows.length;
    missingCells += missing;
    if (checkRange) {
      rangeChecked += present;
      outOfRange += outside;
    }
    const categoryCheck = ref?.kind === "categorical" && categories !== undefined;
    if (categoryCheck) {
      categoryChecked += present;
      newCategory += unseen;
    }
    out.push({
      name,
      rows: rows.length,
      missing,
      missing_rate: rows.length === 0 ? 0 : missing / rows.length,
      out_of_range: checkRange ? outside : null,
      out_of_range_rate: checkRange ? rate(outside, present) : null,
      new_category: categoryCheck ? unseen : null,
      new_category_rate: categoryCheck ? rate(unseen, present) : null,
      new_categories: [...examples].sort(),
      unknown_column: reference !== undefined && ref === undefined,
    });
  }
  return {
    columns: out,
    missing_rate: rate(missingCells, cells),
    out_of_range_rate: rate(outOfRange, rangeChecked),
    new_category_rate: rate(newCategory, categoryChecked),
  };
}
