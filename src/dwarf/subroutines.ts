import { Cursor } from '../wasm/cursor.js';
import type { Abbrev } from './abbrev.js';
import * as C from './constants.js';
import { fixedFormSize, lastForm, readForm } from './forms.js';
import type { DebugInfo } from './info.js';
import type { Unit } from './unit.js';
import { CrosstraceError } from '../errors.js';

/**
 * The subprogram and inlined-subroutine DIEs of one unit, and the map from address to the
 * innermost of them. The map is built exactly as LLVM's `DWARFUnit::updateAddressDieMap` builds
 * its `AddrDieMap` (pre-order insertion, a child's range splitting its parent's), because the
 * odd cases of that algorithm — overlapping siblings, children outside their parent — decide
 * which function llvm-symbolizer names, and we promise the same answers.
 */
export class SubroutineIndex {
  /** `.debug_info` offset of each subroutine DIE, in pre-order. */
  readonly dieOffsets: number[] = [];
  readonly isInlined: boolean[] = [];
  /** Index of the nearest enclosing subroutine DIE, or -1. */
  readonly parents: number[] = [];
  /** Low address of each DIE's first range (for `--verbose`'s start address), or -1. */
  readonly lowPcs: number[] = [];

  private readonly keys: number[] = [];
  private readonly highs: number[] = [];
  private readonly owners: number[] = [];

  constructor(info: DebugInfo, unit: Unit) {
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
  }

  private readSubroutine(info: DebugInfo, unit: Unit, cursor: Cursor, abbrev: Abbrev, dieOffset: number, parent: number): number {
    let lowForm = 0, lowValue = 0, highForm = 0, highValue = 0, rangesForm = 0, rangesValue = 0;
    const specs = abbrev.specs;
    for (let i = 0; i < specs.length; i += 2) {
      const value = readForm(cursor, specs[i + 1], unit, abbrev.implicitConsts ? abbrev.implicitConsts[i >> 1] : 0);
      switch (specs[i]) {
        case C.DW_AT_low_pc: lowForm = lastForm; lowValue = value; break;
        case C.DW_AT_high_pc: highForm = lastForm; highValue = value; break;
        case C.DW_AT_ranges: rangesForm = lastForm; rangesValue = value; break;
      }
    }
    const index = this.dieOffsets.length;
    this.dieOffsets.push(dieOffset);
    this.isInlined.push(abbrev.tag === C.DW_TAG_inlined_subroutine);
    this.parents.push(parent);
    let lowPc = -1;
    if (lowForm !== 0) lowPc = info.address(unit, { at: C.DW_AT_low_pc, form: lowForm, value: lowValue }) ?? -1;
    this.lowPcs.push(lowPc);
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
    for (let r = 0; r < ranges.length; r += 2) this.insert(ranges[r], ranges[r + 1], index);
    return index;
  }

  private insert(low: number, high: number, owner: number): void {
    if (low === high) return;
    const keys = this.keys;
    const b = upperBound(keys, low);
    if (b > 0 && low < this.highs[b - 1]) {
      const prev = b - 1;
      const prevKey = keys[prev];
      const prevHigh = this.highs[prev];
      const prevOwner = this.owners[prev];
      if (high < prevHigh) this.set(high, prevHigh, prevOwner);
      if (low > prevKey) this.highs[this.indexOf(prevKey)] = low;
    }
    this.set(low, high, owner);
  }

  private indexOf(key: number): number {
    const i = upperBound(this.keys, key) - 1;
    return i;
  }

  private set(key: number, high: number, owner: number): void {
    const keys = this.keys;
    const at = upperBound(keys, key);
    if (at > 0 && keys[at - 1] === key) {
      this.highs[at - 1] = high;
      this.owners[at - 1] = owner;
      return;
    }
    if (at === keys.length) {
      keys.push(key);
      this.highs.push(high);
      this.owners.push(owner);
    } else {
      keys.splice(at, 0, key);
      this.highs.splice(at, 0, high);
      this.owners.splice(at, 0, owner);
    }
  }

  /** The innermost subroutine DIE covering `address` (index into the arrays above), or -1. */
  find(address: number): number {
    const r = upperBound(this.keys, address);
    if (r === 0) return -1;
    if (address >= this.highs[r - 1]) return -1;
    return this.owners[r - 1];
  }

  /** Leaf first: the inlined subroutines enclosing the leaf, then the subprogram that holds them. */
  chain(leaf: number): number[] {
    const chain: number[] = [];
    for (let i = leaf; i >= 0; i = this.parents[i]) {
      chain.push(i);
      if (!this.isInlined[i]) break;
    }
    return chain;
  }
}

function upperBound(keys: number[], value: number): number {
  let lo = 0;
  let hi = keys.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (keys[mid] <= value) lo = mid + 1;
    else hi = mid;
  }
  return lo;
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
