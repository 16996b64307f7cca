import { Cursor, decodeUtf8 } from '../wasm/cursor.js';
import { AbbrevTable } from './abbrev.js';
import { CrosstraceError, DwarfFormatError } from '../errors.js';
import * as C from './constants.js';
import { isAddressForm, isConstantForm, isUnitRelativeRef, lastForm, readForm, tombstone } from './forms.js';
import type { DwarfSections } from './sections.js';
import { isCompileUnit, readId64, readUnitHeaders, type Unit, type UnitRoot } from './unit.js';
import { readRangeList, readRngList, readRngListIndex } from './ranges.js';

const latin1 = new TextDecoder('latin1');
// eslint-disable-next-line no-control-regex
const NON_ASCII = /[^\u0000-\u007f]/;
const MAX_UTF8_STRING = 1 << 16;
const NEAR_NUL = 256;

/** One decoded attribute. `value` is interpreted per `form` (see `readForm`). */
export interface Attribute {
  at: number;
  form: number;
  value: number;
}

export interface Die {
  offset: number;
  tag: number;
  hasChildren: boolean;
  attributes: Attribute[];
}

/**
 * Access to `.debug_info` and the sections its forms point into. Everything is decoded on
 * demand: constructing this reads only the unit headers.
 */
export class DebugInfo {
  readonly units: Unit[];
  readonly compileUnits: Unit[];
  private readonly unitsByOffset: Map<number, Unit>;
  private readonly abbrevTables = new Map<number, AbbrevTable>();
  private readonly strCache = new Map<number, string>();
  private readonly lineStrCache = new Map<number, string>();

  /** Damage found while reading unit headers (the units before it are kept). */
  readonly headerDamage: unknown[] = [];

  constructor(readonly sections: DwarfSections) {
    this.units = readUnitHeaders(sections.info, (error) => {
      if (!(error instanceof CrosstraceError)) throw error;
      this.headerDamage.push(error);
    });
    this.compileUnits = this.units.filter(isCompileUnit);
    this.unitsByOffset = new Map(this.units.map((u) => [u.offset, u]));
  }

  unitAtHeader(offset: number): Unit | null {
    return this.unitsByOffset.get(offset) ?? null;
  }

  abbrevs(unit: Unit): AbbrevTable {
    if (!unit.abbrevs) {
      let table = this.abbrevTables.get(unit.abbrevOffset);
      if (!table) {
        table = this.readAbbrevTable(unit.abbrevOffset);
        this.abbrevTables.set(unit.abbrevOffset, table);
      }
      unit.abbrevs = table;
    }
    return unit.abbrevs;
  }

  /** Byte ranges of `.debug_abbrev` already read (or found broken), sorted and disjoint. */
  private readonly abbrevStarts: number[] = [];
  private readonly abbrevEnds: number[] = [];

  /**
   * Abbreviation tables never share bytes in real DWARF. Units pointing into the middle of one
   * long table would each parse (and keep) most of it again, so a table may not start inside a
   * range already read nor run into the next one; broken ranges are remembered too. Every byte
   * of the section is then parsed at most once, whatever the units say.
   */
  private readAbbrevTable(start: number): AbbrevTable {
    const starts = this.abbrevStarts;
    let at = 0;
    let hi = starts.length;
    while (at < hi) {
      const mid = (at + hi) >>> 1;
      if (starts[mid] <= start) at = mid + 1;
      else hi = mid;
    }
    if (at > 0 && this.abbrevEnds[at - 1] > start) {
      throw new DwarfFormatError('abbreviation table starts inside another', '.debug_abbrev', start);
    }
    const limit = at < starts.length ? starts[at] : this.sections.abbrev.length;
    let end = limit;
    try {
      const table = new AbbrevTable(this.sections.abbrev, start, limit);
      end = table.end;
      return table;
    } finally {
      starts.splice(at, 0, start);
      this.abbrevEnds.splice(at, 0, Math.max(end, start + 1));
    }
  }

  /** The unit whose byte range holds a `.debug_info` offset (for DW_FORM_ref_addr targets). */
  unitAt(infoOffset: number): Unit | null {
    const units = this.units;
    let lo = 0;
    let hi = units.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (units[mid].end <= infoOffset) lo = mid + 1;
      else hi = mid;
    }
    const unit = units[lo];
    return unit && infoOffset >= unit.firstDieOffset && infoOffset < unit.end ? unit : null;
  }

  /** Decodes one DIE's attributes. Null for a null entry (abbreviation code 0). */
  readDie(unit: Unit, offset: number): Die | null {
    const cursor = new Cursor(this.sections.info, offset, unit.end, '.debug_info');
    const code = cursor.uleb();
    if (code === 0) return null;
    const abbrev = this.abbrevs(unit).get(code);
    if (!abbrev) return cursor.fail(`unknown abbreviation code ${code}`, offset);
    const attributes: Attribute[] = [];
    const specs = abbrev.specs;
    for (let i = 0; i < specs.length; i += 2) {
      const value = readForm(cursor, specs[i + 1], unit, abbrev.implicitConsts ? abbrev.implicitConsts[i >> 1] : 0);
      attributes.push({ at: specs[i], form: lastForm, value });
    }
    return { offset, tag: abbrev.tag, hasChildren: abbrev.hasChildren, attributes };
  }

  /** Root-DIE attributes of a unit, decoded once. */
  unitRoot(unit: Unit): UnitRoot {
    if (unit.root) return unit.root;
    const root = new RootValues(this, unit);
    // Bases first: the name and comp_dir may be strx forms that need str_offsets_base.
    unit.root = root;
    const die = this.readDie(unit, unit.firstDieOffset);
    if (!die) return root;
    root.tag = die.tag;
    for (const a of die.attributes) {
      if (a.at === C.DW_AT_str_offsets_base) root.strOffsetsBase = a.value;
      else if (a.at === C.DW_AT_addr_base || a.at === C.DW_AT_GNU_addr_base) root.addrBase = a.value;
      else if (a.at === C.DW_AT_rnglists_base || a.at === C.DW_AT_GNU_ranges_base) root.rnglistsBase = a.value;
    }
    for (const a of die.attributes) {
      switch (a.at) {
        case C.DW_AT_name: root.nameAttribute = a; break;
        case C.DW_AT_comp_dir: root.compDirAttribute = a; break;
        case C.DW_AT_stmt_list: root.stmtList = a.value; break;
        case C.DW_AT_low_pc: root.baseAddress = this.address(unit, a); break;
        case C.DW_AT_entry_pc: if (root.baseAddress === null) root.baseAddress = this.address(unit, a); break;
        case C.DW_AT_dwo_name: case C.DW_AT_GNU_dwo_name: root.dwoNameAttribute = a; break;
        case C.DW_AT_GNU_dwo_id: if (a.form === C.DW_FORM_data8) root.dwoId = this.id64(unit, die.offset, a.at); break;
      }
    }
    return root;
  }

  /** A DW_FORM_data8 attribute of a DIE as 16 hex digits, read again from its bytes (exact, unlike `value`). */
  private id64(unit: Unit, dieOffset: number, at: number): string | null {
    const cursor = new Cursor(this.sections.info, dieOffset, unit.end, '.debug_info');
    const abbrev = this.abbrevs(unit).get(cursor.uleb());
    if (!abbrev) return null;
    const specs = abbrev.specs;
    for (let i = 0; i < specs.length; i += 2) {
      if (specs[i] === at) return specs[i + 1] === C.DW_FORM_data8 ? readId64(cursor) : null;
      readForm(cursor, specs[i + 1], unit, abbrev.implicitConsts ? abbrev.implicitConsts[i >> 1] : 0);
    }
    return null;
  }

  /** A string-class attribute's text; null for other forms or unreadable offsets. */
  string(unit: Unit, a: Attribute): string | null {
    return this.stringOf(unit, a.form, a.value);
  }

  /**
   * Where in `.debug_str` a string of form `form` starts: its offset there, -1 when the form
   * points elsewhere (or nowhere readable). Numbers only: for callers that copy the bytes.
   */
  strOffset(unit: Unit, form: number, value: number): number {
    if (form === C.DW_FORM_strp) return value < this.sections.str.length ? value : -1;
    if (!isStrxForm(form)) return -1;
    const at = this.unitRoot(unit).strOffsetsBase + value * unit.offsetSize;
    const table = this.sections.strOffsets;
    if (!(at >= 0) || at + unit.offsetSize > table.length) return -1;
    const offset = new Cursor(table, at, table.length, '.debug_str_offsets').uN(unit.offsetSize);
    return offset < this.sections.str.length ? offset : -1;
  }

  /** `string` for a value already decoded in form `form` (no attribute object needed). */
  stringOf(unit: Unit, form: number, value: number): string | null {
    switch (form) {
      case C.DW_FORM_string: {
        const bytes = this.sections.info;
        const nul = bytes.indexOf(0, value);
        return nul < 0 ? null : decodeUtf8(bytes, value, nul);
      }
      case C.DW_FORM_strp:
        return this.tableString(this.sections.str, this.strCache, value);
      case C.DW_FORM_line_strp:
        return this.tableString(this.sections.lineStr, this.lineStrCache, value);
      case C.DW_FORM_strx: case C.DW_FORM_strx1: case C.DW_FORM_strx2: case C.DW_FORM_strx3:
      case C.DW_FORM_strx4: case C.DW_FORM_GNU_str_index: {
        const offset = this.strOffset(unit, form, value);
        return offset < 0 ? null : this.tableString(this.sections.str, this.strCache, offset);
      }
      default:
        return null;
    }
  }

  /**
   * A NUL-terminated string from a string section. Strings are cut from one decoding of the
   * whole section (V8 shares the characters), so hostile offsets into one long string cannot
   * multiply memory; a string without its NUL is damage, not text.
   */
  private tableString(section: Uint8Array, cache: Map<number, string>, offset: number): string | null {
    let s = cache.get(offset);
    if (s === undefined) {
      if (!(offset >= 0) || offset >= section.length) return null;
      // Names are short: one look at their bytes finds the end and whether they are ASCII.
      let nul = -1;
      let ascii = true;
      const near = Math.min(section.length, offset + NEAR_NUL);
      for (let i = offset; i < near; i++) {
        const byte = section[i];
        if (byte === 0) {
          nul = i;
          break;
        }
        if (byte >= 0x80) ascii = false;
      }
      if (nul < 0) {
        nul = this.nextNul(section, offset);
        if (nul < 0) return null;
        ascii = !NON_ASCII.test(this.sectionText(section).slice(offset, nul));
      }
      s = this.sectionText(section).slice(offset, nul);
      // Non-ASCII names are UTF-8; decode those bytes properly (bounded, so still no blow-up).
      if (!ascii && nul - offset <= MAX_UTF8_STRING) s = decodeUtf8(section, offset, nul);
      cache.set(offset, s);
    }
    return s;
  }

  private readonly sectionTexts = new Map<Uint8Array, string>();
  private readonly sectionNuls = new Map<Uint8Array, Uint32Array>();

  /**
   * Position of the first NUL at or after `offset`, or -1, for a string longer than NEAR_NUL
   * (`tableString` looks at shorter ones itself): from a one-time index of the section's NULs,
   * so offsets far from any terminator never rescan the section.
   */
  private nextNul(section: Uint8Array, offset: number): number {
    let nuls = this.sectionNuls.get(section);
    if (!nuls) {
      let count = 0;
      for (let i = section.indexOf(0); i >= 0; i = section.indexOf(0, i + 1)) count++;
      nuls = new Uint32Array(count);
      for (let i = section.indexOf(0), k = 0; i >= 0; i = section.indexOf(0, i + 1)) nuls[k++] = i;
      this.sectionNuls.set(section, nuls);
    }
    let lo = 0;
    let hi = nuls.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (nuls[mid] < offset) lo = mid + 1;
      else hi = mid;
    }
    return lo < nuls.length ? nuls[lo] : -1;
  }

  /** The section as text with one character per byte: offsets stay byte offsets. */
  private sectionText(section: Uint8Array): string {
    let text = this.sectionTexts.get(section);
    if (text === undefined) {
      text = latin1.decode(section);
      this.sectionTexts.set(section, text);
    }
    return text;
  }

  /** An address-class attribute's value (resolving `.debug_addr` indices); null if unresolvable. */
  address(unit: Unit, a: Attribute): number | null {
    return this.addressOf(unit, a.form, a.value);
  }

  addressOf(unit: Unit, form: number, value: number): number | null {
    if (form === C.DW_FORM_addr) return value;
    if (!isAddressForm(form)) return null;
    return this.pooledAddress(unit, value);
  }

  pooledAddress(unit: Unit, index: number): number | null {
    const at = this.unitRoot(unit).addrBase + index * unit.addressSize;
    const table = this.sections.addr;
    if (!(at >= 0) || at + unit.addressSize > table.length) return null;
    return new Cursor(table, at, table.length, '.debug_addr').uN(unit.addressSize);
  }

  /** Absolute `.debug_info` offset of a reference attribute's target; null for signatures and others. */
  reference(unit: Unit, a: Attribute): number | null {
    if (isUnitRelativeRef(a.form)) return unit.offset + a.value;
    if (a.form === C.DW_FORM_ref_addr) return a.value;
    return null;
  }

  /**
   * The DIE's code ranges as flat [low, high, low, high, …], following LLVM's rules: low/high_pc
   * first (a tombstoned low_pc means none), else DW_AT_ranges; tombstoned entries dropped.
   */
  dieRanges(unit: Unit, lowPc: Attribute | null, highPc: Attribute | null, ranges: Attribute | null): number[] {
    if (lowPc && highPc) {
      const low = this.addressOf(unit, lowPc.form, lowPc.value);
      if (low !== null && low !== tombstone(unit.addressSize)) {
        let high: number | null = null;
        if (isConstantForm(highPc.form)) high = low + highPc.value;
        else if (isAddressForm(highPc.form)) high = this.addressOf(unit, highPc.form, highPc.value);
        if (high !== null) return [low, high];
      }
    }
    return ranges ? this.rangeList(unit, ranges.form, ranges.value) : [];
  }

  /**
   * The ranges a DW_AT_ranges value names, as flat [low, high, …] appended to `result`, tombstoned
   * entries dropped.
   */
  rangeList(unit: Unit, form: number, value: number, result: number[] = []): number[] {
    const root = this.unitRoot(unit);
    if (form === C.DW_FORM_rnglistx) {
      const offset = readRngListIndex(this.sections.rnglists, root.rnglistsBase, value, unit.offsetSize);
      if (offset === null) return result;
      return readRngList(this.sections.rnglists, offset, unit, root.baseAddress, (i) => this.pooledAddress(unit, i), result);
    }
    if (unit.version >= 5) {
      return readRngList(this.sections.rnglists, value, unit, root.baseAddress, (i) => this.pooledAddress(unit, i), result);
    }
    return readRangeList(this.sections.ranges, root.rangesBase + value, unit.addressSize, root.baseAddress, result);
  }

  /** Ranges of a unit's root DIE: what the unit covers. */
  unitRanges(unit: Unit, seenLists?: Set<string>): number[] {
    const die = this.readDie(unit, unit.firstDieOffset);
    if (!die) return [];
    let low: Attribute | null = null;
    let high: Attribute | null = null;
    let ranges: Attribute | null = null;
    for (const a of die.attributes) {
      if (a.at === C.DW_AT_low_pc) low = a;
      else if (a.at === C.DW_AT_high_pc) high = a;
      else if (a.at === C.DW_AT_ranges) ranges = a;
    }
    if (ranges && seenLists && !(low && high)) {
      // Units sharing one range list add nothing: the lowest unit offset wins overlaps anyway.
      const key = `${unit.version >= 5 ? 5 : 4}:${ranges.form}:${ranges.value}:${this.unitRoot(unit).baseAddress}:${this.unitRoot(unit).rnglistsBase}`;
      if (seenLists.has(key)) return [];
      seenLists.add(key);
    }
    return this.dieRanges(unit, low, high, ranges);
  }
}

/**
 * A unit's root-DIE values. Its strings are decoded on first use: finding the unit that covers
 * an address reads every unit's root, but needs none of their names.
 */
class RootValues implements UnitRoot {
  tag = 0;
  stmtList = -1;
  baseAddress: number | null = null;
  // Without explicit bases (split units), a base points just past the contribution header.
  strOffsetsBase: number;
  addrBase: number;
  rnglistsBase = 0;
  dwoId: string | null;
  rangesBase = 0;
  nameAttribute: Attribute | null = null;
  compDirAttribute: Attribute | null = null;
  dwoNameAttribute: Attribute | null = null;
  private decodedName: string | null | undefined;
  private decodedCompDir: string | undefined;
  private decodedDwoName: string | null | undefined;

  constructor(private readonly info: DebugInfo, private readonly unit: Unit) {
    this.strOffsetsBase = unit.version >= 5 ? 2 * unit.offsetSize : 0;
    this.addrBase = unit.version >= 5 ? 2 * unit.offsetSize : 0;
    this.dwoId = unit.dwoId;
  }

  get name(): string | null {
    if (this.decodedName === undefined) this.decodedName = this.decode(this.nameAttribute);
    return this.decodedName;
  }

  get compDir(): string {
    if (this.decodedCompDir === undefined) this.decodedCompDir = this.decode(this.compDirAttribute) ?? '';
    return this.decodedCompDir;
  }

  get dwoName(): string | null {
    if (this.decodedDwoName === undefined) this.decodedDwoName = this.decode(this.dwoNameAttribute);
    return this.decodedDwoName;
  }

  private decode(a: Attribute | null): string | null {
    return a ? this.info.string(this.unit, a) : null;
  }
}

function isStrxForm(form: number): boolean {
  return form === C.DW_FORM_strx || form === C.DW_FORM_strx1 || form === C.DW_FORM_strx2 || form === C.DW_FORM_strx3
    || form === C.DW_FORM_strx4 || form === C.DW_FORM_GNU_str_index;
}
