import { Cursor } from '../wasm/cursor.js';
import type { Abbrev } from './abbrev.js';
import * as C from './constants.js';
import { fixedFormSize, isUnitRelativeRef, lastForm, readForm } from './forms.js';
import type { DebugInfo } from './info.js';
import type { Unit } from './unit.js';
import { CrosstraceError, DwarfFormatError } from '../errors.js';
import type { SubroutineDetails } from './context.js';
import { RangeMap, RangeMapBuilder } from './range-map.js';

/**
 * The subprogram and inlined-subroutine DIEs of one unit, and the map from address to the
 * innermost of them. The map is built exactly as LLVM's `DWARFUnit::updateAddressDieMap` builds
 * its `AddrDieMap` (pre-order insertion, a child's range splitting its parent's), because the
 * odd cases of that algorithm — overlapping siblings, children outside their parent — decide
 * which function llvm-symbolizer names, and we promise the same answers.
 */
export class SubroutineIndex {
  /** Number of subroutine DIEs; each array below has one slot per DIE, in pre-order. */
  count = 0;
  /** `.debug_info` offset of each subroutine DIE. */
  dieOffsets = new Float64Array(64);
  isInlined = new Uint8Array(64);
  /** Index of the nearest enclosing subroutine DIE, or -1. */
  parents = new Int32Array(64);
  /** Low address of each DIE's DW_AT_low_pc (for `--verbose`'s start address), or -1. */
  lowPcs = new Float64Array(64);
  /**
   * What the walk already decoded, so a frame never re-reads its DIE: references (absolute
   * offsets, -1 when absent), whether the DIE names itself, its call site.
   */
  origins = new Float64Array(64);
  specifications = new Float64Array(64);
  namesItself = new Uint8Array(64);
  callFiles = new Float64Array(64);
  callLines = new Float64Array(64);
  callColumns = new Float64Array(64);
  callDiscriminators = new Float64Array(64);
  /** Filled lazily by `DwarfContext.details`. */
  readonly details: (SubroutineDetails | undefined)[] = [];

  private readonly builder: RangeMapBuilder | null = new RangeMapBuilder();
  private readonly map: RangeMap;

  /**
   * Real DWARF spends bytes on every range: one DIE per low/high pair, a list entry per listed
   * range. DIEs that all point at one long range list would make the map quadratic; past this
   * budget the unit counts as damaged.
   */
  private rangeBudget: number;

  constructor(info: DebugInfo, unit: Unit) {
    this.rangeBudget = 16 + (unit.end - unit.offset) + ((info.sections.ranges.length + info.sections.rnglists.length) >> 1);
    // Subroutine DIEs take a few dozen bytes each with their children: size the arrays once.
    this.resize(Math.max(64, (unit.end - unit.offset) >> 6));
    const abbrevs = info.abbrevs(unit);
    info.unitRoot(unit);
    const cursor = new Cursor(info.sections.info, unit.firstDieOffset, unit.end, '.debug_info');
    const formKey = unit.version * 100 + unit.addressSize * 10 + unit.offsetSize;
    // enclosing[d] = nearest subroutine index among the ancestors at depth < d.
    const enclosing: number[] = [-1];
    let depth = 0;
    while (cursor.pos < cursor.end) {
      const dieOffset = cursor.pos;
      const code = cursor.uleb();
      if (code === 0) {
        if (depth > 0) depth--;
        continue;
      }
      const abbrev = abbrevs.get(code) ?? cursor.fail(`unknown abbreviation code ${code}`, dieOffset);
      let self = -1;
      if (abbrev.tag === C.DW_TAG_subprogram || abbrev.tag === C.DW_TAG_inlined_subroutine) {
        self = this.readSubroutine(info, unit, cursor, abbrev, dieOffset, enclosing[depth]);
      } else {
        skipAttributes(cursor, abbrev, unit, formKey);
      }
      if (abbrev.hasChildren) {
        depth++;
        enclosing[depth] = self >= 0 ? self : enclosing[depth - 1];
      }
    }
    this.map = this.builder!.freeze();
    this.builder = null;
  }

  private readSubroutine(info: DebugInfo, unit: Unit, cursor: Cursor, abbrev: Abbrev, dieOffset: number, parent: number): number {
    let lowForm = 0, lowValue = 0, highForm = 0, highValue = 0, rangesForm = 0, rangesValue = 0;
    let origin = -1, specification = -1, namesItself = false;
    let callFile = 0, callLine = 0, callColumn = 0, callDiscriminator = 0;
    const specs = abbrev.specs;
    for (let i = 0; i < specs.length; i += 2) {
      const value = readForm(cursor, specs[i + 1], unit, abbrev.implicitConsts ? abbrev.implicitConsts[i >> 1] : 0);
      switch (specs[i]) {
        case C.DW_AT_low_pc: lowForm = lastForm; lowValue = value; break;
        case C.DW_AT_high_pc: highForm = lastForm; highValue = value; break;
        case C.DW_AT_ranges: rangesForm = lastForm; rangesValue = value; break;
        case C.DW_AT_abstract_origin: origin = referenceTarget(unit, lastForm, value); break;
        case C.DW_AT_specification: specification = referenceTarget(unit, lastForm, value); break;
        case C.DW_AT_name: case C.DW_AT_linkage_name: case C.DW_AT_MIPS_linkage_name: case C.DW_AT_decl_line:
          namesItself = true;
          break;
        case C.DW_AT_call_file: callFile = value; break;
        case C.DW_AT_call_line: callLine = value; break;
        case C.DW_AT_call_column: callColumn = value; break;
        case DW_AT_GNU_discriminator: callDiscriminator = value; break;
      }
    }
    if (this.count === this.dieOffsets.length) this.grow();
    const index = this.count++;
    this.dieOffsets[index] = dieOffset;
    this.isInlined[index] = abbrev.tag === C.DW_TAG_inlined_subroutine ? 1 : 0;
    this.parents[index] = parent;
    this.origins[index] = origin;
    this.specifications[index] = specification;
    this.namesItself[index] = namesItself ? 1 : 0;
    this.callFiles[index] = callFile;
    this.callLines[index] = callLine;
    this.callColumns[index] = callColumn;
    this.callDiscriminators[index] = callDiscriminator;
    let lowPc = -1;
    if (lowForm !== 0) lowPc = info.address(unit, { at: C.DW_AT_low_pc, form: lowForm, value: lowValue }) ?? -1;
    this.lowPcs[index] = lowPc;
    let ranges: number[];
    try {
      ranges = info.dieRanges(
        unit,
        lowForm ? { at: C.DW_AT_low_pc, form: lowForm, value: lowValue } : null,
        highForm ? { at: C.DW_AT_high_pc, form: highForm, value: highValue } : null,
        rangesForm ? { at: C.DW_AT_ranges, form: rangesForm, value: rangesValue } : null,
      );
    } catch (error) {
      // A broken range list loses this DIE's ranges, as in LLVM, not the whole unit.
      if (!(error instanceof CrosstraceError)) throw error;
      ranges = [];
    }
    this.rangeBudget -= ranges.length >> 1;
    if (this.rangeBudget < 0) {
      throw new DwarfFormatError('more address ranges than the unit and range lists can hold (shared lists?)', '.debug_info', dieOffset);
    }
    for (let r = 0; r < ranges.length; r += 2) this.insert(ranges[r], ranges[r + 1], index);
    return index;
  }

  /** LLVM's `updateAddressDieMap` step for one range: split the range it lands in, then claim it. */
  private insert(low: number, high: number, owner: number): void {
    if (low === high) return;
    const builder = this.builder!;
    if (builder.predecessor(low) && low < builder.foundHigh) {
      const previousKey = builder.foundKey;
      const previousHigh = builder.foundHigh;
      const previousOwner = builder.foundOwner;
      if (high < previousHigh) builder.set(high, previousHigh, previousOwner);
      if (low > previousKey) builder.set(previousKey, low, previousOwner);
    }
    builder.set(low, high, owner);
  }

  private grow(): void {
    this.resize(this.dieOffsets.length * 2);
  }

  private resize(n: number): void {
    this.dieOffsets = resized(this.dieOffsets, n);
    this.isInlined = resized(this.isInlined, n);
    this.parents = resized(this.parents, n);
    this.lowPcs = resized(this.lowPcs, n);
    this.origins = resized(this.origins, n);
    this.specifications = resized(this.specifications, n);
    this.namesItself = resized(this.namesItself, n);
    this.callFiles = resized(this.callFiles, n);
    this.callLines = resized(this.callLines, n);
    this.callColumns = resized(this.callColumns, n);
    this.callDiscriminators = resized(this.callDiscriminators, n);
  }

  /** The innermost subroutine DIE covering `address` (index into the arrays above), or -1. */
  find(address: number): number {
    return this.map.find(address);
  }
}

const DW_AT_GNU_discriminator = 0x2136;

function resized<T extends Float64Array | Int32Array | Uint8Array>(array: T, length: number): T {
  const next = new (array.constructor as new (n: number) => T)(length);
  next.set(array.subarray(0, Math.min(array.length, length)));
  return next;
}

/** Absolute `.debug_info` offset of a reference, or -1 for forms that do not point into it. */
function referenceTarget(unit: Unit, form: number, value: number): number {
  if (isUnitRelativeRef(form)) return unit.offset + value;
  return form === C.DW_FORM_ref_addr ? value : -1;
}


function skipAttributes(cursor: Cursor, abbrev: Abbrev, unit: Unit, formKey: number): void {
  if (abbrev.fixedSizeKey !== formKey) {
    abbrev.fixedSizeKey = formKey;
    let size = 0;
    for (let i = 1; i < abbrev.specs.length; i += 2) {
      const s = fixedFormSize(abbrev.specs[i], unit);
      if (s < 0) {
        size = -1;
        break;
      }
      size += s;
    }
    abbrev.fixedSize = size;
  }
  if (abbrev.fixedSize >= 0) {
    cursor.skip(abbrev.fixedSize, 'DIE');
    return;
  }
  const specs = abbrev.specs;
  for (let i = 1; i < specs.length; i += 2) readForm(cursor, specs[i], unit, 0);
}
