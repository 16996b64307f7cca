// Rewriting stack traces copied from a log: each WebAssembly frame line becomes its source frames,
// innermost first, in the syntax the line was written in; every other line is left as it was.
// Pure (no Node built-ins): the same code runs in browsers.
//
// The wasm frame syntaxes read here, with where they come from:
//
// V8 (Node, Chrome, Deno), `Error.stack`:
//     at inventory.O2.dwarf5.wasm.checkout (wasm://wasm/inventory.O2.dwarf5.wasm-54fba252:wasm-function[5]:0x23a)
//     at wasm://wasm/2a6d8f22:wasm-function[5]:0x23a                 (no name section)
//     at checkout (http://127.0.0.1:8080/app.wasm:wasm-function[5]:0x23a)   (compiled from a Response)
//     at loop (<anonymous>:wasm-function[0]:0x20)                      (Chrome; denoland/deno#9205)
//   The first three are captured from Node 20 in fixtures/traces/. V8 names a module without a URL
//   `wasm://wasm/<name-section module name>-<8 hex digits of a hash>`, or `wasm://wasm/<hash>`.
//   With source-map-support installed (it rewrites every frame through CallSite), the location
//   becomes `wasm://wasm/<name>-<hash>:1:<module offset + 1>` (captured too).
//
// SpiderMonkey (Firefox): `NAME@LOCATION:wasm-function[N]:0xOFF`, NAME empty when unnamed, where
// LOCATION is the module's URL for streaming compilation, or the calling script's URL followed
// by how the module was made, e.g.
//     write@http://127.0.0.1:8080/dev.js line 97 > eval line 58 > WebAssembly.instantiate:wasm-function[62062]:0x12af331
//     @http://localhost:8080/esm/wasm/wllama.wasm:wasm-function[796]:0x7dfe2
//   (swiftwasm/carton Tests/CartonTests/StackTraceTests.swift, a Firefox trace pasted into a test;
//   DataDog/browser-sdk#3481, a maintainer's table of what each browser prints:
//   Firefox `MODULE.FUNCTION@URL:wasm-function[INDEX]:ADDRESS` / `@URL:wasm-function[INDEX]:ADDRESS`).
//
// JavaScriptCore (Safari), no offset at all:
//     <?>.wasm-function[_parrot]@[wasm code]         name-section name (WebKit JSTests/wasm/function-tests/nameSection.js)
//     <?>.wasm-function[1693]@[wasm code]            index, when unnamed (pyodide/pyodide#441)
//     wasm-stub@[wasm code]                          JS <-> wasm stubs: not a function of the module
//   and, since WebKit PR #48875 / #49862 (2025), `NAME@<?>:wasm-function[INDEX]`, then
//   `NAME@wasm-function[INDEX]` with NAME the index when unnamed (`4@wasm-function[4]`,
//   WebKit JSTests/wasm/function-tests/stack-trace.js; `2441@wasm-function[2441]` in a user's
//   trace). Older JSC printed `wasm function: 4@[wasm code]` / `wasm function index: 4@[wasm code]`.
//   Without an offset a frame can only be resolved to its function: it is rewritten to the
//   function's declaration (DW_AT_decl_file / DW_AT_decl_line of its subprogram).
import type { SourceFrame } from '../symbolize/frame.js';
import type { WasmSymbolizer } from '../symbolize/symbolizer.js';
import { moduleOffset, type CodeOffset } from '../wasm/addresses.js';
import type { WasmModule } from '../wasm/module.js';

/**
 * How an inlined frame is marked (the same mark as Error.stack formatting, src/format/error-stack.ts):
 * appended to the function name, inside the function position,
 * so the line still parses as a V8 (`at NAME [inlined] (FILE:LINE:COL)`, like V8's own
 * `at Foo.bar [as baz] (…)`) or Firefox (`NAME [inlined]@FILE:LINE:COL`) frame.
 */
export const INLINED_MARKER = ' [inlined]';

export type TraceSyntax = 'v8' | 'firefox' | 'safari';

/** One wasm frame line of a pasted trace, as written. */
export interface PastedWasmFrame {
  syntax: TraceSyntax;
  /** What precedes the frame on the line (indentation, a log prefix); kept on every output line. */
  prefix: string;
  /** The function name as printed, or null. */
  name: string | null;
  /** The location as printed (V8: inside the parentheses), for frames whose file is unknown. */
  location: string;
  /** The URL or path the location names, when it names the module's own file (else null). */
  url: string | null;
  /** A module name the location names: V8's `wasm://wasm/<name>-<hash>`, JSC's `<name>:wasm-function[…]`. */
  moduleName: string | null;
  functionIndex: number | null;
  /** Module offset (what engines print after `wasm-function[N]:`); null for Safari. */
  offset: number | null;
  /** A CR that ended the line, restored on every output line. */
  lineEnd: string;
}

/** `at ` at the start of the line or after white space (group 1: that white space). */
const AT_WORD = /(^|\s)at /;
const V8_LOCATION = /^(?:(.*):)?wasm-function\[(\d+)\]:0x([0-9a-fA-F]+)$/;
/** source-map-support's CallSite rewriting: line 1, column = module offset + 1. */
const V8_SOURCE_MAP_SUPPORT = /^(wasm:\/\/wasm\/[^:]*):1:(\d+)$/;
const AT_FRAME = /^(\s*)([^@]*)@(?:(.*):)?wasm-function\[(\d+)\](?::0x([0-9a-fA-F]+))?\s*$/;
const JSC_CODE = ']@[wasm code]';
const JSC_FUNCTION = 'wasm-function[';
const JSC_OLDEST = /^(\s*)wasm function(?: index)?: (\d+)@\[wasm code\]$/;
const V8_MODULE_URL = /^wasm:\/\/wasm\/(?:(.*)-)?([0-9a-f]{8})$/;

/** Parses one line; null when it is not a WebAssembly frame this reader knows. */
export function parseWasmFrame(input: string): PastedWasmFrame | null {
  let line = input;
  let lineEnd = '';
  if (line.endsWith('\r')) {
    line = line.slice(0, -1);
    lineEnd = '\r';
  }
  if (!line.includes('wasm')) return null;
  return parseV8(line, lineEnd) ?? parseAtFrame(line, lineEnd) ?? parseJscOld(line, lineEnd);
}

function parseV8(line: string, lineEnd: string): PastedWasmFrame | null {
  // `PREFIX at NAME (LOCATION)` or `PREFIX at LOCATION`, read without backtracking regexes: a log
  // line can be long. The location is the last parenthesised group (C++ names hold ` (`).
  const text = line.trimEnd();
  let head: string;
  let location: string;
  let named: boolean;
  if (text.endsWith(')')) {
    const open = text.lastIndexOf(' (');
    if (open < 0) return null;
    head = text.slice(0, open + 1);
    location = text.slice(open + 2, -1);
    named = true;
  } else {
    const space = text.lastIndexOf(' ');
    head = text.slice(0, space + 1);
    location = text.slice(space + 1);
    named = false;
  }
  const at = AT_WORD.exec(head);
  if (!at) return null;
  const prefix = head.slice(0, at.index + at[1].length);
  const rest = head.slice(prefix.length + 3);
  let name: string | null = null;
  if (named) {
    if (rest === '' || !rest.endsWith(' ')) return null;
    name = rest.slice(0, -1);
  } else if (rest !== '' || location === '') {
    return null;
  }
  const wasm = V8_LOCATION.exec(location);
  if (wasm) {
    return {
      syntax: 'v8', prefix, name, location, ...classifyLocation(wasm[1] ?? null),
      functionIndex: Number(wasm[2]), offset: parseInt(wasm[3], 16), lineEnd,
    };
  }
  const mapped = V8_SOURCE_MAP_SUPPORT.exec(location);
  if (mapped) {
    const column = Number(mapped[2]);
    if (column < 1) return null;
    return {
      syntax: 'v8', prefix, name, location, ...classifyLocation(mapped[1]),
      functionIndex: null, offset: column - 1, lineEnd,
    };
  }
  return null;
}

function parseAtFrame(line: string, lineEnd: string): PastedWasmFrame | null {
  const m = AT_FRAME.exec(line);
  if (!m) return null;
  const functionIndex = Number(m[4]);
  const offset = m[5] === undefined ? null : parseInt(m[5], 16);
  const name = m[2] === '' ? null : m[2];
  return {
    // With an offset it reads like SpiderMonkey's frames (JSC prints that form only under its
    // debugger); without, it is JSC's.
    syntax: offset === null ? 'safari' : 'firefox',
    prefix: m[1], name, location: line.slice(line.indexOf('@') + 1).trimEnd(),
    ...classifyLocation(m[3] ?? null), functionIndex, offset, lineEnd,
  };
}

function parseJscOld(line: string, lineEnd: string): PastedWasmFrame | null {
  const text = line.trimEnd();
  if (!text.endsWith('@[wasm code]')) return null;
  const oldest = JSC_OLDEST.exec(text);
  if (oldest) {
    return {
      syntax: 'safari', prefix: oldest[1], name: null, location: '[wasm code]', url: null, moduleName: null,
      functionIndex: Number(oldest[2]), offset: null, lineEnd,
    };
  }
  // `PREFIX[MODULE.]wasm-function[NAME]@[wasm code]`: the name may hold brackets, the module dots.
  if (!text.endsWith(JSC_CODE)) return null;
  const indent = /^\s*/.exec(text)![0];
  const start = text.indexOf(JSC_FUNCTION, indent.length);
  if (start < 0) return null;
  const before = text.slice(indent.length, start);
  if (before !== '' && !before.endsWith('.')) return null;
  const inside = text.slice(start + JSC_FUNCTION.length, text.length - JSC_CODE.length);
  if (inside === '') return null;
  const module = before === '' ? null : before.slice(0, -1);
  const isIndex = /^\d+$/.test(inside);
  return {
    syntax: 'safari', prefix: indent, name: isIndex ? null : inside, location: '[wasm code]',
    url: null, moduleName: module === null || module === '<?>' || module === '' ? null : module,
    functionIndex: isIndex ? Number(inside) : null, offset: null, lineEnd,
  };
}

/** What a frame's location says about its module: a URL of the module, or a module name. */
function classifyLocation(location: string | null): { url: string | null; moduleName: string | null } {
  if (location === null || location === '' || location === '<anonymous>' || location === '<?>') return { url: null, moduleName: null };
  const v8 = V8_MODULE_URL.exec(location);
  if (v8) return { url: null, moduleName: v8[1] ?? null };
  // SpiderMonkey's `script.js line 2 > WebAssembly.instantiate`: the URL is the caller's.
  if (location.includes(' > ')) return { url: null, moduleName: null };
  if (location.includes('/') || location.includes('\\')) return { url: location, moduleName: null };
  // A bare token (JSC prints a module name there under its debugger): a name, or a file name.
  return { url: location, moduleName: location };
}

/** The last path segment of a path or URL, without query or fragment. */
export function baseNameOf(location: string): string {
  let end = location.length;
  const query = location.search(/[?#]/);
  if (query >= 0 && /^[a-z][a-z0-9+.-]*:/i.test(location)) end = query;
  const path = location.slice(0, end).replace(/[/\\]+$/, '');
  const slash = Math.max(path.lastIndexOf('/'), path.lastIndexOf('\\'));
  return path.slice(slash + 1);
}

/** A module a trace may come from. */
export interface TraceModule {
  /** The path or URL it was given as (matched by basename against frame URLs; reported in JSON). */
  location: string;
  symbolizer: WasmSymbolizer;
}

export interface RewriteOptions {
  /** Expand inlined frames (default true). */
  inlines?: boolean;
  demangle?: boolean;
}

/** One resolved frame of a rewritten line. */
export interface ResolvedFrame {
  function: string | null;
  file: string | null;
  line: number;
  column: number;
  inlined: boolean;
  /** Safari frames: file and line are the function's declaration, not a position in it. */
  declaration: boolean;
}

export type LineResult =
  | { kind: 'unchanged'; text: string }
  /** A wasm frame no module could be chosen for: several fit (named in `candidates`). */
  | { kind: 'ambiguous'; text: string; frame: PastedWasmFrame; candidates: TraceModule[] }
  | {
      kind: 'rewritten';
      /** The output lines (without newlines). */
      lines: string[];
      frame: PastedWasmFrame;
      module: TraceModule;
      functionIndex: number | null;
      codeOffset: CodeOffset | null;
      frames: ResolvedFrame[];
    };

interface ModuleEntry {
  module: TraceModule;
  wasm: WasmModule;
  baseName: string;
  byName: Map<string, number[]> | null;
}

/**
 * Rewrites the lines of a pasted trace, one at a time (so a caller can stream). Which module a
 * wasm frame belongs to is decided, in order, by: the basename of a URL in the frame against the
 * modules' basenames; a module name in the frame (V8's `wasm://wasm/<name>-<hash>`) against the
 * modules' name sections; else every module. Among the modules so chosen only those whose
 * function N holds the offset (or, with no offset, that have function N, or a function of the
 * printed name) qualify; when several still do, the module of the previous resolved frame wins if
 * it is one of them, else the line is left as it was. A frame that fits no module is left as it
 * was, and so is one whose address nothing is known about.
 */
export class TraceRewriter {
  private readonly entries: ModuleEntry[];
  private readonly inlines: boolean;
  private readonly demangle: boolean;
  private last: ModuleEntry | null = null;

  constructor(modules: readonly TraceModule[], options: RewriteOptions = {}) {
    this.entries = modules.map((module) => ({
      module,
      wasm: module.symbolizer.module,
      baseName: baseNameOf(module.location),
      byName: null,
    }));
    this.inlines = options.inlines ?? true;
    this.demangle = options.demangle ?? true;
  }

  /** Rewrites one line (without its LF; a final CR is kept on every output line). */
  rewrite(line: string): LineResult {
    const frame = parseWasmFrame(line);
    if (frame === null) {
      // A blank line or a message line ends a trace: the next frame is not assumed to share a module.
      if (!looksLikeFrame(line)) this.last = null;
      return { kind: 'unchanged', text: line };
    }
    const choice = this.choose(frame);
    if (choice.kind !== 'one') {
      return choice.kind === 'several'
        ? { kind: 'ambiguous', text: line, frame, candidates: choice.entries.map((e) => e.module) }
        : { kind: 'unchanged', text: line };
    }
    const entry = choice.entry;
    const resolved = frame.offset === null ? this.declaration(entry, choice.functionIndex) : this.frames(entry, frame.offset);
    if (resolved === null) return { kind: 'unchanged', text: line };
    this.last = entry;
    const lines = resolved.frames.map((f) => formatFrame(frame, f));
    return {
      kind: 'rewritten', lines, frame, module: entry.module,
      functionIndex: choice.functionIndex, codeOffset: resolved.code, frames: resolved.frames,
    };
  }

  private frames(entry: ModuleEntry, offset: number): { frames: ResolvedFrame[]; code: CodeOffset } | null {
    const code = entry.wasm.toCodeOffset(moduleOffset(offset));
    if (code === null) return null;
    const found = entry.module.symbolizer.symbolizeCodeOffset(code, { inlines: this.inlines, demangle: this.demangle });
    // Nothing but a name (no DWARF, no source map): the line already says as much.
    if (!found.some((f) => f.file !== null)) return null;
    return { frames: found.map((f) => resolvedFrame(f, f.file, f.line, f.column, f.inlined, false)), code };
  }

  /** A frame without an offset: the declaration of the subprogram that holds the function's body. */
  private declaration(entry: ModuleEntry, functionIndex: number | null): { frames: ResolvedFrame[]; code: CodeOffset } | null {
    if (functionIndex === null) return null;
    const body = entry.wasm.functionBody(functionIndex);
    if (body === null) return null;
    const found = entry.module.symbolizer.symbolizeCodeOffset(body.codeStart, { inlines: true, demangle: this.demangle });
    const outer = found[found.length - 1];
    if (!outer || outer.startFile === null || outer.startLine === 0) return null;
    return { frames: [resolvedFrame(outer, outer.startFile, outer.startLine, 0, false, true)], code: body.codeStart };
  }

  private choose(frame: PastedWasmFrame):
    | { kind: 'one'; entry: ModuleEntry; functionIndex: number | null }
    | { kind: 'several'; entries: ModuleEntry[] }
    | { kind: 'none' } {
    let named: ModuleEntry[] = [];
    if (frame.url !== null) {
      const base = baseNameOf(frame.url);
      named = this.entries.filter((e) => e.baseName === base);
    }
    if (named.length === 0 && frame.moduleName !== null) {
      named = this.entries.filter((e) => e.wasm.moduleName() === frame.moduleName);
    }
    const pool = named.length > 0 ? named : this.entries;
    const fits: { entry: ModuleEntry; functionIndex: number | null }[] = [];
    for (const entry of pool) {
      const functionIndex = this.fit(entry, frame);
      if (functionIndex !== undefined) fits.push({ entry, functionIndex });
    }
    if (fits.length === 0) return { kind: 'none' };
    if (fits.length === 1) return { kind: 'one', ...fits[0] };
    const sticky = fits.find((f) => f.entry === this.last);
    if (sticky) return { kind: 'one', ...sticky };
    return { kind: 'several', entries: fits.map((f) => f.entry) };
  }

  /**
   * Whether the frame can belong to this module: its function index (undefined when it cannot).
   * Function N must be defined in the module and hold the offset; a name printed by JSC must be
   * the name section's name of that function.
   */
  private fit(entry: ModuleEntry, frame: PastedWasmFrame): number | null | undefined {
    const wasm = entry.wasm;
    if (frame.offset !== null) {
      const code = wasm.toCodeOffset(moduleOffset(frame.offset));
      if (code === null) return undefined;
      if (frame.functionIndex === null) {
        // source-map-support's form has no index: the offset must fall inside some body's code.
        const index = wasm.functionIndexAt(code);
        const body = index === null ? null : wasm.functionBody(index);
        return body !== null && code >= body.codeStart ? index : undefined;
      }
      const body = wasm.functionBody(frame.functionIndex);
      return body !== null && code >= body.codeStart && code < body.end ? frame.functionIndex : undefined;
    }
    if (frame.syntax !== 'safari') return undefined;
    if (frame.functionIndex !== null) {
      if (wasm.functionBody(frame.functionIndex) === null) return undefined;
      // `NAME@wasm-function[N]`: JSC prints the index as the name when the module names nothing.
      if (frame.name !== null && frame.name !== String(frame.functionIndex)) {
        const known = wasm.functionName(frame.functionIndex);
        if (known !== null && known !== frame.name) return undefined;
      }
      return frame.functionIndex;
    }
    if (frame.name === null) return undefined;
    const indices = this.indicesNamed(entry, frame.name);
    // Two defined functions with one name: the frame does not say which.
    return indices.length === 1 ? indices[0] : undefined;
  }

  private indicesNamed(entry: ModuleEntry, name: string): number[] {
    if (entry.byName === null) {
      entry.byName = new Map();
      const names = entry.wasm.nameSection?.functionNames;
      if (names) {
        for (const [index, n] of names) {
          if (entry.wasm.functionBody(index) === null) continue;
          const list = entry.byName.get(n);
          if (list) list.push(index);
          else entry.byName.set(n, [index]);
        }
      }
    }
    return entry.byName.get(name) ?? [];
  }
}

function resolvedFrame(f: SourceFrame, file: string | null, line: number, column: number, inlined: boolean, declaration: boolean): ResolvedFrame {
  return { function: f.function, file, line, column, inlined, declaration };
}

/** A JS or wasm stack frame line of any engine, or a line of one: it does not end a trace. */
function looksLikeFrame(line: string): boolean {
  return /^\s*at\s/.test(line) || line.includes('@') || /^\s*\.\.\./.test(line);
}

/** One resolved frame in the syntax of the line it came from. */
export function formatFrame(frame: PastedWasmFrame, f: ResolvedFrame): string {
  const marked = f.inlined ? (f.function ?? '<anonymous>') + INLINED_MARKER : f.function;
  let where: string;
  if (f.file === null) where = frame.location;
  else if (f.declaration) where = f.file + ':' + f.line;
  else where = f.file + ':' + f.line + ':' + f.column;
  if (frame.syntax === 'v8') {
    return frame.prefix + 'at ' + (marked === null ? where : marked + ' (' + where + ')') + frame.lineEnd;
  }
  return frame.prefix + (marked ?? '') + '@' + where + frame.lineEnd;
}

/** A rewritten line's answer as one JSON object (the JSON output style, one object per input line). */
export function lineToJson(input: string, result: LineResult): string {
  if (result.kind !== 'rewritten') {
    const candidates = result.kind === 'ambiguous' ? `,"candidates":[${result.candidates.map((m) => JSON.stringify(m.location)).join(',')}]` : '';
    return `{"input":${JSON.stringify(input)},"module":null${candidates},"frames":[]}`;
  }
  const frames = result.frames.map((f) => JSON.stringify({
    function: f.function, file: f.file, line: f.line, column: f.column, inlined: f.inlined, declaration: f.declaration,
  }));
  return `{"input":${JSON.stringify(input)},"module":${JSON.stringify(result.module.location)},` +
    `"syntax":"${result.frame.syntax}","functionIndex":${result.functionIndex ?? 'null'},` +
    `"moduleOffset":${result.frame.offset ?? 'null'},"codeOffset":${result.codeOffset ?? 'null'},` +
    `"frames":[${frames.join(',')}]}`;
}
