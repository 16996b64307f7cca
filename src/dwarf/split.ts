// Split DWARF (-gsplit-dwarf): the linked module keeps small skeleton units (unit ranges, line
// table, DW_AT_dwo_name, a DWO id) and the DIEs live in one .dwo file per unit, or in a .dwp
// package that llvm-dwp made of them. Both are wasm object files whose custom sections carry the
// `.dwo` sections. This file reads them from bytes the caller already holds: which files to read,
// and from where, is decided outside the reader (src/symbolize/debug-info/).
import { Cursor } from '../wasm/cursor.js';
import { DwarfFormatError } from '../errors.js';
import * as C from './constants.js';
import { DebugInfo } from './info.js';
import type { DwarfSections } from './sections.js';
import { isSkeletonUnit, readId64, type Unit } from './unit.js';

/** The sections of one split unit: a whole .dwo file, or one unit's contributions in a .dwp. */
export interface SplitSections {
  info: Uint8Array;
  abbrev: Uint8Array;
  str: Uint8Array;
  strOffsets: Uint8Array;
  /** `.debug_rnglists.dwo` (DWARF 5); DWARF 4 split units use the skeleton file's `.debug_ranges`. */
  rnglists: Uint8Array;
}

/** What identifies a skeleton unit's other half. */
export interface SkeletonUnit {
  /** DW_AT_dwo_name / DW_AT_GNU_dwo_name: the .dwo path as the compiler wrote it. */
  dwoName: string | null;
  /** 16 hex digits. */
  dwoId: string | null;
  /** DW_AT_comp_dir of the skeleton: a relative dwoName is relative to it. */
  compDir: string;
}

/** Finds the split sections for a skeleton; the reader calls it lazily, so it must not do I/O. */
export type SplitUnitLookup = (skeleton: SkeletonUnit) => SplitSections | null;

const EMPTY = new Uint8Array(0);

/** The `.dwo` sections of a .dwo file, by a lookup of its custom sections; null without `.debug_info.dwo`. */
export function dwoSections(lookup: (name: string) => Uint8Array | null): SplitSections | null {
  const info = lookup('.debug_info.dwo');
  if (!info || info.length === 0) return null;
  return {
    info,
    abbrev: lookup('.debug_abbrev.dwo') ?? EMPTY,
    str: lookup('.debug_str.dwo') ?? EMPTY,
    strOffsets: lookup('.debug_str_offsets.dwo') ?? EMPTY,
    rnglists: lookup('.debug_rnglists.dwo') ?? EMPTY,
  };
}

/**
 * The skeleton units of a module's (or debug file's) DWARF, with what pairs each with its split
 * unit. Cheap on ordinary DWARF, which every `crosstrace symbolize` run checks: DWARF 5 says
 * "skeleton" in the unit header, and for DWARF 2-4 only the root DIE's abbreviation is looked at
 * (for DW_AT_GNU_dwo_name) before any DIE is decoded.
 */
export function skeletonUnits(sections: DwarfSections): SkeletonUnit[] {
  const info = new DebugInfo(sections);
  const found: SkeletonUnit[] = [];
  for (const unit of info.compileUnits) {
    if (unit.version >= 5 ? unit.unitType !== C.DW_UT_skeleton : !rootMayNameDwo(sections, unit)) continue;
    const root = info.unitRoot(unit);
    if (isSkeletonUnit(unit, root)) found.push({ dwoName: root.dwoName, dwoId: root.dwoId, compDir: root.compDir });
  }
  return found;
}

/**
 * Whether the abbreviation of a unit's root DIE has DW_AT_GNU_dwo_name or DW_AT_dwo_name. Reads
 * declarations from the unit's abbreviation table up to the root's (usually the first one).
 * True when unsure, so the caller decodes the root.
 */
function rootMayNameDwo(sections: DwarfSections, unit: Unit): boolean {
  try {
    const code = new Cursor(sections.info, unit.firstDieOffset, unit.end, '.debug_info').uleb();
    const abbrev = new Cursor(sections.abbrev, 0, sections.abbrev.length, '.debug_abbrev');
    abbrev.seek(unit.abbrevOffset, 'abbreviation table');
    for (;;) {
      const declared = abbrev.uleb();
      if (declared === 0) return true;
      abbrev.uleb();
      abbrev.u8();
      let names = false;
      for (;;) {
        const at = abbrev.uleb();
        const form = abbrev.uleb();
        if (at === 0 && form === 0) break;
        if (form === C.DW_FORM_implicit_const) abbrev.sleb();
        if (at === C.DW_AT_GNU_dwo_name || at === C.DW_AT_dwo_name) names = true;
      }
      if (declared === code) return names;
    }
  } catch {
    return true;
  }
}

/** The DWO ids of the split compile units in a set of split sections (a .dwo file holds one). */
export function splitUnitIds(sections: SplitSections): (string | null)[] {
  const info = new DebugInfo(asDwarfSections(sections, null));
  return info.units.filter(isSplitCompileUnit).map((unit) => splitUnitId(info, unit));
}

/** The split compile unit of DWARF 5, or a DWARF 4 compile unit in a .dwo file. */
export function isSplitCompileUnit(unit: Unit): boolean {
  return unit.unitType === C.DW_UT_split_compile || (unit.version < 5 && unit.unitType === C.DW_UT_compile);
}

function splitUnitId(info: DebugInfo, unit: Unit): string | null {
  return unit.dwoId ?? info.unitRoot(unit).dwoId;
}

/**
 * The split unit paired with a skeleton among `info`'s units: the one with the skeleton's DWO id;
 * without ids on either side, the only compile unit.
 */
export function findSplitUnit(info: DebugInfo, skeleton: SkeletonUnit): Unit | null {
  const units = info.units.filter(isSplitCompileUnit);
  if (skeleton.dwoId !== null) {
    for (const unit of units) if (splitUnitId(info, unit) === skeleton.dwoId) return unit;
    return null;
  }
  return units.length === 1 ? units[0] : null;
}

/**
 * Split sections as a `DwarfSections` the ordinary reader can walk: the split file's own sections,
 * and the skeleton file's `.debug_addr`, `.debug_ranges` and `.debug_line_str`, which split units
 * share with their skeleton.
 */
export function asDwarfSections(split: SplitSections, skeletonFile: DwarfSections | null): DwarfSections {
  return {
    info: split.info,
    abbrev: split.abbrev,
    str: split.str,
    strOffsets: split.strOffsets,
    rnglists: split.rnglists,
    line: EMPTY,
    lineStr: skeletonFile?.lineStr ?? EMPTY,
    addr: skeletonFile?.addr ?? EMPTY,
    ranges: skeletonFile?.ranges ?? EMPTY,
    aranges: EMPTY,
  };
}

// Section identifiers of the unit index (DWARF 5 section 7.3.5; the GNU version 2 index of DWARF 4
// packages numbers only the ones we use the same way, except RNGLISTS, which it lacks).
const DW_SECT_INFO = 1;
const DW_SECT_ABBREV = 3;
const DW_SECT_STR_OFFSETS = 6;
const DW_SECT_RNGLISTS = 8;

interface Contribution {
  offset: number;
  size: number;
}

/**
 * A .dwp package: `.debug_cu_index` maps each DWO id to its units' contributions in the package's
 * `.dwo` sections. `.debug_str.dwo` is shared by all units.
 */
export class DwpPackage {
  private readonly rows = new Map<string, Map<number, Contribution>>();

  private constructor(
    private readonly sections: SplitSections,
    readonly version: number,
  ) {}

  /** Reads a package from its custom sections; null when it has no `.debug_cu_index`. Throws DwarfFormatError. */
  static read(lookup: (name: string) => Uint8Array | null): DwpPackage | null {
    const index = lookup('.debug_cu_index');
    const sections = dwoSections(lookup);
    if (!index || index.length === 0 || !sections) return null;
    const cursor = new Cursor(index, 0, index.length, '.debug_cu_index');
    let version = cursor.u32();
    if (version !== 2) {
      cursor.pos = 0;
      version = cursor.u16();
      if (version !== 5) cursor.fail(`unsupported unit index version ${version}`, 0);
      cursor.skip(2, 'padding');
    }
    const columns = cursor.u32();
    const units = cursor.u32();
    const slots = cursor.u32();
    // Bounds before allocating: each slot takes 12 bytes, each row 8 bytes per column, plus headers.
    const needed = slots * 12 + columns * 4 + units * columns * 8;
    if (columns === 0 || columns > 16 || needed > cursor.remaining) {
      cursor.fail(`unit index of ${slots} slots, ${units} units and ${columns} columns does not fit`, 0);
    }
    const hashes = cursor.pos;
    const rowIndices = hashes + slots * 8;
    const sectionIds = rowIndices + slots * 4;
    const offsets = sectionIds + columns * 4;
    const sizes = offsets + units * columns * 4;
    const at = (pos: number): Cursor => new Cursor(index, pos, index.length, '.debug_cu_index');
    const ids: number[] = [];
    for (let c = 0; c < columns; c++) ids.push(at(sectionIds + c * 4).u32());
    const dwp = new DwpPackage(sections, version);
    for (let s = 0; s < slots; s++) {
      const row = at(rowIndices + s * 4).u32();
      if (row === 0) continue;
      if (row > units) throw new DwarfFormatError(`unit index row ${row} of ${units}`, '.debug_cu_index', rowIndices + s * 4);
      const signature = readId64(at(hashes + s * 8));
      const contributions = new Map<number, Contribution>();
      for (let c = 0; c < columns; c++) {
        const cell = ((row - 1) * columns + c) * 4;
        contributions.set(ids[c], { offset: at(offsets + cell).u32(), size: at(sizes + cell).u32() });
      }
      dwp.rows.set(signature, contributions);
    }
    return dwp;
  }

  get unitIds(): string[] {
    return [...this.rows.keys()];
  }

  has(dwoId: string): boolean {
    return this.rows.has(dwoId);
  }

  /** The sections of the unit with this DWO id, sliced to its contributions; null if absent or out of bounds. */
  unit(dwoId: string): SplitSections | null {
    const row = this.rows.get(dwoId);
    if (!row) return null;
    const slice = (section: Uint8Array, id: number): Uint8Array | null => {
      const c = row.get(id);
      if (!c) return EMPTY;
      if (c.offset + c.size > section.length) return null;
      return section.subarray(c.offset, c.offset + c.size);
    };
    const info = slice(this.sections.info, DW_SECT_INFO);
    const abbrev = slice(this.sections.abbrev, DW_SECT_ABBREV);
    const strOffsets = slice(this.sections.strOffsets, DW_SECT_STR_OFFSETS);
    const rnglists = this.version === 5 ? slice(this.sections.rnglists, DW_SECT_RNGLISTS) : EMPTY;
    if (!info || !abbrev || !strOffsets || !rnglists || info.length === 0) return null;
    return { info, abbrev, str: this.sections.str, strOffsets, rnglists };
  }
}
