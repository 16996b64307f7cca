import type { FrameNames, LocatedAddress } from '../symbolize/symbolizer.js';
import type { LineTable } from '../dwarf/line.js';
import { ChunkWriter } from './byte-output.js';
import type { SubroutineIndex } from '../dwarf/subroutines.js';
import type { SymbolizerPrinter } from './symbolizer-output.js';

/**
 * Where each slot's encoded text lies in the arena: `slots[3i]` its buffer, `slots[3i + 1]` its
 * start plus one (0 until encoded: a fresh array needs no filling, which for a large unit's
 * 16,000 DIEs took milliseconds of cold code), `slots[3i + 2]` its end. One array, so an
 * answer's piece costs one cache miss, not three; typed, so nothing here burdens the garbage
 * collector.
 */
class Spans {
  slots = new Int32Array(0);

  /** Makes slot `i` addressable. */
  reserve(i: number): void {
    if (3 * i < this.slots.length) return;
    const slots = new Int32Array(3 * Math.max(i + 1, (this.slots.length / 3) * 2, 64));
    slots.set(this.slots);
    this.slots = slots;
  }

  isEncoded(i: number): boolean {
    return this.slots[3 * i + 1] !== 0;
  }

  /** Where slot `i`'s text starts in its buffer (once encoded). */
  start(i: number): number {
    return this.slots[3 * i + 1] - 1;
  }

  length(i: number): number {
    return this.slots[3 * i + 2] - this.start(i);
  }

  /** Records that slot `i` is the arena's bytes from `start` to where it is now. */
  close(i: number, arena: ChunkWriter, buffer: number, start: number): void {
    const slots = this.slots;
    slots[3 * i] = buffer;
    slots[3 * i + 1] = start + 1;
    slots[3 * i + 2] = arena.used;
  }

  copy(from: number, to: number): void {
    const slots = this.slots;
    slots[3 * to] = slots[3 * from];
    slots[3 * to + 1] = slots[3 * from + 1];
    slots[3 * to + 2] = slots[3 * from + 2];
  }

  /** Copies slot `i`'s text to `target`. */
  writeTo(target: ChunkWriter, arena: ChunkWriter, i: number): void {
    const slots = this.slots;
    const k = 3 * i;
    target.writeRange(arena.bufferAt(slots[k]), this.start(i), slots[k + 2]);
  }
}

/** Encoded pieces of one unit's answers. */
class UnitPieces {
  /** Per subroutine DIE: its function line. */
  readonly functionLines = new Spans();
  /** Per name source (`FrameNames.sourceOf`): a DIE whose function line is encoded. */
  readonly encodedSources = new Map<number, number>();
  /** Per file index: "path:" (the end negated when the line table names no such file). */
  readonly files = new Spans();
  /** Per inlined DIE with a caller: the frames of its callers, then the footer. */
  readonly tails = new Spans();

  constructor(readonly names: FrameNames, readonly lineTable: LineTable | null, readonly compDir: string) {}
}

/**
 * llvm-symbolizer's plain LLVM and GNU answers written as UTF-8 straight from a located address
 * (`WasmSymbolizer.locate`): function lines and file paths are encoded once per name and per
 * file, each inlined DIE's callers once per DIE (from its parent's), and an answer is copies of
 * those plus the numbers, with no strings or frame objects per address. The text is
 * `SymbolizerPrinter.frameText`'s, byte for byte.
 */
export class PlainAnswerWriter {
  /**
   * The encoded pieces. A writer that is never reset keeps every buffer it fills, so pieces
   * stay where they were written and a full buffer is followed by a new one, not copied.
   */
  private readonly arena = new ChunkWriter();
  private readonly units = new Map<FrameNames, UnitPieces>();
  /** Per function index: its name-section name line (for code outside every DWARF unit). */
  private readonly sectionNames = new Spans();
  private last: UnitPieces | null = null;
  private readonly gnu: boolean;
  private readonly printFunctions: boolean;
  private readonly footer: boolean;
  /** DIEs whose tails are being encoded, innermost first (a reused stack: no garbage). */
  private chain = new Int32Array(16);

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
    if (located.index === null) {
      this.writeByName(located);
      return;
    }
    let unit = this.last;
    if (unit === null || unit.names !== located.names) unit = this.unitPieces(located);
    const index = located.index!;
    const leaf = located.leaf;
    const out = this.out;
    if (this.printFunctions) this.writeName(out, unit, leaf);
    if (!this.writeRowLocation(out, unit, located.lineTable, located.row)) this.writeUnknownLocation(out);
    if (located.inlines && hasCallers(index, leaf)) this.writeTail(out, unit, index, leaf);
    else this.writeFooter(out);
  }

  /**
   * The innermost frame's location from its line-table row; false, writing nothing, when there
   * is no row or the row's file index names no file (the frame then has no location).
   */
  private writeRowLocation(out: ChunkWriter, unit: UnitPieces, table: LineTable | null, row: number): boolean {
    if (table === null || row < 0) return false;
    const fileColumn = table.rowPayload[2 * row];
    if (!this.namesFile(unit, fileColumn >>> 16)) return false;
    // Only GNU's style prints discriminators: LLVM's need not look them up.
    const discriminator = this.gnu ? table.discriminators[row] : 0;
    this.writeLocation(out, unit, fileColumn >>> 16, table.rowPayload[2 * row + 1], fileColumn & 0xffff, discriminator);
    return true;
  }

  private writeUnknownLocation(out: ChunkWriter): void {
    const unknown = this.gnu ? UNKNOWN_GNU : UNKNOWN_LLVM;
    out.writeRange(unknown, 0, unknown.length);
  }

  /**
   * Code under no subroutine DIE: the name-section name of its function (or "??"), the row's
   * location if a unit covers the code and names the row's file, the footer.
   */
  private writeByName(located: LocatedAddress): void {
    const out = this.out;
    if (this.printFunctions) {
      const index = located.functionIndex;
      if (index < 0) {
        out.writeRange(UNKNOWN_NAME, 0, UNKNOWN_NAME.length);
      } else {
        const names = this.sectionNames;
        names.reserve(index);
        if (!names.isEncoded(index)) this.encode(names, index, located.sectionName + '\n');
        names.writeTo(out, this.arena, index);
      }
    }
    let wrote = false;
    if (located.names !== null) {
      let unit = this.last;
      if (unit === null || unit.names !== located.names) unit = this.unitPieces(located);
      wrote = this.writeRowLocation(out, unit, located.lineTable, located.row);
    }
    if (!wrote) this.writeUnknownLocation(out);
    this.writeFooter(out);
  }

  /** Everything after an inlined DIE's own frame: its callers' frames and the footer. */
  private writeTail(target: ChunkWriter, unit: UnitPieces, index: SubroutineIndex, die: number): void {
    const tails = unit.tails;
    tails.reserve(die);
    if (!tails.isEncoded(die)) this.encodeTails(unit, index, die);
    tails.writeTo(target, this.arena, die);
  }

  /**
   * Encodes the tail of `die` and of those of its callers that have none yet, outermost first:
   * a tail is the caller's function line, the call site, then the caller's own tail (or the
   * footer), so each is one location and two copies however deep the inlining.
   */
  private encodeTails(unit: UnitPieces, index: SubroutineIndex, die: number): void {
    const tails = unit.tails;
    let depth = 0;
    for (let d = die; hasCallers(index, d); d = index.parents[d]) {
      tails.reserve(d);
      if (tails.isEncoded(d)) break;
      if (depth === this.chain.length) this.chain = grown(this.chain, depth * 2);
      this.chain[depth++] = d;
    }
    const chain = this.chain;
    const arena = this.arena;
    for (let i = depth - 1; i >= 0; i--) {
      const child = chain[i];
      const caller = index.parents[child];
      const file = index.callFiles[child];
      // Everything the tail copies is encoded first, so the tail itself is one contiguous piece.
      let bound = LOCATION_NUMBERS + 1;
      if (this.printFunctions) bound += this.encodedName(unit, caller).length(caller);
      const fileStart = this.fileStart(unit, file);
      const path = fileStart === UNCACHED ? this.pathText(unit, file) : null;
      bound += path !== null ? path.length * 3 : Math.abs(unit.files.slots[3 * file + 2]) - fileStart;
      const callerHasTail = hasCallers(index, caller);
      if (callerHasTail) bound += tails.length(caller);
      arena.reserve(bound);
      const buffer = arena.bufferIndex;
      const start = arena.used;
      if (this.printFunctions) this.writeName(arena, unit, caller);
      this.writeLocation(arena, unit, file, index.callLines[child], index.callColumns[child], index.callDiscriminators[child]);
      if (callerHasTail) this.writeTail(arena, unit, index, caller);
      else this.writeFooter(arena);
      tails.close(child, arena, buffer, start);
    }
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
      // Sized once: grown by doubling, a large unit's slots would be copied a dozen times.
      const dies = located.index?.count ?? 0;
      if (dies > 0) {
        unit.functionLines.reserve(dies - 1);
        unit.tails.reserve(dies - 1);
      }
      this.units.set(located.names!, unit);
    }
    this.last = unit;
    return unit;
  }

  /** "name\n" (or "??\n") of subroutine DIE `die`. */
  private writeName(target: ChunkWriter, unit: UnitPieces, die: number): void {
    this.encodedName(unit, die).writeTo(target, this.arena, die);
  }

  /** The function lines, with that of `die` encoded if it was not. */
  private encodedName(unit: UnitPieces, die: number): Spans {
    const lines = unit.functionLines;
    lines.reserve(die);
    if (!lines.isEncoded(die)) this.encodeName(unit, die);
    return lines;
  }

  private encodeName(unit: UnitPieces, die: number): void {
    const lines = unit.functionLines;
    const source = unit.names.sourceOf(die);
    const encoded = unit.encodedSources.get(source);
    if (encoded !== undefined) {
      lines.copy(encoded, die);
      return;
    }
    const text = (unit.names.get(die) ?? '??') + '\n';
    this.encode(lines, die, text);
    unit.encodedSources.set(source, die);
  }

  /** Appends `text` to the arena as slot `i` of `spans`. */
  private encode(spans: Spans, i: number, text: string): void {
    const arena = this.arena;
    // UTF-8 needs at most 3 bytes per UTF-16 unit.
    arena.reserve(text.length * 3);
    const buffer = arena.bufferIndex;
    const start = arena.used;
    arena.writeText(text);
    spans.close(i, arena, buffer, start);
  }

  /**
   * Where "path:" of file index `file` starts in its arena buffer (encoded on first use; "??:"
   * when the line table names no such file); UNCACHED for indexes past the tables.
   */
  private fileStart(unit: UnitPieces, file: number): number {
    if (file < 0 || file >= 0x10000) return UNCACHED;
    const files = unit.files;
    files.reserve(file);
    if (!files.isEncoded(file)) {
      const path = unit.lineTable?.filePath(file, unit.compDir) ?? null;
      this.encode(files, file, (path ?? '??') + ':');
      // The end of an unknown file's text is stored negated: the innermost frame asks.
      if (path === null) files.slots[3 * file + 2] = -files.slots[3 * file + 2];
    }
    return files.start(file);
  }

  private pathText(unit: UnitPieces, file: number): string {
    const path = file < 0 ? null : unit.lineTable?.filePath(file, unit.compDir) ?? null;
    return (path ?? '??') + ':';
  }

  /** Whether the line table names file index `file`. */
  private namesFile(unit: UnitPieces, file: number): boolean {
    const start = this.fileStart(unit, file);
    if (start === UNCACHED) return file >= 0 && (unit.lineTable?.filePath(file, unit.compDir) ?? null) !== null;
    return unit.files.slots[3 * file + 2] > 0;
  }

  /** "file:line:column\n", or GNU's "file:line\n" with " (discriminator N)" when N is not 0. */
  private writeLocation(out: ChunkWriter, unit: UnitPieces, file: number, line: number, column: number, discriminator: number): void {
    const start = this.fileStart(unit, file);
    if (start !== UNCACHED) {
      const slots = unit.files.slots;
      out.writeRange(this.arena.bufferAt(slots[3 * file]), start, Math.abs(slots[3 * file + 2]));
    } else {
      out.writeText(this.pathText(unit, file));
    }
    out.reserve(LOCATION_NUMBERS);
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
}

/** Whether DIE `die` is inlined into a caller whose frame an answer prints after its own. */
function hasCallers(index: SubroutineIndex, die: number): boolean {
  return index.isInlined[die] !== 0 && index.parents[die] >= 0;
}

const UNCACHED = -1;
/** What a location writes after the path: at most three numbers of 16 digits and 17 bytes of text. */
const LOCATION_NUMBERS = 70;

function grown(table: Int32Array, size: number): Int32Array<ArrayBuffer> {
  const next = new Int32Array(size);
  next.set(table);
  return next;
}

const COLON = 0x3a;
const NEWLINE = 0x0a;
const CLOSE_PAREN = 0x29;
const DISCRIMINATOR = new TextEncoder().encode(' (discriminator ');
const UNKNOWN_NAME = new TextEncoder().encode('??\n');
const UNKNOWN_LLVM = new TextEncoder().encode('??:0:0\n');
const UNKNOWN_GNU = new TextEncoder().encode('??:0\n');
