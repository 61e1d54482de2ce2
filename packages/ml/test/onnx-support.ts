/**
 * Test support for the ONNX export suites: run an exported model in onnxruntime-node on a frame's
 * columns (the input convention of src/onnx/input-convention.ts), and compare numbers.
 */
import * as ort from "onnxruntime-node";
import { expect } from "vitest";
import type { Frame } from "../src/frame/frame.js";
import { frameToOnnxFeeds, type OnnxFeed } from "../src/onnx/input-convention.js";

export type OrtOutputs = Record<string, ort.Tensor>;

export function toOrtFeeds(feeds: Record<string, OnnxFeed>): Record<string, ort.Tensor> {
  const out: Record<string, ort.Tensor> = {};
  for (const [name, feed] of Object.entries(feeds)) {
    out[name] =
      feed.type === "float64"
        ? new ort.Tensor("float64", feed.data, [...feed.dims])
        : new ort.Tensor("string", feed.data, [...feed.dims]);
  }
  return out;
}

/** Runs the model on the frame's columns that are graph inputs. */
export async function runOnnx(bytes: Uint8Array, frame: Frame, missingString?: string): Promise<OrtOutputs> {
  const session = await ort.InferenceSession.create(bytes, { intraOpNumThreads: 1, interOpNumThreads: 1 });
  try {
    const feeds = toOrtFeeds(frameToOnnxFeeds(frame, session.inputNames, missingString));
    return (await session.run(feeds)) as OrtOutputs;
  } finally {
    await session.release();
  }
}

export function numbersOf(tensor: ort.Tensor | undefined): Float64Array {
  if (!tensor) throw new Error("missing output");
  return Float64Array.from(tensor.data as Float64Array);
}

export function stringsOf(tensor: ort.Tensor | undefined): string[] {
  if (!tensor) throw new Error("missing output");
  return Array.from(tensor.data as string[]);
}

/** max |a − b|, with NaN equal to NaN (and NaN against a number an infinite difference). */
export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let max = 0;
  for (let i = 0; i < a.length; i++) {
    const x = a[i]!;
    const y = b[i]!;
    if (Number.isNaN(x) && Number.isNaN(y)) continue;
    const d = Number.isNaN(x) || Number.isNaN(y) ? Number.POSITIVE_INFINITY : Math.abs(x - y);
    if (d > max) max = d;
  }
  return max;
}

/** Parity figures gathered by a suite, printed once at the end for the record. */
export class ParityReport {
  private readonly rows: string[] = [];
  add(what: string, maxDiff: number, extra = ""): void {
    this.rows.push(`${what.padEnd(58)} max |Δ| ${maxDiff.toExponential(2)}${extra ? `  ${extra}` : ""}`);
  }
  print(title: string): void {
    console.log(`${title}\n${this.rows.join("\n")}`);
  }
}
