import { Cursor, decodeUtf8 } from '../wasm/cursor.js';
import { BucketIndex } from './bucket-index.js';
import * as C from './constants.js';
import { readForm, lastForm, type FormContext } from './forms.js';

export interface LineFile {
  name: string;
  dirIndex: number;
}

/**
 * A decoded line program. Rows live in parallel typed arrays (a large unit has hundreds of
 * thousands); sequences are sorted by end address so a lookup is two binary searches, with
 * exactly the tie-breaking LLVM's `findRowInSeq` uses so results match llvm-symbolizer.
 */
export class LineTable {
  version = 0;
  directories: string[] = [];
  files: LineFile[] = [];
  rowCount = 0;
  addresses = new Float64Array(0);
  fileIndices = new Uint16Array(0);
  lines = new Uint32Array(0);
  columns = new Uint16Array(0);
  discriminators = new Uint32Array(0);
  sequenceLow = new Float64Array(0);
  sequenceHigh = new Float64Array(0);
  sequenceFirstRow = new Uint32Array(0);
  /** One past the sequence's end_sequence row. */
  sequenceLastRow = new Uint32Array(0);

  private sequenceSearch: BucketIndex | null = null;

  /** Index of the row describing `address`, or -1. */
  lookup(address: number): number {
    const highs = this.sequenceHigh;
    this.sequenceSearch ??= new BucketIndex(highs);
    const lo = this.sequenceSearch.upperBound(address);
    if (lo === highs.length || address < this.sequenceLow[lo]) return -1;
    // The last row at or below the address, never the end_sequence row: upper_bound - 1.
    const addresses = this.addresses;
    let first = this.sequenceFirstRow[lo] + 1;
    let last = this.sequenceLastRow[lo] - 1;
    while (first < last) {
      const mid = (first + last) >>> 1;
      if (addresses[mid] <= address) first = mid + 1;
      else last = mid;
    }
    return first - 1;
  }

  hasFile(index: number): boolean {
    return this.version >= 5 ? index < this.files.length : index !== 0 && index <= this.files.length;
  }

  /**
   * The path llvm-symbolizer prints for a file index (its "absolute file path" kind): absolute
   * names as they are; otherwise compile directory, include directory and name joined, skipping
   * the compile directory when the include directory is already absolute.
   */
  filePath(index: number, compDir: string): string | null {
    if (compDir === this.pathsCompDir) {
      const cached = this.paths[index];
      if (cached !== undefined) return cached;
    } else {
      this.paths = [];
      this.pathsCompDir = compDir;
    }
    const path = this.joinFilePath(index, compDir);
    if (index < 0x10000) this.paths[index] = path;
    return path;
  }

  private paths: (string | null)[] = [];
  private pathsCompDir = '';

  private joinFilePath(index: number, compDir: string): string | null {
    if (!this.hasFile(index)) return null;
    const entry = this.files[this.version >= 5 ? index : index - 1];
    const name = entry.name;
    if (isAbsolutePath(name)) return name;
    let includeDir = '';
    if (this.version >= 5) {
      if (entry.dirIndex < this.directories.length) includeDir = this.directories[entry.dirIndex];
    } else if (entry.dirIndex > 0 && entry.dirIndex <= this.directories.length) {
      includeDir = this.directories[entry.dirIndex - 1];
    }
    let path = '';
    if (compDir !== '' && !isAbsolutePath(includeDir)) path = appendPath(path, compDir);
    path = appendPath(path, includeDir);
    return appendPath(path, name);
  }
}

/** Absolute on POSIX or on Windows, as LLVM checks before joining paths. */
function isAbsolutePath(path: string): boolean {
  if (path.startsWith('/')) return true;
  return /^[A-Za-z]:[\\/]/.test(path) || /^\\\\[^\\/]+[\\/]/.test(path);
}

/** `llvm::sys::path::append` in POSIX style: one separator between parts, empty parts skipped. */
function appendPath(path: string, component: string): string {
  if (component === '') return path;
  if (path !== '' && path.endsWith('/')) return path + component.replace(/^\/+/, '');
  if (path === '' || component.startsWith('/')) return path + component;
  return path + '/' + component;
}

interface StringResolver {
  (form: number, value: number): string | null;
}

/**
 * Decodes the line program at `offset`. `resolveString` turns string-class form values in a
 * DWARF 5 header into text (it knows `.debug_str`, `.debug_line_str` and the unit's string
 * offsets).
 */
export function readLineTable(section: Uint8Array, offset: number, addressSize: number, resolveString: StringResolver): LineTable {
  const cursor = new Cursor(section, 0, section.length, '.debug_line');
  cursor.seek(offset, 'line table offset');
  let unitLength = cursor.u32();
  let offsetSize = 4;
  if (unitLength === 0xffffffff) {
    unitLength = cursor.u64();
    offsetSize = 8;
  }
  cursor.need(unitLength, 'line table');
  const end = cursor.pos + unitLength;
  cursor.end = end;
  const table = new LineTable();
  const version = cursor.u16();
  if (version < 2 || version > 5) cursor.fail(`unsupported line table version ${version}`, offset);
  table.version = version;
  if (version >= 5) {
    addressSize = cursor.u8();
    cursor.u8();
  }
  const headerLength = cursor.uN(offsetSize);
  const programStart = cursor.pos + headerLength;
  if (programStart > end) cursor.fail('line table header longer than the table', offset);
  const minInstLength = cursor.u8();
  if (version >= 4) cursor.u8();
  const defaultIsStmt = cursor.u8() !== 0;
  void defaultIsStmt;
  const lineBase = (cursor.u8() << 24) >> 24;
  const lineRange = cursor.u8();
  const opcodeBase = cursor.u8();
  const standardLengths = new Uint8Array(Math.max(opcodeBase, 1));
  for (let i = 1; i < opcodeBase; i++) standardLengths[i] = cursor.u8();
  const forms: FormContext = { version, addressSize, offsetSize };
  if (version >= 5) {
    table.directories = readEntries(cursor, forms, resolveString).map((e) => e.name);
    table.files = readEntries(cursor, forms, resolveString);
  } else {
    for (;;) {
      const dir = cursor.cstring();
      if (dir === '') break;
      table.directories.push(dir);
    }
    for (;;) {
      const name = cursor.cstring();
      if (name === '') break;
      const dirIndex = cursor.uleb();
      cursor.uleb();
      cursor.uleb();
      table.files.push({ name, dirIndex });
    }
  }
  cursor.pos = programStart;
  runProgram(cursor, table, { minInstLength, lineBase, lineRange, opcodeBase, standardLengths, addressSize });
  return table;
}

function readEntries(cursor: Cursor, forms: FormContext, resolveString: StringResolver): LineFile[] {
  const formatCount = cursor.u8();
  const format: number[] = [];
  for (let i = 0; i < formatCount; i++) format.push(cursor.uleb(), cursor.uleb());
  const count = cursor.uleb();
  // Each entry needs at least one byte per field, which bounds hostile counts.
  if (count > cursor.remaining) cursor.fail(`entry count ${count} exceeds the header`);
  const entries: LineFile[] = [];
  for (let i = 0; i < count; i++) {
    let name = '';
    let dirIndex = 0;
    for (let f = 0; f < format.length; f += 2) {
      const value = readForm(cursor, format[f + 1], forms, 0);
      if (format[f] !== C.DW_LNCT_path) {
        if (format[f] === C.DW_LNCT_directory_index) dirIndex = value;
        continue;
      }
      // An inline string lives here, in .debug_line (readForm checked its NUL), not in .debug_info.
      name = lastForm === C.DW_FORM_string ? decodeUtf8(cursor.bytes, value, cursor.pos - 1) : resolveString(lastForm, value) ?? '';
    }
    entries.push({ name, dirIndex });
  }
  return entries;
}

interface ProgramParams {
  minInstLength: number;
  lineBase: number;
  lineRange: number;
  opcodeBase: number;
  standardLengths: Uint8Array;
  addressSize: number;
}

/**
 * The rows being built. A class, not closure variables: the state machine updates these fields
 * once per row, and V8 keeps object fields in registers far better than captured variables.
 */
class RowBuilder {
  capacity: number;
  addresses: Float64Array;
  files: Uint16Array;
  lines: Uint32Array;
  columns: Uint16Array;
  discriminators: Uint32Array;
  rows = 0;
  readonly seqLow: number[] = [];
  readonly seqHigh: number[] = [];
  readonly seqFirst: number[] = [];
  readonly seqLast: number[] = [];
  address = 0;
  file = 1;
  line = 1;
  column = 0;
  discriminator = 0;
  sequenceStart = -1;
  sequenceLow = 0;

  constructor(capacity: number) {
    this.capacity = capacity;
    this.addresses = new Float64Array(capacity);
    this.files = new Uint16Array(capacity);
    this.lines = new Uint32Array(capacity);
    this.columns = new Uint16Array(capacity);
    this.discriminators = new Uint32Array(capacity);
  }

  append(endSequence: boolean): void {
    const row = this.rows;
    if (row === this.capacity) this.grow();
    if (this.sequenceStart < 0) {
      this.sequenceStart = row;
      this.sequenceLow = this.address;
    }
    this.addresses[row] = this.address;
    this.files[row] = this.file;
    this.lines[row] = this.line;
    this.columns[row] = this.column;
    this.discriminators[row] = this.discriminator;
    this.rows = row + 1;
    this.discriminator = 0;
    if (endSequence) this.endSequence();
  }

  private endSequence(): void {
    // LLVM keeps only sequences that cover bytes and have a row besides the end marker.
    if (this.sequenceLow < this.address && this.sequenceStart < this.rows - 1) {
      this.seqLow.push(this.sequenceLow);
      this.seqHigh.push(this.address);
      this.seqFirst.push(this.sequenceStart);
      this.seqLast.push(this.rows);
    }
    this.sequenceStart = -1;
    this.address = 0;
    this.file = 1;
    this.line = 1;
    this.column = 0;
  }

  private grow(): void {
    this.capacity *= 2;
    this.addresses = grow(this.addresses, this.capacity);
    this.files = grow(this.files, this.capacity);
    this.lines = grow(this.lines, this.capacity);
    this.columns = grow(this.columns, this.capacity);
    this.discriminators = grow(this.discriminators, this.capacity);
  }

  finish(table: LineTable): void {
    const rows = this.rows;
    table.rowCount = rows;
    table.addresses = this.addresses.slice(0, rows);
    table.fileIndices = this.files.slice(0, rows);
    table.lines = this.lines.slice(0, rows);
    table.columns = this.columns.slice(0, rows);
    table.discriminators = this.discriminators.slice(0, rows);
    const { seqLow, seqHigh, seqFirst, seqLast } = this;
    const order = seqHigh.map((_, i) => i).sort((a, b) => seqHigh[a] - seqHigh[b] || a - b);
    table.sequenceLow = Float64Array.from(order, (i) => seqLow[i]);
    table.sequenceHigh = Float64Array.from(order, (i) => seqHigh[i]);
    table.sequenceFirstRow = Uint32Array.from(order, (i) => seqFirst[i]);
    table.sequenceLastRow = Uint32Array.from(order, (i) => seqLast[i]);
  }
}

/** The line-number state machine of DWARF 2–5 (section 6.2), appending rows as LLVM does. */
function runProgram(cursor: Cursor, table: LineTable, p: ProgramParams): void {
  const state = new RowBuilder(Math.max(64, (cursor.remaining >> 2) | 0));
  const bytes = cursor.bytes;
  const { minInstLength, lineBase, lineRange, opcodeBase, standardLengths } = p;
  // Precomputed per special opcode: how far it moves the address and the line.
  const addressAdvance = new Float64Array(256);
  const lineAdvance = new Int32Array(256);
  if (lineRange !== 0) {
    for (let op = opcodeBase; op < 256; op++) {
      const adjusted = op - opcodeBase;
      addressAdvance[op] = Math.floor(adjusted / lineRange) * minInstLength;
      lineAdvance[op] = lineBase + (adjusted % lineRange);
    }
  }
  const constAddPc = lineRange === 0 ? 0 : Math.floor((255 - opcodeBase) / lineRange) * minInstLength;

  while (cursor.pos < cursor.end) {
    const opcode = bytes[cursor.pos++];
    if (opcode >= opcodeBase) {
      if (lineRange === 0) cursor.fail('special opcode with line_range 0', cursor.pos - 1);
      state.address += addressAdvance[opcode];
      state.line = (state.line + lineAdvance[opcode]) >>> 0;
      state.append(false);
      continue;
    }
    switch (opcode) {
      case 0: {
        const length = cursor.uleb();
        const start = cursor.pos;
        cursor.need(length, 'extended opcode');
        if (length === 0) break;
        const sub = cursor.u8();
        if (sub === C.DW_LNE_end_sequence) {
          state.append(true);
        } else if (sub === C.DW_LNE_set_address) {
          const size = length - 1;
          if (size === 1 || size === 2 || size === 4 || size === 8) state.address = cursor.uN(size);
        } else if (sub === C.DW_LNE_set_discriminator) {
          state.discriminator = cursor.uleb();
        } else if (sub === C.DW_LNE_define_file) {
          const name = cursor.cstring();
          const dirIndex = cursor.uleb();
          table.files.push({ name, dirIndex });
        }
        cursor.pos = start + length;
        break;
      }
      case C.DW_LNS_copy:
        state.append(false);
        break;
      case C.DW_LNS_advance_pc:
        state.address += cursor.uleb() * minInstLength;
        break;
      case C.DW_LNS_advance_line:
        state.line = (state.line + cursor.sleb()) >>> 0;
        break;
      case C.DW_LNS_set_file:
        state.file = cursor.uleb() & 0xffff;
        break;
      case C.DW_LNS_set_column:
        state.column = cursor.uleb() & 0xffff;
        break;
      case C.DW_LNS_negate_stmt: case C.DW_LNS_set_basic_block:
      case C.DW_LNS_set_prologue_end: case C.DW_LNS_set_epilogue_begin:
        break;
      case C.DW_LNS_const_add_pc:
        if (lineRange === 0) cursor.fail('const_add_pc with line_range 0', cursor.pos - 1);
        state.address += constAddPc;
        break;
      case C.DW_LNS_fixed_advance_pc:
        state.address += cursor.u16();
        break;
      case C.DW_LNS_set_isa:
        cursor.uleb();
        break;
      default:
        for (let i = standardLengths[opcode]; i > 0; i--) cursor.uleb();
    }
  }
  state.finish(table);
}

function grow<T extends Float64Array | Uint32Array | Uint16Array>(array: T, capacity: number): T {
  const next = new (array.constructor as new (n: number) => T)(capacity);
  next.set(array);
  return next;
}
