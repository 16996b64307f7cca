import { CrosstraceError } from '../errors.js';
import { readAranges, UnitAddressMap } from './aranges.js';
import * as C from './constants.js';
import { DebugInfo } from './info.js';
import { LineTable, readLineTable } from './line.js';
import { DeclarationResolver, type Declaration } from './declaration.js';
import type { DwarfSections } from './sections.js';
import { NAME_UNREAD, SubroutineIndex } from './subroutines.js';
import { asDwarfSections, findSplitUnit, type SplitUnitLookup } from './split.js';
import { isSkeletonUnit, type Unit } from './unit.js';

export interface SubroutineDetails {
  /** DW_AT_linkage_name (or DW_AT_MIPS_linkage_name) through references. */
  linkageName: string | null;
  /** DW_AT_name through references. */
  shortName: string | null;
  declLine: number;
  declFile: string | null;
}

export interface DwarfContextOptions {
  /**
   * Split DWARF: the split sections of a skeleton unit (from its .dwo file or the .dwp package),
   * already in memory. Without it, skeleton units give line tables but no function names.
   */
  splitUnits?: SplitUnitLookup | null;
}

/** A split unit's context and unit, and the skeleton they belong to. */
interface SplitLink {
  context: DwarfContext;
  unit: Unit;
}


/**
 * Lazy, cached access to everything a lookup needs: which unit covers an address, that unit's
 * line table and subroutine map, and names and call sites of individual DIEs. Nothing is parsed
 * before the first lookup; a lookup parses only its own unit. Damage confined to one unit
 * (a corrupt line program, say) is recorded in `diagnostics` and treated as "no information".
 */
export class DwarfContext {
  readonly info: DebugInfo;
  readonly diagnostics: string[];
  private unitMap: UnitAddressMap | null = null;
  private readonly lineTables = new Map<Unit, LineTable | null>();
  private readonly subroutineIndexes = new Map<Unit, SubroutineIndex | null>();
  private readonly splitLookup: SplitUnitLookup | null;
  private readonly splits = new Map<Unit, SplitLink | null>();
  /** For the context of a split unit: its skeleton, whose line table and comp_dir it uses. */
  private skeleton: { context: DwarfContext; unit: Unit } | null = null;

  constructor(sections: DwarfSections, options: DwarfContextOptions = {}, diagnostics: string[] = []) {
    this.info = new DebugInfo(sections);
    this.declarations = new DeclarationResolver(this.info, (error) => this.note(error));
    this.splitLookup = options.splitUnits ?? null;
    this.diagnostics = diagnostics;
    for (const error of this.info.headerDamage) this.note(error);
  }

  /**
   * The split unit holding a skeleton unit's DIEs, when the caller supplied it (LLVM's
   * `DWARFUnit::parseDWO`): its context shares the skeleton file's `.debug_addr` and
   * `.debug_ranges`, takes the skeleton's address and ranges bases, and uses the skeleton's
   * line table and compilation directory for every file index.
   */
  private splitOf(unit: Unit): SplitLink | null {
    if (!this.splitLookup) return null;
    let link = this.splits.get(unit);
    if (link === undefined) {
      link = null;
      try {
        const root = this.info.unitRoot(unit);
        const sections = isSkeletonUnit(unit, root)
          ? this.splitLookup({ dwoName: root.dwoName, dwoId: root.dwoId, compDir: root.compDir })
          : null;
        if (sections) {
          const context = new DwarfContext(asDwarfSections(sections, this.info.sections), {}, this.diagnostics);
          const split = findSplitUnit(context.info, { dwoName: root.dwoName, dwoId: root.dwoId, compDir: root.compDir });
          if (split) {
            const splitRoot = context.info.unitRoot(split);
            splitRoot.addrBase = root.addrBase;
            if (splitRoot.baseAddress === null) splitRoot.baseAddress = root.baseAddress;
            if (split.version < 5) splitRoot.rangesBase = root.rnglistsBase;
            else if (!hasRnglistsBase(context.info, split)) splitRoot.rnglistsBase = split.offsetSize === 8 ? 20 : 12;
            context.skeleton = { context: this, unit };
            link = { context, unit: split };
          }
        }
      } catch (error) {
        this.note(error);
      }
      this.splits.set(unit, link);
    }
    return link;
  }

  private lastUnitOffset = -1;
  private lastUnit: Unit | null = null;

  unitForAddress(address: number): Unit | null {
    // Most lookups land in the range the previous one did (one unit usually covers most code).
    if (address >= this.lastLow && address < this.lastHigh) return this.lastUnit;
    if (!this.unitMap) this.unitMap = this.buildUnitMap();
    const offset = this.unitMap.find(address);
    if (offset < 0) return null;
    if (offset !== this.lastUnitOffset) {
      this.lastUnitOffset = offset;
      this.lastUnit = this.info.unitAtHeader(offset);
    }
    this.lastLow = this.unitMap.foundLow;
    this.lastHigh = this.unitMap.foundHigh;
    return this.lastUnit;
  }

  private lastLow = 0;
  private lastHigh = 0;

  /** Where `unitForAddress` answers `unit`: low, high pairs in address order. */
  unitRanges(unit: Unit): Float64Array {
    if (!this.unitMap) this.unitMap = this.buildUnitMap();
    return this.unitMap.rangesOf(unit.offset);
  }

  private buildUnitMap(): UnitAddressMap {
    let fromAranges: ReturnType<typeof readAranges> = { ranges: { unitOffsets: [], lows: [], highs: [] }, covered: new Set() };
    if (this.info.sections.aranges.length > 0) {
      try {
        fromAranges = readAranges(this.info.sections.aranges);
      } catch (error) {
        this.note(error);
      }
    }
    const ranges = fromAranges.ranges;
    const seenLists = new Set<string>();
    for (const unit of this.info.compileUnits) {
      if (fromAranges.covered.has(unit.offset)) continue;
      try {
        const r = this.info.unitRanges(unit, seenLists);
        for (let i = 0; i < r.length; i += 2) {
          ranges.unitOffsets.push(unit.offset);
          ranges.lows.push(r[i]);
          ranges.highs.push(r[i + 1]);
        }
      } catch (error) {
        this.note(error);
      }
    }
    return new UnitAddressMap(ranges);
  }

  lineTable(unit: Unit): LineTable | null {
    if (this.skeleton) return this.skeleton.context.lineTable(this.skeleton.unit);
    let table = this.lineTables.get(unit);
    if (table === undefined) {
      table = null;
      try {
        const root = this.info.unitRoot(unit);
        if (root.stmtList >= 0) {
          table = readLineTable(this.info.sections.line, root.stmtList, unit.addressSize, (form, value) =>
            this.info.stringOf(unit, form, value),
          );
        }
      } catch (error) {
        this.note(error);
      }
      this.lineTables.set(unit, table);
    }
    return table;
  }

  subroutines(unit: Unit): SubroutineIndex | null {
    let index = this.subroutineIndexes.get(unit);
    if (index === undefined) {
      index = null;
      try {
        const split = this.splitOf(unit);
        index = split ? split.context.subroutines(split.unit) : new SubroutineIndex(this.info, unit);
      } catch (error) {
        this.note(error);
      }
      this.subroutineIndexes.set(unit, index);
    }
    return index;
  }

  compDir(unit: Unit): string {
    if (this.skeleton) return this.skeleton.context.compDir(this.skeleton.unit);
    return this.info.unitRoot(unit).compDir;
  }

  /**
   * What a frame needs from one subroutine DIE: its names and where the function is declared.
   * (Its call site is in the index.) Built on each call from memoized declarations: callers keep
   * what they need, so no object per DIE outlives the lookup.
   */
  details(unit: Unit, index: SubroutineIndex, i: number): SubroutineDetails {
    const split = this.splitLookup ? this.splitOf(unit) : null;
    if (split) return split.context.details(split.unit, index, i);
    const names = this.declaration(unit, index, i);
    // As LLVM's getDeclFile: from the abstract origin if any, through specifications.
    const origin = index.origins[i];
    const fileStart = origin >= 0 ? origin : index.dieOffsets[i];
    const fileSource = fileStart === this.namesStart(index, i) ? names : this.declarations.resolve(fileStart);
    return {
      linkageName: names.linkageName,
      shortName: names.shortName,
      declLine: names.declLine,
      declFile: this.declFilePath(fileSource),
    };
  }

  /** The names (and declaration) of subroutine DIE `i`, as LLVM finds them. Memoized. */
  declaration(unit: Unit, index: SubroutineIndex, i: number): Declaration {
    const split = this.splitLookup ? this.splitOf(unit) : null;
    if (split) return split.context.declaration(split.unit, index, i);
    return this.declarations.resolve(this.namesStart(index, i));
  }

  /**
   * The names of subroutine DIE `i` from what the index already read, when the search for them
   * ends at one DIE of the index: the DIE they start from (see `namesStart`) refers nowhere, so
   * LLVM's `findRecursively` reads that DIE alone. Null otherwise: ask `declaration`.
   */
  indexedNames(unit: Unit, index: SubroutineIndex, i: number): { linkageName: string | null; shortName: string | null } | null {
    if (this.splitLookup) return null;
    const j = this.namingDie(index, i);
    if (j < 0) return null;
    const nameForm = index.nameForms[j];
    const linkageForm = index.linkageForms[j];
    return {
      linkageName: linkageForm === 0 ? null : this.info.stringOf(unit, linkageForm, index.linkageValues[j]),
      shortName: nameForm === 0 ? null : this.info.stringOf(unit, nameForm, index.nameValues[j]),
    };
  }

  /**
   * What a reader of a unit's string-class values needs besides `.debug_str` and
   * `.debug_str_offsets` (the answer kernel finds names by form and value itself, as
   * `indexedNames` does); null for split DWARF, whose names are in the .dwo.
   */
  stringForms(unit: Unit): { strOffsetsBase: number; offsetSize: number } | null {
    if (this.splitLookup) return null;
    return { strOffsetsBase: this.info.unitRoot(unit).strOffsetsBase, offsetSize: unit.offsetSize };
  }

  /**
   * The index DIE whose own DW_AT_name and linkage name are subroutine DIE `i`'s names, when the
   * search for them ends there and the walk read both; else -1 (`declaration` finds them).
   */
  private namingDie(index: SubroutineIndex, i: number): number {
    const start = this.namesStart(index, i);
    const j = start === index.dieOffsets[i] ? i : index.indexOfDie(start);
    if (j < 0 || index.origins[j] >= 0 || index.specifications[j] >= 0) return -1;
    return index.nameForms[j] === NAME_UNREAD || index.linkageForms[j] === NAME_UNREAD ? -1 : j;
  }

  /**
   * The DIE whose names subroutine DIE `i` shows: DIEs with one source show the same names (every
   * inlined copy of a function names it through the same abstract origin).
   */
  nameSource(unit: Unit, index: SubroutineIndex, i: number): number {
    const split = this.splitLookup ? this.splitOf(unit) : null;
    if (split) return split.context.nameSource(split.unit, index, i);
    return this.namesStart(index, i);
  }

  /** Where the search for a subroutine DIE's names starts: its one reference if it names nothing itself. */
  private namesStart(index: SubroutineIndex, i: number): number {
    const origin = index.origins[i];
    const specification = index.specifications[i];
    return !index.namesItself[i] && (origin >= 0) !== (specification >= 0)
      ? (origin >= 0 ? origin : specification) : index.dieOffsets[i];
  }

  private readonly declarations: DeclarationResolver;

  /** A declaration's DW_AT_decl_file as the path its unit's line table names. */
  private declFilePath(declaration: Declaration): string | null {
    const unit = declaration.declFileUnit;
    if (!unit) return null;
    const table = this.lineTable(unit);
    return table ? table.filePath(declaration.declFile, this.compDir(unit)) : null;
  }

  private note(error: unknown): void {
    if (!(error instanceof CrosstraceError)) throw error;
    if (this.diagnostics.length < 100) this.diagnostics.push(error.message);
  }
}

function hasRnglistsBase(info: DebugInfo, unit: Unit): boolean {
  const die = info.readDie(unit, unit.firstDieOffset);
  return die !== null && die.attributes.some((a) => a.at === C.DW_AT_rnglists_base);
}
