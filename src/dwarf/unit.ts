import { Cursor } from '../wasm/cursor.js';
import * as C from './constants.js';
import type { FormContext } from './forms.js';
import type { AbbrevTable } from './abbrev.js';

/** A unit header from `.debug_info`, plus the root-DIE attributes every lookup in it needs. */
export interface Unit extends FormContext {
  /** Offset of the unit header in `.debug_info`. */
  offset: number;
  /** Offset one past the unit's last byte. */
  end: number;
  unitType: number;
  abbrevOffset: number;
  firstDieOffset: number;
  abbrevs: AbbrevTable | null;
  /**
   * DWARF 5 skeleton and split units: the DWO id from the header, which pairs a skeleton with its
   * split unit, as 16 hex digits (a number would lose bits).
   */
  dwoId: string | null;
  /** Filled from the root DIE by `DebugInfo.unitRoot`. */
  root: UnitRoot | null;
}

export interface UnitRoot {
  tag: number;
  readonly name: string | null;
  readonly compDir: string;
  /** `.debug_line` offset, or -1 when the unit has no line table. */
  stmtList: number;
  /** The base address for range lists and location lists (the unit's low_pc), or null. */
  baseAddress: number | null;
  strOffsetsBase: number;
  addrBase: number;
  rnglistsBase: number;
  readonly dwoName: string | null;
  /** DWO id of a skeleton or split unit (16 hex digits): the DWARF 5 header's, or DW_AT_GNU_dwo_id (DWARF 4). */
  dwoId: string | null;
  /**
   * Added to DW_AT_ranges offsets into `.debug_ranges` (DWARF 2-4). 0, except in a DWARF 4 split
   * unit, whose ranges live in the skeleton's file at the skeleton's DW_AT_GNU_ranges_base.
   */
  rangesBase: number;
}

/**
 * Reads every unit header in `.debug_info`. Units are few (one per source file) and their
 * headers tiny, so this is done eagerly; DIEs are not touched. A damaged header ends the list:
 * the units before it stay usable, and the error is handed to `onDamage`.
 */
export function readUnitHeaders(info: Uint8Array, onDamage: (error: unknown) => void = (e) => { throw e; }): Unit[] {
  const units: Unit[] = [];
  try {
    readHeaders(info, units);
  } catch (error) {
    onDamage(error);
  }
  return units;
}

function readHeaders(info: Uint8Array, units: Unit[]): void {
  const cursor = new Cursor(info, 0, info.length, '.debug_info');
  while (cursor.remaining > 0) {
    const offset = cursor.pos;
    let length = cursor.u32();
    let offsetSize = 4;
    if (length === 0xffffffff) {
      length = cursor.u64();
      offsetSize = 8;
    } else if (length >= 0xfffffff0) {
      cursor.fail(`reserved unit length 0x${length.toString(16)}`, offset);
    }
    const contentStart = cursor.pos;
    cursor.need(length, 'unit');
    const end = contentStart + length;
    const version = cursor.u16();
    if (version < 2 || version > 5) cursor.fail(`unsupported DWARF version ${version}`, offset + offsetSize);
    let unitType = C.DW_UT_compile;
    let addressSize: number;
    let abbrevOffset: number;
    let dwoId: string | null = null;
    if (version >= 5) {
      unitType = cursor.u8();
      addressSize = cursor.u8();
      abbrevOffset = cursor.uN(offsetSize);
      if (unitType === C.DW_UT_skeleton || unitType === C.DW_UT_split_compile) {
        dwoId = readId64(cursor, 'dwo_id');
      }
      else if (unitType === C.DW_UT_type || unitType === C.DW_UT_split_type) cursor.skip(8 + offsetSize, 'type unit header');
    } else {
      abbrevOffset = cursor.uN(offsetSize);
      addressSize = cursor.u8();
    }
    if (addressSize !== 4 && addressSize !== 8 && addressSize !== 2) {
      cursor.fail(`unsupported address size ${addressSize}`, offset);
    }
    if (cursor.pos > end) cursor.fail('unit header longer than the unit', offset);
    units.push({
      offset, end, version, unitType, addressSize, offsetSize, abbrevOffset,
      firstDieOffset: cursor.pos, abbrevs: null, dwoId, root: null,
    });
    cursor.pos = end;
  }
}

/**
 * A skeleton unit: its DIEs are in a split unit elsewhere (a .dwo file or a .dwp package). DWARF 5
 * says so in the unit type; the DWARF 4 GNU extension by DW_AT_GNU_dwo_name on a compile unit.
 */
export function isSkeletonUnit(unit: Unit, root: UnitRoot): boolean {
  if (unit.unitType === C.DW_UT_skeleton) return true;
  return unit.version < 5 && unit.unitType === C.DW_UT_compile && root.dwoName !== null;
}

/** An 8-byte little-endian id (DWO id, type signature) as 16 lowercase hex digits. */
export function readId64(cursor: Cursor, what = '64-bit id'): string {
  cursor.need(8, what);
  const lo = cursor.u32();
  const hi = cursor.u32();
  return hi.toString(16).padStart(8, '0') + lo.toString(16).padStart(8, '0');
}

export function isCompileUnit(unit: Unit): boolean {
  return unit.unitType === C.DW_UT_compile || unit.unitType === C.DW_UT_skeleton || unit.unitType === C.DW_UT_partial;
}
