/**
 * Upper-bound search over sorted code addresses in (nearly) constant time. A binary search over
 * tens of thousands of keys costs ~15 unpredictable branches and cache misses per lookup; here
 * the address picks a bucket of the code space, whose precomputed bounds leave a handful of
 * keys to search. Keys beyond the covered space (tombstones) fall back to the full search.
 */
export class BucketIndex {
  private readonly shift: number;
  private readonly limit: number;
  /** starts[b]: index of the first key ≥ b << shift. */
  private readonly starts: Uint32Array;

  /** `built`: the index over `keys`, already computed the same way (by the subroutine kernel). */
  constructor(private readonly keys: Float64Array, built?: { shift: number; limit: number; starts: Uint32Array }) {
    if (built !== undefined) {
      this.shift = built.shift;
      this.limit = built.limit;
      this.starts = built.starts;
      return;
    }
    let top = 0;
    for (let i = keys.length - 1; i >= 0; i--) {
      if (keys[i] < MAX_COVERED) {
        top = keys[i];
        break;
      }
    }
    // About one key per bucket: enough to make the final search trivial, never more memory than the keys.
    const wanted = Math.min(MAX_BUCKETS, 2 * keys.length + 16);
    let shift = 3;
    while (top / 2 ** shift > wanted) shift++;
    this.shift = shift;
    const buckets = Math.floor(top / 2 ** shift) + 1;
    this.limit = buckets * 2 ** shift;
    const starts = new Uint32Array(buckets + 1);
    const width = 2 ** shift;
    // Key by key, each read once: this runs once per index, before V8 optimizes it, and there
    // every number read from a Float64Array is a new heap object.
    let b = 0;
    for (let k = 0; k < keys.length && b <= buckets; k++) {
      const key = keys[k];
      for (; b <= buckets && b * width <= key; b++) starts[b] = k;
    }
    for (; b <= buckets; b++) starts[b] = keys.length;
    this.starts = starts;
  }

  /** The index itself (for code that searches the same way elsewhere: the answer kernel). */
  get parts(): { shift: number; limit: number; starts: Uint32Array } {
    return { shift: this.shift, limit: this.limit, starts: this.starts };
  }

  /** Index of the first key greater than `value` (what a binary search would return). */
  upperBound(value: number): number {
    const keys = this.keys;
    let lo: number;
    let hi: number;
    if (value >= 0 && value < this.limit) {
      // Code offsets are integers below 2^32 here: a shift is floor(value / 2^shift).
      const b = value >>> this.shift;
      lo = this.starts[b];
      hi = this.starts[b + 1];
    } else {
      lo = 0;
      hi = keys.length;
    }
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (keys[mid] <= value) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
}

// Code offsets of real modules; above this are linker tombstones (0xffffffff-based) and garbage.
const MAX_COVERED = 2 ** 28;
const MAX_BUCKETS = 1 << 20;
