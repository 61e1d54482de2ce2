/**
 * Per-node rows of a fixed width for a depth-first growth (the features known to be constant in a
 * node, a node's class totals), kept in one buffer in the same LIFO order as the pending-node stack,
 * so nothing is allocated per node. A popped node's row stays valid (and writable) until its children
 * are pushed; its first child reuses the slot.
 */
export class NodeRowStack<Row extends Uint8Array | Float64Array> {
  private pool: Row;
  private size = 0;

  constructor(
    private readonly width: number,
    private readonly make: (length: number) => Row,
  ) {
    this.pool = make(Math.max(1, width) * 64);
  }

  get rows(): Row {
    return this.pool;
  }

  /** Pushes the root's row, zeroed; returns its offset. */
  pushRoot(): number {
    this.size = 0;
    this.reserve(1);
    this.pool.fill(0, 0, this.width);
    this.size = 1;
    return 0;
  }

  /** Pops the top row; returns its offset, valid until the next push. */
  pop(): number {
    this.size--;
    return this.size * this.width;
  }

  /**
   * After popping a node at `offset`: pushes rows for its two children, both copies of the parent's.
   * Returns the offset of the first (the parent's own slot); the second follows it.
   */
  pushChildren(offset: number): number {
    this.reserve(2);
    const next = (this.size + 1) * this.width;
    this.pool.copyWithin(next, offset, offset + this.width);
    this.size += 2;
    return offset;
  }

  private reserve(extra: number): void {
    const needed = (this.size + extra) * this.width;
    if (needed <= this.pool.length) return;
    const grown = this.make(Math.max(needed, this.pool.length * 2));
    grown.set(this.pool);
    this.pool = grown;
  }
}
