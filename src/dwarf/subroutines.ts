import { Cursor } from '../wasm/cursor.js';
import type { Abbrev, AbbrevTable } from './abbrev.js';
import * as C from './constants.js';
import { fixedFormSize, isAddressForm, isConstantForm, isUnitRelativeRef, lastForm, readForm, tombstone } from './forms.js';
import type { DebugInfo } from './info.js';
import type { Unit } from './unit.js';
import { CrosstraceError, DwarfFormatError } from '../errors.js';
import { BucketIndex } from './bucket-index.js';
import { RangeMap, RangeMapBuilder, type MapArrays } from './range-map.js';
import { KERNEL_MIN_UNIT, KernelOverBudget, PLAN_WORDS, walkInKernel, type KernelWalk } from './subroutine-kernel.js';

/**
 * The subprogram and inlined-subroutine DIEs of one unit, and the map from address to the
 * innermost of them. The map is built exactly as LLVM's `DWARFUnit::updateAddressDieMap` builds
 * its `AddrDieMap` (pre-order insertion, a child's range splitting its parent's), because the
 * odd cases of that algorithm — overlapping siblings, children outside their parent — decide
 * which function llvm-symbolizer names, and we promise the same answers.
 */
export class SubroutineIndex {
  /** Number of subroutine DIEs; each array below has one slot per DIE, in pre-order. */
  readonly count: number;
  /** `.debug_info` offset of each subroutine DIE. */
  readonly dieOffsets: Uint32Array;
  readonly isInlined: Uint8Array;
  /** Index of the nearest enclosing subroutine DIE, or -1. */
  readonly parents: Int32Array;
  /** Low address of each DIE's DW_AT_low_pc (for `--verbose`'s start address), or -1. */
  readonly lowPcs: Float64Array;
  /**
   * What the walk already decoded, so a frame never re-reads its DIE: references (absolute
   * offsets, -1 when absent), whether the DIE names itself, its call site.
   */
  readonly origins: Float64Array;
  readonly specifications: Float64Array;
  readonly namesItself: Uint8Array;
  /**
   * 32 bits, as LLVM keeps them (`DWARFDie::getCallerFrame` returns uint32_t): a larger value
   * prints as LLVM prints it, and a read before V8 optimizes the reader allocates no number.
   */
  readonly callFiles: Uint32Array;
  readonly callLines: Uint32Array;
  readonly callColumns: Uint32Array;
  readonly callDiscriminators: Uint32Array;
  /**
   * The DIE's own DW_AT_name and linkage name (DW_AT_linkage_name or DW_AT_MIPS_linkage_name,
   * whichever comes first), as form and value for `DebugInfo.string`: form 0 when absent,
   * NAME_UNREAD when the value does not fit here (then the names are found the long way).
   */
  readonly nameForms: Uint16Array;
  readonly nameValues: Uint32Array;
  readonly linkageForms: Uint16Array;
  readonly linkageValues: Uint32Array;

  /** Which walk built the index (see subroutine-kernel.ts). */
  readonly walkedBy: 'kernel' | 'script';

  private readonly map: RangeMap;

  constructor(info: DebugInfo, unit: Unit) {
    const walk = new Walk(info, unit);
    this.map = walk.run();
    this.walkedBy = walk.walkedBy;
    this.count = walk.count;
    this.dieOffsets = walk.dieOffsets;
    this.isInlined = walk.isInlined;
    this.parents = walk.parents;
    this.lowPcs = walk.lowPcs;
    this.origins = walk.origins;
    this.specifications = walk.specifications;
    this.namesItself = walk.namesItself;
    this.callFiles = walk.callFiles;
    this.callLines = walk.callLines;
    this.callColumns = walk.callColumns;
    this.callDiscriminators = walk.callDiscriminators;
    this.nameForms = walk.nameForms;
    this.nameValues = walk.nameValues;
    this.linkageForms = walk.linkageForms;
    this.linkageValues = walk.linkageValues;
  }

  /** The index of the subroutine DIE at `.debug_info` offset `offset`, or -1. */
  indexOfDie(offset: number): number {
    // Pre-order: offsets ascend.
    const offsets = this.dieOffsets;
    let lo = 0;
    let hi = this.count;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (offsets[mid] < offset) lo = mid + 1;
      else hi = mid;
    }
    return lo < this.count && offsets[lo] === offset ? lo : -1;
  }

  /** The address map `find` searches, as arrays. */
  mapArrays(): MapArrays {
    return this.map.arrays;
  }

  /** The innermost subroutine DIE covering `address` (index into the arrays above), or -1. */
  find(address: number): number {
    return this.map.find(address);
  }
}

/**
 * One pass over a unit's DIEs filling a `SubroutineIndex`. DIEs of other tags are stepped over by
 * their plan without decoding; a subroutine's plan decodes only the attributes the index keeps.
 * Anything a plan does not cover, or any read past the unit's end, is left to the generic reader
 * (`readForm`), which throws the error the damage deserves.
 */
class Walk {
  // The index's arrays, as `SubroutineIndex` describes them.
  // (Made by `run`: by the kernel, or by `allocateArrays` for the JavaScript walk.)
  count = 0;
  dieOffsets!: Uint32Array;
  isInlined!: Uint8Array;
  parents!: Int32Array;
  lowPcs!: Float64Array;
  origins!: Float64Array;
  specifications!: Float64Array;
  namesItself!: Uint8Array;
  callFiles!: Uint32Array;
  callLines!: Uint32Array;
  callColumns!: Uint32Array;
  callDiscriminators!: Uint32Array;
  nameForms!: Uint16Array;
  nameValues!: Uint32Array;
  linkageForms!: Uint16Array;
  linkageValues!: Uint32Array;

  walkedBy: 'kernel' | 'script' = 'script';
  private readonly builder = new RangeMapBuilder();
  private readonly bytes: Uint8Array;
  private readonly end: number;
  private readonly cursor: Cursor;
  private readonly dead: number;
  private readonly plans: (DiePlan | undefined)[] = [];
  /**
   * The slot values of the subroutine DIE being read. A plain array: until V8 optimizes the walk,
   * each number read from a Float64Array would be a new heap object. Made generic up front: an
   * array of small integers turns into one of doubles at the first large value (a tombstone
   * address), and that change throws away the walk's optimized code.
   */
  private readonly values: number[] = genericNumbers(SLOTS);
  /** One DIE's range list, reused. */
  private readonly ranges: number[] = [];
  /**
   * Real DWARF spends bytes on every range: one DIE per low/high pair, a list entry per listed
   * range. DIEs that all point at one long range list would make the map quadratic; past this
   * budget the unit counts as damaged.
   */
  private rangeBudget: number;

  constructor(private readonly info: DebugInfo, private readonly unit: Unit) {
    this.bytes = info.sections.info;
    this.end = unit.end;
    this.cursor = new Cursor(this.bytes, unit.firstDieOffset, unit.end, '.debug_info');
    this.dead = tombstone(unit.addressSize);
    this.rangeBudget = 16 + (unit.end - unit.offset) + ((info.sections.ranges.length + info.sections.rnglists.length) >> 1);
  }

  run(): RangeMap {
    this.info.abbrevs(this.unit);
    this.info.unitRoot(this.unit);
    // Small units stay with JavaScript even in a kernel arena: a kernel run's arrays and map touch
    // ~15 fresh pages, more than a small unit's walk costs in JavaScript (measured on libc's units).
    const walked = this.unit.end - this.unit.firstDieOffset >= kernelMinUnit ? this.walkInKernel() : null;
    if (walked !== null) {
      this.walkedBy = 'kernel';
      const search = new BucketIndex(walked.keys, { shift: walked.bucketShift, limit: walked.bucketLimit, starts: walked.bucketStarts });
      return new RangeMap(walked.keys, walked.highs, walked.owners, search);
    }
    this.allocateArrays();
    this.walkDies();
    return this.builder.freeze();
  }

  /**
   * The arrays for the JavaScript walk. Only then: a large block is zeroed as it is allocated
   * (the CLI's allocator serves it from its heap), so arrays the kernel would replace cost a
   * unit's worth of page faults (~300 for sqlite3's) for nothing.
   */
  private allocateArrays(): void {
    // Optimized C spends about 60 bytes of DIEs per subroutine; a little over is cheaper than
    // growing fifteen arrays, and less is met by doubling.
    const capacity = Math.max(64, Math.ceil((this.unit.end - this.unit.offset) / 48));
    this.dieOffsets = new Uint32Array(capacity);
    this.isInlined = new Uint8Array(capacity);
    this.parents = new Int32Array(capacity);
    this.lowPcs = new Float64Array(capacity);
    this.origins = new Float64Array(capacity);
    this.specifications = new Float64Array(capacity);
    this.namesItself = new Uint8Array(capacity);
    this.callFiles = new Uint32Array(capacity);
    this.callLines = new Uint32Array(capacity);
    this.callColumns = new Uint32Array(capacity);
    this.callDiscriminators = new Uint32Array(capacity);
    this.nameForms = new Uint16Array(capacity);
    this.nameValues = new Uint32Array(capacity);
    this.linkageForms = new Uint16Array(capacity);
    this.linkageValues = new Uint32Array(capacity);
  }

  /** The unit walked by the WebAssembly kernel (subroutine-kernel.ts), or null where it cannot. */
  private walkInKernel(): KernelWalk | null {
    const unit = this.unit;
    if (unit.addressSize !== 4 || unit.offsetSize !== 4) return null;
    const table = this.info.abbrevs(unit);
    const codes = table.denseCodes;
    if (codes < 0) return null;
    for (let code = 1; code < codes; code++) this.plans[code] ??= sharedPlan(this.info, unit, table, code);
    const encoded = encodePlans(this.plans, codes);
    if (encoded === null) return null;
    const root = this.info.unitRoot(unit);
    const sections = this.info.sections;
    const walked = walkInKernel({
      info: this.bytes,
      start: unit.firstDieOffset,
      end: unit.end,
      unitOffset: unit.offset,
      version: unit.version,
      ...encoded,
      addr: sections.addr,
      ranges: sections.ranges,
      rnglists: sections.rnglists,
      addrBase: root.addrBase,
      rangesBase: root.rangesBase,
      rnglistsBase: root.rnglistsBase,
      baseAddress: root.baseAddress ?? -1,
      rangeBudget: this.rangeBudget,
    });
    if (walked instanceof KernelOverBudget) overBudget(walked.dieOffset);
    if (walked === null) return null;
    this.count = walked.count;
    this.dieOffsets = walked.dieOffsets;
    this.isInlined = walked.isInlined;
    this.parents = walked.parents;
    this.lowPcs = walked.lowPcs;
    this.origins = walked.origins;
    this.specifications = walked.specifications;
    this.namesItself = walked.namesItself;
    this.callFiles = walked.callFiles;
    this.callLines = walked.callLines;
    this.callColumns = walked.callColumns;
    this.callDiscriminators = walked.callDiscriminators;
    this.nameForms = walked.nameForms;
    this.nameValues = walked.nameValues;
    this.linkageForms = walked.linkageForms;
    this.linkageValues = walked.linkageValues;
    return walked;
  }

  /**
   * The DIE loop alone: V8 optimizes it while it runs (on-stack replacement), and code after the
   * loop that had never run by then would throw that work away on the way out.
   */
  private walkDies(): void {
    const bytes = this.bytes;
    const end = this.end;
    const plans = this.plans;
    // enclosing[d] = nearest subroutine index among the ancestors at depth < d.
    const enclosing: number[] = [-1];
    let depth = 0;
    let pos = this.unit.firstDieOffset;
    while (pos < end) {
      const dieOffset = pos;
      // One loop for codes of any length, rather than a fast path for one byte: V8 optimizes this
      // loop while it runs, and a path it has not seen run yet would throw that work away.
      let code = 0;
      let scale = 1;
      let byte = 0x80;
      while (byte >= 0x80 && pos < end) {
        byte = bytes[pos++];
        if (byte & 0x7f) code += (byte & 0x7f) * scale;
        scale *= 128;
      }
      if (byte >= 0x80) {
        this.cursor.pos = dieOffset;
        this.cursor.uleb();
      }
      if (code === 0) {
        if (depth > 0) depth--;
        continue;
      }
      const plan = plans[code] ?? this.planFor(code, dieOffset);
      let self = -1;
      if (plan.subroutine) {
        pos = this.readSubroutine(plan, pos, dieOffset, enclosing[depth]);
        self = this.count - 1;
      } else if (plan.fixedSize >= 0) {
        const next = pos + plan.fixedSize;
        pos = next <= end ? next : this.skipGenerically(plan, pos);
      } else {
        const start = pos;
        const ops = plan.ops;
        if (ops === null) pos = -1;
        for (let k = 0; pos >= 0 && k < ops!.length; k += 2) {
          const op = ops![k];
          if (op === OP_SKIP) pos += ops![k + 1];
          // Location expressions are the usual variable-size attribute, and short.
          else if (op === OP_SKIP_BLOCK_LEB && pos < end && bytes[pos] < 0x80) pos += 1 + bytes[pos];
          else pos = skipRarely(op, bytes, pos, end);
          // `!(pos <= end)`: a NaN position (see skipRarely) counts as past the end too.
          if (!(pos <= end)) pos = -1;
        }
        if (pos < 0) pos = this.skipGenerically(plan, start);
      }
      if (plan.hasChildren) {
        depth++;
        enclosing[depth] = self >= 0 ? self : enclosing[depth - 1];
      }
    }
  }

  private planFor(code: number, dieOffset: number): DiePlan {
    const table = this.info.abbrevs(this.unit);
    const plan = sharedPlan(this.info, this.unit, table, code) ?? this.cursor.fail(`unknown abbreviation code ${code}`, dieOffset);
    if (code < 100_000) this.plans[code] = plan;
    return plan;
  }

  /** Steps over a DIE the way the generic reader does, errors included; returns where it ends. */
  private skipGenerically(plan: DiePlan, start: number): number {
    const cursor = this.cursor;
    cursor.pos = start;
    if (plan.fixedSize >= 0) {
      cursor.skip(plan.fixedSize, 'DIE');
    } else {
      const specs = plan.abbrev.specs;
      for (let i = 1; i < specs.length; i += 2) readForm(cursor, specs[i], this.unit, 0);
    }
    return cursor.pos;
  }

  /** Reads a subroutine DIE at `pos` (after its code) into the index; returns where it ends. */
  private readSubroutine(plan: DiePlan, pos: number, dieOffset: number, parent: number): number {
    const bytes = this.bytes;
    const end = this.end;
    const values = this.values;
    const start = pos;
    const ops = plan.ops;
    if (ops === null) pos = -1;
    for (let k = 0; pos >= 0 && k < ops!.length; k += 2) {
      const slot = ops![k + 1];
      switch (ops![k]) {
        case OP_SKIP:
          pos += slot;
          break;
        case OP_READ1:
          values[slot] = pos < end ? bytes[pos] : 0;
          pos++;
          break;
        case OP_READ2:
          values[slot] = pos + 2 <= end ? bytes[pos] | (bytes[pos + 1] << 8) : 0;
          pos += 2;
          break;
        case OP_READ4:
          values[slot] = pos + 4 <= end
            ? (bytes[pos] | (bytes[pos + 1] << 8) | (bytes[pos + 2] << 16)) + bytes[pos + 3] * 0x1000000
            : 0;
          pos += 4;
          break;
        case OP_CONST:
          values[slot] = plan.consts![k >> 1];
          break;
        default:
          pos = readRarely(ops![k], bytes, pos, end, values, slot);
      }
      if (!(pos <= end)) pos = -1;
    }
    let layout = plan.layout;
    if (pos < 0) {
      const cursor = this.cursor;
      cursor.pos = start;
      layout = readSlots(cursor, plan.abbrev, this.unit, values);
      pos = cursor.pos;
    }

    if (this.count === this.dieOffsets.length) this.resize(2 * this.count);
    const self = this.count++;
    this.dieOffsets[self] = dieOffset;
    this.parents[self] = parent;
    // The arrays start zeroed, and pages never written cost nothing.
    if (plan.inlined) this.isInlined[self] = 1;
    if (plan.namesItself) this.namesItself[self] = 1;
    const unitOffset = this.unit.offset;
    const origin = layout.origin;
    this.origins[self] = origin === REF_IN_UNIT ? unitOffset + values[SLOT_ORIGIN] : origin === REF_IN_INFO ? values[SLOT_ORIGIN] : -1;
    const specification = layout.specification;
    this.specifications[self] = specification === REF_IN_UNIT
      ? unitOffset + values[SLOT_SPECIFICATION]
      : specification === REF_IN_INFO ? values[SLOT_SPECIFICATION] : -1;
    const present = layout.mask;
    if (present & CALL_SLOTS) {
      if (present & (1 << SLOT_CALL_FILE)) this.callFiles[self] = values[SLOT_CALL_FILE];
      if (present & (1 << SLOT_CALL_LINE)) this.callLines[self] = values[SLOT_CALL_LINE];
      if (present & (1 << SLOT_CALL_COLUMN)) this.callColumns[self] = values[SLOT_CALL_COLUMN];
      if (present & (1 << SLOT_DISCRIMINATOR)) this.callDiscriminators[self] = values[SLOT_DISCRIMINATOR];
    }
    if (present & (1 << SLOT_NAME)) {
      this.nameForms[self] = nameForm(layout.forms[SLOT_NAME], values[SLOT_NAME]);
      this.nameValues[self] = values[SLOT_NAME];
    }
    if (present & (1 << SLOT_LINKAGE)) {
      this.linkageForms[self] = nameForm(layout.forms[SLOT_LINKAGE], values[SLOT_LINKAGE]);
      this.linkageValues[self] = values[SLOT_LINKAGE];
    }

    // The DIE's ranges as `DebugInfo.dieRanges` finds them: low/high_pc first, else DW_AT_ranges.
    let low: number | null = null;
    if (layout.low === ADDRESS) low = values[SLOT_LOW_PC];
    else if (layout.low === POOLED_ADDRESS) low = this.info.addressOf(this.unit, layout.forms[SLOT_LOW_PC], values[SLOT_LOW_PC]);
    this.lowPcs[self] = low ?? -1;
    let high: number | null = null;
    if (low !== null && low !== this.dead) {
      if (layout.high === LENGTH) high = low + values[SLOT_HIGH_PC];
      else if (layout.high === ADDRESS) high = values[SLOT_HIGH_PC];
      else if (layout.high === POOLED_ADDRESS) high = this.info.addressOf(this.unit, layout.forms[SLOT_HIGH_PC], values[SLOT_HIGH_PC]);
    }
    if (high !== null) {
      if (--this.rangeBudget < 0) overBudget(dieOffset);
      this.builder.claim(low!, high, self);
    } else if (present & (1 << SLOT_RANGES)) {
      this.claimList(layout.forms[SLOT_RANGES], values[SLOT_RANGES], self, dieOffset);
    }
    return pos;
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
    this.nameForms = resized(this.nameForms, n);
    this.nameValues = resized(this.nameValues, n);
    this.linkageForms = resized(this.linkageForms, n);
    this.linkageValues = resized(this.linkageValues, n);
  }

  private claimList(form: number, value: number, self: number, dieOffset: number): void {
    const ranges = this.ranges;
    ranges.length = 0;
    try {
      this.info.rangeList(this.unit, form, value, ranges);
    } catch (error) {
      // A broken range list loses this DIE's ranges, as in LLVM, not the whole unit.
      if (!(error instanceof CrosstraceError)) throw error;
      ranges.length = 0;
    }
    this.rangeBudget -= ranges.length >> 1;
    if (this.rangeBudget < 0) overBudget(dieOffset);
    for (let r = 0; r < ranges.length; r += 2) this.builder.claim(ranges[r], ranges[r + 1], self);
  }
}

/** A skip operation the walk's loop does not do itself; returns the new position, > end when out of data. */
function skipRarely(op: number, bytes: Uint8Array, pos: number, end: number): number {
  switch (op) {
    case OP_SKIP_LEB:
      while (pos < end && bytes[pos] >= 0x80) pos++;
      return pos + 1;
    case OP_SKIP_BLOCK_LEB: {
      let length = 0;
      let scale = 1;
      let byte = 0x80;
      while (byte >= 0x80 && pos < end) {
        byte = bytes[pos++];
        if (byte & 0x7f) length += (byte & 0x7f) * scale;
        scale *= 128;
      }
      // A length past the data (Infinity too, from a huge encoding) is damage.
      return byte < 0x80 && length <= end - pos ? pos + length : end + 1;
    }
    case OP_SKIP_BLOCK1:
      return pos < end ? pos + 1 + bytes[pos] : end + 1;
    case OP_SKIP_BLOCK2:
      return pos + 2 <= end ? pos + 2 + (bytes[pos] | (bytes[pos + 1] << 8)) : end + 1;
    case OP_SKIP_BLOCK4:
      return pos + 4 <= end
        ? pos + 4 + (bytes[pos] | (bytes[pos + 1] << 8) | (bytes[pos + 2] << 16)) + bytes[pos + 3] * 0x1000000
        : end + 1;
    case OP_SKIP_STRING:
      while (pos < end && bytes[pos] !== 0) pos++;
      return pos + 1;
    default:
      return end + 1;
  }
}

/** An operation `readSubroutine`'s loop does not do itself; as `skipRarely`, storing a value read in `values[slot]`. */
function readRarely(op: number, bytes: Uint8Array, pos: number, end: number, values: number[], slot: number): number {
  switch (op) {
    case OP_READ3:
      if (pos + 3 > end) return end + 1;
      values[slot] = bytes[pos] | (bytes[pos + 1] << 8) | (bytes[pos + 2] << 16);
      return pos + 3;
    case OP_READ8:
      if (pos + 8 > end) return end + 1;
      values[slot] = ((bytes[pos + 4] | (bytes[pos + 5] << 8) | (bytes[pos + 6] << 16)) + bytes[pos + 7] * 0x1000000) * 0x100000000 +
        ((bytes[pos] | (bytes[pos + 1] << 8) | (bytes[pos + 2] << 16)) + bytes[pos + 3] * 0x1000000);
      return pos + 8;
    case OP_READ_LEB:
    case OP_READ_SLEB: {
      let value = 0;
      let scale = 1;
      let byte = 0;
      do {
        if (pos >= end) return end + 1;
        byte = bytes[pos++];
        if (byte & 0x7f) value += (byte & 0x7f) * scale;
        scale *= 128;
      } while (byte >= 0x80);
      if (op === OP_READ_SLEB && byte & 0x40) value -= scale;
      values[slot] = value;
      return pos;
    }
    case OP_READ_STRING:
      values[slot] = pos;
      return skipRarely(OP_SKIP_STRING, bytes, pos, end);
    default:
      return skipRarely(op, bytes, pos, end);
  }
}

function overBudget(dieOffset: number): never {
  throw new DwarfFormatError('more address ranges than the unit and range lists can hold (shared lists?)', '.debug_info', dieOffset);
}

const DW_AT_GNU_discriminator = 0x2136;

// What a subroutine DIE's attributes are read into: one slot per attribute the index keeps.
const SLOT_LOW_PC = 0;
const SLOT_HIGH_PC = 1;
const SLOT_RANGES = 2;
const SLOT_ORIGIN = 3;
const SLOT_SPECIFICATION = 4;
const SLOT_CALL_FILE = 5;
const SLOT_CALL_LINE = 6;
const SLOT_CALL_COLUMN = 7;
const SLOT_DISCRIMINATOR = 8;
const SLOT_NAME = 9;
const SLOT_LINKAGE = 10;
const SLOTS = 11;
/** Of the name slots the first attribute counts, as the first does for LLVM's `DWARFDie::find`. */
const FIRST_WINS = (1 << SLOT_NAME) | (1 << SLOT_LINKAGE);
const CALL_SLOTS = (1 << SLOT_CALL_FILE) | (1 << SLOT_CALL_LINE) | (1 << SLOT_CALL_COLUMN) | (1 << SLOT_DISCRIMINATOR);

function slotOf(attribute: number): number {
  switch (attribute) {
    case C.DW_AT_low_pc: return SLOT_LOW_PC;
    case C.DW_AT_high_pc: return SLOT_HIGH_PC;
    case C.DW_AT_ranges: return SLOT_RANGES;
    case C.DW_AT_abstract_origin: return SLOT_ORIGIN;
    case C.DW_AT_specification: return SLOT_SPECIFICATION;
    case C.DW_AT_call_file: return SLOT_CALL_FILE;
    case C.DW_AT_call_line: return SLOT_CALL_LINE;
    case C.DW_AT_call_column: return SLOT_CALL_COLUMN;
    case DW_AT_GNU_discriminator: return SLOT_DISCRIMINATOR;
    case C.DW_AT_name: return SLOT_NAME;
    case C.DW_AT_linkage_name: case C.DW_AT_MIPS_linkage_name: return SLOT_LINKAGE;
    default: return -1;
  }
}

// Plan operations, in (operation, argument) pairs: skips take a byte count or nothing, reads a slot.
const OP_SKIP = 0;
const OP_SKIP_LEB = 1;
const OP_SKIP_BLOCK1 = 2;
const OP_SKIP_BLOCK2 = 3;
const OP_SKIP_BLOCK4 = 4;
const OP_SKIP_BLOCK_LEB = 5;
const OP_SKIP_STRING = 6;
const OP_READ1 = 7;
const OP_READ2 = 8;
const OP_READ3 = 9;
const OP_READ4 = 10;
const OP_READ8 = 11;
const OP_READ_LEB = 12;
const OP_READ_SLEB = 13;
const OP_CONST = 14;
/** DW_FORM_string: the value is where the string starts, as `readForm` returns it. */
const OP_READ_STRING = 15;

/**
 * Per module, the plans made so far by what they depend on: an abbreviation entry's bytes and its
 * unit's version, address and offset sizes. A C library linked in brings dozens of small units
 * with tables of their own whose entries are mostly the same (wasi-libc's 71 units in a sqlite3
 * build: 849 plans, 96 different), and each plan made cold costs microseconds.
 */
const plansByModule = new WeakMap<DebugInfo, Map<string, DiePlan>>();

/** The plan for `code` of `table` (one with the same entry, if a unit made it before), or undefined for an unknown code. */
function sharedPlan(info: DebugInfo, unit: Unit, table: AbbrevTable, code: number): DiePlan | undefined {
  const entry = table.entryKey(code);
  if (entry === undefined) return undefined;
  let plans = plansByModule.get(info);
  if (plans === undefined) plansByModule.set(info, (plans = new Map()));
  const key = `${unit.version},${unit.addressSize},${unit.offsetSize}:${entry}`;
  let plan = plans.get(key);
  if (plan === undefined) {
    plan = new DiePlan(table.get(code)!, unit);
    plans.set(key, plan);
  }
  return plan;
}

/**
 * How the walk reads the DIEs of one abbreviation entry (in any unit of the same DWARF version and
 * address and offset sizes: `sharedPlan`): whole DIEs of fixed-size forms
 * are stepped over at once, others by a short list of operations with fixed-size runs merged,
 * and of a subroutine only the attributes the index keeps are decoded.
 */
class DiePlan {
  readonly subroutine: boolean;
  readonly inlined: boolean;
  readonly hasChildren: boolean;
  readonly namesItself: boolean;
  /** Byte size of every DIE of this abbreviation when it is fixed and nothing is read, else -1. */
  readonly fixedSize: number;
  /** Null when some form needs the generic reader (DW_FORM_indirect, unknown forms). */
  readonly ops: Int32Array | null;
  /** Values of OP_CONST operations, at the operation's pair index. */
  readonly consts: number[] | null;
  /**
   * A subroutine's slots, each in its form: of an attribute listed twice the last one, as the
   * generic reader keeps it, except the names, where the first counts as in the declaration
   * search (and LLVM's `DWARFDie::find`).
   */
  readonly layout: SlotLayout;

  constructor(readonly abbrev: Abbrev, unit: Unit) {
    this.subroutine = abbrev.tag === C.DW_TAG_subprogram || abbrev.tag === C.DW_TAG_inlined_subroutine;
    this.inlined = abbrev.tag === C.DW_TAG_inlined_subroutine;
    this.hasChildren = abbrev.hasChildren;
    const specs = abbrev.specs;
    const ops: number[] = [];
    const consts: number[] = [];
    let namesItself = false;
    const forms = new Int32Array(SLOTS);
    let run = 0;
    let size = 0;
    let generic = false;
    let named = 0;
    for (let i = 0; i < specs.length; i += 2) {
      const at = specs[i];
      const form = specs[i + 1];
      if (at === C.DW_AT_name || at === C.DW_AT_linkage_name || at === C.DW_AT_MIPS_linkage_name || at === C.DW_AT_decl_line) {
        namesItself = true;
      }
      let slot = this.subroutine ? slotOf(at) : -1;
      if (slot >= 0 && FIRST_WINS & (1 << slot)) {
        const bit = 1 << slot;
        if (named & bit) slot = -1;
        named |= bit;
      }
      const fixed = fixedFormSize(form, unit);
      if (fixed >= 0) size += fixed;
      else size = -Infinity;
      const read = slot >= 0 ? readOperation(form, unit) : -1;
      if (slot >= 0 && read >= 0) {
        if (run > 0) ops.push(OP_SKIP, run);
        run = 0;
        ops.push(read, slot);
        if (read === OP_CONST) {
          consts[(ops.length >> 1) - 1] = form === C.DW_FORM_implicit_const ? (abbrev.implicitConsts?.[i >> 1] ?? 0) : 1;
        }
        forms[slot] = form;
        size = -Infinity;
      } else if (slot >= 0) {
        generic = true;
      } else if (fixed >= 0) {
        run += fixed;
      } else {
        const skip = skipOperation(form);
        if (skip < 0) generic = true;
        if (run > 0) ops.push(OP_SKIP, run);
        run = 0;
        ops.push(skip, 0);
      }
    }
    if (run > 0) ops.push(OP_SKIP, run);
    this.namesItself = namesItself;
    this.layout = new SlotLayout(forms);
    this.fixedSize = size >= 0 ? size : -1;
    this.ops = generic ? null : Int32Array.from(ops);
    this.consts = consts.length > 0 ? Array.from({ length: ops.length >> 1 }, (_, k) => consts[k] ?? 0) : null;
  }
}

// Plan words for the kernel (kernel/subroutine-walk.c: `Plan`), PLAN_WORDS per abbreviation code.
const PLAN_VALID = 1;
const PLAN_SUBROUTINE = 2;
const PLAN_INLINED = 4;
const PLAN_CHILDREN = 8;
const PLAN_NAMES_ITSELF = 16;
const PLAN_OPS = 32;

/**
 * The plans of codes 1 to `codes - 1` as the kernel reads them: plan words, operation pairs,
 * and a constant per pair. Null when a constant is not an exact integer (the kernel's
 * arithmetic would differ from JavaScript's).
 */
function encodePlans(plans: (DiePlan | undefined)[], codes: number): { plans: Int32Array; ops: Int32Array; consts: Float64Array } | null {
  let pairs = 0;
  for (let code = 1; code < codes; code++) pairs += (plans[code]?.ops?.length ?? 0) >> 1;
  const words = new Int32Array(PLAN_WORDS * codes);
  const ops = new Int32Array(2 * pairs);
  const consts = new Float64Array(pairs);
  let next = 0;
  for (let code = 1; code < codes; code++) {
    const plan = plans[code];
    if (plan === undefined) continue;
    const w = PLAN_WORDS * code;
    let flags = PLAN_VALID;
    if (plan.subroutine) flags |= PLAN_SUBROUTINE;
    if (plan.inlined) flags |= PLAN_INLINED;
    if (plan.hasChildren) flags |= PLAN_CHILDREN;
    if (plan.namesItself) flags |= PLAN_NAMES_ITSELF;
    if (plan.ops !== null) {
      flags |= PLAN_OPS;
      ops.set(plan.ops, 2 * next);
      for (let k = 0; k < plan.ops.length >> 1; k++) {
        const value = plan.consts?.[k] ?? 0;
        if (!Number.isSafeInteger(value)) return null;
        consts[next + k] = value;
      }
      words[w + 2] = next;
      words[w + 3] = plan.ops.length >> 1;
      next += plan.ops.length >> 1;
    }
    words[w] = flags;
    words[w + 1] = plan.fixedSize;
    const layout = plan.layout;
    words[w + 4] = layout.mask;
    words[w + 5] = layout.origin | (layout.specification << 4) | (layout.low << 8) | (layout.high << 12);
    words[w + 6] = layout.forms[SLOT_NAME];
    words[w + 7] = layout.forms[SLOT_LINKAGE];
    words[w + 8] = layout.forms[SLOT_RANGES];
  }
  return { plans: words, ops, consts };
}

let kernelMinUnit = KERNEL_MIN_UNIT;

/**
 * For tests: the unit size (bytes of DIEs) from which the WebAssembly kernel walks (0: every
 * unit, Infinity: none). Returns the previous value.
 */
export function setKernelMinUnit(bytes: number): number {
  const previous = kernelMinUnit;
  kernelMinUnit = bytes;
  return previous;
}

/** The operation reading a form's value as `readForm` returns it, or -1 where that is not a plain number. */
function readOperation(form: number, unit: Unit): number {
  switch (form) {
    case C.DW_FORM_flag_present: case C.DW_FORM_implicit_const: return OP_CONST;
    case C.DW_FORM_sdata: return OP_READ_SLEB;
    case C.DW_FORM_udata: case C.DW_FORM_ref_udata: case C.DW_FORM_strx: case C.DW_FORM_addrx:
    case C.DW_FORM_loclistx: case C.DW_FORM_rnglistx: case C.DW_FORM_GNU_addr_index: case C.DW_FORM_GNU_str_index:
      return OP_READ_LEB;
    case C.DW_FORM_data16:
      return -1;
    case C.DW_FORM_string:
      return OP_READ_STRING;
  }
  switch (fixedFormSize(form, unit)) {
    case 1: return OP_READ1;
    case 2: return OP_READ2;
    case 3: return OP_READ3;
    case 4: return OP_READ4;
    case 8: return OP_READ8;
    default: return -1;
  }
}

function skipOperation(form: number): number {
  switch (form) {
    case C.DW_FORM_sdata: case C.DW_FORM_udata: case C.DW_FORM_ref_udata: case C.DW_FORM_strx: case C.DW_FORM_addrx:
    case C.DW_FORM_loclistx: case C.DW_FORM_rnglistx: case C.DW_FORM_GNU_addr_index: case C.DW_FORM_GNU_str_index:
      return OP_SKIP_LEB;
    case C.DW_FORM_block1: return OP_SKIP_BLOCK1;
    case C.DW_FORM_block2: return OP_SKIP_BLOCK2;
    case C.DW_FORM_block4: return OP_SKIP_BLOCK4;
    case C.DW_FORM_block: case C.DW_FORM_exprloc: return OP_SKIP_BLOCK_LEB;
    case C.DW_FORM_string: return OP_SKIP_STRING;
    default: return -1;
  }
}

/** A subroutine DIE's slots, the generic way (DW_FORM_indirect, damage); returns what they hold. */
function readSlots(cursor: Cursor, abbrev: Abbrev, unit: Unit, values: number[]): SlotLayout {
  const forms = new Int32Array(SLOTS);
  const specs = abbrev.specs;
  for (let i = 0; i < specs.length; i += 2) {
    const value = readForm(cursor, specs[i + 1], unit, abbrev.implicitConsts ? abbrev.implicitConsts[i >> 1] : 0);
    const slot = slotOf(specs[i]);
    if (slot >= 0 && !(FIRST_WINS & (1 << slot) && forms[slot] !== 0)) {
      values[slot] = value;
      forms[slot] = lastForm;
    }
  }
  return new SlotLayout(forms);
}

// What a slot's form makes of its value.
const NONE = 0;
const REF_IN_UNIT = 1;
const REF_IN_INFO = 2;
const ADDRESS = 3;
const POOLED_ADDRESS = 4;
const LENGTH = 5;

/** Which slots a subroutine DIE has, in which forms, and what those make of the values. */
class SlotLayout {
  /** Bit per slot present. */
  readonly mask: number;
  readonly origin: number;
  readonly specification: number;
  readonly low: number;
  readonly high: number;

  /** `forms[slot]` is the slot's form, 0 when absent. */
  constructor(readonly forms: Int32Array) {
    let mask = 0;
    for (let slot = 0; slot < SLOTS; slot++) if (forms[slot] !== 0) mask |= 1 << slot;
    this.mask = mask;
    this.origin = referenceKind(forms[SLOT_ORIGIN]);
    this.specification = referenceKind(forms[SLOT_SPECIFICATION]);
    this.low = addressKind(forms[SLOT_LOW_PC]);
    const high = forms[SLOT_HIGH_PC];
    this.high = high !== 0 && isConstantForm(high) ? LENGTH : addressKind(high);
  }
}

function referenceKind(form: number): number {
  if (isUnitRelativeRef(form)) return REF_IN_UNIT;
  return form === C.DW_FORM_ref_addr ? REF_IN_INFO : NONE;
}

function addressKind(form: number): number {
  if (form === C.DW_FORM_addr) return ADDRESS;
  return isAddressForm(form) ? POOLED_ADDRESS : NONE;
}

/** Where names are kept as form and value (`SubroutineIndex.nameForms`): a value past 32 bits is not. */
function nameForm(form: number, value: number): number {
  return value <= 0xffffffff && form < NAME_UNREAD ? form : NAME_UNREAD;
}

export const NAME_UNREAD = 0xffff;

/** `n` zeros in an array of V8's generic element kind, which no number stored later changes. */
function genericNumbers(n: number): number[] {
  const values: unknown[] = new Array<unknown>(n).fill(0);
  values[0] = null;
  values[0] = 0;
  return values as number[];
}

function resized<T extends Float64Array | Uint32Array | Int32Array | Uint16Array | Uint8Array>(array: T, length: number): T {
  const next = new (array.constructor as new (n: number) => T)(length);
  next.set(array.subarray(0, Math.min(array.length, length)));
  return next;
}
