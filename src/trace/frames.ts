// Expanding PCs into frames (Go's runtime.CallersFrames, symtab.go) and the printing path
// (Go's traceback printing): wasm PCs go through the module's DWARF, foreign PCs through the
// symbolizer hook.
//
// The two paths hand the symbolizer its argument the way Go does on each:
//   - `callersFrames` (Go's Frames.cgoNext): a fresh arg per PC, calls while `more` is set,
//     then one call with pc = 0 for that PC;
//   - `stackFrames`/`stack` (Go's tracebackCgoContext / printCgoTraceback): one arg for all the
//     PCs of one traceback hook call, so `data` carries over from PC to PC; one pc = 0 call at
//     the end of that traceback.

import { WasmSymbolizer } from '../symbolize/index.js';
import {
  callSymbolizer,
  canSymbolizeForeign,
  newSymbolizerArg,
  misbehaved,
  SYMBOLIZER_MAX_MORE,
  tracebackPcs,
  TRACEBACK_MAX,
} from './hooks.js';
import { captureVisible, checkSkip, jsFunctionName, pcOfSite, pcRecord, walk, fileOf, type CallSite } from './capture.js';
import { registerOwnModule, type ModuleRecord, type ModuleSymbolizer, type WasmPcRecord } from './state.js';
import type { Frame, FramesResult, SymbolizerArg } from './types.js';

registerOwnModule('frames');

function hex(n: number): string {
  return `0x${n.toString(16)}`;
}

/** A foreign PC nothing could symbolize, named the way Go prints it. */
function nonGoFrame(pc: number): Frame {
  return { pc, function: `non-Go function at pc=${hex(pc)}`, file: null, line: 0, column: 0, entry: 0, kind: 'foreign', inlined: false };
}

function foreignFrame(pc: number, arg: SymbolizerArg): Frame {
  return {
    pc,
    function: arg.func ?? 'non-Go function',
    file: arg.file,
    line: arg.lineno,
    column: 0,
    entry: arg.entry,
    kind: 'foreign',
    inlined: false,
  };
}

/**
 * Calls the symbolizer for `arg.pc` until `more` is 0 (at most SYMBOLIZER_MAX_MORE times),
 * appending one frame per call (made by `make`), all but the last marked inlined. Returns false
 * when the first call produced nothing usable. Shared by `callersFrames` and the Error.stack
 * formatter, which builds frames of its own shape.
 */
export function symbolizeForeignPc<F extends { inlined: boolean }>(
  pc: number, arg: SymbolizerArg, out: F[], requireInfo: boolean, make: (pc: number, arg: SymbolizerArg) => F,
): boolean {
  arg.pc = pc;
  const start = out.length;
  for (let calls = 0; ; calls++) {
    if (calls === SYMBOLIZER_MAX_MORE) {
      misbehaved('symbolizer', `the symbolizer kept More set for pc=${hex(pc)} after ${SYMBOLIZER_MAX_MORE} calls`);
      break;
    }
    const ok = callSymbolizer(arg);
    if (calls === 0 && (!ok || (requireInfo && arg.file === null && arg.func === null))) return false;
    if (!ok) break;
    out.push(make(pc, arg));
    if (arg.more === 0) break;
  }
  for (let i = start; i < out.length - 1; i++) out[i].inlined = true;
  return true;
}

function symbolizeOne(pc: number, arg: SymbolizerArg, out: Frame[], requireInfo: boolean): boolean {
  return symbolizeForeignPc(pc, arg, out, requireInfo, foreignFrame);
}

/** Go's cgoNext: the frames of one foreign PC, with a fresh symbolizer arg. */
function foreignFrames(pc: number): Frame[] {
  if (!canSymbolizeForeign()) return [nonGoFrame(pc)];
  const arg = newSymbolizerArg(pc);
  const frames: Frame[] = [];
  if (!symbolizeOne(pc, arg, frames, true)) frames.push(nonGoFrame(pc));
  arg.pc = 0;
  callSymbolizer(arg);
  return frames;
}

/** Go's tracebackCgoContext: the frames of one traceback's PCs, sharing one symbolizer arg. */
function foreignFramesShared(pcs: number[], out: Frame[]): void {
  if (!canSymbolizeForeign()) {
    for (const pc of pcs) out.push(nonGoFrame(pc));
    return;
  }
  const arg = newSymbolizerArg(0);
  for (const pc of pcs) {
    if (!symbolizeOne(pc, arg, out, false)) out.push(nonGoFrame(pc));
  }
  arg.pc = 0;
  callSymbolizer(arg);
}

// ---- wasm --------------------------------------------------------------------------------------

function symbolizerOf(module: ModuleRecord | null): ModuleSymbolizer | null {
  if (module === null || module.bytes === null || module.symbolizer === null) return null;
  if (module.symbolizer === undefined) {
    try {
      module.symbolizer = new WasmSymbolizer(module.bytes) as unknown as ModuleSymbolizer;
    } catch (error) {
      module.symbolizer = null;
      module.failure = error;
    }
  }
  return module.symbolizer;
}

function wasmFallback(pc: number, record: WasmPcRecord): Frame {
  return {
    pc,
    function: record.v8Name ?? (record.functionIndex >= 0 ? `wasm-function[${record.functionIndex}]` : null),
    file: record.url,
    line: 0,
    column: 0,
    entry: 0,
    kind: 'wasm',
    inlined: false,
    wasm: { url: record.url, functionIndex: record.functionIndex, offset: record.offset },
  };
}

/**
 * The frames of one wasm PC from the module's DWARF, innermost first; V8's own information
 * when the module is unknown, has no DWARF for the offset, or is malformed (the symbolizer's
 * WasmFormatError/DwarfFormatError, or anything else it throws, disables it for that module).
 */
function computeWasmFrames(pc: number, record: WasmPcRecord): Frame[] {
  const module = record.module?.deref() ?? null;
  const symbolizer = symbolizerOf(module);
  if (symbolizer) {
    try {
      const found = symbolizer.symbolizeModuleOffset(record.offset, { inlines: true });
      // A name without a location (name section only, or damaged DWARF) is no better than V8's.
      if (found.some((f) => f.file !== null)) {
        const code = symbolizer.toCodeOffset(record.offset);
        const delta = code === null ? 0 : record.offset - code;
        const last = found.length - 1;
        return found.map((f, i) => ({
          pc,
          function: f.function ?? (i === last ? record.v8Name : null),
          file: f.file,
          line: f.line,
          column: f.column,
          entry: f.startAddress === null || code === null ? 0 : f.startAddress + delta,
          kind: 'wasm' as const,
          inlined: i !== last,
          wasm: { url: record.url, functionIndex: record.functionIndex, offset: record.offset },
        }));
      }
    } catch (error) {
      if (module) {
        module.symbolizer = null;
        module.failure = error;
      }
    }
  }
  return [wasmFallback(pc, record)];
}

function copyFrame(frame: Frame): Frame {
  const copy = { ...frame };
  if (frame.wasm) copy.wasm = { ...frame.wasm };
  return copy;
}

/** The frames of one PC, innermost first; [] for a number that is no PC. */
export function expandPc(pc: number): Frame[] {
  if (typeof pc !== 'number' || !Number.isSafeInteger(pc) || pc === 0) return [];
  if (pc > 0) return foreignFrames(pc);
  const record = pcRecord(pc);
  if (!record) return [];
  if (record.kind === 'js') {
    return [{ pc, function: record.function, file: record.file, line: record.line, column: record.column, entry: 0, kind: 'js', inlined: false }];
  }
  if (!record.frames) record.frames = computeWasmFrames(pc, record);
  return record.frames.map(copyFrame);
}

/** Go's zero Frame, returned by `next()` when there is nothing left. */
function zeroFrame(): Frame {
  return { pc: 0, function: null, file: null, line: 0, column: 0, entry: 0, kind: 'js', inlined: false };
}

/** Go's runtime.Frames: `next()` one frame at a time, or iterate. */
export class Frames implements Iterable<Frame> {
  readonly #pcs: number[];
  #index = 0;
  #pending: Frame[] = [];

  constructor(pcs: readonly number[]) {
    this.#pcs = Array.from(pcs);
  }

  #advance(): Frame | null {
    if (this.#pending.length > 0) return this.#pending.shift() as Frame;
    while (this.#index < this.#pcs.length) {
      const frames = expandPc(this.#pcs[this.#index++]);
      if (frames.length === 0) continue;
      this.#pending = frames;
      return this.#pending.shift() as Frame;
    }
    return null;
  }

  /** The next frame, and whether more follow (Go's `frame, more := frames.Next()`). */
  next(): FramesResult {
    const frame = this.#advance();
    if (frame === null) return { frame: zeroFrame(), more: false };
    return { frame, more: this.#pending.length > 0 || this.#index < this.#pcs.length };
  }

  [Symbol.iterator](): Iterator<Frame> {
    return {
      next: (): IteratorResult<Frame> => {
        const frame = this.#advance();
        return frame === null ? { done: true, value: undefined } : { done: false, value: frame };
      },
    };
  }
}

/** Go's runtime.CallersFrames. The PCs are copied; expansion (and symbolization) is lazy. */
export function callersFrames(pcs: readonly number[]): Frames {
  if (!Array.isArray(pcs)) throw new TypeError('crosstrace: callersFrames: pcs must be an array');
  return new Frames(pcs);
}

// ---- the printing path -------------------------------------------------------------------------

/** Frames printed by `stack` when no limit is given (Go prints at most 100). */
export const STACK_MAX_FRAMES = 100;

function siteFrames(site: CallSite, out: Frame[]): void {
  const pc = pcOfSite(site);
  const frames = expandPc(pc);
  if (frames.length > 0) {
    for (const f of frames) out.push(f);
    return;
  }
  // Unreachable in practice (every visible site interns); keep V8's view if it happens.
  out.push({ pc, function: jsFunctionName(site), file: fileOf(site), line: site.getLineNumber() ?? 0, column: site.getColumnNumber() ?? 0, entry: 0, kind: 'js', inlined: false });
}

function captureFrames(below: Function, skip: number, max: number): Frame[] {
  const sites = captureVisible(below, skip > 1 ? skip - 1 : 0, max);
  const out: Frame[] = [];
  let visible = 0;
  walk(sites, skip, {
    frame(site) {
      siteFrames(site, out);
      return ++visible < max;
    },
    foreign(context) {
      const pcs: number[] = [];
      const n = tracebackPcs(context, pcs, 0, TRACEBACK_MAX);
      if (n > 0) foreignFramesShared(pcs, out);
      return true;
    },
  });
  return out;
}

/**
 * The current stack as frames, eagerly expanded, with the symbolizer called as Go's traceback
 * printer calls it (one arg per traceback). `skip` as in `callers`; `max` bounds the JS and
 * wasm frames (default 100).
 */
export function stackFrames(skip = 0, max = STACK_MAX_FRAMES): Frame[] {
  const s = checkSkip(skip, 'stackFrames');
  return captureFrames(stackFrames, s, max > 0 ? max : STACK_MAX_FRAMES);
}

/** One frame as Go's traceback prints it: the function, then a tab and the location. */
export function formatFrame(frame: Frame): string {
  if (frame.kind === 'foreign') {
    if (frame.file === null && frame.function !== null && frame.function.startsWith('non-Go function at pc=')) return frame.function;
    const where = frame.file !== null ? `${frame.file}:${frame.line} ` : '';
    return `${frame.function ?? 'non-Go function'}\n\t${where}pc=${hex(frame.pc)}`;
  }
  const name = frame.function ?? '<anonymous>';
  const place = frame.file ?? '<unknown>';
  const line = frame.line > 0 ? `:${frame.line}${frame.column > 0 ? `:${frame.column}` : ''}` : '';
  const wasm = frame.wasm ? ` wasm-function[${frame.wasm.functionIndex}]:${hex(frame.wasm.offset)}` : '';
  return `${name}\n\t${place}${line}${wasm}`;
}

/**
 * The current stack as text, like Go's `runtime/debug.Stack`: JS, wasm and foreign frames,
 * innermost first, two lines each (`non-Go function at pc=0x…` alone for an unsymbolized
 * foreign PC).
 */
export function stack(skip = 0, max = STACK_MAX_FRAMES): string {
  const s = checkSkip(skip, 'stack');
  const frames = captureFrames(stack, s, max > 0 ? max : STACK_MAX_FRAMES);
  return frames.map(formatFrame).join('\n') + (frames.length > 0 ? '\n' : '');
}
