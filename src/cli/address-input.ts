/**
 * One request line, parsed as llvm-symbolizer 14 parses it when `--obj` is given: an optional
 * `CODE `/`DATA `/`FRAME ` prefix, then the first token split at space, CR or LF (not tab), as
 * an unsigned integer in C syntax (0x/0X hex, 0b binary, leading-0 octal, else decimal).
 * crosstrace also takes V8's `wasm-function[N]:0xOFF`, whose offset is a module offset.
 */
export type Request =
  | { kind: 'code' | 'data' | 'frame'; address: number; functionIndex: number | null }
  | { kind: 'invalid' };

const WASM_FUNCTION = /^wasm-function\[(\d+)\]:(0[xX][0-9a-fA-F]+|\d+)$/;

export function parseRequest(line: string): Request {
  let kind: 'code' | 'data' | 'frame' = 'code';
  let rest = line;
  if (rest.startsWith('CODE ')) rest = rest.slice(5);
  else if (rest.startsWith('DATA ')) {
    kind = 'data';
    rest = rest.slice(5);
  } else if (rest.startsWith('FRAME ')) {
    kind = 'frame';
    rest = rest.slice(6);
  }
  const token = firstToken(rest);
  const frame = WASM_FUNCTION.exec(token);
  if (frame) {
    const address = parseUnsigned(frame[2]);
    if (address === null) return { kind: 'invalid' };
    return { kind, address, functionIndex: Number(frame[1]) };
  }
  const address = parseUnsigned(token);
  return address === null ? { kind: 'invalid' } : { kind, address, functionIndex: null };
}

/**
 * The batch path's common request, a bare `0x…` token of at most 13 digits, read from the
 * input bytes without making a string; -1 for anything else (`parseRequest` reads that).
 */
export function plainHexBytes(bytes: Uint8Array, start: number, end: number): number {
  const n = end - start;
  if (n < 3 || n > 15 || bytes[start] !== 0x30 || (bytes[start + 1] | 0x20) !== 0x78) return -1;
  let value = 0;
  for (let i = start + 2; i < end; i++) {
    const c = bytes[i];
    let digit: number;
    if (c >= 0x30 && c <= 0x39) digit = c - 0x30;
    else if ((c | 0x20) >= 0x61 && (c | 0x20) <= 0x66) digit = (c | 0x20) - 0x57;
    else return -1;
    value = value * 16 + digit;
  }
  return value;
}

function firstToken(s: string): string {
  let start = 0;
  while (start < s.length && isDelimiter(s.charCodeAt(start))) start++;
  let end = start;
  while (end < s.length && !isDelimiter(s.charCodeAt(end))) end++;
  return s.slice(start, end);
}

function isDelimiter(c: number): boolean {
  return c === 0x20 || c === 0x0a || c === 0x0d;
}

const MAX_U64 = 2n ** 64n - 1n;

/** `StringRef::getAsInteger(0, …)` for uint64_t; null on any error, including overflow. */
export function parseUnsigned(token: string): number | null {
  let radix = 10;
  let digits = token;
  if (/^0[xX]/.test(token)) {
    radix = 16;
    digits = token.slice(2);
  } else if (/^0[bB]/.test(token)) {
    radix = 2;
    digits = token.slice(2);
  } else if (/^0[oO]/.test(token)) {
    radix = 8;
    digits = token.slice(2);
  } else if (token.length > 1 && token[0] === '0') {
    radix = 8;
    digits = token.slice(1);
  }
  if (digits === '') return null;
  const valid = radix === 16 ? /^[0-9a-fA-F]+$/ : radix === 10 ? /^[0-9]+$/ : radix === 8 ? /^[0-7]+$/ : /^[01]+$/;
  if (!valid.test(digits)) return null;
  if (digits.length <= 12 && radix === 16) return parseInt(digits, 16);
  const prefix = radix === 16 ? '0x' : radix === 8 ? '0o' : radix === 2 ? '0b' : '';
  const value = BigInt(prefix + digits);
  if (value > MAX_U64) return null;
  return Number(value);
}
