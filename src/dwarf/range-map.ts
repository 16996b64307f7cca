/**
 * An ordered map from range start to (range end, owner) with exactly the operations of LLVM's
 * `AddrDieMap` (a `std::map`): predecessor lookup, overwrite-or-insert. Entries live in sorted
 * blocks of typed arrays so an insertion moves at most one block, not the whole map (a large unit
 * has tens of thousands of ranges, mostly inserted in the middle). `freeze` flattens it for lookups.
 */
import { BucketIndex } from './bucket-index.js';

const BLOCK_CAPACITY = 256;

class Block {
  keys = new Float64Array(BLOCK_CAPACITY);
  highs = new Float64Array(BLOCK_CAPACITY);
  owners = new Int32Array(BLOCK_CAPACITY);
  size = 0;
}

export class RangeMapBuilder {
  private blocks: Block[] = [new Block()];

  /** Block holding the greatest key ≤ `key`, or block 0 when every key is greater. */
  private blockFor(key: number): number {
    const blocks = this.blocks;
    let lo = 0;
    let hi = blocks.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >>> 1;
      const block = blocks[mid];
      if (block.size > 0 && block.keys[0] <= key) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  }

  /** Set by `predecessor`: the entry found (valid only when it returned true). */
  foundKey = 0;
  foundHigh = 0;
  foundOwner = 0;

  /** Finds the entry with the greatest key ≤ `key` into the found* fields; false if none. */
  predecessor(key: number): boolean {
    const block = this.blocks[this.blockFor(key)];
    const i = upperBound(block.keys, block.size, key) - 1;
    if (i < 0) return false;
    this.foundKey = block.keys[i];
    this.foundHigh = block.highs[i];
    this.foundOwner = block.owners[i];
    return true;
  }

  set(key: number, high: number, owner: number): void {
    const b = this.blockFor(key);
    const block = this.blocks[b];
    const at = upperBound(block.keys, block.size, key);
    if (at > 0 && block.keys[at - 1] === key) {
      block.highs[at - 1] = high;
      block.owners[at - 1] = owner;
      return;
    }
    if (block.size === BLOCK_CAPACITY) {
      this.split(b);
      this.set(key, high, owner);
      return;
    }
    block.keys.copyWithin(at + 1, at, block.size);
    block.highs.copyWithin(at + 1, at, block.size);
    block.owners.copyWithin(at + 1, at, block.size);
    block.keys[at] = key;
    block.highs[at] = high;
    block.owners[at] = owner;
    block.size++;
  }

  private split(b: number): void {
    const full = this.blocks[b];
    const half = full.size >> 1;
    const next = new Block();
    next.keys.set(full.keys.subarray(half, full.size));
    next.highs.set(full.highs.subarray(half, full.size));
    next.owners.set(full.owners.subarray(half, full.size));
    next.size = full.size - half;
    full.size = half;
    this.blocks.splice(b + 1, 0, next);
  }

  freeze(): RangeMap {
    const total = this.blocks.reduce((n, b) => n + b.size, 0);
    const keys = new Float64Array(total);
    const highs = new Float64Array(total);
    const owners = new Int32Array(total);
    let at = 0;
    for (const block of this.blocks) {
      keys.set(block.keys.subarray(0, block.size), at);
      highs.set(block.highs.subarray(0, block.size), at);
      owners.set(block.owners.subarray(0, block.size), at);
      at += block.size;
    }
    return new RangeMap(keys, highs, owners);
  }
}

export class RangeMap {
  private readonly search: BucketIndex;

  constructor(
    private readonly keys: Float64Array,
    private readonly highs: Float64Array,
    private readonly owners: Int32Array,
  ) {
    this.search = new BucketIndex(keys);
  }

  get size(): number {
    return this.keys.length;
  }

  /** Owner of the entry with the greatest key ≤ `address`, if that entry's range holds it; else -1. */
  find(address: number): number {
    const r = this.search.upperBound(address);
    if (r === 0 || address >= this.highs[r - 1]) return -1;
    return this.owners[r - 1];
  }
}

function upperBound(keys: Float64Array, size: number, value: number): number {
  let lo = 0;
  let hi = size;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (keys[mid] <= value) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
