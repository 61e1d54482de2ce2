/**
 * Protocol-buffers wire encoding, written by hand so the package has no dependencies. Only what
 * an encoder needs: varints, fixed 32/64-bit numbers and length-delimited fields (strings,
 * bytes, nested messages, packed repeated numbers). Field order is the caller's.
 *
 * A message is built as a list of byte chunks. A nested message is appended by reference (its
 * length is known once it is finished), so the final `finish()` copies every byte exactly once,
 * which matters for models whose initializers hold megabytes of weights.
 */

const WIRE_VARINT = 0;
const WIRE_LENGTH_DELIMITED = 2;
const WIRE_FIXED32 = 5;

/** Small first: a model has many tiny messages (attributes, dims); the buffer grows for big ones. */
const FIRST_SCRATCH_SIZE = 256;
const MAX_SCRATCH_SIZE = 64 * 1024;
/** Payloads at least this long are kept by reference instead of copied into the scratch buffer. */
const BY_REFERENCE_BYTES = 1024;
const TWO_POW_32 = 2 ** 32;
const textEncoder = new TextEncoder();

export class ProtoWriter {
  private readonly chunks: Uint8Array[] = [];
  private scratch = new Uint8Array(FIRST_SCRATCH_SIZE);
  private view = new DataView(this.scratch.buffer);
  /** Bytes of `scratch` before `start` already belong to a flushed chunk. */
  private start = 0;
  private position = 0;
  private flushedLength = 0;

  /** Bytes written so far, nested messages included. */
  get length(): number {
    return this.flushedLength + this.position - this.start;
  }

  /** A varint-encoded int64/uint64/int32/enum field. Negative values take ten bytes, as protobuf requires. */
  int64(field: number, value: number | bigint): this {
    this.tag(field, WIRE_VARINT);
    this.varint(value);
    return this;
  }

  float(field: number, value: number): this {
    this.tag(field, WIRE_FIXED32);
    this.reserve(4);
    this.view.setFloat32(this.position, value, true);
    this.position += 4;
    return this;
  }

  string(field: number, value: string): this {
    return this.bytes(field, textEncoder.encode(value));
  }

  bytes(field: number, value: Uint8Array): this {
    this.tag(field, WIRE_LENGTH_DELIMITED);
    this.varint(value.length);
    this.append(value);
    return this;
  }

  /** A nested message; `message` must not be written to afterwards. */
  message(field: number, message: ProtoWriter): this {
    this.tag(field, WIRE_LENGTH_DELIMITED);
    this.varint(message.length);
    message.flush();
    this.flush();
    for (const chunk of message.chunks) this.chunks.push(chunk);
    this.flushedLength += message.length;
    return this;
  }

  /** A packed repeated varint field (int64, int32). Empty lists are omitted, as protobuf does. */
  packedInt64(field: number, values: ArrayLike<number | bigint>): this {
    if (values.length === 0) return this;
    const body = new ProtoWriter();
    for (let i = 0; i < values.length; i++) body.varint(values[i]!);
    // A packed field is framed exactly like a nested message: tag, byte length, payload.
    return this.message(field, body);
  }

  /** A packed repeated float field: little-endian IEEE 754 singles. */
  packedFloat(field: number, values: ArrayLike<number>): this {
    if (values.length === 0) return this;
    const bytes = new Uint8Array(values.length * 4);
    const view = new DataView(bytes.buffer);
    for (let i = 0; i < values.length; i++) view.setFloat32(i * 4, values[i]!, true);
    this.tag(field, WIRE_LENGTH_DELIMITED);
    this.varint(bytes.length);
    this.append(bytes);
    return this;
  }

  /** A packed repeated double field: little-endian IEEE 754 doubles. */
  packedDouble(field: number, values: ArrayLike<number>): this {
    if (values.length === 0) return this;
    const bytes = new Uint8Array(values.length * 8);
    const view = new DataView(bytes.buffer);
    for (let i = 0; i < values.length; i++) view.setFloat64(i * 8, values[i]!, true);
    this.tag(field, WIRE_LENGTH_DELIMITED);
    this.varint(bytes.length);
    this.append(bytes);
    return this;
  }

  finish(): Uint8Array {
    this.flush();
    if (this.chunks.length === 1) return this.chunks[0]!;
    const out = new Uint8Array(this.flushedLength);
    let offset = 0;
    for (const chunk of this.chunks) {
      out.set(chunk, offset);
      offset += chunk.length;
    }
    return out;
  }

  private tag(field: number, wireType: number): void {
    this.varint(field * 8 + wireType);
  }

  private varint(value: number | bigint): void {
    this.reserve(10);
    if (typeof value === "number" && value >= 0 && value <= Number.MAX_SAFE_INTEGER) {
      if (!Number.isInteger(value)) throw new RangeError(`Not an integer: ${value}`);
      // Split into 32-bit halves so the shifts stay exact beyond 2^31.
      let low = value % TWO_POW_32;
      let high = Math.floor(value / TWO_POW_32);
      while (high > 0 || low > 127) {
        this.scratch[this.position++] = (low & 127) | 128;
        low = ((low >>> 7) | ((high & 127) << 25)) >>> 0;
        high >>>= 7;
      }
      this.scratch[this.position++] = low;
      return;
    }
    // Negative or beyond 2^53: two's complement on 64 bits through BigInt (rare: sentinel values).
    if (typeof value === "number" && !Number.isInteger(value))
      throw new RangeError(`Not an integer: ${value}`);
    let big = BigInt.asUintN(64, BigInt(value));
    while (big > 127n) {
      this.scratch[this.position++] = Number(big & 127n) | 128;
      big >>= 7n;
    }
    this.scratch[this.position++] = Number(big);
  }

  private append(bytes: Uint8Array): void {
    if (bytes.length < BY_REFERENCE_BYTES) {
      this.reserve(bytes.length);
      this.scratch.set(bytes, this.position);
      this.position += bytes.length;
      return;
    }
    // Large payloads (weights) are kept by reference rather than copied into the scratch buffer.
    this.flush();
    this.chunks.push(bytes);
    this.flushedLength += bytes.length;
  }

  private reserve(size: number): void {
    if (this.position + size <= this.scratch.length) return;
    this.flush();
    const grown = Math.max(size, Math.min(this.scratch.length * 2, MAX_SCRATCH_SIZE));
    this.scratch = new Uint8Array(grown);
    this.view = new DataView(this.scratch.buffer);
    this.start = 0;
    this.position = 0;
  }

  /** Seals the bytes written since the last flush as a chunk; the rest of the buffer stays in use. */
  private flush(): void {
    if (this.position === this.start) return;
    this.chunks.push(this.scratch.subarray(this.start, this.position));
    this.flushedLength += this.position - this.start;
    this.start = this.position;
  }
}
