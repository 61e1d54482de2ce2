import type { Frame } from "../frame/frame.js";

/** A dense row-major float matrix: row i's values are data[i * nCols .. (i + 1) * nCols). */
export interface DenseMatrix {
  readonly data: Float64Array;
  readonly nRows: number;
  readonly nCols: number;
}

export function isDenseMatrix(x: Frame | DenseMatrix): x is DenseMatrix {
  return (x as DenseMatrix).data instanceof Float64Array;
}

/** A frame of numeric columns as a dense matrix; missing values and categorical columns are errors. */
export function denseFromFrame(frame: Frame, columns?: readonly string[]): DenseMatrix {
  const picked = columns
    ? columns.map((name) => {
        const c = frame.columns.find((col) => col.name === name);
        if (!c) throw new Error(`No column '${name}' in frame`);
        return c;
      })
    : frame.columns;
  const d = picked.length;
  const n = frame.nRows;
  const data = new Float64Array(n * d);
  picked.forEach((c, j) => {
    if (c.kind !== "numeric")
      throw new Error(`Column '${c.name}' is categorical; k-means needs numeric columns`);
    for (let i = 0; i < n; i++) {
      const v = c.values[i]!;
      if (Number.isNaN(v))
        throw new Error(`Column '${c.name}' has a missing value at row ${i}; impute first`);
      data[i * d + j] = v;
    }
  });
  return { data, nRows: n, nCols: d };
}

/** Squared Euclidean distance between row slices of two row-major matrices. */
export function squaredDistance(
  a: Float64Array,
  aOffset: number,
  b: Float64Array,
  bOffset: number,
  d: number,
): number {
  let s = 0;
  for (let j = 0; j < d; j++) {
    const r = a[aOffset + j]! - b[bOffset + j]!;
    s += r * r;
  }
  return s;
}
