import type { CodeOffset, ModuleOffset } from '../wasm/addresses.js';
import { WasmModule } from '../wasm/module.js';
import { DwarfContext } from '../dwarf/context.js';
import { dwarfSections, type DwarfSections } from '../dwarf/sections.js';
import type { Unit } from '../dwarf/unit.js';
import type { SubroutineIndex } from '../dwarf/subroutines.js';
import type { LineTable } from '../dwarf/line.js';
import type { SplitUnitLookup } from '../dwarf/split.js';
import { demangle } from './demangle/index.js';
import type { SourceFrame } from './frame.js';

/** Bounds the answer cache; past it the cache starts over (memory stays flat on huge inputs). */
const MAX_CACHED_ANSWERS = 1 << 18;

export type FunctionNameKind = 'linkage' | 'short' | 'none';

export interface LookupOptions {
  /** Expand inlined frames (default true), as llvm-symbolizer's `--inlines`. */
  inlines?: boolean;
  /** Which DWARF name to report (default 'linkage', then demangled), as `--functions`. */
  functionNames?: FunctionNameKind;
  demangle?: boolean;
  /**
   * Keep this answer for later lookups of the same row (default true). A one-pass batch over
   * mostly distinct addresses saves memory with false; callers' frames are shared either way.
   */
  remember?: boolean;
}

/**
 * What every address whose innermost subroutine DIE is the same shares: that frame's name and
 * start, and the frames of the callers it was inlined into (innermost first). Shared between
 * lookups: read-only.
 */
export interface SubroutineAnswer {
  readonly function: string | null;
  readonly linkageName: string | null;
  readonly startFile: string | null;
  readonly startLine: number;
  readonly startAddress: number | null;
  readonly callers: readonly SourceFrame[];
  /** The outermost frame has no DWARF name, so the name section names it, address by address. */
  readonly namedByAddress: boolean;
}

/**
 * Where an address lands in its unit's tables (see `WasmSymbolizer.locate`); reused from call
 * to call. The frames are: the innermost subroutine DIE `leaf` at line-table row `row`, then,
 * when `inlines`, each inlined DIE's parent at the inlined DIE's call site
 * (`index.callFiles/callLines/callColumns/callDiscriminators`) up to the first DIE that was not
 * inlined.
 */
export class LocatedAddress {
  /** The compile unit covering the address, if any. */
  unit: Unit | null = null;
  /** Null when no subroutine DIE covers the address: see `functionIndex`. */
  index: SubroutineIndex | null = null;
  leaf = -1;
  inlines = true;
  lineTable: LineTable | null = null;
  /** -1 when the line table has no row for the address (printed `??:0:0`). */
  row = -1;
  compDir = '';
  /** Display names of the unit's subroutine DIEs under the lookup's options. */
  names: FrameNames | null = null;
  /**
   * Without `index`: the function's index and its name-section name as displayed (-1 when
   * there is none to show); `lineTable` and `row` give the location if a unit covers the code.
   */
  functionIndex = -1;
  sectionName = '';
}

/**
 * The display name of each subroutine DIE of one unit under one set of lookup options
 * (linkage or short name, demangled or not), resolved on first use. Its identity is stable for
 * a (unit, options) pair, so printers can key their own per-DIE caches on it.
 */
export class FrameNames {
  private readonly names: (string | null | undefined)[];
  private readonly bySource = new Map<number, string | null>();

  constructor(
    dieCount: number,
    private readonly resolveName: (die: number) => string | null,
    /** The DIE whose names `die` shows: equal sources give equal names. */
    readonly sourceOf: (die: number) => number,
  ) {
    // Sized up front: DIEs are named in any order, and writing far past the end of a growing
    // array would turn it into a dictionary.
    this.names = new Array<string | null | undefined>(dieCount).fill(undefined);
  }

  get(die: number): string | null {
    let name = this.names[die];
    if (name === undefined) {
      const source = this.sourceOf(die);
      name = this.bySource.get(source);
      if (name === undefined) {
        name = this.resolveName(die);
        this.bySource.set(source, name);
      }
      this.names[die] = name;
    }
    return name;
  }
}

/** What a symbolizer keeps for one unit's subroutine index under one set of lookup options. */
class VariantTables {
  /** Per innermost DIE: the parts of its answers that do not depend on the line row. */
  readonly answers: (SubroutineAnswer | undefined)[] = [];
  /** Per inlined DIE: the frame of the caller it was inlined into, at its call site. */
  readonly callerFrames: (SourceFrame | undefined)[] = [];
  /**
   * Per innermost DIE, whether DWARF names the outermost function of its answer (`locate`):
   * UNCHECKED, NAMED or UNNAMED. One byte read instead of a climb up the inline chain.
   */
  readonly outermostNamed: Uint8Array;

  constructor(readonly names: FrameNames, dieCount: number) {
    this.outermostNamed = new Uint8Array(dieCount);
  }
}

const UNCHECKED = 0;
const NAMED = 1;
const UNNAMED = 2;

/** The name a frame shows before demangling, as `--functions` asks: null for 'none'. */
function rawName(names: { linkageName: string | null; shortName: string | null }, kind: FunctionNameKind): string | null {
  if (kind === 'none') return null;
  return kind === 'linkage' ? names.linkageName ?? names.shortName : names.shortName;
}

const NO_CALLERS: readonly SourceFrame[] = [];
/** One shared object: a default of `{}` would allocate at every lookup made without options. */
const DEFAULT_LOOKUP: LookupOptions = Object.freeze({});

function variantOf(inlines: boolean, kind: FunctionNameKind, wantDemangle: boolean): number {
  return (inlines ? 1 : 0) + (wantDemangle ? 2 : 0) + (kind === 'linkage' ? 0 : kind === 'short' ? 4 : 8);
}

export interface SymbolizerOptions {
  /**
   * DWARF to use instead of the module's own sections, e.g. from a separate debug file. Its
   * addresses are code offsets of this module's Code section.
   */
  debugSections?: DwarfSections | null;
  /** Split DWARF: the .dwo/.dwp sections of each skeleton unit, already loaded (see debug-info/). */
  splitUnits?: SplitUnitLookup | null;
  /**
   * Where there is no DWARF at all: one location per address, e.g. from a source map. Frames
   * from it are never inlined; the name section names the function when the source does not.
   */
  locations?: LocationSource | null;
}

/** A source of one file/line/column per code offset (a source map), for modules without DWARF. */
export interface LocationSource {
  locate(address: CodeOffset): { file: string; line: number; column: number; name: string | null } | null;
}

/**
 * Address → source frames for one wasm module. Construction reads the module's section list;
 * DWARF is parsed on the first lookup and then only the compile unit that lookup needs.
 *
 * The frame rules are llvm-symbolizer's (`DWARFContext::getInliningInfoForAddress`): the
 * innermost frame takes file/line/column from the line table, each outer frame from the
 * DW_AT_call_* of the frame inside it, and names come from DW_AT_linkage_name or DW_AT_name
 * through abstract_origin/specification chains.
 */
export class WasmSymbolizer {
  readonly module: WasmModule;
  private dwarf: DwarfContext | null | undefined;
  private readonly debugSections: DwarfSections | null | undefined;
  private readonly splitUnits: SplitUnitLookup | null;
  private readonly locations: LocationSource | null;
  private readonly demangled = new Map<string, string>();

  constructor(module: Uint8Array | WasmModule, options: SymbolizerOptions = {}) {
    this.module = module instanceof WasmModule ? module : new WasmModule(module);
    this.debugSections = options.debugSections;
    this.splitUnits = options.splitUnits ?? null;
    this.locations = options.locations ?? null;
  }

  /** The DWARF reader, or null when the module carries no DWARF. */
  get dwarfContext(): DwarfContext | null {
    return this.dwarf === undefined ? this.openDwarf() : this.dwarf;
  }

  // Apart from the getter: its closure would make every call allocate a context for `this`.
  private openDwarf(): DwarfContext | null {
    const sections = this.debugSections !== undefined
      ? this.debugSections
      : dwarfSections((name) => this.module.customSection(name));
    return (this.dwarf = sections ? new DwarfContext(sections, { splitUnits: this.splitUnits }) : null);
  }

  get hasDwarf(): boolean {
    return this.dwarfContext !== null;
  }

  toCodeOffset(offset: ModuleOffset): CodeOffset | null {
    return this.module.toCodeOffset(offset);
  }

  functionName(functionIndex: number): string | null {
    return this.module.functionName(functionIndex);
  }

  symbolizeModuleOffset(offset: ModuleOffset, options?: LookupOptions): readonly SourceFrame[] {
    const code = this.module.toCodeOffset(offset);
    return code === null ? [] : this.symbolizeCodeOffset(code, options);
  }

  /**
   * Frames at a code offset, innermost first; empty when nothing at all is known. The array
   * and its frames are shared between lookups that land on the same line-table row and inline
   * chain: treat them as read-only.
   */
  symbolizeCodeOffset(address: CodeOffset, options: LookupOptions = DEFAULT_LOOKUP): readonly SourceFrame[] {
    const inlines = options.inlines ?? true;
    const kind = options.functionNames ?? 'linkage';
    const wantDemangle = options.demangle ?? true;
    const dwarf = this.dwarfContext;
    const unit = dwarf ? dwarf.unitForAddress(address) : null;
    if (!dwarf && this.locations) return this.locationFrames(this.locations, address, kind, wantDemangle);
    if (!dwarf || !unit) return this.nameSectionFrames(address, kind, wantDemangle);
    this.selectUnit(dwarf, unit, variantOf(inlines, kind, wantDemangle));
    const lineTable = this.selected.lineTable;
    const index = this.selected.index;
    const leaf = index ? index.find(address) : -1;
    const row = lineTable ? lineTable.lookup(address) : -1;
    // Everything below depends only on (unit, leaf, row): share the answer between addresses.
    const remember = options.remember ?? true;
    const cache = remember ? (this.selected.cache ??= this.answerCache(unit, this.selected.variant, lineTable ? lineTable.rowCount : 0)) : null;
    let frames = cache ? cache.get(leaf, row) : undefined;
    if (frames === undefined) {
      const built = this.dwarfFrames(dwarf, unit, leaf, row, inlines, kind, wantDemangle);
      if (built.length === 0 || built[built.length - 1].function === null) {
        this.fillFromNameSection(built, address, kind, wantDemangle);
        // The name-section name depends on the address's function, not on (leaf, row).
        if (leaf < 0) return built;
      }
      frames = built;
      if (!cache) return frames;
      if (++this.cachedAnswers > MAX_CACHED_ANSWERS) {
        this.answerCaches.clear();
        this.selected.cache = null;
        this.previous.cache = null;
        this.cachedAnswers = 0;
      }
      cache.set(leaf, row, frames);
    }
    return frames;
  }

  /**
   * Where a code offset lands, without building frames: its unit's tables, innermost subroutine
   * DIE and line-table row, for printers that write answers straight from the indexes; under no
   * subroutine DIE, the name-section name of its function (`index` null). Returns false where
   * the answer has neither shape (an outermost function only the name section names, a unit
   * without a subroutine index): use `symbolizeCodeOffset` then.
   */
  locate(address: CodeOffset, options: LookupOptions, out: LocatedAddress): boolean {
    const dwarf = this.dwarfContext;
    if (!dwarf) return false;
    const unit = dwarf.unitForAddress(address);
    const kind = options.functionNames ?? 'linkage';
    const inlines = options.inlines ?? true;
    let leaf = -1;
    if (unit) {
      this.selectUnit(dwarf, unit, variantOf(inlines, kind, options.demangle ?? true));
      if (this.selected.index === null) return false;
      leaf = this.selected.index.find(address);
    }
    // Both rare cases through one call: code outside every unit comes often enough for V8 to
    // see this call before optimizing, and the other must not meet it unseen.
    if (leaf < 0) return this.locateByName(address, unit !== null, options, out);
    const index = this.selected.index!;
    const tables = this.selected.tables!;
    const names = tables.names;
    if (kind !== 'none') {
      let named = tables.outermostNamed[leaf];
      if (named === UNCHECKED) {
        let outermost = leaf;
        if (inlines) while (index.isInlined[outermost] && index.parents[outermost] >= 0) outermost = index.parents[outermost];
        named = tables.outermostNamed[leaf] = names.get(outermost) === null ? UNNAMED : NAMED;
      }
      if (named === UNNAMED) return false;
    }
    const lineTable = this.selected.lineTable;
    out.unit = unit;
    out.index = index;
    out.leaf = leaf;
    out.inlines = inlines;
    out.lineTable = lineTable;
    out.row = lineTable ? lineTable.lookup(address) : -1;
    out.compDir = this.selected.compDir;
    out.names = names;
    return true;
  }

  /**
   * Code under no subroutine DIE, as `symbolizeCodeOffset` answers it: named from the name
   * section (`fillFromNameSection`; function index -1 when it has no name), located by the
   * unit's line table when a unit covers the code (`inUnit`, the unit `selectUnit` chose).
   */
  private locateByName(address: CodeOffset, inUnit: boolean, options: LookupOptions, out: LocatedAddress): boolean {
    const lineTable = inUnit ? this.selected.lineTable : null;
    out.unit = inUnit ? this.selected.unit : null;
    out.index = null;
    out.leaf = -1;
    out.lineTable = lineTable;
    out.row = lineTable ? lineTable.lookup(address) : -1;
    out.compDir = inUnit ? this.selected.compDir : '';
    out.names = inUnit ? this.selected.tables!.names : null;
    out.functionIndex = -1;
    out.sectionName = '';
    if (options.functionNames === 'none') return true;
    const functionIndex = this.module.functionIndexAt(address);
    const name = functionIndex === null ? null : this.module.functionName(functionIndex);
    if (name !== null) {
      out.functionIndex = functionIndex!;
      out.sectionName = options.demangle ?? true ? this.demangle(name) : name;
    }
    return true;
  }

  private readonly answerCaches = new Map<Unit, AnswerCache[]>();
  private readonly variantTables = new Map<SubroutineIndex, VariantTables[]>();
  /** The unit selected last (consecutive lookups mostly stay in one), and the one before it. */
  private selected = new UnitSelection();
  private previous = new UnitSelection();
  private cachedAnswers = 0;

  /**
   * Makes `unit`'s tables under `variant` the selected ones. The unit selected before is kept
   * too: random addresses in a module with one large unit and many small ones (libc's) go back
   * and forth between the large one and another, and selecting a unit again costs several
   * lookups' worth of map reads.
   */
  private selectUnit(dwarf: DwarfContext, unit: Unit, variant: number): void {
    if (unit === this.selected.unit && variant === this.selected.variant) return;
    const next = this.previous;
    this.previous = this.selected;
    this.selected = next;
    if (unit === next.unit && variant === next.variant) return;
    next.unit = unit;
    next.variant = variant;
    next.lineTable = dwarf.lineTable(unit);
    next.index = dwarf.subroutines(unit);
    next.compDir = dwarf.compDir(unit);
    next.cache = null;
    next.tables = next.index ? this.tablesFor(dwarf, unit, next.index, variant) : null;
  }

  private tablesFor(dwarf: DwarfContext, unit: Unit, index: SubroutineIndex, variant: number): VariantTables {
    let perVariant = this.variantTables.get(index);
    if (!perVariant) {
      perVariant = [];
      this.variantTables.set(index, perVariant);
    }
    return (perVariant[variant] ??= this.newTables(dwarf, unit, index, variant));
  }

  // Apart from `tablesFor`, which runs at every change of unit: closures make a call allocate.
  private newTables(dwarf: DwarfContext, unit: Unit, index: SubroutineIndex, variant: number): VariantTables {
    const kind: FunctionNameKind = variant & 8 ? 'none' : variant & 4 ? 'short' : 'linkage';
    const wantDemangle = (variant & 2) !== 0;
    return new VariantTables(new FrameNames(index.count, (die) => {
      const raw = rawName(dwarf.indexedNames(unit, index, die) ?? dwarf.declaration(unit, index, die), kind);
      return raw !== null && wantDemangle ? this.demangle(raw) : raw;
    }, (die) => dwarf.nameSource(unit, index, die)), index.count);
  }

  private answerCache(unit: Unit, variant: number, rowCount: number): AnswerCache {
    let perVariant = this.answerCaches.get(unit);
    if (!perVariant) {
      perVariant = [];
      this.answerCaches.set(unit, perVariant);
    }
    return (perVariant[variant] ??= new AnswerCache(rowCount));
  }

  private dwarfFrames(
    dwarf: DwarfContext, unit: Unit, leaf: number, row: number,
    inlines: boolean, kind: FunctionNameKind, wantDemangle: boolean,
  ): SourceFrame[] {
    const lineTable = this.selected.lineTable;
    const index = this.selected.index;
    const rowFile = lineTable && row >= 0 ? lineTable.filePath(lineTable.fileIndex(row), this.selected.compDir) : null;
    const frame = emptyFrame();
    if (rowFile !== null) {
      frame.file = rowFile;
      frame.line = lineTable!.line(row);
      frame.column = lineTable!.column(row);
      frame.discriminator = lineTable!.discriminators[row];
    }
    if (!index || leaf < 0) return rowFile === null ? [] : [frame];
    const subroutine = this.selected.tables!.answers[leaf] ?? this.subroutineAnswer(dwarf, unit, index, leaf, inlines, kind, wantDemangle);
    frame.function = subroutine.function;
    frame.linkageName = subroutine.linkageName;
    frame.startFile = subroutine.startFile;
    frame.startLine = subroutine.startLine;
    frame.startAddress = subroutine.startAddress;
    frame.inlined = subroutine.callers.length > 0;
    const frames = [frame, ...subroutine.callers];
    // The shared outermost caller frame gets its per-address name-section name on a copy.
    if (subroutine.namedByAddress && frames.length > 1) frames[frames.length - 1] = { ...frames[frames.length - 1] };
    return frames;
  }

  /**
   * The parts of an answer that depend only on the innermost subroutine DIE: its name and start,
   * and its callers' frames. A caller's frame depends only on the inlined instance it called
   * (its DW_AT_call_*), so one frame object per instance serves every answer below it.
   */
  private subroutineAnswer(
    dwarf: DwarfContext, unit: Unit, index: SubroutineIndex, leaf: number,
    inlines: boolean, kind: FunctionNameKind, wantDemangle: boolean,
  ): SubroutineAnswer {
    const compDir = this.selected.compDir;
    const lineTable = this.selected.lineTable;
    const callers: SourceFrame[] = [];
    const leafFrame = this.namedFrame(dwarf, unit, index, leaf, kind, wantDemangle);
    let outermostNamed = leafFrame.function !== null;
    if (inlines) {
      const shared = this.selected.tables!.callerFrames;
      for (let child = leaf; index.isInlined[child] && index.parents[child] >= 0; child = index.parents[child]) {
        let frame = shared[child];
        if (frame === undefined) {
          const parent = index.parents[child];
          frame = this.namedFrame(dwarf, unit, index, parent, kind, wantDemangle);
          frame.file = lineTable ? lineTable.filePath(index.callFiles[child], compDir) : null;
          frame.line = index.callLines[child];
          frame.column = index.callColumns[child];
          frame.discriminator = index.callDiscriminators[child];
          frame.inlined = index.isInlined[parent] === 1 && index.parents[parent] >= 0;
          shared[child] = frame;
        }
        callers.push(frame);
        outermostNamed = frame.function !== null;
      }
    }
    const answer: SubroutineAnswer = {
      function: leafFrame.function,
      linkageName: leafFrame.linkageName,
      startFile: leafFrame.startFile,
      startLine: leafFrame.startLine,
      startAddress: leafFrame.startAddress,
      callers: callers.length === 0 ? NO_CALLERS : callers.slice(),
      namedByAddress: !outermostNamed && kind !== 'none',
    };
    this.selected.tables!.answers[leaf] = answer;
    return answer;
  }

  /** A frame with the function-level fields of subroutine DIE `i` filled in. */
  private namedFrame(
    dwarf: DwarfContext, unit: Unit, index: SubroutineIndex, i: number, kind: FunctionNameKind, wantDemangle: boolean,
  ): SourceFrame {
    const details = dwarf.details(unit, index, i);
    const frame = emptyFrame();
    const raw = rawName(details, kind);
    frame.linkageName = raw;
    frame.function = raw !== null && wantDemangle ? this.demangle(raw) : raw;
    frame.startLine = details.declLine;
    frame.startFile = details.declFile;
    const low = index.lowPcs[i];
    frame.startAddress = low >= 0 ? low : null;
    return frame;
  }

  private demangle(name: string): string {
    // Every mangling starts with '_': plain C names skip the caches.
    if (name.charCodeAt(0) !== 0x5f) return name;
    let result = this.demangled.get(name);
    if (result === undefined) {
      result = demangle(name) ?? name;
      this.demangled.set(name, result);
    }
    return result;
  }

  /**
   * Where DWARF names no function (no DWARF, or code it does not describe), the name section
   * still does. llvm-symbolizer 14 reads no symbols from a linked wasm module and prints `??`.
   */
  private fillFromNameSection(frames: SourceFrame[], address: CodeOffset, kind: FunctionNameKind, wantDemangle: boolean): void {
    if (kind === 'none') return;
    const index = this.module.functionIndexAt(address);
    if (index === null) return;
    const name = this.module.functionName(index);
    if (name === null) return;
    const frame = frames[frames.length - 1] ?? emptyFrame();
    frame.linkageName = name;
    frame.function = wantDemangle ? this.demangle(name) : name;
    const body = this.module.functionBody(index);
    if (frame.startAddress === null && body) frame.startAddress = body.codeStart;
    if (frames.length === 0) frames.push(frame);
  }

  private locationFrames(source: LocationSource, address: CodeOffset, kind: FunctionNameKind, wantDemangle: boolean): SourceFrame[] {
    const frames: SourceFrame[] = [];
    const found = source.locate(address);
    if (found) {
      const frame = emptyFrame();
      frame.file = found.file;
      frame.line = found.line;
      frame.column = found.column;
      if (found.name !== null && kind !== 'none') {
        frame.linkageName = found.name;
        frame.function = wantDemangle ? this.demangle(found.name) : found.name;
      }
      frames.push(frame);
    }
    if (frames.length === 0 || frames[0].function === null) this.fillFromNameSection(frames, address, kind, wantDemangle);
    return frames;
  }

  private nameSectionFrames(address: CodeOffset, kind: FunctionNameKind, wantDemangle: boolean): SourceFrame[] {
    const frames: SourceFrame[] = [];
    this.fillFromNameSection(frames, address, kind, wantDemangle);
    return frames;
  }
}

/**
 * Answers keyed by (leaf DIE, line row). Almost every row lies in one leaf, so the common case
 * is an array slot indexed by row; the rare second leaf for a row goes to a map.
 */
/** One selected unit's tables under one set of lookup options (`WasmSymbolizer.selectUnit`). */
class UnitSelection {
  unit: Unit | null = null;
  variant = -1;
  lineTable: LineTable | null = null;
  index: SubroutineIndex | null = null;
  compDir = '';
  cache: AnswerCache | null = null;
  /** Null when the unit has no subroutine index. */
  tables: VariantTables | null = null;
}

class AnswerCache {
  private readonly byRow: (readonly SourceFrame[] | undefined)[];
  private readonly leafOfRow: Int32Array;
  private readonly others = new Map<string, readonly SourceFrame[]>();

  constructor(rowCount: number) {
    this.byRow = new Array<readonly SourceFrame[] | undefined>(rowCount + 1).fill(undefined);
    this.leafOfRow = new Int32Array(rowCount + 1);
  }

  get(leaf: number, row: number): readonly SourceFrame[] | undefined {
    const slot = row + 1;
    const frames = this.byRow[slot];
    if (frames !== undefined && this.leafOfRow[slot] === leaf) return frames;
    return this.others.size === 0 ? undefined : this.others.get(leaf + ':' + row);
  }

  set(leaf: number, row: number, frames: readonly SourceFrame[]): void {
    const slot = row + 1;
    if (this.byRow[slot] === undefined) {
      this.byRow[slot] = frames;
      this.leafOfRow[slot] = leaf;
    } else {
      this.others.set(leaf + ':' + row, frames);
    }
  }
}

function emptyFrame(): SourceFrame {
  return {
    function: null, linkageName: null, file: null, line: 0, column: 0, discriminator: 0,
    inlined: false, startFile: null, startLine: 0, startAddress: null,
  };
}
