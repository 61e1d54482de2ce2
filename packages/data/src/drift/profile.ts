import { invalidParameter } from "@gyre/core/errors";
import { type IndexedCategories, indexCategories } from "./categories.js";
import type { DriftColumnInput } from "./columns.js";
import { type DriftColumnType, driftColumnType } from "./selection.js";
import { SortScratch } from "./sort.js";
import {
  type CategoricalSummary,
  type ColumnSummary,
  type NumericSummary,
  presentCategories,
  summariseCategorical,
  summariseNumeric,
} from "./summary.js";

/**
 * A reference prepared once for many drift runs: per column its summary (sorted distinct values
 * with counts, or category counts with a label index) and its Evidently column type, inferred on
 * the reference. Immutable; a caller may cache it for as long as the reference does not change.
 */
export interface ReferenceProfile {
  readonly columns: readonly ReferenceColumn[];
  readonly byName: ReadonlyMap<string, ReferenceColumn>;
}

export type ReferenceColumn = NumericReferenceColumn | CategoricalReferenceColumn;

interface ReferenceColumnBase {
  readonly name: string;
  /** Evidently's type: numerical and categorical columns are tested, text is skipped. */
  readonly type: DriftColumnType;
}

export interface NumericReferenceColumn extends ReferenceColumnBase {
  readonly kind: "numeric";
  readonly summary: NumericSummary;
}

export interface CategoricalReferenceColumn extends ReferenceColumnBase {
  readonly kind: "categorical";
  readonly summary: CategoricalSummary;
  readonly categories: IndexedCategories;
}

/** Summarises one input column (the single pass over its values); `scratch` is reused sort memory. */
export function summariseColumn(column: DriftColumnInput, scratch?: SortScratch): ColumnSummary {
  return column.kind === "numeric"
    ? summariseNumeric(column.values, scratch)
    : summariseCategorical(column.codes, column.dictionary, column.name);
}

/** The profile of a reference from its columns' summaries (computed here or by worker threads). */
export function profileFromSummaries(
  columns: readonly DriftColumnInput[],
  summaries: readonly ColumnSummary[],
): ReferenceProfile {
  const seen = new Set<string>();
  const out = columns.map((column, i): ReferenceColumn => {
    if (seen.has(column.name)) throw invalidParameter(`reference: column "${column.name}" appears twice`);
    seen.add(column.name);
    const summary = summaries[i]!;
    if (summary.kind === "numeric" && column.kind === "numeric") {
      const type =
        column.type ?? driftColumnType(column.family ?? "float", summary.values.length, summary.rows);
      return { name: column.name, kind: "numeric", type, summary };
    }
    if (summary.kind === "categorical" && column.kind === "categorical") {
      if (column.type !== undefined && column.type !== "categorical") {
        throw invalidParameter(
          `reference: column "${column.name}" holds categories; it cannot be ${column.type}`,
        );
      }
      const type =
        column.type ?? driftColumnType(column.family ?? "string", presentCategories(summary), summary.rows);
      return { name: column.name, kind: "categorical", type, summary, categories: indexCategories(summary) };
    }
    throw new Error(`summary ${i} (${summary.kind}) does not match column "${column.name}" (${column.kind})`);
  });
  return { columns: out, byName: new Map(out.map((c) => [c.name, c])) };
}

/** Prepares a reference in the calling thread (see `prepareReference` for the parallel form). */
export function prepareReferenceSync(columns: readonly DriftColumnInput[]): ReferenceProfile {
  const scratch = new SortScratch();
  return profileFromSummaries(
    columns,
    columns.map((c) => summariseColumn(c, scratch)),
  );
}

/** The column type a reference column has for drift (text and the like are not tested). */
export function testedType(column: ReferenceColumn): "numerical" | "categorical" | undefined {
  return column.type === "numerical" || column.type === "categorical" ? column.type : undefined;
}
