import { Cursor, decodeUtf8 } from '../wasm/cursor.js';
import { BucketIndex } from './bucket-index.js';
import * as C from './constants.js';
import { readForm, lastForm, type FormContext } from './forms.js';
import { decodeInKernel, KERNEL_MIN_PROGRAM } from './line-kernel.js';
import { inKernelArena } from './kernel-module.js';

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
  /** Which decoder produced the rows (see line-kernel.ts). */
  decodedBy: 'kernel' | 'script' = 'script';
  directories: string[] = [];
  files: LineFile[] = [];
  rowCount = 0;
  /**
   * Row addresses, capped at 0xffffffff: exact below that, where all wasm32 code lies. Above
   * are tombstone sequences (0xffffffff or 2^64 - 1 plus offsets), whose rows `wideRows` and
   * `wideAddresses` list with their exact addresses. Four bytes a row instead of a
   * Float64Array's eight matter: writing fresh memory is much of decoding a large program.
   */
  rowAddresses = new Uint32Array(0);
  wideRows = new Uint32Array(0);
  wideAddresses = new Float64Array(0);
  /**
   * Per row, side by side so a lookup touches one place: `rowPayload[2r]` the file index and
   * column (16 bits each, as LLVM's `Row` keeps them), `rowPayload[2r + 1]` the line.
   */
  rowPayload = new Uint32Array(0);
  discriminators = new Uint32Array(0);
  sequenceLow = new Float64Array(0);
  sequenceHigh = new Float64Array(0);
  sequenceFirstRow = new Uint32Array(0);
  /** One past the sequence's end_sequence row. */
  sequenceLastRow = new Uint32Array(0);

  private sequenceSearch: BucketIndex | null = null;
  private exactAddresses: Float64Array | null = null;

  /** Each row's exact address. */
  get addresses(): Float64Array {
    if (this.exactAddresses === null) {
      const all = new Float64Array(this.rowAddresses);
      for (let i = 0; i < this.wideRows.length; i++) all[this.wideRows[i]] = this.wideAddresses[i];
      this.exactAddresses = all;
    }
    return this.exactAddresses;
  }

  /** Index of the row describing `address`, or -1. */
  lookup(address: number): number {
    const highs = this.sequenceHigh;
    this.sequenceSearch ??= new BucketIndex(highs);
    const lo = this.sequenceSearch.upperBound(address);
    if (lo === highs.length || address < this.sequenceLow[lo]) return -1;
    // The last row at or below the address, never the end_sequence row: upper_bound - 1.
    let first = this.sequenceFirstRow[lo] + 1;
    let last = this.sequenceLastRow[lo] - 1;
    // Capped addresses compare with smaller ones as the exact ones would.
    if (address >= 0xffffffff && this.wideRows.length !== 0) return this.upperBoundExact(address, first, last) - 1;
    const addresses = this.rowAddresses;
    while (first < last) {
      const mid = (first + last) >>> 1;
      if (addresses[mid] <= address) first = mid + 1;
      else last = mid;
    }
    return first - 1;
  }

  private upperBoundExact(address: number, first: number, last: number): number {
    const addresses = this.addresses;
    while (first < last) {
      const mid = (first + last) >>> 1;
      if (addresses[mid] <= address) first = mid + 1;
      else last = mid;
    }
    return first;
  }

  fileIndex(row: number): number {
    return this.rowPayload[2 * row] >>> 16;
  }

  line(row: number): number {
    return this.rowPayload[2 * row + 1];
  }

  column(row: number): number {
    return this.rowPayload[2 * row] & 0xffff;
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

/**
 * Absolute on POSIX or on Windows (`C:\` or `C:/`; `\\server\`), as LLVM checks before joining
 * paths. By character codes: a file table's paths are joined once per run, in cold code, where a
 * regular expression's first use costs more than the whole check.
 */
function isAbsolutePath(path: string): boolean {
  const first = path.charCodeAt(0);
  if (first === SLASH) return true;
  if (path.length >= 3 && path.charCodeAt(1) === COLON && isSeparator(path.charCodeAt(2))) {
    return (first | 0x20) >= 0x61 && (first | 0x20) <= 0x7a;
  }
  if (first !== BACKSLASH || path.charCodeAt(1) !== BACKSLASH) return false;
  // A server name, then a separator.
  for (let i = 2; i < path.length; i++) if (isSeparator(path.charCodeAt(i))) return i > 2;
  return false;
}

function isSeparator(code: number): boolean {
  return code === SLASH || code === BACKSLASH;
}

const SLASH = 0x2f;
const BACKSLASH = 0x5c;
const COLON = 0x3a;

/** `llvm::sys::path::append` in POSIX style: one separator between parts, empty parts skipped. */
function appendPath(path: string, component: string): string {
  if (component === '') return path;
  if (path !== '' && path.endsWith('/')) {
    let start = 0;
    while (component.charCodeAt(start) === SLASH) start++;
    return path + component.slice(start);
  }
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
  const params = { minInstLength, lineBase, lineRange, opcodeBase, standardLengths };
  // In a kernel arena a program of any size is the kernel's: its rows stay there, and the many
  // small programs of a module (libc's units) would otherwise each run the JavaScript decoder
  // before V8 has optimized it.
  const useKernel = end - programStart >= kernelMinProgram || (kernelMinProgram !== Infinity && inKernelArena(section));
  const decoded = useKernel ? decodeInKernel(section, programStart, end, params) : null;
  if (decoded !== null) {
    table.decodedBy = 'kernel';
    table.rowCount = decoded.rowCount;
    table.rowAddresses = decoded.addresses;
    table.rowPayload = decoded.payload;
    table.discriminators = decoded.discriminators;
    table.wideRows = decoded.wideRows;
    table.wideAddresses = decoded.wideAddresses;
    sortSequences(table, decoded.sequences);
    return table;
  }
  const out = new Rows(end - programStart);
  const sequences: number[] = [];
  const rows = runProgram(cursor, table, params, out, sequences);
  out.finish(table, rows);
  out.exactLows(sequences);
  sortSequences(table, sequences);
  return table;
}

let kernelMinProgram = KERNEL_MIN_PROGRAM;

/**
 * For tests: the program length from which the WebAssembly kernel decodes (0: every program,
 * Infinity: none). Returns the previous value.
 */
export function setKernelMinProgram(length: number): number {
  const previous = kernelMinProgram;
  kernelMinProgram = length;
  return previous;
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
}

/**
 * The line-number state machine of DWARF 2–5 (section 6.2): appends rows to `out` and kept
 * sequences to `sequences` as LLVM does, and returns the row count.
 *
 * A large program is usually decoded once per process, so most of it runs before V8 has
 * optimized anything, and the optimized version arrives sooner the smaller this function is.
 * Hence one loop over locals with no call on the common paths: the usual operands and
 * extended opcodes are decoded in place, advances stay small integers (unoptimized code boxes
 * every other number), and the rest goes through the cursor, which also words the errors.
 * Nothing follows the loop: code that optimized code reaches without type feedback deopts.
 */
function runProgram(cursor: Cursor, table: LineTable, p: ProgramParams, out: Rows, sequences: number[]): number {
  const bytes = cursor.bytes;
  const end = unboxed(cursor.end);
  const programStart = unboxed(cursor.pos);
  let pos = programStart;
  const { minInstLength, lineBase, lineRange, opcodeBase, standardLengths } = p;
  // Precomputed per special opcode: how far it moves the address and the line.
  const addressAdvance = new Int32Array(256);
  const lineAdvance = new Int32Array(256);
  if (lineRange !== 0) {
    for (let op = opcodeBase; op < 256; op++) {
      const adjusted = op - opcodeBase;
      addressAdvance[op] = Math.floor(adjusted / lineRange) * minInstLength;
      lineAdvance[op] = lineBase + (adjusted % lineRange);
    }
  }
  const constAddPc = lineRange === 0 ? 0 : Math.floor((255 - opcodeBase) / lineRange) * minInstLength;

  let capacity = out.capacity;
  let addresses = out.addresses;
  let payload = out.payload;
  let discriminators = out.discriminators;
  let rows = 0;
  const wide = out.wide;
  const extended = new ExtendedOpcode();

  let address = 0;
  // Lines wrap to 32 bits as in LLVM: the Uint32Array store does that. An operand beyond 2^53
  // comes rounded, so it is added to the wrapped line, lest the result depend on the path taken.
  let line = 1;
  let file = 1;
  let column = 0;
  // Where the current sequence's rows begin; its low address is read back from the first row.
  let sequenceStart = 0;
  // Only the extended opcode 0 can end a sequence, unless (hostile) every opcode is special.
  const endSequenceOpcode = opcodeBase > 0 ? 0 : -1;

  while (pos < end) {
    const opcode = bytes[pos++];
    if (opcode >= opcodeBase) {
      if (lineRange === 0) cursor.fail('special opcode with line_range 0', pos - 1);
      address += addressAdvance[opcode];
      line += lineAdvance[opcode];
    } else if (opcode <= 5 && opcode >= 2) {
      // advance_pc, advance_line, set_file, set_column: one LEB128 operand, decoded here up to
      // three bytes (line deltas to and from line 0 take three in a large file). All lengths
      // and all four opcodes share the code after the decoding, so that all of it runs, and
      // has type feedback, before V8 optimizes the loop.
      let operand = pos < end ? bytes[pos] : 0x80;
      // Shifting left and back sign-extends a delta of 7, 14 or 21 bits.
      let signShift = 25;
      if (operand < 0x80) {
        pos++;
      } else {
        let size = 0;
        if (end - pos >= 3) {
          const b1 = bytes[pos + 1];
          if (b1 < 0x80) {
            operand = (operand & 0x7f) | (b1 << 7);
            size = 2;
            signShift = 18;
          } else {
            const b2 = bytes[pos + 2];
            if (b2 < 0x80) {
              operand = (operand & 0x7f) | ((b1 & 0x7f) << 7) | (b2 << 14);
              size = 3;
              signShift = 11;
            }
          }
        }
        if (size !== 0) {
          pos += size;
        } else {
          cursor.pos = pos;
          if (opcode === 3) {
            line = ((line >>> 0) + cursor.sleb()) | 0;
            pos = unboxed(cursor.pos);
            continue;
          }
          operand = cursor.uleb();
          pos = unboxed(cursor.pos);
        }
      }
      // The Uint16Array stores truncate file and column as LLVM does.
      if (opcode === 5) column = operand;
      else if (opcode === 3) line += (operand << signShift) >> signShift;
      else if (opcode === 4) file = operand;
      else address += operand * minInstLength;
      continue;
    } else if (opcode === 6 || opcode === 7 || opcode === 10 || opcode === 11) {
      // negate_stmt, set_basic_block, set_prologue_end, set_epilogue_begin
      continue;
    } else if (opcode === 0) {
      // DW_LNE_end_sequence, and DW_LNE_set_address as wasm32 producers write it (length 5).
      if (pos + 2 <= end && bytes[pos] === 1 && bytes[pos + 1] === C.DW_LNE_end_sequence) {
        pos += 2;
      } else if (pos + 6 <= end && bytes[pos] === 5 && bytes[pos + 1] === C.DW_LNE_set_address) {
        address = (bytes[pos + 2] | (bytes[pos + 3] << 8) | (bytes[pos + 4] << 16)) + bytes[pos + 5] * 0x1000000;
        pos += 6;
        continue;
      } else {
        pos = extended.read(cursor, pos, table);
        if (extended.kind !== C.DW_LNE_end_sequence) {
          if (extended.kind === C.DW_LNE_set_address) {
            address = extended.value;
          } else if (extended.kind === C.DW_LNE_set_discriminator) {
            // It belongs to the next row, which goes at index `rows`.
            if (rows === capacity) {
              capacity = out.grow(rows, end - pos, pos - programStart);
              addresses = out.addresses;
              payload = out.payload;
              discriminators = out.discriminators;
            }
            discriminators[rows] = extended.value;
          }
          continue;
        }
      }
    } else if (opcode === 8) {
      // DW_LNS_const_add_pc
      if (lineRange === 0) cursor.fail('const_add_pc with line_range 0', pos - 1);
      address += constAddPc;
      continue;
    } else if (opcode !== 1) {
      cursor.pos = pos;
      if (opcode === 9) {
        // DW_LNS_fixed_advance_pc
        address += cursor.u16();
      } else {
        // DW_LNS_set_isa and opcodes this reader does not know: skip their operands.
        for (let i = opcode === 12 ? 1 : standardLengths[opcode]; i > 0; i--) cursor.uleb();
      }
      pos = unboxed(cursor.pos);
      continue;
    }
    // A special opcode, DW_LNS_copy or DW_LNE_end_sequence: append a row.
    if (rows === capacity) {
      capacity = out.grow(rows, end - pos, pos - programStart);
      addresses = out.addresses;
      payload = out.payload;
      discriminators = out.discriminators;
    }
    // See `LineTable.rowAddresses`.
    let capped = address;
    if (!(address <= 0xffffffff)) {
      capped = 0xffffffff;
      wide.push(rows, address);
    }
    addresses[rows] = capped;
    // Both wrap as LLVM's uint16_t fields do; the store wraps the line to 32 bits.
    payload[2 * rows] = ((file & 0xffff) << 16) | (column & 0xffff);
    payload[2 * rows + 1] = line;
    rows++;
    if (opcode === endSequenceOpcode) {
      // LLVM keeps only sequences that cover bytes and have a row besides the end marker. A
      // capped low address is checked once exact, after the loop.
      const low = addresses[sequenceStart];
      if ((low < address || low === 0xffffffff) && sequenceStart < rows - 1) sequences.push(low, address, sequenceStart, rows);
      sequenceStart = rows;
      address = 0;
      file = 1;
      line = 1;
      column = 0;
    }
  }
  return rows;
}

/** The row arrays while a program runs, sized from the program length. */
class Rows {
  capacity: number;
  addresses: Uint32Array<ArrayBuffer>;
  /** `LineTable.rowPayload`. */
  payload: Uint32Array<ArrayBuffer>;
  discriminators: Uint32Array<ArrayBuffer>;
  /** Rows whose address `addresses` caps, as (row, exact address) pairs in row order. */
  readonly wide: number[] = [];

  constructor(programLength: number) {
    // Every row takes at least one byte of the program: a small program gets room for that
    // many, so that it never grows (growing in the middle of the decode loop throws away its
    // optimized code, once per such unit); a large one gets the usual density.
    // (`>>> 0` keeps it a small integer: `Math.floor` leaves a double, which optimized code
    // comparing row counts with it does not expect.)
    this.capacity = programLength <= SMALL_PROGRAM ? programLength : ((programLength / BYTES_PER_ROW) >>> 0) + 64;
    this.addresses = new Uint32Array(this.capacity);
    this.payload = new Uint32Array(2 * this.capacity);
    this.discriminators = new Uint32Array(this.capacity);
  }

  /** Makes room for the row about to be appended and those the rest of the program likely holds. */
  grow(rows: number, remaining: number, consumed: number): number {
    const expected = Math.ceil(((remaining * rows) / consumed) * 1.125);
    // A small integer, not the double the arithmetic leaves before V8 optimizes it: the decode
    // loop compares row counts with it, and a double there throws its optimized code away.
    this.capacity = (rows + 1 + Math.min(remaining, Math.max(expected, rows >> 3, 64))) >>> 0;
    this.addresses = grown(this.addresses, this.capacity);
    this.payload = grown(this.payload, 2 * this.capacity);
    this.discriminators = grown(this.discriminators, this.capacity);
    return this.capacity;
  }

  /**
   * Replaces capped low addresses in `sequences` (see `runProgram`) with exact ones, dropping
   * the sequences that then cover no bytes.
   */
  exactLows(sequences: number[]): void {
    const wide = this.wide;
    let w = 0;
    let kept = 0;
    for (let i = 0; i < sequences.length; i += 4) {
      if (sequences[i] === 0xffffffff) {
        // Both lists are in row order.
        const first = sequences[i + 2];
        while (w < wide.length && wide[w] < first) w += 2;
        const low = w < wide.length && wide[w] === first ? wide[w + 1] : 0xffffffff;
        if (!(low < sequences[i + 1])) continue;
        sequences[i] = low;
      }
      if (kept !== i) {
        sequences[kept] = sequences[i];
        sequences[kept + 1] = sequences[i + 1];
        sequences[kept + 2] = sequences[i + 2];
        sequences[kept + 3] = sequences[i + 3];
      }
      kept += 4;
    }
    sequences.length = kept;
  }

  finish(table: LineTable, rows: number): void {
    table.rowCount = rows;
    const wide = this.wide;
    table.wideRows = new Uint32Array(wide.length >> 1);
    table.wideAddresses = new Float64Array(wide.length >> 1);
    for (let i = 0; i < wide.length; i += 2) {
      table.wideRows[i >> 1] = wide[i];
      table.wideAddresses[i >> 1] = wide[i + 1];
    }
    // A view pins the unused tail, but that was never written, so it is address space more
    // than memory; a copy writes fresh memory again. Worth it only when most is unused.
    if (rows < this.capacity >> 1) {
      table.rowAddresses = this.addresses.slice(0, rows);
      table.rowPayload = this.payload.slice(0, 2 * rows);
      table.discriminators = this.discriminators.slice(0, rows);
    } else {
      table.rowAddresses = this.addresses.subarray(0, rows);
      table.rowPayload = this.payload.subarray(0, 2 * rows);
      table.discriminators = this.discriminators.subarray(0, rows);
    }
  }
}

/**
 * Program bytes per row, a little under what clang's output takes (4–9, five in a large unit):
 * the first guess rarely needs growing, which would copy, and what it leaves unused is never
 * written.
 */
const BYTES_PER_ROW = 4;
/** Program bytes up to which a table is sized for one row per byte (16 bytes of rows each). */
const SMALL_PROGRAM = 1 << 14;

function grown(array: Uint32Array<ArrayBuffer>, capacity: number): Uint32Array<ArrayBuffer> {
  const next = new Uint32Array(capacity);
  next.set(array);
  return next;
}

/** An extended opcode in any encoding; `kind` and `value` say what it changes. */
class ExtendedOpcode {
  kind = 0;
  value = 0;

  /** Reads the opcode after its 0 byte at `pos`; returns the position after it. */
  read(cursor: Cursor, pos: number, table: LineTable): number {
    cursor.pos = pos;
    const length = cursor.uleb();
    const start = cursor.pos;
    cursor.need(length, 'extended opcode');
    this.kind = 0;
    if (length === 0) return start;
    const sub = cursor.u8();
    if (sub === C.DW_LNE_end_sequence) {
      this.kind = sub;
    } else if (sub === C.DW_LNE_set_address) {
      const size = length - 1;
      if (size === 1 || size === 2 || size === 4 || size === 8) {
        this.kind = sub;
        this.value = unboxed(cursor.uN(size));
      }
    } else if (sub === C.DW_LNE_set_discriminator) {
      this.kind = sub;
      this.value = cursor.uleb();
    } else if (sub === C.DW_LNE_define_file) {
      const name = cursor.cstring();
      const dirIndex = cursor.uleb();
      table.files.push({ name, dirIndex });
    }
    return unboxed(start + length);
  }
}

/**
 * `value` as a small integer when it fits one. Unoptimized V8 code keeps a number that arrived
 * boxed (from a cursor field that once held a large value, or a 64-bit read) boxed through
 * every later sum, allocating at each step: for the position, several times a row.
 */
function unboxed(value: number): number {
  return value <= 0x7fffffff ? value | 0 : value;
}

/**
 * Orders sequences by end address, ties in program order (as LLVM's stable sort does), without
 * a comparator callback: the ends are sorted natively and each sequence then claims the next
 * free slot among the equal ends.
 */
function sortSequences(table: LineTable, sequences: ArrayLike<number>): void {
  // Kept sequences come as (low, high, first row, one past the last row).
  const n = sequences.length >> 2;
  const sortedHigh = new Float64Array(n);
  for (let i = 0; i < n; i++) sortedHigh[i] = sequences[4 * i + 1];
  sortedHigh.sort();
  // The next free slot among each run of equal ends.
  const nextSlot = new Map<number, number>();
  for (let i = n - 1; i >= 0; i--) nextSlot.set(sortedHigh[i], i);
  const sortedLow = new Float64Array(n);
  const sortedFirst = new Uint32Array(n);
  const sortedLast = new Uint32Array(n);
  for (let i = 0; i < n; i++) {
    const high = sequences[4 * i + 1];
    const at = nextSlot.get(high)!;
    nextSlot.set(high, at + 1);
    sortedLow[at] = sequences[4 * i];
    sortedFirst[at] = sequences[4 * i + 2];
    sortedLast[at] = sequences[4 * i + 3];
  }
  table.sequenceLow = sortedLow;
  table.sequenceHigh = sortedHigh;
  table.sequenceFirstRow = sortedFirst;
  table.sequenceLastRow = sortedLast;
}
