import { invalidParameter } from "@gyre/core/errors";
import { fillEmptyBins, histogramCounts, STURGES_MIN_REFERENCE_VALUES, sturgesEdges } from "./binning.js";
import {
  type AlignedCategories,
  alignLabels,
  alignValues,
  knownOnly,
  type NewCategories,
  newCategories,
} from "./categories.js";
import { compareEcdfs, type EcdfComparison } from "./ecdf.js";
import { ks2SamplePValue } from "./ks.js";
import { checkThreshold, type DriftMethod, METHOD_INFO, scoreDrifts } from "./methods.js";
import type { ReferenceColumn } from "./profile.js";
import { selectDriftTest } from "./selection.js";
import {
  chiSquareTest,
  jensenShannon,
  klDivergence,
  normedWasserstein,
  populationStabilityIndex,
  zTest,
} from "./statistics.js";
import type { CategoricalSummary, ColumnSummary, NumericSummary } from "./summary.js";

/**
 * What to do with categories the current window has and the reference never had:
 * - `separate` (default): the hypothesis tests (chisquare, z) run over the reference's categories
 *   only, the current's rows in new categories set aside; the distances (jensenshannon, psi, kl)
 *   keep them as mass, as Evidently does (their share adds a finite amount). Either way they are
 *   reported in the column's `new_categories`.
 * - `include`: Evidently's behaviour for every method: χ² expects 0 rows of a new category, so
 *   χ² = ∞ and p = 0 and the column drifts however rare the category is.
 */
export type NewCategoryPolicy = "separate" | "include";

/** The binning behind a binned method or a plot (see binning.ts). */
export type Binning = { kind: "sturges"; bins: number } | { kind: "values"; bins: number };

/** Both sides' counts for a plot: equal-width bins, or categories (the largest ones, then "other"). */
export type Distribution =
  | { kind: "bins"; edges: number[]; reference: number[]; current: number[] }
  | {
      kind: "categories";
      labels: string[];
      reference: number[];
      current: number[];
      /** Whether each category is new (absent from the reference). */
      new: boolean[];
      /** Rows in the categories not listed, per side (0 when all are listed). */
      other: { reference: number; current: number };
    };

/** Categories listed by name in a plot; the rest are summed into "other". */
export const PLOT_CATEGORIES = 20;

export interface ColumnDriftResult {
  name: string;
  column_type: "numerical" | "categorical";
  method: DriftMethod;
  /** Whether the method came from the automatic rule or from an override. */
  method_source: "auto" | "override";
  /** KS D, χ², z, normed Wasserstein, JS distance, PSI or KL. */
  statistic: number;
  /** The p-value of ks, chisquare and z; null for the distances. */
  p_value: number | null;
  threshold: number;
  drifted: boolean;
  /** Non-missing values per side, and missing ones (null, NaN, ±Infinity). */
  reference_rows: number;
  current_rows: number;
  reference_missing: number;
  current_missing: number;
  /** Distinct values of reference and current together (the automatic rule's u). */
  distinct: number;
  /** The bins the method compared (chisquare, z, jensenshannon, psi, kl). */
  binning?: Binning;
  /** Categories absent from the reference (whenever the method compares categories). */
  new_categories?: NewCategories;
  distribution: Distribution;
}

export interface ColumnSettings {
  method?: DriftMethod;
  threshold?: number;
  newCategories: NewCategoryPolicy;
}

/**
 * Drift of one column: the automatic method (Evidently's rule on the reference's rows and the
 * union's distinct count) unless overridden, its statistic from the two summaries, the verdict.
 * Returns a reason string when the column cannot be tested.
 */
export function columnDrift(
  reference: ReferenceColumn,
  current: ColumnSummary,
  settings: ColumnSettings,
): ColumnDriftResult | string {
  const type = reference.type;
  if (type !== "numerical" && type !== "categorical") {
    return `${type} column: the drift methods do not cover it`;
  }
  if (reference.kind !== current.kind) {
    return `types differ (${reference.kind} in the reference, ${current.kind} now)`;
  }
  const ref = reference.summary;
  if (ref.rows === 0 || current.rows === 0) return "no non-missing values on one side";
  if (settings.method && METHOD_INFO[settings.method].numericalOnly && type !== "numerical") {
    throw invalidParameter(
      `method for "${reference.name}": ${settings.method} needs a numerical column; "${reference.name}" is ${type}`,
    );
  }
  const view =
    reference.kind === "categorical"
      ? labelView(reference.categories, current as CategoricalSummary)
      : numericView(ref as NumericSummary, current as NumericSummary, type);
  const auto = selectDriftTest(type, ref.rows, view.distinct).test;
  const method = settings.method ?? auto;
  const threshold =
    settings.threshold === undefined
      ? METHOD_INFO[method].threshold
      : checkThreshold(method, settings.threshold, `thresholds.${reference.name}`);
  const outcome = view.run(method, settings.newCategories);
  const score = outcome.pValue ?? outcome.statistic;
  return {
    name: reference.name,
    column_type: type,
    method,
    method_source: settings.method ? "override" : "auto",
    statistic: outcome.statistic,
    p_value: outcome.pValue ?? null,
    threshold,
    drifted: scoreDrifts(method, score, threshold),
    reference_rows: ref.rows,
    current_rows: current.rows,
    reference_missing: ref.missing,
    current_missing: current.missing,
    distinct: view.distinct,
    ...(outcome.binning ? { binning: outcome.binning } : {}),
    ...(outcome.categories ? { new_categories: newCategories(outcome.categories, current.rows) } : {}),
    distribution: view.distribution(),
  };
}

interface Outcome {
  statistic: number;
  pValue?: number;
  binning?: Binning;
  /** The categories compared, when the method compared categories. */
  categories?: AlignedCategories;
}

interface ColumnView {
  distinct: number;
  run(method: DriftMethod, policy: NewCategoryPolicy): Outcome;
  distribution(): Distribution;
}

/** A categorical column: every method compares the aligned category counts. */
function labelView(reference: Parameters<typeof alignLabels>[0], current: CategoricalSummary): ColumnView {
  const categories = alignLabels(reference, current);
  return {
    distinct: categories.reference.length,
    run: (method, policy) => categoryOutcome(method, categories, policy),
    distribution: () => categoryDistribution(categories, true),
  };
}

/**
 * A numeric column: the ECDF merge (union distinct count, KS, Wasserstein) once; categories of
 * values or Sturges bins only when a method or the plot asks for them, each built at most once.
 */
function numericView(
  reference: NumericSummary,
  current: NumericSummary,
  type: "numerical" | "categorical",
): ColumnView {
  let ecdf: EcdfComparison | undefined;
  let values: AlignedCategories | undefined;
  let bins: { edges: Float64Array; reference: Float64Array; current: Float64Array } | undefined;
  const merged = () => {
    ecdf ??= compareEcdfs(reference, current);
    return ecdf;
  };
  const asValues = () => {
    values ??= alignValues(reference, current);
    return values;
  };
  // Evidently bins numerical columns with > 20 reference values; everything else by value.
  const binned = type === "numerical" && reference.values.length > STURGES_MIN_REFERENCE_VALUES;
  const sturges = () => {
    if (!bins) {
      const min = Math.min(reference.values[0]!, current.values[0]!);
      const max = Math.max(reference.values.at(-1)!, current.values.at(-1)!);
      const edges = sturgesEdges(min, max, reference.rows + current.rows);
      bins = {
        edges,
        reference: histogramCounts(reference, edges),
        current: histogramCounts(current, edges),
      };
    }
    return bins;
  };
  return {
    distinct: type === "numerical" ? merged().distinct : asValues().reference.length,
    run(method, policy) {
      switch (method) {
        case "ks": {
          const { ks } = merged();
          return { statistic: ks, pValue: ks2SamplePValue(reference.rows, current.rows, ks) };
        }
        case "wasserstein":
          return normedWasserstein(merged().wasserstein, reference.std);
        case "chisquare":
        case "z":
          return categoryOutcome(method, asValues(), policy);
        default: {
          if (!binned) return categoryOutcome(method, asValues(), policy);
          const b = sturges();
          return { ...shareDistance(method, b.reference, b.current), binning: sturgesBinning(b.edges) };
        }
      }
    },
    distribution(): Distribution {
      if (!binned) return categoryDistribution(asValues(), false);
      const b = sturges();
      return {
        kind: "bins",
        edges: Array.from(b.edges),
        reference: Array.from(b.reference),
        current: Array.from(b.current),
      };
    },
  };
}

function sturgesBinning(edges: Float64Array): Binning {
  return { kind: "sturges", bins: edges.length - 1 };
}

/** A method over category counts, with the new-category policy applied to the hypothesis tests. */
function categoryOutcome(
  method: DriftMethod,
  categories: AlignedCategories,
  policy: NewCategoryPolicy,
): Outcome {
  const binning: Binning = { kind: "values", bins: categories.reference.length };
  if (method === "chisquare" || method === "z") {
    const counts = policy === "include" ? categories : knownOnly(categories);
    return { ...hypothesisTest(method, counts.reference, counts.current), binning, categories };
  }
  if (method === "ks" || method === "wasserstein") throw new Error(`${method} does not compare categories`);
  return { ...shareDistance(method, categories.reference, categories.current), binning, categories };
}

/**
 * χ² or z over aligned counts. Set-aside new categories can leave degenerate inputs: no current row
 * in a reference category (every value is new) drifts with p = 0; a single reference category
 * leaves nothing to compare (p = 1), where scipy would answer NaN for χ² with 0 degrees of freedom.
 */
function hypothesisTest(method: "chisquare" | "z", reference: Float64Array, current: Float64Array) {
  let currentRows = 0;
  for (const c of current) currentRows += c;
  if (currentRows === 0) return { statistic: Number.POSITIVE_INFINITY, pValue: 0 };
  if (method === "z") return zTest(reference, current);
  if (reference.length < 2) return { statistic: 0, pValue: 1 };
  return chiSquareTest(reference, current);
}

/** jensenshannon, psi or kl over two count vectors (shares = counts / side total). */
function shareDistance(method: DriftMethod, reference: Float64Array, current: Float64Array): Outcome {
  if (method === "jensenshannon") return jensenShannon(reference, current);
  const r = fillEmptyBins(shares(reference));
  const c = fillEmptyBins(shares(current));
  if (method === "psi") return { statistic: populationStabilityIndex(r, c) };
  if (method === "kl") return { statistic: klDivergence(r, c) };
  throw new Error(`${method} is not a share distance`);
}

function shares(counts: Float64Array): Float64Array {
  let total = 0;
  for (const c of counts) total += c;
  return counts.map((c) => c / total);
}

/**
 * The largest categories (by the larger of their two shares) by name, the rest as "other"; labels
 * largest first, numbers used as categories in their own order.
 */
function categoryDistribution(categories: AlignedCategories, byWeight: boolean): Distribution {
  const { reference, current, isNew } = categories;
  let rTotal = 0;
  let cTotal = 0;
  for (let i = 0; i < reference.length; i++) {
    rTotal += reference[i]!;
    cTotal += current[i]!;
  }
  const weight = (i: number) => Math.max(reference[i]! / rTotal, current[i]! / cTotal);
  const order = Array.from(reference, (_, i) => i);
  const listed =
    order.length <= PLOT_CATEGORIES && !byWeight
      ? order
      : order.sort((a, b) => weight(b) - weight(a) || a - b);
  const shown = listed.slice(0, PLOT_CATEGORIES);
  if (!byWeight) shown.sort((a, b) => a - b);
  const other = { reference: rTotal, current: cTotal };
  for (const i of shown) {
    other.reference -= reference[i]!;
    other.current -= current[i]!;
  }
  return {
    kind: "categories",
    labels: shown.map((i) => categories.label(i)),
    reference: shown.map((i) => reference[i]!),
    current: shown.map((i) => current[i]!),
    new: shown.map((i) => isNew[i] === 1),
    other,
  };
}
