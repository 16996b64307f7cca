import { Cursor } from '../wasm/cursor.js';
import { BucketIndex } from './bucket-index.js';

/** Address ranges and the units they belong to, as parallel lists. */
export interface UnitRanges {
  unitOffsets: number[];
  lows: number[];
  highs: number[];
}

/**
 * Address → compile unit, built as LLVM's `DWARFDebugAranges` builds it: `.debug_aranges` sets
 * where present, each remaining unit's own ranges otherwise, then overlaps resolved in favour
 * of the unit with the lowest offset. Flat sorted arrays; one binary search per lookup.
 */
export class UnitAddressMap {
  private lows = new Float64Array(0);
  private highs = new Float64Array(0);
  private unitOffsets = new Float64Array(0);
  private search: BucketIndex | null = null;

  constructor(ranges: UnitRanges) {
    if (!this.fromDisjointRanges(ranges)) this.fromAnyRanges(ranges);
  }

  /**
   * The usual module: no two ranges overlap (a unit's ranges need not be in order). Then there is
   * no overlap to resolve, and the sweep below would only join touching ranges of one unit: done
   * here with a numeric sort of packed (low, index) keys, without objects or a comparator. False,
   * having built nothing, for anything else.
   */
  private fromDisjointRanges(ranges: UnitRanges): boolean {
    const { unitOffsets, lows, highs } = ranges;
    const n = lows.length;
    if (n >= INDEX_LIMIT) return false;
    const keys = new Float64Array(n);
    let m = 0;
    for (let i = 0; i < n; i++) {
      const low = lows[i];
      if (!(low < highs[i])) continue;
      if (low >>> 0 !== low) return false;
      keys[m++] = low * INDEX_LIMIT + i;
    }
    const sorted = keys.subarray(0, m).sort();
    const outLows = new Float64Array(m);
    const outHighs = new Float64Array(m);
    const outUnits = new Float64Array(m);
    let count = 0;
    for (let k = 0; k < m; k++) {
      const i = sorted[k] % INDEX_LIMIT;
      const low = lows[i];
      const high = highs[i];
      if (count > 0 && low < outHighs[count - 1]) return false;
      if (count > 0 && outHighs[count - 1] === low && outUnits[count - 1] === unitOffsets[i]) {
        outHighs[count - 1] = high;
      } else {
        outLows[count] = low;
        outHighs[count] = high;
        outUnits[count] = unitOffsets[i];
        count++;
      }
    }
    this.lows = outLows.slice(0, count);
    this.highs = outHighs.slice(0, count);
    this.unitOffsets = outUnits.slice(0, count);
    return true;
  }

  private fromAnyRanges(ranges: UnitRanges): void {
    const events: { address: number; unit: number; start: boolean }[] = [];
    for (let i = 0; i < ranges.lows.length; i++) {
      const low = ranges.lows[i];
      const high = ranges.highs[i];
      if (low < high) {
        events.push({ address: low, unit: ranges.unitOffsets[i], start: true });
        events.push({ address: high, unit: ranges.unitOffsets[i], start: false });
      }
    }
    events.sort((a, b) => a.address - b.address);
    const lows: number[] = [];
    const highs: number[] = [];
    const units: number[] = [];
    // Multiset of units covering the current address, as counts, and a min-heap of them whose
    // stale entries are dropped lazily: the lowest live unit offset in O(log n), not O(n).
    const live = new Map<number, number>();
    const heap = new MinHeap();
    let previous = -1;
    for (const e of events) {
      if (previous >= 0 && previous < e.address && live.size > 0) {
        const last = lows.length - 1;
        if (last >= 0 && highs[last] === previous && live.has(units[last])) {
          highs[last] = e.address;
        } else {
          lows.push(previous);
          highs.push(e.address);
          while (!live.has(heap.peek())) heap.pop();
          units.push(heap.peek());
        }
      }
      const count = live.get(e.unit) ?? 0;
      if (e.start) {
        live.set(e.unit, count + 1);
        if (count === 0) heap.push(e.unit);
      }
      else if (count <= 1) live.delete(e.unit);
      else live.set(e.unit, count - 1);
      previous = e.address;
    }
    this.lows = Float64Array.from(lows);
    this.highs = Float64Array.from(highs);
    this.unitOffsets = Float64Array.from(units);
  }

  /** `.debug_info` offset of the unit covering `address`, or -1. */
  find(address: number): number {
    const highs = this.highs;
    this.search ??= new BucketIndex(highs);
    const lo = this.search.upperBound(address);
    if (lo < highs.length && address >= this.lows[lo]) {
      this.foundLow = this.lows[lo];
      this.foundHigh = highs[lo];
      return this.unitOffsets[lo];
    }
    return -1;
  }

  /** The ranges `find` answers with the unit at `unitOffset`, in address order: low, high pairs. */
  rangesOf(unitOffset: number): Float64Array {
    // Grouped in one pass when first asked: a caller asks for unit after unit (the CLI, for
    // each of a C library's dozens), and a scan per unit would go over every range each time.
    if (this.byUnit === null) {
      const byUnit = new Map<number, number[]>();
      for (let i = 0; i < this.lows.length; i++) {
        let pairs = byUnit.get(this.unitOffsets[i]);
        if (pairs === undefined) byUnit.set(this.unitOffsets[i], (pairs = []));
        pairs.push(this.lows[i], this.highs[i]);
      }
      this.byUnit = byUnit;
    }
    return Float64Array.from(this.byUnit.get(unitOffset) ?? []);
  }

  private byUnit: Map<number, number[]> | null = null;

  /** The address range of the entry the last successful `find` returned. */
  foundLow = 0;
  foundHigh = 0;
}

/** Range indices packed below a 32-bit low address in one exact double: 2^32 * 2^21 = 2^53. */
const INDEX_LIMIT = 2 ** 21;

class MinHeap {
  private readonly items: number[] = [];

  push(value: number): void {
    const items = this.items;
    let i = items.push(value) - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (items[parent] <= value) break;
      items[i] = items[parent];
      i = parent;
    }
    items[i] = value;
  }

  peek(): number {
    return this.items[0];
  }

  pop(): void {
    const items = this.items;
    const last = items.pop()!;
    if (items.length === 0) return;
    let i = 0;
    for (;;) {
      let child = 2 * i + 1;
      if (child >= items.length) break;
      if (child + 1 < items.length && items[child + 1] < items[child]) child++;
      if (items[child] >= last) break;
      items[i] = items[child];
      i = child;
    }
    items[i] = last;
  }
}

/** The (unit offset, low, high) ranges `.debug_aranges` declares, and which units it covered. */
export function readAranges(section: Uint8Array): { ranges: UnitRanges; covered: Set<number> } {
  const ranges: UnitRanges = { unitOffsets: [], lows: [], highs: [] };
  const covered = new Set<number>();
  const cursor = new Cursor(section, 0, section.length, '.debug_aranges');
  while (cursor.remaining > 0) {
    const setStart = cursor.pos;
    let length = cursor.u32();
    let offsetSize = 4;
    if (length === 0xffffffff) {
      length = cursor.u64();
      offsetSize = 8;
    }
    cursor.need(length, 'address range set');
    const end = cursor.pos + length;
    cursor.u16();
    const unitOffset = cursor.uN(offsetSize);
    const addressSize = cursor.u8();
    cursor.u8(); // segment selector size: wasm has no segments
    if (addressSize !== 2 && addressSize !== 4 && addressSize !== 8) cursor.fail(`bad address size ${addressSize}`, setStart);
    // Tuples start at a multiple of twice the address size from the set's start.
    const tupleSize = addressSize * 2;
    const headerEnd = cursor.pos - setStart;
    cursor.pos = setStart + Math.ceil(headerEnd / tupleSize) * tupleSize;
    while (cursor.pos + tupleSize <= end) {
      const address = cursor.uN(addressSize);
      const size = cursor.uN(addressSize);
      if (address === 0 && size === 0) break;
      ranges.unitOffsets.push(unitOffset);
      ranges.lows.push(address);
      ranges.highs.push(address + size);
    }
    covered.add(unitOffset);
    cursor.pos = end;
  }
  return { ranges, covered };
}
