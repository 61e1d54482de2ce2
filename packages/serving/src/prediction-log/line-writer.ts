import type { ElementType, TensorData } from "../runtime/dtypes.js";
import { float32Mantissa, float32Places } from "../runtime/float32-text.js";
import type { LoggedEntry, LoggedSchema } from "./record.js";

const QUOTE = 34;
const BACKSLASH = 92;
const ZERO = 48;
const DAY_MS = 86_400_000;

/**
 * Prediction records written as JSON lines straight into bytes: the same text as
 * `JSON.stringify(toRecord(entry))` plus a newline (a property test holds them equal), without the
 * record's arrays or any string per number. The prediction log's worker spends nearly all its time
 * here, and every microsecond it spends is taken from the serving process's cores; building the
 * text through strings cost about three times as much, most of it in garbage collection.
 */
export class JsonLineWriter {
  private buffer = Buffer.allocUnsafe(1 << 20);
  private at = 0;
  /** Per schema, its fields' names as JSON keys (`"name":`). */
  private readonly fieldKeys = new WeakMap<LoggedSchema, readonly string[]>();
  /** The UTC day of the last timestamp: `YYYY-MM-DDT` and the milliseconds it starts at. */
  private dayText = "";
  private dayStart = Number.NaN;

  get length(): number {
    return this.at;
  }

  /**
   * The bytes written since the last take, and an empty writer. They are a view of the writer's
   * buffer: use them up before the next line is written.
   */
  take(): Buffer {
    const bytes = this.buffer.subarray(0, this.at);
    this.at = 0;
    return bytes;
  }

  /** YYYY-MM-DD (UTC) of the entry's arrival: the day partition its line belongs to. */
  dayOf(entry: LoggedEntry): string {
    this.enterDay(entry.receivedAt);
    return this.dayText.slice(0, 10);
  }

  line(entry: LoggedEntry): void {
    const { schema, batch } = entry;
    this.ascii('{"request_id":');
    this.string(entry.requestId);
    this.ascii(',"timestamp":"');
    this.timestamp(entry.receivedAt);
    this.ascii('","model":');
    this.string(entry.model);
    this.ascii(',"version":');
    this.optionalString(entry.version);
    this.ascii(',"arm":');
    this.optionalString(entry.arm);
    this.ascii(',"latency_ms":');
    this.double(Math.round(entry.latencyMs * 1000) / 1000);
    this.ascii(',"inputs":{');
    const keys = this.keysOf(schema);
    for (let i = 0; i < schema.fields.length; i++) {
      const field = schema.fields[i]!;
      const data = batch.data[field.feed]!;
      const rowShape = batch.rowShapes[field.feed]!;
      const type = schema.feeds[field.feed]!.type;
      if (i > 0) this.byte(44);
      this.text(keys[i]!);
      if (schema.kind === "columns") {
        let size = 1;
        for (const d of rowShape) size *= d;
        this.byte(91);
        for (let r = 0; r < batch.rows; r++) {
          if (r > 0) this.byte(44);
          this.element(data, r * size + field.offset, type);
        }
        this.byte(93);
      } else {
        this.nested(data, type, [batch.rows, ...rowShape], 0, 0);
      }
    }
    this.ascii('},"outputs":{');
    const outputs = entry.prediction?.outputs ?? [];
    for (let o = 0; o < outputs.length; o++) {
      const output = outputs[o]!;
      if (o > 0) this.byte(44);
      this.string(output.name);
      this.byte(58);
      this.nested(output.data, output.type, output.shape, 0, 0);
    }
    this.byte(125);
    const shadow = entry.shadow;
    if (shadow) {
      this.ascii(',"primary_version":');
      this.optionalString(shadow.primaryVersion);
      if (shadow.diff) {
        this.ascii(',"diff":');
        this.text(JSON.stringify(shadow.diff));
      }
      if (shadow.error !== undefined) {
        this.ascii(',"error":');
        this.string(shadow.error);
      }
    }
    this.byte(125);
    this.byte(10);
  }

  /** A row-major tensor as nested arrays, `shape[level]` elements from `offset` on. */
  private nested(
    data: TensorData,
    type: ElementType,
    shape: readonly number[],
    level: number,
    offset: number,
  ): void {
    if (shape.length === 0) {
      this.element(data, 0, type);
      return;
    }
    const length = shape[level]!;
    let stride = 1;
    for (let d = level + 1; d < shape.length; d++) stride *= shape[d]!;
    this.byte(91);
    for (let i = 0; i < length; i++) {
      if (i > 0) this.byte(44);
      if (level === shape.length - 1) this.element(data, offset + i, type);
      else this.nested(data, type, shape, level + 1, offset + i * stride);
    }
    this.byte(93);
  }

  /** One element as the record's JSON has it (see `jsonElement` in record.ts). */
  private element(data: TensorData, index: number, type: ElementType): void {
    const value = data[index]!;
    if (type === "float32") this.float32(value as number);
    else if (type === "bool") this.ascii(value !== 0 ? "true" : "false");
    else if (typeof value === "string") this.string(value);
    else this.double(typeof value === "bigint" ? Number(value) : (value as number));
  }

  private float32(value: number): void {
    if (value === 0 || !Number.isFinite(value)) {
      this.ascii(value === 0 ? "0" : "null");
      return;
    }
    const magnitude = Math.abs(value);
    const places = float32Places(magnitude);
    if (Number.isNaN(places)) {
      this.ascii(`${value}`);
      return;
    }
    if (value < 0) this.byte(45);
    let mantissa = float32Mantissa(magnitude, places);
    let fraction = places;
    while (fraction > 0 && mantissa % 10 === 0) {
      mantissa /= 10;
      fraction--;
    }
    this.decimal(mantissa, fraction);
  }

  /** mantissa × 10^-fraction in plain notation (mantissa a positive integer below 2^53). */
  private decimal(mantissa: number, fraction: number): void {
    let digits = 1;
    for (let m = mantissa; m >= 10; m = Math.floor(m / 10)) digits++;
    const integerDigits = digits - fraction;
    const leadingZeros = integerDigits <= 0 ? 1 - integerDigits : 0;
    const trailingZeros = fraction < 0 ? -fraction : 0;
    const point = fraction > 0 ? 1 : 0;
    const total = leadingZeros + digits + trailingZeros + point;
    this.reserve(total);
    const buffer = this.buffer;
    let end = this.at + total;
    for (let z = 0; z < trailingZeros; z++) buffer[--end] = ZERO;
    let m = mantissa;
    for (let d = 0; d < digits; d++) {
      if (point === 1 && d === fraction) buffer[--end] = 46;
      buffer[--end] = ZERO + (m % 10);
      m = Math.floor(m / 10);
    }
    if (leadingZeros > 0) {
      for (let z = digits; z < fraction; z++) buffer[--end] = ZERO;
      buffer[--end] = 46;
      buffer[--end] = ZERO;
    }
    this.at += total;
  }

  private double(value: number): void {
    if (Number.isSafeInteger(value) && value >= 0) this.decimal(value, 0);
    else this.ascii(Number.isFinite(value) ? `${value}` : "null");
  }

  /** ISO 8601 with milliseconds, as Date#toISOString writes it (a fraction of a millisecond dropped). */
  private timestamp(time: number): void {
    if (!(time >= 0 && time < 8.64e15)) {
      this.ascii(new Date(time).toISOString());
      return;
    }
    const ms = Math.floor(time);
    this.enterDay(ms);
    this.ascii(this.dayText);
    let rest = ms - this.dayStart;
    const hours = Math.floor(rest / 3_600_000);
    rest -= hours * 3_600_000;
    const minutes = Math.floor(rest / 60_000);
    rest -= minutes * 60_000;
    const seconds = Math.floor(rest / 1000);
    const millis = rest - seconds * 1000;
    this.reserve(13);
    const b = this.buffer;
    let i = this.at;
    b[i++] = ZERO + Math.floor(hours / 10);
    b[i++] = ZERO + (hours % 10);
    b[i++] = 58;
    b[i++] = ZERO + Math.floor(minutes / 10);
    b[i++] = ZERO + (minutes % 10);
    b[i++] = 58;
    b[i++] = ZERO + Math.floor(seconds / 10);
    b[i++] = ZERO + (seconds % 10);
    b[i++] = 46;
    b[i++] = ZERO + Math.floor(millis / 100);
    b[i++] = ZERO + (Math.floor(millis / 10) % 10);
    b[i++] = ZERO + (millis % 10);
    b[i++] = 90;
    this.at = i;
  }

  private enterDay(ms: number): void {
    if (ms >= this.dayStart && ms < this.dayStart + DAY_MS) return;
    this.dayStart = Math.floor(ms / DAY_MS) * DAY_MS;
    this.dayText = new Date(this.dayStart).toISOString().slice(0, 11);
  }

  private keysOf(schema: LoggedSchema): readonly string[] {
    let keys = this.fieldKeys.get(schema);
    if (!keys) {
      keys = schema.fields.map((f) => `${JSON.stringify(f.name)}:`);
      this.fieldKeys.set(schema, keys);
    }
    return keys;
  }

  private optionalString(value: string | undefined): void {
    if (value === undefined) this.ascii("null");
    else this.string(value);
  }

  /** A JSON string: plain printable ASCII is copied between quotes, anything else escaped by JSON.stringify. */
  private string(value: string): void {
    for (let i = 0; i < value.length; i++) {
      const c = value.charCodeAt(i);
      if (c < 32 || c > 126 || c === QUOTE || c === BACKSLASH) {
        this.text(JSON.stringify(value));
        return;
      }
    }
    this.reserve(value.length + 2);
    this.buffer[this.at++] = QUOTE;
    this.copyAscii(value);
    this.buffer[this.at++] = QUOTE;
  }

  /** Text that is already JSON, possibly with non-ASCII characters. */
  private text(value: string): void {
    this.reserve(value.length * 3);
    this.at += this.buffer.write(value, this.at, "utf8");
  }

  /** Text known to be ASCII (the record's own punctuation and numbers' texts). */
  private ascii(value: string): void {
    this.reserve(value.length);
    this.copyAscii(value);
  }

  private copyAscii(value: string): void {
    const buffer = this.buffer;
    let at = this.at;
    for (let i = 0; i < value.length; i++) buffer[at++] = value.charCodeAt(i);
    this.at = at;
  }

  private byte(value: number): void {
    this.reserve(1);
    this.buffer[this.at++] = value;
  }

  private reserve(bytes: number): void {
    if (this.at + bytes <= this.buffer.length) return;
    const grown = Buffer.allocUnsafe(Math.max(this.buffer.length * 2, this.at + bytes));
    this.buffer.copy(grown, 0, 0, this.at);
    this.buffer = grown;
  }
}
