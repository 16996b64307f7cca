import { Cursor } from '../wasm/cursor.js';
import * as C from './constants.js';
import { tombstone } from './forms.js';

// Range lists are bounded by their section: a hostile list can be long, never endless, so the
// only limits needed are the section ends the cursor enforces.

/**
 * DWARF 2–4 `.debug_ranges`: pairs relative to the base address, (0, 0) ends the list. The
 * ranges are appended to `result` (flat [low, high, …]), which is returned.
 */
export function readRangeList(
  section: Uint8Array,
  offset: number,
  addressSize: number,
  baseAddress: number | null,
  result: number[] = [],
): number[] {
  const bytes = section;
  const length = section.length;
  // A unit walk reads thousands of short lists: a cursor is made only to report damage and for
  // other address sizes.
  if (!(offset >= 0 && offset <= length)) new Cursor(section, 0, length, '.debug_ranges').seek(offset, 'range list offset');
  let cursor: Cursor | null = null;
  const baseSelection = tombstone(addressSize);
  // Linkers mark discarded entries with max-1, since max itself selects a base address.
  const discarded = addressSize === 8 ? baseSelection : baseSelection - 1;
  let base = baseAddress;
  let p = offset;
  for (;;) {
    let start: number;
    let end: number;
    if (addressSize === 4 && p + 8 <= length) {
      // wasm32's only address size.
      start = (bytes[p] | (bytes[p + 1] << 8) | (bytes[p + 2] << 16)) + bytes[p + 3] * 0x1000000;
      end = (bytes[p + 4] | (bytes[p + 5] << 8) | (bytes[p + 6] << 16)) + bytes[p + 7] * 0x1000000;
      p += 8;
    } else {
      cursor ??= new Cursor(section, 0, length, '.debug_ranges');
      cursor.pos = p;
      start = cursor.uN(addressSize);
      end = cursor.uN(addressSize);
      p = cursor.pos;
    }
    if (start === 0 && end === 0) break;
    if (start === baseSelection) {
      base = end;
      continue;
    }
    if (start === discarded) continue;
    if (base !== null) {
      if (base === discarded) continue;
      result.push(start + base, end + base);
    } else {
      result.push(start, end);
    }
  }
  return result;
}

/** DWARF 5 `rnglistx`: the offset of list `index`, from the table that `rnglists_base` points at. */
export function readRngListIndex(section: Uint8Array, base: number, index: number, offsetSize: number): number | null {
  const at = base + index * offsetSize;
  if (!(at >= 0) || at + offsetSize > section.length) return null;
  return base + new Cursor(section, at, section.length, ".debug_rnglists").uN(offsetSize);
}

/** DWARF 5 `.debug_rnglists` entries at `offset`, resolved to absolute [low, high) pairs appended to `result`. */
export function readRngList(
  section: Uint8Array,
  offset: number,
  unit: { addressSize: number },
  baseAddress: number | null,
  pooled: (index: number) => number | null,
  result: number[] = [],
): number[] {
  const cursor = new Cursor(section, 0, section.length, '.debug_rnglists');
  cursor.seek(offset, 'range list offset');
  const size = unit.addressSize;
  const dead = tombstone(size);
  let base = baseAddress;
  for (;;) {
    const kind = cursor.u8();
    let low: number;
    let high: number;
    switch (kind) {
      case C.DW_RLE_end_of_list:
        return result;
      case C.DW_RLE_base_addressx: {
        const index = cursor.uleb();
        base = pooled(index) ?? index;
        continue;
      }
      case C.DW_RLE_base_address:
        base = cursor.uN(size);
        continue;
      case C.DW_RLE_offset_pair:
        low = cursor.uleb();
        high = cursor.uleb();
        if (base !== null) {
          if (base === dead) continue;
          low += base;
          high += base;
        }
        break;
      case C.DW_RLE_start_end:
        low = cursor.uN(size);
        high = cursor.uN(size);
        break;
      case C.DW_RLE_start_length:
        low = cursor.uN(size);
        high = low + cursor.uleb();
        break;
      case C.DW_RLE_startx_length:
        low = pooled(cursor.uleb()) ?? 0;
        high = low + cursor.uleb();
        break;
      case C.DW_RLE_startx_endx:
        low = pooled(cursor.uleb()) ?? 0;
        high = pooled(cursor.uleb()) ?? 0;
        break;
      default:
        return cursor.fail(`unknown range list entry kind 0x${kind.toString(16)}`, cursor.pos - 1);
    }
    if (low === dead) continue;
    result.push(low, high);
  }
}
