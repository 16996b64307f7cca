import type { Cursor } from '../wasm/cursor.js';
import * as C from './constants.js';

/** What a unit contributes to decoding forms: sizes that vary per unit. */
export interface FormContext {
  version: number;
  addressSize: number;
  offsetSize: number;
}

/**
 * The form a `DW_FORM_indirect` resolved to, set by each `readForm` call. A module-level slot
 * avoids allocating a result object per attribute on the hot DIE-walking path.
 */
export let lastForm = 0;

/**
 * Reads one attribute value and returns it as a number whose meaning depends on the form:
 * the value itself for addresses, constants and flags; the index for *x forms; the section
 * offset for strp/line_strp/sec_offset; the unit-relative offset for ref1..ref_udata; the
 * position of the first byte for inline strings, blocks and exprlocs (which are skipped).
 */
export function readForm(cursor: Cursor, form: number, unit: FormContext, implicitConst: number): number {
  lastForm = form;
  switch (form) {
    case C.DW_FORM_addr: return cursor.uN(unit.addressSize);
    case C.DW_FORM_data1: case C.DW_FORM_ref1: case C.DW_FORM_flag: case C.DW_FORM_strx1: case C.DW_FORM_addrx1:
      return cursor.u8();
    case C.DW_FORM_data2: case C.DW_FORM_ref2: case C.DW_FORM_strx2: case C.DW_FORM_addrx2:
      return cursor.u16();
    case C.DW_FORM_strx3: case C.DW_FORM_addrx3:
      return cursor.u24();
    case C.DW_FORM_data4: case C.DW_FORM_ref4: case C.DW_FORM_ref_sup4: case C.DW_FORM_strx4: case C.DW_FORM_addrx4:
      return cursor.u32();
    case C.DW_FORM_data8: case C.DW_FORM_ref8: case C.DW_FORM_ref_sig8: case C.DW_FORM_ref_sup8:
      return cursor.u64();
    case C.DW_FORM_data16: {
      const start = cursor.pos;
      cursor.skip(16, 'data16');
      return start;
    }
    case C.DW_FORM_sdata: return cursor.sleb();
    case C.DW_FORM_udata: case C.DW_FORM_ref_udata: case C.DW_FORM_strx: case C.DW_FORM_addrx:
    case C.DW_FORM_loclistx: case C.DW_FORM_rnglistx: case C.DW_FORM_GNU_addr_index: case C.DW_FORM_GNU_str_index:
      return cursor.uleb();
    case C.DW_FORM_strp: case C.DW_FORM_line_strp: case C.DW_FORM_sec_offset: case C.DW_FORM_strp_sup:
    case C.DW_FORM_GNU_ref_alt: case C.DW_FORM_GNU_strp_alt:
      return cursor.uN(unit.offsetSize);
    case C.DW_FORM_ref_addr:
      return cursor.uN(unit.version <= 2 ? unit.addressSize : unit.offsetSize);
    case C.DW_FORM_string: {
      const start = cursor.pos;
      const nul = cursor.bytes.indexOf(0, start);
      if (nul < 0 || nul >= cursor.end) cursor.fail('unterminated string', start);
      cursor.pos = nul + 1;
      return start;
    }
    case C.DW_FORM_block1: return skipBlock(cursor, cursor.u8());
    case C.DW_FORM_block2: return skipBlock(cursor, cursor.u16());
    case C.DW_FORM_block4: return skipBlock(cursor, cursor.u32());
    case C.DW_FORM_block: case C.DW_FORM_exprloc: return skipBlock(cursor, cursor.uleb());
    case C.DW_FORM_flag_present: return 1;
    case C.DW_FORM_implicit_const: return implicitConst;
    case C.DW_FORM_indirect: {
      const actual = cursor.uleb();
      if (actual === C.DW_FORM_indirect || actual === C.DW_FORM_implicit_const) {
        cursor.fail(`DW_FORM_indirect names form 0x${actual.toString(16)}`);
      }
      return readForm(cursor, actual, unit, 0);
    }
    default:
      return cursor.fail(`unknown attribute form 0x${form.toString(16)}`);
  }
}

function skipBlock(cursor: Cursor, length: number): number {
  const start = cursor.pos;
  cursor.skip(length, 'block');
  return start;
}

/**
 * Byte size of a form when it does not depend on the data, else -1. Lets the DIE walker skip
 * whole DIEs made only of fixed-size attributes in one step.
 */
export function fixedFormSize(form: number, unit: FormContext): number {
  switch (form) {
    case C.DW_FORM_flag_present: case C.DW_FORM_implicit_const: return 0;
    case C.DW_FORM_data1: case C.DW_FORM_ref1: case C.DW_FORM_flag: case C.DW_FORM_strx1: case C.DW_FORM_addrx1:
      return 1;
    case C.DW_FORM_data2: case C.DW_FORM_ref2: case C.DW_FORM_strx2: case C.DW_FORM_addrx2: return 2;
    case C.DW_FORM_strx3: case C.DW_FORM_addrx3: return 3;
    case C.DW_FORM_data4: case C.DW_FORM_ref4: case C.DW_FORM_ref_sup4: case C.DW_FORM_strx4: case C.DW_FORM_addrx4:
      return 4;
    case C.DW_FORM_data8: case C.DW_FORM_ref8: case C.DW_FORM_ref_sig8: case C.DW_FORM_ref_sup8: return 8;
    case C.DW_FORM_data16: return 16;
    case C.DW_FORM_addr: return unit.addressSize;
    case C.DW_FORM_strp: case C.DW_FORM_line_strp: case C.DW_FORM_sec_offset: case C.DW_FORM_strp_sup:
    case C.DW_FORM_GNU_ref_alt: case C.DW_FORM_GNU_strp_alt:
      return unit.offsetSize;
    case C.DW_FORM_ref_addr: return unit.version <= 2 ? unit.addressSize : unit.offsetSize;
    default: return -1;
  }
}

export function isUnitRelativeRef(form: number): boolean {
  return form === C.DW_FORM_ref1 || form === C.DW_FORM_ref2 || form === C.DW_FORM_ref4 ||
    form === C.DW_FORM_ref8 || form === C.DW_FORM_ref_udata;
}

export function isStringForm(form: number): boolean {
  switch (form) {
    case C.DW_FORM_string: case C.DW_FORM_strp: case C.DW_FORM_line_strp: case C.DW_FORM_strx:
    case C.DW_FORM_strx1: case C.DW_FORM_strx2: case C.DW_FORM_strx3: case C.DW_FORM_strx4:
    case C.DW_FORM_GNU_str_index:
      return true;
    default:
      return false;
  }
}

export function isAddressForm(form: number): boolean {
  switch (form) {
    case C.DW_FORM_addr: case C.DW_FORM_addrx: case C.DW_FORM_addrx1: case C.DW_FORM_addrx2:
    case C.DW_FORM_addrx3: case C.DW_FORM_addrx4: case C.DW_FORM_GNU_addr_index:
      return true;
    default:
      return false;
  }
}

/** Forms of the constant class, which `DW_AT_high_pc` uses for "length from low_pc". */
export function isConstantForm(form: number): boolean {
  switch (form) {
    case C.DW_FORM_data1: case C.DW_FORM_data2: case C.DW_FORM_data4: case C.DW_FORM_data8:
    case C.DW_FORM_udata: case C.DW_FORM_sdata: case C.DW_FORM_implicit_const:
      return true;
    default:
      return false;
  }
}

/** Linkers mark code they discarded with the all-ones address (LLVM's "tombstone"). */
export function tombstone(addressSize: number): number {
  return addressSize === 8 ? 0xffffffffffffffff : addressSize === 4 ? 0xffffffff : 0xffff;
}
