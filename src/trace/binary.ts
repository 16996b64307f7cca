// The two facts this layer reads from module bytes itself: how many parameters each function
// import takes (so an instrumented import can be a wrapper of exactly that arity, which V8 calls
// as cheaply as the import itself) and whether memory 0 is a memory64 (pointer size of C
// hooks). Best effort: anything unexpected makes the answer "unknown", never an exception.

export interface ModuleFacts {
  /** Parameter count per function import, keyed by `module + "\0" + name`. */
  importArity: Map<string, number>;
  /** 4 or 8 for memory 0 (imported or defined); null without memory. */
  pointerSize: 4 | 8 | null;
}

class Reader {
  pos: number;
  constructor(readonly bytes: Uint8Array, start: number, readonly end: number) {
    this.pos = start;
  }
  u8(): number {
    if (this.pos >= this.end) throw new RangeError('eof');
    return this.bytes[this.pos++];
  }
  /** Unsigned LEB128 up to 64 bits; the value is only exact below 2^53, which is all we use. */
  leb(): number {
    let result = 0;
    let scale = 1;
    for (let i = 0; i < 10; i++) {
      const byte = this.u8();
      // Zero groups add nothing: padded encodings longer than a double's range stay exact, not NaN.
      if (byte & 0x7f) result += (byte & 0x7f) * scale;
      if (byte < 0x80) return result;
      scale *= 128;
    }
    throw new RangeError('leb');
  }
  skip(n: number): void {
    if (n < 0 || this.pos + n > this.end) throw new RangeError('eof');
    this.pos += n;
  }
  skipName(): string {
    const length = this.leb();
    const start = this.pos;
    this.skip(length);
    let s = '';
    // Names are UTF-8; imports are nearly always ASCII, and the decoder is only for the rest.
    for (let i = start; i < start + length; i++) {
      const b = this.bytes[i];
      if (b >= 0x80) return utf8(this.bytes.subarray(start, start + length));
      s += String.fromCharCode(b);
    }
    return s;
  }
}

function utf8(bytes: Uint8Array): string {
  const Decoder = (globalThis as { TextDecoder?: new () => { decode(b: Uint8Array): string } }).TextDecoder;
  if (!Decoder) throw new RangeError('no TextDecoder');
  return new Decoder().decode(bytes);
}

function valtype(r: Reader): void {
  const t = r.u8();
  if (t === 0x63 || t === 0x64) r.leb(); // (ref null? ht): heap type as s33; LEB length suffices
}

function storagetype(r: Reader): void {
  const t = r.bytes[r.pos];
  if (t === 0x78 || t === 0x77) r.u8(); // i8, i16
  else valtype(r);
}

/** One comptype; returns the parameter count for a function type, -1 otherwise. */
function comptype(r: Reader): number {
  const form = r.u8();
  if (form === 0x60) {
    const params = r.leb();
    for (let i = 0; i < params; i++) valtype(r);
    const results = r.leb();
    for (let i = 0; i < results; i++) valtype(r);
    return params;
  }
  if (form === 0x5f) {
    const fields = r.leb();
    for (let i = 0; i < fields; i++) {
      storagetype(r);
      r.u8();
    }
    return -1;
  }
  if (form === 0x5e) {
    storagetype(r);
    r.u8();
    return -1;
  }
  throw new RangeError('type form');
}

function subtype(r: Reader): number {
  const b = r.bytes[r.pos];
  if (b === 0x50 || b === 0x4f) {
    r.u8();
    const supers = r.leb();
    for (let i = 0; i < supers; i++) r.leb();
  }
  return comptype(r);
}

function limits(r: Reader): boolean {
  const flags = r.u8();
  r.leb();
  if (flags & 1) r.leb();
  return (flags & 4) !== 0;
}

/** Reads import arities and memory 0's index type; null when the bytes can't be read. */
export function readModuleFacts(bytes: Uint8Array): ModuleFacts | null {
  try {
    if (bytes.length < 8 || bytes[0] !== 0 || bytes[1] !== 0x61 || bytes[2] !== 0x73 || bytes[3] !== 0x6d) return null;
    const r = new Reader(bytes, 8, bytes.length);
    const typeParams: number[] = [];
    const importArity = new Map<string, number>();
    let pointerSize: 4 | 8 | null = null;
    while (r.pos < r.end) {
      const id = r.u8();
      const size = r.leb();
      const start = r.pos;
      r.skip(size);
      const s = new Reader(bytes, start, start + size);
      if (id === 1) {
        const count = s.leb();
        for (let i = 0; i < count; i++) {
          if (s.bytes[s.pos] === 0x4e) {
            s.u8();
            const members = s.leb();
            for (let j = 0; j < members; j++) typeParams.push(subtype(s));
          } else {
            typeParams.push(subtype(s));
          }
        }
      } else if (id === 2) {
        const count = s.leb();
        for (let i = 0; i < count; i++) {
          const module = s.skipName();
          const name = s.skipName();
          const kind = s.u8();
          if (kind === 0) {
            const params = typeParams[s.leb()];
            if (params !== undefined && params >= 0) importArity.set(`${module}\0${name}`, params);
          } else if (kind === 1) {
            valtype(s);
            limits(s);
          } else if (kind === 2) {
            const is64 = limits(s);
            if (pointerSize === null) pointerSize = is64 ? 8 : 4;
          } else if (kind === 3) {
            valtype(s);
            s.u8();
          } else if (kind === 4) {
            s.u8();
            s.leb();
          } else {
            return null;
          }
        }
      } else if (id === 5) {
        const count = s.leb();
        if (count > 0 && pointerSize === null) pointerSize = limits(s) ? 8 : 4;
      }
    }
    return { importArity, pointerSize };
  } catch {
    return null;
  }
}
