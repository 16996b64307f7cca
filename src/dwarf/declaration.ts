import { Cursor } from '../wasm/cursor.js';
import { CrosstraceError } from '../errors.js';
import * as C from './constants.js';
import { lastForm, readForm, isUnitRelativeRef } from './forms.js';
import type { DebugInfo } from './info.js';
import type { Unit } from './unit.js';

/** What a frame shows of the function a DIE belongs to, found as LLVM finds each attribute. */
export interface Declaration {
  /** DW_AT_linkage_name or DW_AT_MIPS_linkage_name. */
  linkageName: string | null;
  /** DW_AT_name. */
  shortName: string | null;
  declLine: number;
  /** DW_AT_decl_file as a file index of `declFileUnit`'s line table; -1 when absent. */
  declFile: number;
  declFileUnit: Unit | null;
}

/**
 * LLVM's `findRecursively` for the naming attributes of a DIE: depth first through
 * DW_AT_specification and DW_AT_abstract_origin (specification first), each DIE once, the first
 * DIE carrying the attribute wins. The visiting order does not depend on the attribute, so one
 * walk answers all four; inlined instances and out-of-line definitions point at few abstract
 * DIEs, so answers are memoized per starting DIE. DIEs are decoded field by field into scratch
 * slots: no attribute objects per DIE.
 */
export class DeclarationResolver {
  private readonly memo = new Map<number, Declaration>();

  constructor(private readonly info: DebugInfo, private readonly onDamage: (error: unknown) => void) {}

  /** The declaration found from the DIE at `.debug_info` offset `offset`. */
  resolve(offset: number): Declaration {
    let found = this.memo.get(offset);
    if (found === undefined) {
      found = this.walk(offset);
      this.memo.set(offset, found);
    }
    return found;
  }

  // Fields of the DIE last scanned.
  private linkageForm = 0;
  private linkageValue = 0;
  private nameForm = 0;
  private nameValue = 0;
  private hasDeclLine = false;
  private declLine = 0;
  private hasDeclFile = false;
  private declFile = 0;
  private origin = -1;
  private specification = -1;

  private walk(start: number): Declaration {
    const result: Declaration = { linkageName: null, shortName: null, declLine: 0, declFile: -1, declFileUnit: null };
    let haveLinkage = false, haveName = false, haveLine = false, haveFile = false;
    const work = [start];
    let seen: Set<number> | null = null;
    while (work.length > 0) {
      const offset = work.pop()!;
      const unit = this.info.unitAt(offset);
      if (!unit || !this.scan(unit, offset)) continue;
      if (!haveLinkage && this.linkageForm !== 0) {
        haveLinkage = true;
        result.linkageName = this.info.stringOf(unit, this.linkageForm, this.linkageValue);
      }
      if (!haveName && this.nameForm !== 0) {
        haveName = true;
        result.shortName = this.info.stringOf(unit, this.nameForm, this.nameValue);
      }
      if (!haveLine && this.hasDeclLine) {
        haveLine = true;
        result.declLine = this.declLine;
      }
      if (!haveFile && this.hasDeclFile) {
        haveFile = true;
        result.declFile = this.declFile;
        result.declFileUnit = unit;
      }
      if (haveLinkage && haveName && haveLine && haveFile) break;
      const origin = this.origin;
      const specification = this.specification;
      if (origin < 0 && specification < 0) continue;
      seen ??= new Set([start]);
      // Origin pushed first, so the specification is searched first (LLVM's worklist order).
      if (origin >= 0 && !seen.has(origin)) {
        seen.add(origin);
        work.push(origin);
      }
      if (specification >= 0 && !seen.has(specification)) {
        seen.add(specification);
        work.push(specification);
      }
    }
    return result;
  }

  /** Decodes the naming fields of the DIE at `offset` into the scratch fields; false if none. */
  private scan(unit: Unit, offset: number): boolean {
    this.linkageForm = this.nameForm = 0;
    this.hasDeclLine = this.hasDeclFile = false;
    this.origin = this.specification = -1;
    try {
      const cursor = new Cursor(this.info.sections.info, offset, unit.end, '.debug_info');
      const code = cursor.uleb();
      if (code === 0) return false;
      const abbrev = this.info.abbrevs(unit).get(code);
      if (!abbrev) return cursor.fail(`unknown abbreviation code ${code}`, offset);
      const specs = abbrev.specs;
      for (let i = 0; i < specs.length; i += 2) {
        const value = readForm(cursor, specs[i + 1], unit, abbrev.implicitConsts ? abbrev.implicitConsts[i >> 1] : 0);
        switch (specs[i]) {
          case C.DW_AT_linkage_name: case C.DW_AT_MIPS_linkage_name:
            if (this.linkageForm === 0) {
              this.linkageForm = lastForm;
              this.linkageValue = value;
            }
            break;
          case C.DW_AT_name:
            if (this.nameForm === 0) {
              this.nameForm = lastForm;
              this.nameValue = value;
            }
            break;
          case C.DW_AT_decl_line:
            if (!this.hasDeclLine) {
              this.hasDeclLine = true;
              this.declLine = value;
            }
            break;
          case C.DW_AT_decl_file:
            if (!this.hasDeclFile) {
              this.hasDeclFile = true;
              this.declFile = value;
            }
            break;
          case C.DW_AT_abstract_origin: this.origin = reference(unit, lastForm, value); break;
          case C.DW_AT_specification: this.specification = reference(unit, lastForm, value); break;
        }
      }
      return true;
    } catch (error) {
      if (!(error instanceof CrosstraceError)) throw error;
      this.onDamage(error);
      return false;
    }
  }
}

function reference(unit: Unit, form: number, value: number): number {
  if (isUnitRelativeRef(form)) return unit.offset + value;
  return form === C.DW_FORM_ref_addr ? value : -1;
}
