import type { LocatedAddress, SubroutineAnswer } from '../symbolize/symbolizer.js';
import type { ChunkWriter } from './byte-output.js';
import type { SymbolizerPrinter } from './symbolizer-output.js';

/**
 * llvm-symbolizer's plain LLVM and GNU answers written as UTF-8 straight from a located address
 * (`WasmSymbolizer.locate`). Everything but the innermost frame's row depends only on the
 * innermost subroutine, so it is printed and encoded once per subroutine; an answer is then
 * three copies and two or three numbers, with no strings or frame objects per address. The text
 * is `SymbolizerPrinter`'s, so both paths print the same bytes.
 */
export class PlainAnswerWriter {
  /**
   * Per subroutine answer id: where its head (the innermost frame's function line) and tail
   * (callers' frames and the footer) lie in `text`; head end = tail start. Typed tables, not an
   * object per subroutine: they stay out of the garbage collector's way.
   */
  private headStarts = new Int32Array(1024).fill(-1);
  private tailStarts = new Int32Array(1024);
  private tailEnds = new Int32Array(1024);
  private text = new Uint8Array(1 << 16);
  private textUsed = 0;
  private readonly files = new Map<string | null, Uint8Array>();
  private readonly gnu: boolean;

  /** Whether answers in this configuration can be written here (else use the printer's text). */
  static handles(printer: SymbolizerPrinter): boolean {
    const c = printer.config;
    return c.style !== 'JSON' && !c.verbose && !c.pretty && !c.printAddress;
  }

  constructor(private readonly printer: SymbolizerPrinter, private readonly out: ChunkWriter) {
    this.gnu = printer.config.style === 'GNU';
  }

  write(located: LocatedAddress): void {
    const subroutine = located.subroutine!;
    const id = subroutine.id;
    if (id >= this.headStarts.length || this.headStarts[id] < 0) this.encode(subroutine);
    const out = this.out;
    const text = this.text;
    out.writeRange(text, this.headStarts[id], this.tailStarts[id]);
    out.write(this.files.get(located.file) ?? this.encodeFile(located.file));
    // ":line:column\n" or GNU's ":line (discriminator N)\n": at most 3 numbers and 20 bytes of text.
    out.reserve(70);
    out.decimal(located.line);
    const buffer = out.buffer;
    if (!this.gnu) {
      buffer[out.used++] = COLON;
      out.decimal(located.column);
    } else if (located.discriminator !== 0) {
      for (let i = 0; i < DISCRIMINATOR.length; i++) buffer[out.used++] = DISCRIMINATOR[i];
      out.decimal(located.discriminator);
      buffer[out.used++] = CLOSE_PAREN;
    }
    buffer[out.used++] = NEWLINE;
    out.writeRange(text, this.tailStarts[id], this.tailEnds[id]);
  }

  private encode(subroutine: SubroutineAnswer): void {
    const printer = this.printer;
    const id = subroutine.id;
    if (id >= this.headStarts.length) {
      const size = Math.max(id + 1, this.headStarts.length * 2);
      this.headStarts = grown(this.headStarts, size, -1);
      this.tailStarts = grown(this.tailStarts, size, 0);
      this.tailEnds = grown(this.tailEnds, size, 0);
    }
    let tail = '';
    for (const caller of subroutine.callers) tail += printer.frameText(caller, true);
    this.headStarts[id] = this.textUsed;
    this.append(printer.functionText(subroutine.function, false));
    this.tailStarts[id] = this.textUsed;
    this.append(tail + printer.footer);
    this.tailEnds[id] = this.textUsed;
  }

  private append(piece: string): void {
    // UTF-8 needs at most 3 bytes per UTF-16 unit.
    if (this.textUsed + piece.length * 3 > this.text.length) {
      const bigger = new Uint8Array(Math.max(this.text.length * 2, this.textUsed + piece.length * 3));
      bigger.set(this.text.subarray(0, this.textUsed));
      this.text = bigger;
    }
    this.textUsed += encoder.encodeInto(piece, this.text.subarray(this.textUsed)).written;
  }

  private encodeFile(file: string | null): Uint8Array {
    const bytes = encoder.encode((file ?? '??') + ':');
    this.files.set(file, bytes);
    return bytes;
  }
}

function grown(table: Int32Array, size: number, fill: number): Int32Array<ArrayBuffer> {
  const next = new Int32Array(size).fill(fill);
  next.set(table);
  return next;
}

const encoder = new TextEncoder();
const COLON = 0x3a;
const NEWLINE = 0x0a;
const CLOSE_PAREN = 0x29;
const DISCRIMINATOR = new TextEncoder().encode(' (discriminator ');
