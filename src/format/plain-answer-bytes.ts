import type { FrameNames, LocatedAddress } from '../symbolize/symbolizer.js';
import type { LineTable } from '../dwarf/line.js';
import { ChunkWriter } from './byte-output.js';
import type { SubroutineIndex } from '../dwarf/subroutines.js';
import type { SymbolizerPrinter } from './symbolizer-output.js';

/**
 * Encoded pieces of one unit's answers: each subroutine DIE's function line and each file's
 * path, laid out in one byte arena and found through typed tables (no object per piece, so
 * nothing here burdens the garbage collector).
 */
/** Ranges of the arena by slot; a start of -1 marks a slot not encoded yet. */
class Spans {
  starts = new Int32Array(0);
  ends = new Int32Array(0);

  /** Makes slot `i` addressable. */
  reserve(i: number): void {
    if (i < this.starts.length) return;
    const size = Math.max(i + 1, this.starts.length * 2, 64);
    this.starts = grown(this.starts, size);
    this.ends = grown(this.ends, size);
  }
}

class UnitPieces {
  /** Per subroutine DIE: its function line. */
  readonly functionLines = new Spans();
  /** Per file index: "path:". */
  readonly files = new Spans();
  /** Per innermost inlined DIE: its callers' frames and the footer. */
  readonly tails = new Spans();

  constructor(readonly names: FrameNames, readonly lineTable: LineTable | null, readonly compDir: string) {}
}

/**
 * llvm-symbolizer's plain LLVM and GNU answers written as UTF-8 straight from a located address
 * (`WasmSymbolizer.locate`): function lines and file paths are encoded once per DIE and per
 * file, and an answer is copies of those plus the numbers, with no strings or frame objects per
 * address. The text is `SymbolizerPrinter.frameText`'s, byte for byte.
 */
export class PlainAnswerWriter {
  private text = new Uint8Array(1 << 16);
  private textUsed = 0;
  private readonly units = new Map<FrameNames, UnitPieces>();
  private last: UnitPieces | null = null;
  private readonly gnu: boolean;
  private readonly printFunctions: boolean;
  private readonly footer: boolean;
  /** Where a tail is printed before it is copied into the arena. */
  private readonly scratch = new ChunkWriter();

  /** Whether answers in this configuration can be written here (else use the printer's text). */
  static handles(printer: SymbolizerPrinter): boolean {
    const c = printer.config;
    return c.style !== 'JSON' && !c.verbose && !c.pretty && !c.printAddress;
  }

  constructor(printer: SymbolizerPrinter, private readonly out: ChunkWriter) {
    this.gnu = printer.config.style === 'GNU';
    this.printFunctions = printer.config.printFunctions;
    this.footer = printer.footer !== '';
  }

  write(located: LocatedAddress): void {
    let unit = this.last;
    if (unit === null || unit.names !== located.names) unit = this.unitPieces(located);
    const index = located.index!;
    const leaf = located.leaf;
    const table = located.lineTable;
    const row = located.row;
    const out = this.out;
    if (this.printFunctions) this.writeName(out, unit, leaf);
    // A row whose file index names no file leaves the innermost frame without a location.
    if (table !== null && row >= 0 && this.namesFile(unit, table.fileIndices[row])) {
      this.writeLocation(out, unit, table.fileIndices[row], table.lines[row], table.columns[row], table.discriminators[row]);
    } else {
      this.writeLocation(out, unit, -1, 0, 0, 0);
    }
    this.writeTail(unit, index, leaf, located.inlines);
  }

  /**
   * Everything after the innermost frame's location — the callers' frames and the footer —
   * depends only on the innermost DIE: printed once per DIE into the arena, then copied.
   */
  private writeTail(unit: UnitPieces, index: SubroutineIndex, leaf: number, inlines: boolean): void {
    // Code that was not inlined has no callers to print: the tail is the footer alone.
    if (!inlines || !index.isInlined[leaf] || index.parents[leaf] < 0) {
      this.writeFooter(this.out);
      return;
    }
    const tails = unit.tails;
    tails.reserve(leaf);
    if (tails.starts[leaf] < 0) {
      const scratch = this.scratch;
      for (let child = leaf; index.isInlined[child] && index.parents[child] >= 0; child = index.parents[child]) {
        if (this.printFunctions) this.writeName(scratch, unit, index.parents[child]);
        this.writeLocation(scratch, unit, index.callFiles[child], index.callLines[child], index.callColumns[child], index.callDiscriminators[child]);
      }
      this.writeFooter(scratch);
      tails.starts[leaf] = this.textUsed;
      for (const chunk of scratch.finish()) this.appendBytes(chunk, chunk.length);
      tails.ends[leaf] = this.textUsed;
      scratch.reset();
    }
    this.out.writeRange(this.text, tails.starts[leaf], tails.ends[leaf]);
  }

  private writeFooter(target: ChunkWriter): void {
    if (!this.footer) return;
    target.reserve(1);
    target.buffer[target.used++] = NEWLINE;
  }

  private unitPieces(located: LocatedAddress): UnitPieces {
    let unit = this.units.get(located.names!);
    if (!unit) {
      unit = new UnitPieces(located.names!, located.lineTable, located.compDir);
      this.units.set(located.names!, unit);
    }
    this.last = unit;
    return unit;
  }

  /** "name\n" (or "??\n") of subroutine DIE `die`. */
  private writeName(target: ChunkWriter, unit: UnitPieces, die: number): void {
    const lines = unit.functionLines;
    lines.reserve(die);
    if (lines.starts[die] < 0) {
      lines.starts[die] = this.textUsed;
      this.appendText((unit.names.get(die) ?? '??') + '\n');
      lines.ends[die] = this.textUsed;
    }
    target.writeRange(this.text, lines.starts[die], lines.ends[die]);
  }

  /**
   * Where "path:" of file index `file` starts in `text` (encoded on first use; "??:" when the
   * line table names no such file); UNCACHED for indexes past the tables.
   */
  private fileStart(unit: UnitPieces, file: number): number {
    if (file < 0 || file >= 0x10000) return UNCACHED;
    const files = unit.files;
    files.reserve(file);
    let start = files.starts[file];
    if (start === UNCACHED) {
      const path = unit.lineTable?.filePath(file, unit.compDir) ?? null;
      start = files.starts[file] = this.textUsed;
      this.appendText((path ?? '??') + ':');
      // The end of an unknown file's text is stored negated: the innermost frame asks.
      files.ends[file] = path === null ? -this.textUsed : this.textUsed;
    }
    return start;
  }

  /** Whether the line table names file index `file`. */
  private namesFile(unit: UnitPieces, file: number): boolean {
    const start = this.fileStart(unit, file);
    if (start === UNCACHED) return file >= 0 && (unit.lineTable?.filePath(file, unit.compDir) ?? null) !== null;
    return unit.files.ends[file] > 0;
  }

  /** "file:line:column\n", or GNU's "file:line\n" with " (discriminator N)" when N is not 0. */
  private writeLocation(out: ChunkWriter, unit: UnitPieces, file: number, line: number, column: number, discriminator: number): void {
    const start = this.fileStart(unit, file);
    if (start !== UNCACHED) {
      out.writeRange(this.text, start, Math.abs(unit.files.ends[file]));
    } else {
      const path = file < 0 ? null : unit.lineTable?.filePath(file, unit.compDir) ?? null;
      out.writeText((path ?? '??') + ':');
    }
    // At most three numbers of 16 digits and 17 bytes of text.
    out.reserve(70);
    out.decimal(line);
    const buffer = out.buffer;
    if (!this.gnu) {
      buffer[out.used++] = COLON;
      out.decimal(column);
    } else if (discriminator !== 0) {
      for (let i = 0; i < DISCRIMINATOR.length; i++) buffer[out.used++] = DISCRIMINATOR[i];
      out.decimal(discriminator);
      buffer[out.used++] = CLOSE_PAREN;
    }
    buffer[out.used++] = NEWLINE;
  }

  private appendBytes(bytes: Uint8Array, length: number): void {
    if (this.textUsed + length > this.text.length) this.growText(length);
    this.text.set(bytes.subarray(0, length), this.textUsed);
    this.textUsed += length;
  }

  private growText(needed: number): void {
    const bigger = new Uint8Array(Math.max(this.text.length * 2, this.textUsed + needed));
    bigger.set(this.text.subarray(0, this.textUsed));
    this.text = bigger;
  }

  private appendText(piece: string): void {
    // UTF-8 needs at most 3 bytes per UTF-16 unit.
    if (this.textUsed + piece.length * 3 > this.text.length) this.growText(piece.length * 3);
    const text = this.text;
    let at = this.textUsed;
    // Names and paths are nearly always ASCII: copy those without a call into the encoder.
    for (let i = 0; i < piece.length; i++) {
      const c = piece.charCodeAt(i);
      if (c >= 0x80) {
        at = this.textUsed + encoder.encodeInto(piece, text.subarray(this.textUsed)).written;
        break;
      }
      text[at++] = c;
    }
    this.textUsed = at;
  }
}

const UNCACHED = -1;

function grown(table: Int32Array, size: number): Int32Array<ArrayBuffer> {
  const next = new Int32Array(size).fill(-1);
  next.set(table);
  return next;
}

const encoder = new TextEncoder();
const COLON = 0x3a;
const NEWLINE = 0x0a;
const CLOSE_PAREN = 0x29;
const DISCRIMINATOR = new TextEncoder().encode(' (discriminator ');
