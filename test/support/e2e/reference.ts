// What Error.stack must read with crosstrace, derived from V8's own stack text of the same error
// and llvm-symbolizer 14 on the offsets V8 printed: nothing here knows what the fixtures hold.
//
// Rules (docs/error-stack.md): the message line and every JS frame stay as V8 printed them; a wasm
// frame `at NAME (URL:wasm-function[N]:0xOFF)` becomes llvm-symbolizer's frames for the code
// offset OFF − (start of the Code section payload), innermost first, each
// `    at FUNCTION (FILE:LINE:COL)` (`:COL` left out when 0, `:LINE:COL` when the line is 0), all
// but the last marked `FUNCTION [inlined]`. A wasm frame for which llvm-symbolizer knows no file
// stays as V8 printed it.
import { execFileSync } from 'node:child_process';

/** Module offset of the Code section's payload, read from the section headers (independently of src/wasm). */
export function codeSectionStart(bytes: Uint8Array): number {
  let pos = 8;
  const leb = (): number => {
    let result = 0;
    let shift = 0;
    for (;;) {
      const byte = bytes[pos++];
      result += (byte & 0x7f) * 2 ** shift;
      if (byte < 0x80) return result;
      shift += 7;
    }
  };
  while (pos < bytes.length) {
    const id = bytes[pos++];
    const size = leb();
    if (id === 10) return pos;
    pos += size;
  }
  throw new Error('no Code section');
}

export interface ReferenceFrame {
  function: string;
  file: string | null;
  line: number;
  column: number;
}

interface JsonSymbol {
  FunctionName: string;
  FileName: string;
  Line: number;
  Column: number;
}

function llvmJson(tool: string, wasm: string, addresses: number[], demangle: boolean): JsonSymbol[][] {
  const args = [`--obj=${wasm}`, '--inlines', '--output-style=JSON', demangle ? '--demangle' : '--no-demangle', ...addresses.map((a) => '0x' + a.toString(16))];
  const parsed = JSON.parse(execFileSync(tool, args, { encoding: 'utf8', maxBuffer: 1 << 28 })) as Array<{ Symbol: JsonSymbol[] }>;
  return parsed.map((entry) => entry.Symbol);
}

/** The Rust legacy mangling's escapes, undone independently of the demangler under test (as test/differential.test.ts). */
function rustLegacy(itaniumReading: string): string {
  const escapes: Record<string, string> = { SP: '@', BP: '*', RF: '&', LT: '<', GT: '>', LP: '(', RP: ')', C: ',' };
  const hash = /::h[0-9a-f]{16}$/.exec(itaniumReading)?.[0] ?? '';
  return itaniumReading
    .slice(0, itaniumReading.length - hash.length)
    .split('::')
    .map((part) => part.replace(/^_\$/, '$'))
    .join('::')
    .replace(/\.\./g, '::')
    .replace(/\$(SP|BP|RF|LT|GT|LP|RP|C|u[0-9a-f]{2})\$/g, (_m, code: string) =>
      code.startsWith('u') ? String.fromCharCode(parseInt(code.slice(1), 16)) : escapes[code]) + hash;
}

const RUST_LEGACY = /^_ZN.*17h[0-9a-f]{16}E/;

/**
 * llvm-symbolizer 14's frames for each code offset, innermost first. Names: LLVM 14's
 * demangling; Rust legacy names with their escapes undone; C++ names LLVM 14 cannot read
 * (newer manglings) as llvm-cxxfilt 19 reads them.
 */
export function referenceFrames(symbolizer: string, cxxfilt19: string | null, wasm: string, codeOffsets: number[]): ReferenceFrame[][] {
  if (codeOffsets.length === 0) return [];
  const demangled = llvmJson(symbolizer, wasm, codeOffsets, true);
  const mangled = llvmJson(symbolizer, wasm, codeOffsets, false);
  return demangled.map((frames, i) =>
    frames.map((f, j) => {
      const linkage = mangled[i][j]?.FunctionName ?? f.FunctionName;
      let name = f.FunctionName === '' ? '??' : f.FunctionName;
      if (RUST_LEGACY.test(linkage)) name = rustLegacy(name);
      else if (/^_{1,3}Z/.test(name) && cxxfilt19) name = execFileSync(cxxfilt19, [linkage], { encoding: 'utf8' }).trim();
      const file = f.FileName === '' || f.FileName === '??' ? null : f.FileName;
      return { function: name, file, line: f.Line, column: f.Column };
    }),
  );
}

/** V8 prints a wasm function as `<module name>.<function name>` when the module has a name (its URL's `wasm://wasm/<name>-<hash>`). */
function nameSectionName(v8Name: string, url: string): string {
  const module = /^wasm:\/\/wasm\/(.+)-[0-9a-f]{8}$/.exec(url)?.[1];
  return module && v8Name.startsWith(module + '.') ? v8Name.slice(module.length + 1) : v8Name;
}

/** A V8 wasm frame line's parts, or null for any other line. */
export function parseWasmLine(line: string): { indent: string; name: string; url: string; functionIndex: number; offset: number } | null {
  const m = /^(\s+at )(.*) \((.*):wasm-function\[(\d+)\]:0x([0-9a-f]+)\)$/.exec(line);
  return m ? { indent: m[1], name: m[2], url: m[3], functionIndex: Number(m[4]), offset: parseInt(m[5], 16) } : null;
}

/** The stack block of a text: from the first `Name: message` line through its `    at` lines. */
export function stackBlock(text: string, header: RegExp): string[] {
  const lines = text.split('\n');
  const start = lines.findIndex((l) => header.test(l));
  if (start < 0) throw new Error(`no stack matching ${header} in:\n${text}`);
  const out = [lines[start]];
  for (let i = start + 1; i < lines.length && lines[i].startsWith('    at '); i++) out.push(lines[i]);
  return out;
}

/** The module offsets of the wasm frames in V8's stack lines (of the module whose URL matches). */
export function wasmOffsets(v8Lines: readonly string[]): number[] {
  return v8Lines.map(parseWasmLine).filter((w) => w !== null).map((w) => w.offset);
}

/**
 * The stack crosstrace must print, from V8's lines: JS lines as they are, each wasm line
 * replaced by the reference frames of its offset (`frames[k]` for the k-th wasm line).
 */
export function expectedStack(v8Lines: readonly string[], frames: ReferenceFrame[][]): string[] {
  const out: string[] = [];
  let k = 0;
  for (const line of v8Lines) {
    const wasm = parseWasmLine(line);
    if (!wasm) {
      out.push(line);
      continue;
    }
    const symbolized = frames[k++];
    if (!symbolized.some((f) => f.file !== null)) {
      out.push(line);
      continue;
    }
    const v8Location = `${wasm.url}:wasm-function[${wasm.functionIndex}]:0x${wasm.offset.toString(16)}`;
    symbolized.forEach((f, i) => {
      const inlined = i < symbolized.length - 1;
      // Where DWARF names no function, the name section does: V8's name, less the module's name.
      const name = f.function === '??' && !inlined ? nameSectionName(wasm.name, wasm.url) : f.function;
      const where = f.file === null ? v8Location : f.line > 0 ? (f.column > 0 ? `${f.file}:${f.line}:${f.column}` : `${f.file}:${f.line}`) : f.file;
      out.push(`    at ${name}${inlined ? ' [inlined]' : ''} (${where})`);
    });
  }
  return out;
}
