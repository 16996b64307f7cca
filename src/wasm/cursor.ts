import { DwarfFormatError, WasmFormatError } from '../errors.js';

const utf8 = new TextDecoder('utf-8', { fatal: false });

/**
 * A bounds-checked reader over a window of a byte array. Both the wasm and the DWARF readers
 * use it; the only difference is which typed error a bad read becomes, so the error names the
 * layer (and the DWARF section) the user should blame.
 *
 * Offsets in errors are absolute positions in `bytes`, i.e. module offsets for a module and
 * section offsets for a DWARF section handed over as its own subarray.
 */
export class Cursor {
  pos: number;

  constructor(
    readonly bytes: Uint8Array,
    start = 0,
    public end = bytes.length,
    /** Null for the wasm binary itself, else the DWARF section being read. */
    readonly section: string | null = null,
  ) {
    this.pos = start;
  }

  fail(what: string, offset = this.pos): never {
    if (this.section === null) throw new WasmFormatError(what, offset);
    throw new DwarfFormatError(what, this.section, offset);
  }

  get remaining(): number {
    return this.end - this.pos;
  }

  /** Throws unless `n` more bytes are available; `n` may be hostile (huge or negative). */
  need(n: number, what: string): void {
    if (!(n >= 0) || n > this.end - this.pos) this.fail(`${what} runs past the end (needs ${n} bytes)`);
  }

  seek(pos: number, what: string): void {
    if (!(pos >= 0) || pos > this.end) this.fail(`${what} points outside the data (0x${pos.toString(16)})`);
    this.pos = pos;
  }

  skip(n: number, what = 'field'): void {
    this.need(n, what);
    this.pos += n;
  }

  u8(): number {
    if (this.pos >= this.end) this.fail('unexpected end of data');
    return this.bytes[this.pos++];
  }

  u16(): number {
    this.need(2, 'u16');
    const b = this.bytes;
    const p = this.pos;
    this.pos += 2;
    return b[p] | (b[p + 1] << 8);
  }

  u24(): number {
    this.need(3, 'u24');
    const b = this.bytes;
    const p = this.pos;
    this.pos += 3;
    return b[p] | (b[p + 1] << 8) | (b[p + 2] << 16);
  }

  u32(): number {
    this.need(4, 'u32');
    const b = this.bytes;
    const p = this.pos;
    this.pos += 4;
    return (b[p] | (b[p + 1] << 8) | (b[p + 2] << 16)) + b[p + 3] * 0x1000000;
  }

  /**
   * A 64-bit value as a JS number. Values above 2^53 only occur as tombstones or garbage; they
   * come back rounded, which keeps them far outside any real code range.
   */
  u64(): number {
    const lo = this.u32();
    const hi = this.u32();
    return hi * 0x100000000 + lo;
  }

  /** Little-endian unsigned integer of 1, 2, 4 or 8 bytes (DWARF address and offset sizes). */
  uN(size: number): number {
    switch (size) {
      case 1: return this.u8();
      case 2: return this.u16();
      case 4: return this.u32();
      case 8: return this.u64();
      default: return this.fail(`unsupported integer size ${size}`);
    }
  }

  /** Unsigned LEB128. Precision beyond 2^53 is lost, as with `u64`; length is bounded by the data. */
  uleb(): number {
    const b = this.bytes;
    let p = this.pos;
    const end = this.end;
    if (p < end && b[p] < 0x80) {
      this.pos = p + 1;
      return b[p];
    }
    let result = 0;
    let scale = 1;
    for (;;) {
      if (p >= end) this.fail('unterminated LEB128', this.pos);
      const byte = b[p++];
      // Zero groups add nothing: padded encodings longer than a double's range stay exact (LLVM
      // reads them), where Infinity × 0 would make NaN.
      if (byte & 0x7f) result += (byte & 0x7f) * scale;
      scale *= 128;
      if (byte < 0x80) break;
    }
    this.pos = p;
    return result;
  }

  /** Unsigned LEB128 that the wasm spec bounds to 32 bits (counts, sizes, indices). */
  u32leb(what: string): number {
    const start = this.pos;
    const b = this.bytes;
    let result = 0;
    let shift = 0;
    for (let i = 0; ; i++) {
      if (this.pos >= this.end) this.fail(`unterminated ${what}`, start);
      const byte = b[this.pos++];
      if (i === 4 && byte > 0x0f) this.fail(`${what} does not fit in 32 bits`, start);
      result += (byte & 0x7f) * 2 ** shift;
      shift += 7;
      if (byte < 0x80) return result;
    }
  }

  sleb(): number {
    const b = this.bytes;
    let result = 0;
    let scale = 1;
    let byte: number;
    const start = this.pos;
    do {
      if (this.pos >= this.end) this.fail('unterminated LEB128', start);
      byte = b[this.pos++];
      // Zero groups add nothing: padded encodings longer than a double's range stay exact (LLVM
      // reads them), where Infinity × 0 would make NaN.
      if (byte & 0x7f) result += (byte & 0x7f) * scale;
      scale *= 128;
    } while (byte >= 0x80);
    if (byte & 0x40) result -= scale;
    return result;
  }

  /** NUL-terminated string; throws if the terminator is missing. */
  cstring(): string {
    const start = this.pos;
    const nul = this.bytes.indexOf(0, start);
    if (nul < 0 || nul >= this.end) this.fail('unterminated string', start);
    this.pos = nul + 1;
    return decodeUtf8(this.bytes, start, nul);
  }

  /** A wasm `name`: LEB length then UTF-8 bytes. */
  name(what: string): string {
    const length = this.u32leb(`${what} length`);
    this.need(length, what);
    const start = this.pos;
    this.pos += length;
    return decodeUtf8(this.bytes, start, start + length);
  }
}

/** ASCII is by far the common case in symbol tables; skipping TextDecoder for it halves the cost. */
export function decodeUtf8(bytes: Uint8Array, start: number, end: number): string {
  if (!(end > start)) return '';
  if (end - start < 64) {
    let ascii = true;
    for (let i = start; i < end; i++) {
      if (bytes[i] >= 0x80) {
        ascii = false;
        break;
      }
    }
    if (ascii) return String.fromCharCode.apply(null, bytes.subarray(start, end) as unknown as number[]);
  }
  return utf8.decode(bytes.subarray(start, end));
}
