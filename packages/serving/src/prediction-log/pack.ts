import { ELEMENT_TYPES, type ElementType, type TensorData } from "../runtime/dtypes.js";
import type { InputSchema } from "../runtime/input-schema.js";
import type { LoggedEntry, LoggedSchema, PredictionEntry } from "./record.js";

/**
 * Prediction-log entries packed for the log's worker thread: every tensor's bytes copied into one
 * transferable buffer, the numbers that place them in one Float64Array, and the few strings as
 * arrays — so the event loop pays a copy per entry and one postMessage per batch, and turning
 * tensors into JSON happens on the worker.
 */
export interface PackedBatch {
  readonly count: number;
  /** One per distinct (schema, model, version, arm) in the batch. */
  readonly contexts: readonly PackedContext[];
  /** Output names, referred to by index. */
  readonly names: readonly string[];
  readonly nums: Float64Array;
  readonly bytes: ArrayBuffer;
  /** String tensors (BYTES), which have no fixed-width bytes. */
  readonly strings: readonly (readonly string[])[];
  /** Shadow details, referred to by index. */
  readonly shadows: readonly NonNullable<PredictionEntry["shadow"]>[];
}

interface PackedContext {
  readonly model: string;
  readonly version: string | undefined;
  readonly arm: PredictionEntry["arm"];
  readonly schema: LoggedSchema;
}

const TYPE_CODES = new Map<ElementType, number>(ELEMENT_TYPES.map((type, i) => [type, i]));
const align8 = (n: number) => (n + 7) & ~7;

function byteSize(data: TensorData): number {
  return Array.isArray(data) ? 0 : align8(data.byteLength);
}

/** The plain, cloneable part of an input schema, built once per schema by the caller's cache. */
export function loggedSchema(schema: InputSchema): LoggedSchema {
  return {
    kind: schema.kind,
    fields: schema.fields.map((f) => ({ name: f.name, feed: f.feed, offset: f.offset })),
    feeds: schema.feeds.map((f) => ({ type: f.type })),
  };
}

type Copyable = { set(source: ArrayLike<unknown>, offset: number): void };
type TypedArrayClass = (new (buffer: ArrayBuffer) => Copyable) & { readonly BYTES_PER_ELEMENT: number };

/**
 * Entries packed as they are recorded: each entry's tensors are copied into a growing buffer at
 * once, so the log keeps no reference to a request's objects (nothing for the garbage collector
 * to carry between turns). `finish` hands the buffers over and the builder starts afresh.
 */
export class PackBuilder {
  private bytes = new ArrayBuffer(64 * 1024);
  /** One view per element type over `bytes`: a tensor is copied with one `set`. */
  private views = new Map<TypedArrayClass, Copyable>();
  private at = 0;
  private nums = new Float64Array(4096);
  private n = 0;
  private entries = 0;
  /** A Buffer over `bytes`, for writing request ids as UTF-8 without a string kept per entry. */
  private text: Buffer | undefined;
  private strings: (readonly string[])[] = [];
  private shadows: NonNullable<PredictionEntry["shadow"]>[] = [];
  private names: string[] = [];
  private contexts: PackedContext[] = [];
  private contextIndex = new Map<InputSchema, number[]>();

  /** @param schemas each input schema's plain form, cached across batches by the caller. */
  constructor(private readonly schemas: WeakMap<InputSchema, LoggedSchema>) {}

  get count(): number {
    return this.entries;
  }

  add(entry: PredictionEntry): void {
    const { batch } = entry;
    const outputs = entry.prediction?.outputs;
    // The request id's UTF-8 bytes (at most 3 per UTF-16 unit) go first.
    let bytes = align8(entry.requestId.length * 3);
    let numbers = 10;
    for (let f = 0; f < batch.data.length; f++) {
      bytes += byteSize(batch.data[f]!);
      numbers += 3 + batch.rowShapes[f]!.length;
    }
    if (outputs) {
      for (const output of outputs) {
        bytes += byteSize(output.data);
        numbers += 5 + output.shape.length;
      }
    }
    this.reserve(bytes, numbers);

    this.entries++;
    const nums = this.nums;
    this.text ??= Buffer.from(this.bytes);
    const idBytes = this.text.write(entry.requestId, this.at, "utf8");
    nums[this.n++] = this.at;
    nums[this.n++] = idBytes;
    this.at += align8(idBytes);
    nums[this.n++] = entry.receivedAt;
    nums[this.n++] = entry.latencyMs;
    nums[this.n++] = this.contextOf(entry);
    nums[this.n++] = batch.rows;
    nums[this.n++] = entry.shadow ? this.shadows.push(entry.shadow) - 1 : -1;
    nums[this.n++] = batch.data.length;
    for (let f = 0; f < batch.data.length; f++) {
      this.shape(batch.rowShapes[f]!);
      this.place(batch.data[f]!);
    }
    nums[this.n++] = outputs ? 1 : 0;
    nums[this.n++] = outputs?.length ?? 0;
    if (outputs) {
      for (const output of outputs) {
        nums[this.n++] = this.nameOf(output.name);
        nums[this.n++] = TYPE_CODES.get(output.type)!;
        this.shape(output.shape);
        this.place(output.data);
      }
    }
  }

  /** The batch so far, and the buffer to transfer with it; the builder is empty afterwards. */
  finish(): { batch: PackedBatch; transfer: ArrayBuffer[] } {
    // Handed over whole (a transfer moves, never copies); the next batch gets fresh buffers of the same size.
    const batch: PackedBatch = {
      count: this.entries,
      contexts: this.contexts,
      names: this.names,
      nums: this.nums,
      bytes: this.bytes,
      strings: this.strings,
      shadows: this.shadows,
    };
    this.bytes = new ArrayBuffer(this.bytes.byteLength);
    this.views = new Map();
    this.text = undefined;
    this.at = 0;
    this.nums = new Float64Array(this.nums.length);
    this.n = 0;
    this.entries = 0;
    this.text = undefined;
    this.strings = [];
    this.shadows = [];
    this.names = [];
    this.contexts = [];
    this.contextIndex = new Map();
    return { batch, transfer: [batch.bytes, batch.nums.buffer as ArrayBuffer] };
  }

  private reserve(bytes: number, numbers: number): void {
    if (this.at + bytes > this.bytes.byteLength) {
      const grown = new ArrayBuffer(Math.max(this.bytes.byteLength * 2, this.at + bytes));
      new Uint8Array(grown).set(new Uint8Array(this.bytes, 0, this.at));
      this.bytes = grown;
      this.views = new Map();
      this.text = undefined;
    }
    if (this.n + numbers > this.nums.length) {
      const grown = new Float64Array(Math.max(this.nums.length * 2, this.n + numbers));
      grown.set(this.nums.subarray(0, this.n));
      this.nums = grown;
    }
  }

  private shape(dims: readonly number[]): void {
    this.nums[this.n++] = dims.length;
    for (let d = 0; d < dims.length; d++) this.nums[this.n++] = dims[d]!;
  }

  private place(data: TensorData): void {
    const nums = this.nums;
    if (Array.isArray(data)) {
      nums[this.n++] = -(this.strings.length + 1);
      nums[this.n++] = data.length;
      this.strings.push(data);
      return;
    }
    const type = data.constructor as TypedArrayClass;
    let view = this.views.get(type);
    if (!view) {
      view = new type(this.bytes);
      this.views.set(type, view);
    }
    view.set(data as ArrayLike<unknown>, this.at / type.BYTES_PER_ELEMENT);
    nums[this.n++] = this.at;
    nums[this.n++] = data.length;
    this.at += align8(data.byteLength);
  }

  private nameOf(name: string): number {
    const i = this.names.indexOf(name);
    return i >= 0 ? i : this.names.push(name) - 1;
  }

  private contextOf(entry: PredictionEntry): number {
    let candidates = this.contextIndex.get(entry.schema);
    if (!candidates) {
      candidates = [];
      this.contextIndex.set(entry.schema, candidates);
    }
    for (const i of candidates) {
      const c = this.contexts[i]!;
      if (c.model === entry.model && c.version === entry.version && c.arm === entry.arm) return i;
    }
    let schema = this.schemas.get(entry.schema);
    if (!schema) {
      schema = loggedSchema(entry.schema);
      this.schemas.set(entry.schema, schema);
    }
    const index =
      this.contexts.push({ model: entry.model, version: entry.version, arm: entry.arm, schema }) - 1;
    candidates.push(index);
    return index;
  }
}

/** Views of a packed batch's tensors as the typed arrays they were (no copies). */
function tensor(batch: PackedBatch, type: ElementType, where: number, length: number): TensorData {
  if (where < 0) return batch.strings[-where - 1] as string[];
  switch (type) {
    case "float32":
      return new Float32Array(batch.bytes, where, length);
    case "float64":
      return new Float64Array(batch.bytes, where, length);
    case "int8":
      return new Int8Array(batch.bytes, where, length);
    case "int16":
      return new Int16Array(batch.bytes, where, length);
    case "int32":
      return new Int32Array(batch.bytes, where, length);
    case "int64":
      return new BigInt64Array(batch.bytes, where, length);
    case "uint8":
    case "bool":
      return new Uint8Array(batch.bytes, where, length);
    case "uint16":
      return new Uint16Array(batch.bytes, where, length);
    case "uint32":
      return new Uint32Array(batch.bytes, where, length);
    case "uint64":
      return new BigUint64Array(batch.bytes, where, length);
    case "string":
      return batch.strings[-where - 1] as string[];
  }
}

/** The entries of a packed batch, in the shape `toRecord` reads. */
export function unpackEntries(batch: PackedBatch): LoggedEntry[] {
  const nums = batch.nums;
  let i = 0;
  const dims = (): number[] => {
    const rank = nums[i++]!;
    const shape: number[] = [];
    for (let d = 0; d < rank; d++) shape.push(nums[i++]!);
    return shape;
  };
  const entries: LoggedEntry[] = [];
  const text = Buffer.from(batch.bytes);
  for (let e = 0; e < batch.count; e++) {
    const idAt = nums[i++]!;
    const requestId = text.toString("utf8", idAt, idAt + nums[i++]!);
    const receivedAt = nums[i++]!;
    const latencyMs = nums[i++]!;
    const context = batch.contexts[nums[i++]!]!;
    const rows = nums[i++]!;
    const shadow = nums[i++]!;
    const feeds = nums[i++]!;
    const rowShapes: number[][] = [];
    const data: TensorData[] = [];
    for (let f = 0; f < feeds; f++) {
      rowShapes.push(dims());
      const where = nums[i++]!;
      const length = nums[i++]!;
      data.push(tensor(batch, context.schema.feeds[f]!.type, where, length));
    }
    const hasPrediction = nums[i++]! === 1;
    const count = nums[i++]!;
    const outputs = [];
    for (let o = 0; o < count; o++) {
      const name = batch.names[nums[i++]!]!;
      const type = ELEMENT_TYPES[nums[i++]!]!;
      const shape = dims();
      const where = nums[i++]!;
      const length = nums[i++]!;
      outputs.push({ name, type, shape, data: tensor(batch, type, where, length) });
    }
    entries.push({
      requestId,
      receivedAt,
      model: context.model,
      version: context.version,
      arm: context.arm,
      latencyMs,
      schema: context.schema,
      batch: { rows, data, rowShapes },
      prediction: hasPrediction ? { outputs } : undefined,
      ...(shadow >= 0 ? { shadow: batch.shadows[shadow]! } : {}),
    });
  }
  return entries;
}
