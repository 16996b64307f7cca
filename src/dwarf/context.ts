import { CrosstraceError } from '../errors.js';
import { readAranges, UnitAddressMap } from './aranges.js';
import * as C from './constants.js';
import { DebugInfo, type Attribute, type Die } from './info.js';
import { LineTable, readLineTable } from './line.js';
import type { DwarfSections } from './sections.js';
import { SubroutineIndex } from './subroutines.js';
import { asDwarfSections, findSplitUnit, type SplitUnitLookup } from './split.js';
import { isSkeletonUnit, type Unit } from './unit.js';

export interface CallSite {
  file: number;
  line: number;
  column: number;
  discriminator: number;
}

export interface SubroutineDetails {
  /** DW_AT_linkage_name (or DW_AT_MIPS_linkage_name) through references. */
  linkageName: string | null;
  /** DW_AT_name through references. */
  shortName: string | null;
  declLine: number;
  declFile: string | null;
  /** Where this (inlined) subroutine was called from; zeros for a subprogram. */
  call: CallSite;
}

interface DieNames {
  linkageName: string | null;
  shortName: string | null;
  declLine: number;
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

const LINKAGE_NAME_ATTRIBUTES = [C.DW_AT_MIPS_linkage_name, C.DW_AT_linkage_name];
const NAME_ATTRIBUTES = [C.DW_AT_name];
const DECL_LINE_ATTRIBUTES = [C.DW_AT_decl_line];
const DECL_FILE_ATTRIBUTES = [C.DW_AT_decl_file];

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
    if (!this.unitMap) this.unitMap = this.buildUnitMap();
    const offset = this.unitMap.find(address);
    if (offset < 0) return null;
    if (offset !== this.lastUnitOffset) {
      this.lastUnitOffset = offset;
      this.lastUnit = this.info.unitAtHeader(offset);
    }
    return this.lastUnit;
  }

  private buildUnitMap(): UnitAddressMap {
    let fromAranges: ReturnType<typeof readAranges> = { ranges: [], covered: new Set() };
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
        for (let i = 0; i < r.length; i += 2) ranges.push({ unitOffset: unit.offset, low: r[i], high: r[i + 1] });
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
            this.info.string(unit, { at: 0, form, value }),
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

  private die(offset: number): { unit: Unit; die: Die } | null {
    const unit = this.info.unitAt(offset);
    if (!unit) return null;
    try {
      const die = this.info.readDie(unit, offset);
      return die ? { unit, die } : null;
    } catch (error) {
      this.note(error);
      return null;
    }
  }

  /**
   * What a frame needs from one subroutine DIE, decoded on first use and kept: names, where
   * the function is declared, and (for inlined instances) where it was called from.
   */
  details(unit: Unit, index: SubroutineIndex, i: number): SubroutineDetails {
    const split = this.splitLookup ? this.splitOf(unit) : null;
    if (split) return split.context.details(split.unit, index, i);
    let details = index.details[i];
    if (details === undefined) {
      const origin = index.origins[i];
      const specification = index.specifications[i];
      let names: DieNames | null = null;
      // One reference and no names of its own: the names are the referenced DIE's (memoized).
      if (!index.namesItself[i] && (origin >= 0) !== (specification >= 0)) {
        names = this.namesAt(origin >= 0 ? origin : specification);
      }
      names ??= this.namesAt(index.dieOffsets[i]);
      // As LLVM's getDeclFile: from the abstract origin if any, through specifications.
      const declFile = this.declFileAt(origin >= 0 ? origin : index.dieOffsets[i]);
      details = {
        linkageName: names.linkageName,
        shortName: names.shortName,
        declLine: names.declLine,
        declFile,
        call: {
          file: index.callFiles[i], line: index.callLines[i], column: index.callColumns[i],
          discriminator: index.callDiscriminators[i],
        },
      };
      index.details[i] = details;
    }
    return details;
  }

  private namesAt(offset: number): DieNames {
    const cached = this.namesByDie.get(offset);
    if (cached) return cached;
    const found = this.die(offset);
    const names = found ? this.names(found) : { linkageName: null, shortName: null, declLine: 0 };
    this.namesByDie.set(offset, names);
    return names;
  }

  /** DW_AT_decl_file found recursively from the DIE at `offset`, as a path through its unit's line table. */
  private declFileAt(offset: number): string | null {
    let path = this.declFilesByDie.get(offset);
    if (path === undefined) {
      path = null;
      const start = this.die(offset);
      const found = start ? this.findRecursively(start, DECL_FILE_ATTRIBUTES) : null;
      if (found) {
        const table = this.lineTable(found.unit);
        path = table ? table.filePath(found.attribute.value, this.compDir(found.unit)) : null;
      }
      this.declFilesByDie.set(offset, path);
    }
    return path;
  }

  private readonly declFilesByDie = new Map<number, string | null>();

  /**
   * Linkage name, name and declaration line, each found as LLVM's `findRecursively` finds it.
   * Inlined instances and out-of-line definitions usually carry none of them and point at one
   * abstract DIE, whose answer is then the same: memoized per DIE, that makes an inlined
   * frame's names a map lookup.
   */
  private names(start: { unit: Unit; die: Die }): DieNames {
    // Follow the chain of DIEs that only point elsewhere, iteratively (hostile chains are long).
    const chain: number[] = [];
    const onChain = new Set<number>();
    let found: { unit: Unit; die: Die } | null = start;
    let names: DieNames | undefined;
    while (found) {
      names = this.namesByDie.get(found.die.offset);
      if (names) break;
      if (onChain.has(found.die.offset)) break;
      onChain.add(found.die.offset);
      chain.push(found.die.offset);
      const next = this.soleReference(found);
      if (next === null) break;
      const target = this.die(next);
      if (!target) break;
      found = target;
    }
    if (!names) {
      // The end of the chain carries (or points several ways to) the names: search as LLVM does.
      const end = found ?? start;
      const linkage = this.findRecursively(end, LINKAGE_NAME_ATTRIBUTES);
      const short = this.findRecursively(end, NAME_ATTRIBUTES);
      const line = this.findRecursively(end, DECL_LINE_ATTRIBUTES);
      names = {
        linkageName: linkage ? this.info.string(linkage.unit, linkage.attribute) : null,
        shortName: short ? this.info.string(short.unit, short.attribute) : null,
        declLine: line ? line.attribute.value : 0,
      };
    }
    for (const offset of chain) this.namesByDie.set(offset, names);
    return names;
  }

  /**
   * The one DIE this DIE defers its names to: it has exactly one of DW_AT_abstract_origin and
   * DW_AT_specification and no name attributes of its own. Null otherwise.
   */
  private soleReference(found: { unit: Unit; die: Die }): number | null {
    let only: number | null = null;
    let refs = 0;
    for (const a of found.die.attributes) {
      if (a.at === C.DW_AT_abstract_origin || a.at === C.DW_AT_specification) {
        refs++;
        only = this.info.reference(found.unit, a);
      } else if (a.at === C.DW_AT_linkage_name || a.at === C.DW_AT_MIPS_linkage_name || a.at === C.DW_AT_name || a.at === C.DW_AT_decl_line) {
        return null;
      }
    }
    return refs === 1 ? only : null;
  }

  private readonly namesByDie = new Map<number, DieNames>();

  /**
   * LLVM's `findRecursively`: the first DIE, searching depth-first through
   * DW_AT_specification and DW_AT_abstract_origin (specification first), that has one of the
   * attributes. Each DIE is visited once, so reference cycles end.
   */
  private findRecursively(start: { unit: Unit; die: Die }, attributes: number[]): { unit: Unit; attribute: Attribute } | null {
    const work = [start];
    const seen = new Set([start.die.offset]);
    while (work.length > 0) {
      const { unit, die } = work.pop()!;
      for (const a of die.attributes) {
        if (attributes.includes(a.at)) return { unit, attribute: a };
      }
      let origin: number | null = null;
      let specification: number | null = null;
      for (const a of die.attributes) {
        if (a.at === C.DW_AT_abstract_origin) origin = this.info.reference(unit, a);
        else if (a.at === C.DW_AT_specification) specification = this.info.reference(unit, a);
      }
      for (const next of [origin, specification]) {
        if (next === null || seen.has(next)) continue;
        seen.add(next);
        const target = this.die(next);
        if (target) work.push(target);
      }
    }
    return null;
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
