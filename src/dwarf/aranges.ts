import { Cursor } from '../wasm/cursor.js';
import { BucketIndex } from './bucket-index.js';

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

  constructor(ranges: { unitOffset: number; low: number; high: number }[]) {
    const events: { address: number; unit: number; start: boolean }[] = [];
    for (const r of ranges) {
      if (r.low < r.high) {
        events.push({ address: r.low, unit: r.unitOffset, start: true });
        events.push({ address: r.high, unit: r.unitOffset, start: false });
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
    return lo < highs.length && address >= this.lows[lo] ? this.unitOffsets[lo] : -1;
  }
}

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
export function readAranges(section: Uint8Array): { ranges: { unitOffset: number; low: number; high: number }[]; covered: Set<number> } {
  const ranges: { unitOffset: number; low: number; high: number }[] = [];
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
      ranges.push({ unitOffset, low: address, high: address + size });
    }
    covered.add(unitOffset);
    cursor.pos = end;
  }
  return { ranges, covered };
}
