import { BIN_BITSET_WORDS, type FlatTree } from "./flat-tree.js";

/** Grows node arrays during fitting; `finish` trims them into a FlatTree. */
export class TreeBuilder {
  private capacity: number;
  private count = 0;
  private feature: Int32Array;
  private threshold: Float64Array;
  private binThreshold: Uint8Array;
  private missingGoesLeft: Uint8Array;
  private left: Int32Array;
  private right: Int32Array;
  private categorySplit: Int32Array;
  private value: Float64Array;
  private cover: Float64Array;
  private readonly binBitsets: number[] = [];
  private readonly codeBitsetStart: number[] = [];
  private readonly codeBitsetWords: number[] = [];
  private readonly codeBitsets: number[] = [];

  constructor(
    readonly nOutputs: number,
    initialCapacity = 64,
  ) {
    this.capacity = Math.max(1, initialCapacity);
    this.feature = new Int32Array(this.capacity);
    this.threshold = new Float64Array(this.capacity);
    this.binThreshold = new Uint8Array(this.capacity);
    this.missingGoesLeft = new Uint8Array(this.capacity);
    this.left = new Int32Array(this.capacity);
    this.right = new Int32Array(this.capacity);
    this.categorySplit = new Int32Array(this.capacity);
    this.value = new Float64Array(this.capacity * nOutputs);
    this.cover = new Float64Array(this.capacity);
  }

  get nodeCount(): number {
    return this.count;
  }

  /** Reserves a node id; it is a leaf with zero value until set otherwise. */
  addNode(): number {
    if (this.count === this.capacity) this.grow();
    const id = this.count++;
    this.feature[id] = -1;
    this.left[id] = -1;
    this.right[id] = -1;
    this.categorySplit[id] = -1;
    return id;
  }

  setValue(node: number, values: ArrayLike<number>, cover: number): void {
    const base = node * this.nOutputs;
    for (let k = 0; k < this.nOutputs; k++) this.value[base + k] = values[k]!;
    this.cover[node] = cover;
  }

  setScalarValue(node: number, value: number, cover: number): void {
    this.value[node * this.nOutputs] = value;
    this.cover[node] = cover;
  }

  setNumericSplit(
    node: number,
    feature: number,
    binThreshold: number,
    threshold: number,
    missingGoesLeft: boolean,
    left: number,
    right: number,
  ): void {
    this.feature[node] = feature;
    this.binThreshold[node] = binThreshold;
    this.threshold[node] = threshold;
    this.missingGoesLeft[node] = missingGoesLeft ? 1 : 0;
    this.left[node] = left;
    this.right[node] = right;
  }

  setCategoricalSplit(
    node: number,
    feature: number,
    binBitset: Uint32Array,
    codeBitset: Uint32Array,
    missingGoesLeft: boolean,
    left: number,
    right: number,
  ): void {
    this.feature[node] = feature;
    this.threshold[node] = Number.NaN;
    this.missingGoesLeft[node] = missingGoesLeft ? 1 : 0;
    this.left[node] = left;
    this.right[node] = right;
    this.categorySplit[node] = this.codeBitsetStart.length;
    for (let w = 0; w < BIN_BITSET_WORDS; w++) this.binBitsets.push(binBitset[w]!);
    this.codeBitsetStart.push(this.codeBitsets.length);
    this.codeBitsetWords.push(codeBitset.length);
    for (let w = 0; w < codeBitset.length; w++) this.codeBitsets.push(codeBitset[w]!);
  }

  finish(): FlatTree {
    const n = this.count;
    return {
      nNodes: n,
      nOutputs: this.nOutputs,
      feature: this.feature.slice(0, n),
      threshold: this.threshold.slice(0, n),
      binThreshold: this.binThreshold.slice(0, n),
      missingGoesLeft: this.missingGoesLeft.slice(0, n),
      left: this.left.slice(0, n),
      right: this.right.slice(0, n),
      categorySplit: this.categorySplit.slice(0, n),
      binBitsets: Uint32Array.from(this.binBitsets),
      codeBitsetStart: Int32Array.from(this.codeBitsetStart),
      codeBitsetWords: Int32Array.from(this.codeBitsetWords),
      codeBitsets: Uint32Array.from(this.codeBitsets),
      value: this.value.slice(0, n * this.nOutputs),
      cover: this.cover.slice(0, n),
    };
  }

  private grow(): void {
    const capacity = this.capacity * 2;
    const grown = <T extends Int32Array | Float64Array | Uint8Array>(
      old: T,
      make: (n: number) => T,
      width = 1,
    ): T => {
      const next = make(capacity * width);
      next.set(old);
      return next;
    };
    this.feature = grown(this.feature, (n) => new Int32Array(n));
    this.threshold = grown(this.threshold, (n) => new Float64Array(n));
    this.binThreshold = grown(this.binThreshold, (n) => new Uint8Array(n));
    this.missingGoesLeft = grown(this.missingGoesLeft, (n) => new Uint8Array(n));
    this.left = grown(this.left, (n) => new Int32Array(n));
    this.right = grown(this.right, (n) => new Int32Array(n));
    this.categorySplit = grown(this.categorySplit, (n) => new Int32Array(n));
    this.value = grown(this.value, (n) => new Float64Array(n), this.nOutputs);
    this.cover = grown(this.cover, (n) => new Float64Array(n));
    this.capacity = capacity;
  }
}

/** The bitset of category codes going left, from the split's bin bitset and the feature's code → bin map. */
export function codeBitsetFromBins(
  binBitset: Uint32Array,
  categoryBins: Int32Array,
  missingGoesLeft: boolean,
): Uint32Array {
  const words = new Uint32Array(Math.max(1, Math.ceil(categoryBins.length / 32)));
  for (let code = 0; code < categoryBins.length; code++) {
    const bin = categoryBins[code]!;
    const goesLeft = bin < 0 ? missingGoesLeft : (binBitset[bin >>> 5]! & (1 << (bin & 31))) !== 0;
    if (goesLeft) words[code >>> 5]! |= 1 << (code & 31);
  }
  return words;
}
