/**
 * An ordered map from range start to (range end, owner) with exactly the operations of LLVM's
 * `AddrDieMap` (a `std::map`): predecessor lookup, overwrite-or-insert. Entries live in sorted
 * blocks of typed arrays so an insertion moves at most one block, not the whole map (a large unit
 * has tens of thousands of ranges, mostly inserted in the middle). `freeze` flattens it for lookups.
 */
import { BucketIndex } from './bucket-index.js';

/** Entries per block. */
const BLOCK_CAPACITY = 512;
/** How far from the last claim's entry `claim` looks before searching. */
const NEAR = 4;

/**
 * Up to BLOCK_CAPACITY entries, sorted, each as three numbers: key, high, owner. In 32 bits while
 * every address fits, which is nearly always: this runs once per unit, mostly before V8 has
 * optimized it, and there a number read from a Float64Array is a new heap object each time.
 */
class Block {
  size = 0;
  constructor(public entries: Uint32Array | Float64Array) {}
}

/**
 * Blocks are carved from slabs: one allocation for many blocks, and the pages of a slab that no
 * entry has reached yet are never touched. Slabs double from one block up to this many, so the
 * many small units of a module (libc's, say) allocate a block each, not a large slab each.
 */
const MAX_SLAB_BLOCKS = 32;

export class RangeMapBuilder {
  /** Whether the blocks are Float64Arrays, since an address did not fit in 32 bits. */
  private wide = false;
  private slab: Uint32Array | Float64Array | null = null;
  private slabBlocks = 0;
  private slabUsed = 0;
  private readonly blocks: Block[] = [this.newBlock()];
  /**
   * Where the last claim's entry is. Pre-order walks claim a child right after its parent and
   * siblings one after another, so the next claim nearly always lands within a few entries of it.
   */
  private hintBlock = -1;
  private hintIndex = 0;

  private newBlock(): Block {
    if (this.slabUsed === this.slabBlocks) {
      this.slabBlocks = Math.min(MAX_SLAB_BLOCKS, Math.max(1, this.slabBlocks * 2));
      const length = this.slabBlocks * 3 * BLOCK_CAPACITY;
      this.slab = this.wide ? new Float64Array(length) : new Uint32Array(length);
      this.slabUsed = 0;
    }
    const from = 3 * BLOCK_CAPACITY * this.slabUsed++;
    return new Block(this.slab!.subarray(from, from + 3 * BLOCK_CAPACITY));
  }

  private widen(): void {
    this.wide = true;
    this.slabUsed = this.slabBlocks;
    for (const block of this.blocks) block.entries = Float64Array.from(block.entries);
  }

  /** Block holding the greatest key ≤ `key`, or block 0 when every key is greater. */
  private blockFor(key: number): number {
    const blocks = this.blocks;
    let hi = blocks.length - 1;
    // Ranges arrive in roughly ascending order, so most keys land in the last block.
    if (hi === 0 || blocks[hi].entries[0] <= key) return hi;
    let lo = 0;
    hi--;
    while (lo < hi) {
      const mid = (lo + hi + 1) >>> 1;
      if (blocks[mid].entries[0] <= key) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  }

  /**
   * LLVM's `updateAddressDieMap` step for one range: split the entry it lands in (the one with
   * the greatest key ≤ `low`, if it reaches past `low`), then claim [low, high) for `owner`.
   * The usual cases — a range after everything near it, or a child inside the entry it lands in —
   * change only that entry and its successor slot, and are done here in one step; the rest take
   * LLVM's three map operations one by one.
   */
  claim(low: number, high: number, owner: number): void {
    if (low === high) return;
    if (!this.wide && (low >>> 0 !== low || high >>> 0 !== high)) this.widen();
    const blocks = this.blocks;
    // b, lo: the block for `low` and the index of its first key greater than `low` (-1: not found yet).
    let b = this.hintBlock;
    let lo = -1;
    if (b >= 0) {
      const entries = blocks[b].entries;
      const size = blocks[b].size;
      let k = this.hintIndex;
      if (entries[3 * k] <= low) {
        const stop = Math.min(size, k + NEAR);
        k++;
        while (k < stop && entries[3 * k] <= low) k++;
        if (k < size ? entries[3 * k] > low : b + 1 === blocks.length || blocks[b + 1].entries[0] > low) lo = k;
      } else {
        const stop = Math.max(0, k - NEAR);
        while (k > stop && entries[3 * k - 3] > low) k--;
        if (k > 0 ? entries[3 * k - 3] <= low : b === 0) lo = k;
      }
    }
    if (lo < 0) {
      b = this.blockFor(low);
      lo = upperBound(blocks[b], low);
    }
    const block = blocks[b];
    const entries = block.entries;
    const size = block.size;
    const i = lo - 1;
    const at = 3 * i;
    this.hintBlock = b;
    if (i < 0 || !(low < entries[at + 1])) {
      if (i >= 0 && entries[at] === low) {
        entries[at + 1] = high;
        entries[at + 2] = owner;
        this.hintIndex = i;
      } else if (size < BLOCK_CAPACITY) {
        insert(block, lo, low, high, owner);
        this.hintIndex = lo;
      } else {
        this.hintBlock = -1;
        this.set(low, high, owner);
      }
      return;
    }
    const previousKey = entries[at];
    const previousHigh = entries[at + 1];
    const previousOwner = entries[at + 2];
    const splits = high < previousHigh;
    // The key after the entry found: the piece [high, previousHigh) may go right after it only if
    // that key is greater than `high` (else it must overwrite or go further on).
    const following = lo < size ? entries[3 * lo] : b + 1 < blocks.length ? blocks[b + 1].entries[0] : Infinity;
    if (high > low && size + 2 <= BLOCK_CAPACITY && (!splits || following > high)) {
      if (splits) insert(block, lo, high, previousHigh, previousOwner);
      if (low > previousKey) {
        entries[at + 1] = low;
        insert(block, lo, low, high, owner);
        this.hintIndex = lo;
      } else {
        entries[at + 1] = high;
        entries[at + 2] = owner;
        this.hintIndex = i;
      }
      return;
    }
    this.hintBlock = -1;
    if (splits) this.set(high, previousHigh, previousOwner);
    if (low > previousKey) this.set(previousKey, low, previousOwner);
    this.set(low, high, owner);
  }

  /** `map[key] = (high, owner)`: overwrite or insert. */
  private set(key: number, high: number, owner: number): void {
    const b = this.blockFor(key);
    const block = this.blocks[b];
    const entries = block.entries;
    const lo = upperBound(block, key);
    if (lo > 0 && entries[3 * lo - 3] === key) {
      entries[3 * lo - 2] = high;
      entries[3 * lo - 1] = owner;
      return;
    }
    if (block.size === BLOCK_CAPACITY) {
      const next = this.newBlock();
      if (lo === BLOCK_CAPACITY && b === this.blocks.length - 1) {
        // Appending: a fresh block keeps the full ones full.
        insert(next, 0, key, high, owner);
        this.blocks.push(next);
        return;
      }
      // Split in half, then insert into whichever half the key belongs to.
      const half = BLOCK_CAPACITY >> 1;
      next.entries.set(entries.subarray(3 * half, 3 * block.size));
      next.size = block.size - half;
      block.size = half;
      this.blocks.splice(b + 1, 0, next);
      this.set(key, high, owner);
      return;
    }
    insert(block, lo, key, high, owner);
  }

  freeze(): RangeMap {
    let total = 0;
    for (const block of this.blocks) total += block.size;
    const keys = new Float64Array(total);
    const highs = new Float64Array(total);
    const owners = new Int32Array(total);
    flatten(this.blocks, keys, highs, owners);
    return new RangeMap(keys, highs, owners);
  }
}

/**
 * The copy loop alone: V8 optimizes it while it runs on a large unit, and code after a loop
 * that had not run by then would throw that work away at every later, smaller unit.
 */
function flatten(blocks: Block[], keys: Float64Array, highs: Float64Array, owners: Int32Array): void {
  let at = 0;
  for (const block of blocks) {
    const entries = block.entries;
    for (let e = 0; e < 3 * block.size; e += 3) {
      keys[at] = entries[e];
      highs[at] = entries[e + 1];
      owners[at] = entries[e + 2];
      at++;
    }
  }
}

/** Index of the first entry of a block whose key is greater than `key`. */
function upperBound(block: Block, key: number): number {
  const entries = block.entries;
  let lo = 0;
  let hi = block.size;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (entries[3 * mid] <= key) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Puts an entry at position `at` of a block with room, moving the later ones up. */
function insert(block: Block, at: number, key: number, high: number, owner: number): void {
  const entries = block.entries;
  if (at < block.size) entries.copyWithin(3 * at + 3, 3 * at, 3 * block.size);
  entries[3 * at] = key;
  entries[3 * at + 1] = high;
  entries[3 * at + 2] = owner;
  block.size++;
}

export interface MapArrays {
  keys: Float64Array;
  highs: Float64Array;
  owners: Int32Array;
  shift: number;
  limit: number;
  starts: Uint32Array;
}

export class RangeMap {
  private readonly search: BucketIndex;

  constructor(
    private readonly keys: Float64Array,
    private readonly highs: Float64Array,
    private readonly owners: Int32Array,
    search?: BucketIndex,
  ) {
    this.search = search ?? new BucketIndex(keys);
  }

  get size(): number {
    return this.keys.length;
  }

  /** The map's arrays and its search index, for code that searches it elsewhere. */
  get arrays(): MapArrays {
    return { keys: this.keys, highs: this.highs, owners: this.owners, ...this.search.parts };
  }

  /** Owner of the entry with the greatest key ≤ `address`, if that entry's range holds it; else -1. */
  find(address: number): number {
    const r = this.search.upperBound(address);
    if (r === 0 || address >= this.highs[r - 1]) return -1;
    return this.owners[r - 1];
  }
}
