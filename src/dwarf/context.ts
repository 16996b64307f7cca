import { CrosstraceError } from '../errors.js';
import { readAranges, UnitAddressMap } from './aranges.js';
import * as C from './constants.js';
import { DebugInfo, type Attribute, type Die } from './info.js';
import { LineTable, readLineTable } from './line.js';
import type { DwarfSections } from './sections.js';
import { SubroutineIndex } from './subroutines.js';
import type { Unit } from './unit.js';

export type NameKind = 'linkage' | 'short';

export interface CallSite {
  file: number;
  line: number;
  column: number;
  discriminator: number;
}

/**
 * Lazy, cached access to everything a lookup needs: which unit covers an address, that unit's
 * line table and subroutine map, and names and call sites of individual DIEs. Nothing is parsed
 * before the first lookup; a lookup parses only its own unit. Damage confined to one unit
 * (a corrupt line program, say) is recorded in `diagnostics` and treated as "no information".
 */
export class DwarfContext {
  readonly info: DebugInfo;
  readonly diagnostics: string[] = [];
  private unitMap: UnitAddressMap | null = null;
  private readonly lineTables = new Map<Unit, LineTable | null>();
  private readonly subroutineIndexes = new Map<Unit, SubroutineIndex | null>();

  constructor(sections: DwarfSections) {
    this.info = new DebugInfo(sections);
  }

  unitForAddress(address: number): Unit | null {
    if (!this.unitMap) this.unitMap = this.buildUnitMap();
    const offset = this.unitMap.find(address);
    if (offset < 0) return null;
    return this.info.unitAtHeader(offset);
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
    for (const unit of this.info.compileUnits) {
      if (fromAranges.covered.has(unit.offset)) continue;
      try {
        const r = this.info.unitRanges(unit);
        for (let i = 0; i < r.length; i += 2) ranges.push({ unitOffset: unit.offset, low: r[i], high: r[i + 1] });
      } catch (error) {
        this.note(error);
      }
    }
    return new UnitAddressMap(ranges);
  }

  lineTable(unit: Unit): LineTable | null {
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
        index = new SubroutineIndex(this.info, unit);
      } catch (error) {
        this.note(error);
      }
      this.subroutineIndexes.set(unit, index);
    }
    return index;
  }

  compDir(unit: Unit): string {
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
   * LLVM's `findRecursively`: the first DIE, searching depth-first through
   * DW_AT_specification and DW_AT_abstract_origin (specification first), that has one of the
   * attributes. Each DIE is visited once, so reference cycles end.
   */
  private findRecursively(offset: number, attributes: number[]): { unit: Unit; attribute: Attribute } | null {
    const work = [offset];
    const seen = new Set(work);
    while (work.length > 0) {
      const found = this.die(work.pop()!);
      if (!found) continue;
      const { unit, die } = found;
      let origin: number | null = null;
      let specification: number | null = null;
      for (const at of attributes) {
        const attribute = die.attributes.find((a) => a.at === at);
        if (attribute) return { unit, attribute };
      }
      for (const a of die.attributes) {
        if (a.at === C.DW_AT_abstract_origin) origin = this.info.reference(unit, a);
        else if (a.at === C.DW_AT_specification) specification = this.info.reference(unit, a);
      }
      if (origin !== null && !seen.has(origin)) {
        seen.add(origin);
        work.push(origin);
      }
      if (specification !== null && !seen.has(specification)) {
        seen.add(specification);
        work.push(specification);
      }
    }
    return null;
  }

  /** The function name of a subroutine DIE: its linkage name if asked and present, else DW_AT_name. */
  subroutineName(dieOffset: number, kind: NameKind): string | null {
    if (kind === 'linkage') {
      const linkage = this.findRecursively(dieOffset, [C.DW_AT_MIPS_linkage_name, C.DW_AT_linkage_name]);
      if (linkage) {
        const name = this.info.string(linkage.unit, linkage.attribute);
        if (name !== null) return name;
      }
    }
    const short = this.findRecursively(dieOffset, [C.DW_AT_name]);
    return short ? this.info.string(short.unit, short.attribute) : null;
  }

  /** DW_AT_decl_line, following references like the name. 0 when absent. */
  declLine(dieOffset: number): number {
    const found = this.findRecursively(dieOffset, [C.DW_AT_decl_line]);
    return found ? found.attribute.value : 0;
  }

  /**
   * DW_AT_decl_file of the DIE or of its abstract origin, with the unit whose line table the
   * index refers to. Null when absent.
   */
  declFile(dieOffset: number): { unit: Unit; file: number } | null {
    const found = this.die(dieOffset);
    if (!found) return null;
    let target = found;
    const origin = found.die.attributes.find((a) => a.at === C.DW_AT_abstract_origin);
    if (origin) {
      const ref = this.info.reference(found.unit, origin);
      const resolved = ref === null ? null : this.die(ref);
      if (resolved) target = resolved;
    }
    const file = target.die.attributes.find((a) => a.at === C.DW_AT_decl_file);
    return file ? { unit: target.unit, file: file.value } : null;
  }

  /** Where an inlined subroutine was called from (DW_AT_call_*). */
  callSite(dieOffset: number): CallSite {
    const site: CallSite = { file: 0, line: 0, column: 0, discriminator: 0 };
    const found = this.die(dieOffset);
    if (!found) return site;
    for (const a of found.die.attributes) {
      if (a.at === C.DW_AT_call_file) site.file = a.value;
      else if (a.at === C.DW_AT_call_line) site.line = a.value;
      else if (a.at === C.DW_AT_call_column) site.column = a.value;
      else if (a.at === 0x2136 /* DW_AT_GNU_discriminator */) site.discriminator = a.value;
    }
    return site;
  }

  private note(error: unknown): void {
    if (!(error instanceof CrosstraceError)) throw error;
    if (this.diagnostics.length < 100) this.diagnostics.push(error.message);
  }
}
