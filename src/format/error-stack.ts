// Error.stack with wasm frames symbolized, through V8's stack trace API.
//
// crosstrace puts an accessor on `Error.prepareStackTrace`. What the program (or Node, or
// source-map-support) stores there becomes the *inner* function; V8 reads the accessor and gets
// crosstrace's wrapper for that inner function, which rewrites the CallSites and hands them on:
//   - a wasm frame becomes one synthetic CallSite per source frame from the module's DWARF,
//     innermost first, inlined ones marked `NAME [inlined]`;
//   - crosstrace's own frames (named `crosstrace:…`) disappear, and at each foreign → JS
//     boundary (an instrumented import) the foreign frames of its live context are inserted;
//   - JS frames are V8's own CallSite objects, untouched.
// The inner function then formats them: Node's default (which source-maps JS frames under
// --enable-source-maps), a formatter such as source-map-support, or, where there is none,
// V8's own format reproduced here. An inner function that is not known to be a formatter gets
// the rewritten sites lazily (a proxy computed on first touch); one that just returns the
// array it was given (`(_, sites) => sites`, how structured stack traces are captured) gets
// V8's sites back unchanged.
//
// Failures never reach the program: a frame crosstrace cannot rewrite keeps V8's CallSite, a
// failed rewrite keeps all of them, and formatting inside formatting is left to V8.
//
// No Node built-ins here: this runs in browsers too.

import { BOUNDARY_NAME, OWN_NAME_PREFIX, registerOwnModule, state as traceState, type ModuleRecord } from '../trace/state.js';
import {
  callSymbolizer,
  canSymbolizeForeign,
  canTraceForeign,
  newSymbolizerArg,
  TRACEBACK_MAX,
  tracebackPcs,
} from '../trace/hooks.js';
import type { SymbolizerArg } from '../trace/types.js';
import { symbolizeForeignPc } from '../trace/frames.js';
import { moduleOffset } from '../wasm/addresses.js';
import { hookState, noteFailure, type SiteLike } from './stack-state.js';
import { ensureSymbolizer, isWasmInstance, recordOfFrame } from './wasm-hook.js';

registerOwnModule('format-error-stack');

/** The V8 CallSite methods read here. */
interface CallSite {
  getFunctionName(): string | null;
  getFunction(): unknown;
  getThis(): unknown;
  getPosition?(): number;
  getColumnNumber(): number | null;
  getScriptNameOrSourceURL(): string | null;
  getFileName(): string | null | undefined;
  toString(): string;
}

/** How an inlined frame is marked, in the function position (as V8 marks `[as alias]`). */
export const INLINED_MARK = ' [inlined]';

/**
 * A symbolized wasm frame or a foreign frame, as a V8 CallSite: formatters that rebuild the
 * line from the getters (source-map-support) print the same `NAME (FILE:LINE:COL)` as
 * `toString()`. The function name carries the `[inlined]` mark so that they keep it too.
 */
export class SourceCallSite implements SiteLike {
  constructor(
    private readonly text: string,
    private readonly name: string,
    private readonly file: string | null,
    private readonly line: number | null,
    private readonly column: number | null,
    private readonly inlined: boolean,
    private readonly position: number | null,
  ) {}

  toString(): string {
    return this.text;
  }
  getFunctionName(): string {
    return this.name;
  }
  getFileName(): string | null {
    return this.file;
  }
  getScriptNameOrSourceURL(): string | null {
    return this.file;
  }
  getLineNumber(): number | null {
    return this.line;
  }
  getColumnNumber(): number | null {
    return this.column;
  }
  /** The module offset V8 reported for the wasm frame this came from; 0 for foreign frames. */
  getPosition(): number {
    return this.position ?? 0;
  }
  /** True for a frame whose code was inlined into the next one (crosstrace's addition). */
  isInlined(): boolean {
    return this.inlined;
  }
  getThis(): undefined {
    return undefined;
  }
  getFunction(): undefined {
    return undefined;
  }
  getTypeName(): null {
    return null;
  }
  getMethodName(): null {
    return null;
  }
  getEvalOrigin(): undefined {
    return undefined;
  }
  getScriptHash(): string {
    return '';
  }
  getEnclosingLineNumber(): null {
    return null;
  }
  getEnclosingColumnNumber(): null {
    return null;
  }
  getPromiseIndex(): null {
    return null;
  }
  isToplevel(): boolean {
    return true;
  }
  isEval(): boolean {
    return false;
  }
  isNative(): boolean {
    return false;
  }
  isConstructor(): boolean {
    return false;
  }
  isAsync(): boolean {
    return false;
  }
  isPromiseAll(): boolean {
    return false;
  }
}

function location(file: string, line: number, column: number): string {
  return line > 0 ? (column > 0 ? `${file}:${line}:${column}` : `${file}:${line}`) : file;
}

// ---- wasm frames ---------------------------------------------------------------------------

function safeCall<T>(read: () => T, fallback: T): T {
  try {
    return read();
  } catch {
    return fallback;
  }
}

/** The module offset V8 gives a wasm frame (`wasm-function[N]:0x…`). */
function wasmPosition(site: CallSite): number {
  const position = safeCall(() => (site.getPosition ? site.getPosition() : NaN), NaN);
  if (Number.isInteger(position) && position >= 0) return position;
  const column = safeCall(() => site.getColumnNumber(), null);
  return column !== null && column > 0 ? column - 1 : -1;
}

/**
 * The symbolized sites of one wasm frame, innermost first; null to keep V8's own frame (no
 * DWARF line for it, or symbolizing failed: that disables the module, as in src/trace).
 */
function computeWasmSites(record: ModuleRecord, position: number, url: string, functionIndex: number, v8Name: string | null): readonly SiteLike[] | null {
  if (record.symbolizer === undefined) ensureSymbolizer(record);
  const symbolizer = record.symbolizer;
  if (!symbolizer) return null;
  let frames;
  try {
    frames = symbolizer.symbolizeModuleOffset(moduleOffset(position), { inlines: true });
  } catch (error) {
    record.symbolizer = null;
    record.failure = error;
    noteFailure(error);
    return null;
  }
  if (frames.length === 0 || !frames.some((f) => f.file !== null)) return null;
  const v8Location = `${url}:wasm-function[${functionIndex}]:0x${position.toString(16)}`;
  const last = frames.length - 1;
  const out: SiteLike[] = [];
  for (let i = 0; i <= last; i++) {
    const f = frames[i];
    const inlined = i !== last;
    const base = f.function ?? (i === last ? v8Name ?? `wasm-function[${functionIndex}]` : '??');
    const name = inlined ? base + INLINED_MARK : base;
    const known = f.file !== null;
    const where = known ? location(f.file as string, f.line, f.column) : v8Location;
    const line = known && f.line > 0 ? f.line : null;
    out.push(new SourceCallSite(`${name} (${where})`, name, known ? f.file : url, line, line !== null && f.column > 0 ? f.column : null, inlined, position));
  }
  return out;
}

function wasmSites(site: CallSite, record: ModuleRecord): readonly SiteLike[] | null {
  const position = wasmPosition(site);
  if (position < 0) return null;
  const url = safeCall(() => site.getScriptNameOrSourceURL(), null) ?? 'wasm://wasm';
  let byUrl = hookState.sites.get(record);
  if (!byUrl) hookState.sites.set(record, (byUrl = new Map()));
  let byOffset = byUrl.get(url);
  if (!byOffset) byUrl.set(url, (byOffset = new Map()));
  let found = byOffset.get(position);
  if (found === undefined) {
    const index = safeCall(() => site.getFunction(), undefined);
    found = computeWasmSites(record, position, url, typeof index === 'number' ? index : -1, safeCall(() => site.getFunctionName(), null));
    byOffset.set(position, found);
  }
  return found;
}

// ---- foreign frames ------------------------------------------------------------------------

interface ForeignFrame {
  pc: number;
  function: string;
  file: string | null;
  line: number;
  inlined: boolean;
}

const hex = (n: number): string => `0x${n.toString(16)}`;

function nonGo(pc: number): ForeignFrame {
  return { pc, function: `non-Go function at pc=${hex(pc)}`, file: null, line: 0, inlined: false };
}

// The printing path of src/trace/frames.ts (Go's tracebackCgoContext): one symbolizer arg for
// all the PCs of one traceback, called while `more` is set, then once with pc = 0.
function symbolizeOne(pc: number, arg: SymbolizerArg, out: ForeignFrame[]): boolean {
  return symbolizeForeignPc(pc, arg, out, false, (p, a) => ({
    pc: p, function: a.func ?? 'non-Go function', file: a.file, line: a.lineno, inlined: false,
  }));
}

function foreignFrames(context: number): ForeignFrame[] {
  const pcs: number[] = [];
  const n = tracebackPcs(context, pcs, 0, TRACEBACK_MAX);
  const out: ForeignFrame[] = [];
  if (n === 0) return out;
  if (!canSymbolizeForeign()) {
    for (const pc of pcs) out.push(nonGo(pc));
    return out;
  }
  const arg = newSymbolizerArg(0);
  for (const pc of pcs) if (!symbolizeOne(pc, arg, out)) out.push(nonGo(pc));
  arg.pc = 0;
  callSymbolizer(arg);
  return out;
}

function foreignSites(context: number): SiteLike[] {
  return foreignFrames(context).map((f) => {
    const name = f.inlined ? f.function + INLINED_MARK : f.function;
    const where = f.file !== null ? location(f.file, f.line, 0) : '<anonymous>';
    return new SourceCallSite(`${name} (${where})`, name, f.file, f.file !== null && f.line > 0 ? f.line : null, null, f.inlined, null);
  });
}

// A stack is often read after the imports it passed through have returned, when their contexts
// are gone (or belong to other calls). The error's boundaries are matched with the live ones,
// from the outermost, by the frame that called each import; only matching ones are traced.
// (Errors leaving an import the register hook instrumented are formatted on their way out,
// while everything still matches: see wasm-hook.ts.)

const HIDDEN_TEXT = /^(?:async )?(?:[^\s(]*\.)?crosstrace:/;
const BOUNDARY_TEXT = /^(?:async )?(?:[^\s(]*\.)?crosstrace:import[\s(]/;

/** For each boundary in `lines` (V8's frame texts, innermost first), the text of the frame that called it. */
function boundaryCallers(lines: readonly string[]): Array<string | null> {
  const out: Array<string | null> = [];
  for (let i = 0; i < lines.length; i++) {
    if (!BOUNDARY_TEXT.test(lines[i])) continue;
    let j = i + 1;
    while (j < lines.length && HIDDEN_TEXT.test(lines[j])) j++;
    out.push(j < lines.length ? lines[j] : null);
  }
  return out;
}

/** V8's frame texts of the current stack, innermost first (crosstrace's frames included). */
function currentFrameTexts(): string[] | null {
  const E = Error as unknown as { captureStackTrace?: (t: object, f?: Function) => void; stackTraceLimit?: number };
  if (typeof E.captureStackTrace !== 'function') return null;
  const savedLimit = E.stackTraceLimit;
  try {
    E.stackTraceLimit = Infinity;
    const holder: { stack?: unknown } = {};
    E.captureStackTrace(holder, currentFrameTexts);
    const stack = holder.stack;
    if (Array.isArray(stack)) return stack.map((s) => String(s));
    if (typeof stack !== 'string') return null;
    const lines: string[] = [];
    for (const line of stack.split('\n')) if (line.startsWith('    at ')) lines.push(line.slice(7));
    return lines;
  } catch {
    return null;
  } finally {
    try {
      E.stackTraceLimit = savedLimit;
    } catch {
      // not writable: nothing was changed
    }
  }
}

/** The context for the k-th live boundary from the innermost (src/trace/capture.ts's rule). */
function liveContext(k: number): number | null {
  if (traceState.context === null) return k === 0 ? 0 : null;
  const slot = traceState.depth - 1 - k;
  if (slot < 0) return null;
  const token = traceState.tokens[slot];
  return token !== 0 ? token : null;
}

/** Per boundary of the error (innermost first), the context to trace there, or null. */
function boundaryContexts(texts: readonly string[]): Array<number | null> {
  const mine = boundaryCallers(texts);
  const result = new Array<number | null>(mine.length).fill(null);
  const current = currentFrameTexts();
  if (current === null) return result;
  const live = boundaryCallers(current);
  const e = mine.length;
  const c = live.length;
  for (let j = 0; j < e && j < c; j++) {
    const a = mine[e - 1 - j];
    if (a === null || a !== live[c - 1 - j]) break;
    result[e - 1 - j] = liveContext(c - 1 - j);
  }
  return result;
}

// ---- rewriting the sites -------------------------------------------------------------------

/** The sites to format; null when nothing changes (no wasm frame to rewrite, nothing hidden). */
export function rewriteSites(sites: readonly unknown[]): unknown[] | null {
  let out: unknown[] | null = null;
  let contexts: Array<number | null> | null | undefined;
  let boundary = 0;
  for (let i = 0; i < sites.length; i++) {
    const site = sites[i] as CallSite;
    let name: string | null = null;
    let fn: unknown;
    try {
      fn = site.getFunction();
      // Only JS frames can be crosstrace's own; a wasm frame's name is not needed here.
      if (typeof fn !== 'number') name = site.getFunctionName();
    } catch {
      if (out) out.push(site);
      continue;
    }
    if (name !== null && name.startsWith(OWN_NAME_PREFIX)) {
      out ??= sites.slice(0, i);
      if (name === BOUNDARY_NAME && canTraceForeign()) {
        if (contexts === undefined) {
          try {
            contexts = boundaryContexts(sites.map((s) => safeCall(() => String(s), '')));
          } catch (error) {
            noteFailure(error);
            contexts = null;
          }
        }
        const context = contexts?.[boundary] ?? null;
        if (context !== null) {
          try {
            for (const s of foreignSites(context)) out.push(s);
          } catch (error) {
            noteFailure(error);
          }
        }
      }
      if (name === BOUNDARY_NAME) boundary++;
      continue;
    }
    if (typeof fn === 'number') {
      // A wasm frame (V8's getFunction() is the function index), attributed to its module by
      // its receiver, the WebAssembly.Instance.
      let expanded: readonly SiteLike[] | null = null;
      try {
        const instance = site.getThis();
        const record = recordOfFrame(isWasmInstance(instance) ? instance : null, () => safeCall(() => site.getScriptNameOrSourceURL(), null));
        if (record !== null) expanded = wasmSites(site, record);
      } catch (error) {
        noteFailure(error);
        expanded = null;
      }
      if (expanded !== null) {
        out ??= sites.slice(0, i);
        for (const s of expanded) out.push(s);
        continue;
      }
    }
    if (out) out.push(site);
  }
  return out;
}

// ---- formatting ----------------------------------------------------------------------------

/** V8's header line: `Name: message` (Error.prototype.toString), `<error>` when that throws. */
function header(error: unknown): string {
  try {
    return Error.prototype.toString.call(error);
  } catch {
    return '<error>';
  }
}

/** V8's own format, for engines where Error.prepareStackTrace holds no default (Chrome). */
export function v8Format(error: unknown, sites: readonly unknown[]): string {
  let text = header(error);
  for (const site of sites) {
    let line: string;
    try {
      line = String(site);
    } catch {
      line = '<error>';
    }
    text += '\n    at ' + line;
  }
  return text;
}

type Prepare = (error: unknown, sites: unknown) => unknown;

/** What the inner function (or, without one, the platform's default) makes of `sites`. */
function callInner(inner: unknown, error: unknown, sites: unknown): unknown {
  if (typeof inner === 'function') return (inner as Prepare)(error, sites);
  const fallback = hookState.platformDefault;
  if (fallback) return (fallback as Prepare)(error, sites);
  return Array.isArray(sites) ? v8Format(error, sites) : sites;
}

/** An array that is `sites` rewritten, computed when first touched. */
function lazySites(sites: readonly unknown[]): { proxy: unknown[]; changed: () => boolean } {
  const target: unknown[] = [];
  let filled = false;
  let changed = false;
  const fill = (): void => {
    if (filled) return;
    filled = true;
    let rewritten: unknown[] | null = null;
    try {
      rewritten = rewriteSites(sites);
    } catch (error) {
      noteFailure(error);
    }
    changed = rewritten !== null;
    for (const s of rewritten ?? sites) target.push(s);
  };
  const proxy = new Proxy(target, {
    get: (t, k, r) => (fill(), Reflect.get(t, k, r)),
    has: (t, k) => (fill(), Reflect.has(t, k)),
    ownKeys: (t) => (fill(), Reflect.ownKeys(t)),
    getOwnPropertyDescriptor: (t, k) => (fill(), Reflect.getOwnPropertyDescriptor(t, k)),
    set: (t, k, v, r) => (fill(), Reflect.set(t, k, v, r)),
    defineProperty: (t, k, d) => (fill(), Reflect.defineProperty(t, k, d)),
    deleteProperty: (t, k) => (fill(), Reflect.deleteProperty(t, k)),
  });
  return { proxy, changed: () => changed };
}

/** The body of crosstrace's prepareStackTrace, in front of `inner`. */
function prepare(inner: unknown, error: unknown, sites: unknown): unknown {
  if (!Array.isArray(sites) || hookState.busy > 0 || !hookState.options.errorStack) return callInner(inner, error, sites);
  hookState.busy++;
  try {
    if (typeof inner === 'function' && inner !== hookState.platformDefault) {
      // Someone else's function: a formatter or a capture of the raw sites.
      const lazy = lazySites(sites);
      let result: unknown;
      try {
        result = (inner as Prepare)(error, lazy.proxy);
      } catch (thrown) {
        if (!lazy.changed()) throw thrown;
        noteFailure(thrown);
        return (inner as Prepare)(error, sites);
      }
      return result === lazy.proxy ? sites : result;
    }
    let rewritten: unknown[] | null = null;
    try {
      rewritten = rewriteSites(sites);
    } catch (failure) {
      noteFailure(failure);
    }
    if (rewritten === null) return callInner(inner, error, sites);
    try {
      return callInner(inner, error, rewritten);
    } catch (failure) {
      noteFailure(failure);
      return callInner(inner, error, sites);
    }
  } finally {
    hookState.busy--;
  }
}

function makeWrapper(inner: unknown): Function {
  const wrapper = function prepareStackTrace(error: unknown, sites: unknown): unknown {
    return prepare(inner, error, sites);
  };
  return wrapper;
}

/** The function Error.prepareStackTrace shows while `inner` is the program's. */
function wrapperFor(inner: unknown): Function {
  if (typeof inner !== 'function') return (hookState.plainWrapper ??= rememberWrapper(makeWrapper(undefined), undefined));
  let wrapper = hookState.wrappers.get(inner);
  if (!wrapper) {
    wrapper = rememberWrapper(makeWrapper(inner), inner);
    hookState.wrappers.set(inner, wrapper);
  }
  return wrapper;
}

function rememberWrapper(wrapper: Function, inner: unknown): Function {
  hookState.wrapperInner.set(wrapper, inner);
  return wrapper;
}

/** What storing `value` in Error.prepareStackTrace means: one of crosstrace's wrappers stands for its inner function. */
function innerOf(value: unknown): unknown {
  return typeof value === 'function' && hookState.wrapperInner.has(value) ? hookState.wrapperInner.get(value) : value;
}

/** True when crosstrace's accessor is on Error.prepareStackTrace. */
export function errorStackInstalled(): boolean {
  const accessor = hookState.accessor;
  if (!accessor) return false;
  const descriptor = Object.getOwnPropertyDescriptor(Error, 'prepareStackTrace');
  return descriptor !== undefined && descriptor.get === accessor.get;
}

/**
 * Puts crosstrace in front of Error.prepareStackTrace. False where the engine has no V8 stack
 * trace API or the property cannot be replaced. Idempotent.
 */
export function installErrorStack(): boolean {
  const E = Error as unknown as { captureStackTrace?: unknown };
  if (typeof E.captureStackTrace !== 'function') return false;
  if (errorStackInstalled()) return true;
  const descriptor = Object.getOwnPropertyDescriptor(Error, 'prepareStackTrace');
  if (descriptor && !descriptor.configurable) return false;
  let current: unknown;
  try {
    current = (Error as unknown as { prepareStackTrace?: unknown }).prepareStackTrace;
  } catch {
    current = undefined;
  }
  // Node ≥ 20.x keeps its default formatter (source maps included) there.
  if (hookState.platformDefault === null && typeof current === 'function' && current.name === 'ErrorPrepareStackTrace') {
    hookState.platformDefault = current;
  }
  hookState.inner = innerOf(current);
  const accessor = {
    get(): unknown {
      return wrapperFor(hookState.inner);
    },
    set(value: unknown): void {
      hookState.inner = innerOf(value);
    },
  };
  try {
    Object.defineProperty(Error, 'prepareStackTrace', { get: accessor.get, set: accessor.set, configurable: true, enumerable: false });
  } catch (error) {
    noteFailure(error);
    return false;
  }
  hookState.accessor = accessor;
  return true;
}

/** Takes crosstrace out: Error.prepareStackTrace holds the program's function again. */
export function uninstallErrorStack(): void {
  if (!errorStackInstalled()) return;
  try {
    Object.defineProperty(Error, 'prepareStackTrace', { value: hookState.inner, writable: true, configurable: true, enumerable: false });
  } catch (error) {
    noteFailure(error);
    return;
  }
  hookState.accessor = null;
}
