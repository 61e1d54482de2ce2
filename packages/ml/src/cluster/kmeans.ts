import type { Frame } from "../frame/frame.js";
import { expectKind, type KindedJson, numberField, objectField, strings } from "../pipeline/json.js";
import { SeededRandom } from "../trees/random.js";
import { decodeFloat64, type EncodedArray, encodeFloat64 } from "../trees/typed-array-codec.js";
import { type DenseMatrix, denseFromFrame, isDenseMatrix, squaredDistance } from "./dense-matrix.js";
import { lloydHamerly } from "./hamerly.js";

/**
 * k-means as scikit-learn's KMeans(algorithm="lloyd"): greedy k-means++ seeding (2 + ⌊ln k⌋ candidate
 * centres per step, keeping the one that lowers the potential most), then Lloyd iterations (sped up
 * with Hamerly's bounds, same iterates) until the labels stop changing or the centres move less than
 * tol × (mean feature variance) in total squared distance. The best of `nInit` seeded runs (lowest inertia) is kept. nInit defaults to 1, which is
 * scikit-learn ≥ 1.4's "auto" for k-means++ (1.2 defaulted to 10).
 */
export type KMeansParams = {
  readonly nClusters: number;
  readonly nInit: number;
  readonly maxIter: number;
  readonly tol: number;
  readonly seed: number;
};

const KMEANS_DEFAULTS: KMeansParams = { nClusters: 8, nInit: 1, maxIter: 300, tol: 1e-4, seed: 0 };

export class KMeans {
  readonly kind = "kmeans";
  readonly params: KMeansParams;

  constructor(params: Partial<KMeansParams> = {}) {
    this.params = { ...KMEANS_DEFAULTS, ...params };
    const { nClusters, nInit, maxIter } = this.params;
    if (!Number.isInteger(nClusters) || nClusters < 1)
      throw new Error("nClusters must be a positive integer");
    if (!Number.isInteger(nInit) || nInit < 1) throw new Error("nInit must be a positive integer");
    if (!Number.isInteger(maxIter) || maxIter < 1) throw new Error("maxIter must be a positive integer");
  }

  /** Fits on a frame of numeric columns (no missing values) or a dense matrix. */
  fit(x: Frame | DenseMatrix): KMeansModel {
    const columns = isDenseMatrix(x) ? null : x.columns.map((c) => c.name);
    const matrix = isDenseMatrix(x) ? x : denseFromFrame(x);
    const { nClusters: k, nInit, maxIter, seed } = this.params;
    if (matrix.nRows < k)
      throw new Error(`k-means needs at least nClusters = ${k} rows, got ${matrix.nRows}`);
    const tol = this.params.tol * meanVariance(matrix);
    const random = new SeededRandom(seed);
    let best: KMeansRun | undefined;
    for (let run = 0; run < nInit; run++) {
      const result = lloyd(matrix, kMeansPlusPlus(matrix, k, random), maxIter, tol);
      if (!best || result.inertia < best.inertia) best = result;
    }
    const { centers, labels, inertia, nIter } = best!;
    return new KMeansModel(this.params, centers, matrix.nCols, columns, inertia, nIter, labels);
  }
}

export class KMeansModel {
  readonly kind = "kmeans";

  constructor(
    readonly params: KMeansParams,
    /** Cluster centres, row-major (nClusters × nFeatures). */
    readonly clusterCenters: Float64Array,
    readonly nFeatures: number,
    /** Column names when fitted on a frame: predict reads the same columns. */
    readonly columns: readonly string[] | null,
    /** Sum of squared distances of the training rows to their closest centre. */
    readonly inertia: number,
    readonly nIter: number,
    /** The training rows' clusters (empty for a model loaded from JSON). */
    readonly labels: Int32Array = new Int32Array(0),
  ) {}

  /** Closest centre of each row. */
  predict(x: Frame | DenseMatrix): Int32Array {
    const matrix = isDenseMatrix(x) ? x : denseFromFrame(x, this.columns ?? undefined);
    if (matrix.nCols !== this.nFeatures)
      throw new Error(`Expected ${this.nFeatures} features, got ${matrix.nCols}`);
    const labels = new Int32Array(matrix.nRows);
    assign(matrix, this.clusterCenters, this.params.nClusters, labels, new Float64Array(matrix.nRows));
    return labels;
  }

  toJSON(): KindedJson {
    return {
      kind: this.kind,
      params: this.params,
      columns: this.columns ? [...this.columns] : null,
      nFeatures: this.nFeatures,
      clusterCenters: encodeFloat64(this.clusterCenters),
      inertia: this.inertia,
      nIter: this.nIter,
    };
  }

  static fromJSON(json: KindedJson): KMeansModel {
    expectKind(json, "kmeans");
    const params = objectField(json.params, "kmeans.params") as unknown as KMeansParams;
    const columns = json.columns === null ? null : strings(json.columns, "kmeans.columns");
    const centers = decodeFloat64(
      objectField(json.clusterCenters, "kmeans.clusterCenters") as unknown as EncodedArray,
    );
    const nFeatures = numberField(json.nFeatures, "kmeans.nFeatures");
    if (centers.length !== params.nClusters * nFeatures)
      throw new Error("kmeans: centres do not match nClusters × nFeatures");
    return new KMeansModel(
      params,
      centers,
      nFeatures,
      columns,
      numberField(json.inertia, "kmeans.inertia"),
      numberField(json.nIter, "kmeans.nIter"),
    );
  }
}

interface KMeansRun {
  readonly centers: Float64Array;
  readonly labels: Int32Array;
  readonly inertia: number;
  readonly nIter: number;
}

/** Mean over features of the population variance (scikit-learn scales tol by it). */
function meanVariance(x: DenseMatrix): number {
  const { data, nRows: n, nCols: d } = x;
  let total = 0;
  for (let j = 0; j < d; j++) {
    let mean = 0;
    for (let i = 0; i < n; i++) mean += data[i * d + j]!;
    mean /= n;
    let ss = 0;
    for (let i = 0; i < n; i++) {
      const r = data[i * d + j]! - mean;
      ss += r * r;
    }
    total += ss / n;
  }
  return total / d;
}

/** Greedy k-means++ (scikit-learn's `_kmeans_plusplus`). */
export function kMeansPlusPlus(x: DenseMatrix, k: number, random: SeededRandom): Float64Array {
  const { data, nRows: n, nCols: d } = x;
  const centers = new Float64Array(k * d);
  const trials = 2 + Math.floor(Math.log(k));
  const first = random.nextInt(n);
  centers.set(data.subarray(first * d, first * d + d), 0);
  let closest = new Float64Array(n);
  let potential = 0;
  for (let i = 0; i < n; i++) {
    closest[i] = squaredDistance(data, i * d, centers, 0, d);
    potential += closest[i]!;
  }
  let candidateClosest = new Float64Array(n);
  let bestClosest = new Float64Array(n);
  const cumulative = new Float64Array(n);
  for (let c = 1; c < k; c++) {
    let running = 0;
    for (let i = 0; i < n; i++) {
      running += closest[i]!;
      cumulative[i] = running;
    }
    let bestPotential = Number.POSITIVE_INFINITY;
    let bestCandidate = 0;
    for (let t = 0; t < trials; t++) {
      const candidate = Math.min(n - 1, searchSorted(cumulative, random.next() * potential));
      let candidatePotential = 0;
      for (let i = 0; i < n; i++) {
        const dist = Math.min(closest[i]!, squaredDistance(data, i * d, data, candidate * d, d));
        candidateClosest[i] = dist;
        candidatePotential += dist;
      }
      if (candidatePotential < bestPotential) {
        bestPotential = candidatePotential;
        bestCandidate = candidate;
        [bestClosest, candidateClosest] = [candidateClosest, bestClosest];
      }
    }
    centers.set(data.subarray(bestCandidate * d, bestCandidate * d + d), c * d);
    potential = bestPotential;
    [closest, bestClosest] = [bestClosest, closest];
  }
  return centers;
}

/** First index whose cumulative value is >= v (numpy.searchsorted, side "left"). */
function searchSorted(cumulative: Float64Array, v: number): number {
  let lo = 0;
  let hi = cumulative.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (cumulative[mid]! < v) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * Nearest centre of every row (labels) and its squared distance; returns the inertia.
 * Uses ‖x‖² − 2x·c + ‖c‖², so the inner loop is one multiply-add per feature.
 */
function assign(
  x: DenseMatrix,
  centers: Float64Array,
  k: number,
  labels: Int32Array,
  distances: Float64Array,
): number {
  const { data, nRows: n, nCols: d } = x;
  const centerNorms = new Float64Array(k);
  for (let c = 0; c < k; c++) {
    let s = 0;
    for (let j = 0; j < d; j++) s += centers[c * d + j]! ** 2;
    centerNorms[c] = s;
  }
  let inertia = 0;
  for (let i = 0; i < n; i++) {
    const row = i * d;
    let rowNorm = 0;
    for (let j = 0; j < d; j++) rowNorm += data[row + j]! ** 2;
    let best = 0;
    let bestScore = Number.POSITIVE_INFINITY;
    for (let c = 0; c < k; c++) {
      let dot = 0;
      const base = c * d;
      for (let j = 0; j < d; j++) dot += data[row + j]! * centers[base + j]!;
      const score = centerNorms[c]! - 2 * dot;
      if (score < bestScore) {
        bestScore = score;
        best = c;
      }
    }
    labels[i] = best;
    const dist = Math.max(0, rowNorm + bestScore);
    distances[i] = dist;
    inertia += dist;
  }
  return inertia;
}

function lloyd(x: DenseMatrix, initial: Float64Array, maxIter: number, tol: number): KMeansRun {
  const { centers, labels, nIter } = lloydHamerly(x, initial, maxIter, tol);
  // Relabel with the final centres, so labels and inertia describe the centres returned (scikit-learn
  // reruns the assignment step the same way; a no-op when the labels had converged exactly).
  const inertia = assign(x, centers, initial.length / x.nCols, labels, new Float64Array(x.nRows));
  return { centers, labels, inertia, nIter };
}
