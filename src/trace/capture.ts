// Stack capture through V8's structured stack trace API, and the walk that turns it into a
// trace: crosstrace's own frames are dropped, and at each foreign → JS boundary (an
// instrumented import's frame), innermost first, the next live context is traced with the
// traceback hook and its PCs are placed there, between the JS callback's frames and the wasm
// caller's frames (Go's gentraceback at each cgocallback frame).
//
// A PC is a number: a foreign PC is itself (a positive safe integer, checked when the
// traceback hook hands it over); a JS or wasm frame is interned in the realm's registry and
// is -(index + 1). The two ranges cannot collide, and any positive number handed to
// `callersFrames` is a foreign PC, as any PC Go does not know goes to the symbolizer.

import { moduleOffset, type ModuleOffset } from '../wasm/addresses.js';
import { canTraceForeign, ForeignTracebackError, tracebackPcs } from './hooks.js';
import { recordOf } from './instrument.js';
import { BOUNDARY_NAME, OWN_NAME_PREFIX, isOwnFile, registerOwnModule, state, type PcRecord } from './state.js';

registerOwnModule('capture');

/** The V8 CallSite methods used here. */
export interface CallSite {
  getFunctionName(): string | null;
  getMethodName(): string | null;
  getTypeName(): string | null;
  getFileName(): string | null;
  getScriptNameOrSourceURL(): string | null;
  getLineNumber(): number | null;
  getColumnNumber(): number | null;
  getPosition?(): number;
  getFunction(): unknown;
  getThis(): unknown;
  isToplevel(): boolean;
  isConstructor(): boolean;
  toString(): string;
}

interface V8ErrorConstructor {
  captureStackTrace?: (target: object, below?: Function) => void;
  prepareStackTrace?: unknown;
  stackTraceLimit?: number;
}

/**
 * The CallSites of the current stack below `below` (which must be on the stack), at most
 * `limit`; null where the engine has no structured stack API. The user's
 * `Error.prepareStackTrace` and `Error.stackTraceLimit` are restored before returning.
 */
export function captureSites(limit: number, below: Function): CallSite[] | null {
  const E = Error as unknown as V8ErrorConstructor;
  if (typeof E.captureStackTrace !== 'function') return null;
  const savedPrepare = E.prepareStackTrace;
  const savedLimit = E.stackTraceLimit;
  try {
    E.prepareStackTrace = (_: unknown, sites: unknown) => sites;
    E.stackTraceLimit = limit;
    const holder: { stack?: unknown } = {};
    E.captureStackTrace(holder, below);
    const sites = holder.stack; // formatted now, while our prepareStackTrace is installed
    return Array.isArray(sites) ? (sites as CallSite[]) : null;
  } catch {
    return null;
  } finally {
    try {
      E.prepareStackTrace = savedPrepare;
      E.stackTraceLimit = savedLimit;
    } catch {
      // A locked-down Error: nothing was changed either.
    }
  }
}

export function fileOf(site: CallSite): string | null {
  return site.getScriptNameOrSourceURL() ?? site.getFileName();
}

/** True for crosstrace's own frames. */
export function isHidden(site: CallSite): boolean {
  const name = site.getFunctionName();
  if (name !== null && name.startsWith(OWN_NAME_PREFIX)) return true;
  return isOwnFile(fileOf(site));
}

/**
 * Captures at least `skip + wanted` visible frames when the stack has them: hidden frames take
 * room in a capture, so a short capture is retried with a larger limit.
 */
export function captureVisible(below: Function, skip: number, wanted: number): CallSite[] {
  let limit = Math.min(skip + wanted + 16, 1 << 30);
  for (;;) {
    const sites = captureSites(limit, below);
    if (!sites) return [];
    if (sites.length < limit || limit >= 1 << 20) return sites;
    let visible = 0;
    for (const site of sites) if (!isHidden(site)) visible++;
    if (visible >= skip + wanted) return sites;
    limit *= 4;
  }
}

export interface WalkSink {
  /** A visible JS or wasm frame; return false to stop. */
  frame(site: CallSite): boolean;
  /** A boundary whose foreign frames go here, with the context to trace (0: current point). */
  foreign(context: number): boolean;
}

/** The context for the k-th boundary from the innermost, or null when it has none. */
function contextFor(k: number): number | null {
  if (state.context === null) return k === 0 ? 0 : null;
  const slot = state.depth - 1 - k;
  if (slot < 0) return null;
  const token = state.tokens[slot];
  return token !== 0 ? token : null;
}

/**
 * Walks `sites` innermost first. `skip` counts as in Go's runtime.Callers, where 0 is the
 * capturing function itself (never shown), so 0 and 1 both start at its caller; it counts JS
 * and wasm frames only, and the foreign frames of boundaries met while skipping are dropped.
 */
export function walk(sites: CallSite[], skip: number, sink: WalkSink): void {
  let skipLeft = skip > 1 ? skip - 1 : 0;
  let boundary = 0;
  const foreign = canTraceForeign();
  for (const site of sites) {
    const name = site.getFunctionName();
    if (name !== null && name.startsWith(OWN_NAME_PREFIX)) {
      if (name === BOUNDARY_NAME) {
        const k = boundary++;
        if (foreign && skipLeft === 0) {
          const context = contextFor(k);
          if (context !== null && !sink.foreign(context)) return;
        }
      }
      continue;
    }
    if (isOwnFile(fileOf(site))) continue;
    if (skipLeft > 0) {
      skipLeft--;
      continue;
    }
    if (!sink.frame(site)) return;
  }
}

// ---- PCs -------------------------------------------------------------------------------------

function intern(key: string, make: () => PcRecord): number {
  let index = state.pcKeys.get(key);
  if (index === undefined) {
    index = state.pcRecords.length;
    state.pcRecords.push(make());
    state.pcKeys.set(key, index);
  }
  return -(index + 1);
}

/** The record behind a JS or wasm PC, or undefined. */
export function pcRecord(pc: number): PcRecord | undefined {
  if (!Number.isInteger(pc) || pc >= 0) return undefined;
  return state.pcRecords[-pc - 1];
}

function safe<T>(read: () => T, fallback: T): T {
  try {
    return read();
  } catch {
    return fallback;
  }
}

/** V8's display name for a JS frame: `Type.method`, `new Fn`, or the function's name. */
export function jsFunctionName(site: CallSite): string | null {
  const name = site.getFunctionName();
  if (safe(() => site.isConstructor(), false)) return `new ${name ?? '<anonymous>'}`;
  const base = name ?? safe(() => site.getMethodName(), null);
  if (base === null || safe(() => site.isToplevel(), true)) return base;
  const type = safe(() => site.getTypeName(), null);
  if (type === null || base.startsWith(`${type}.`)) return base;
  return `${type}.${base}`;
}

function wasmFunctionIndex(site: CallSite): number {
  const f = safe(() => site.getFunction(), undefined);
  if (typeof f === 'number') return f;
  const m = /wasm-function\[(\d+)\]/.exec(safe(() => String(site), ''));
  return m ? Number(m[1]) : -1;
}

function wasmOffset(site: CallSite): ModuleOffset {
  const position = safe(() => (site.getPosition ? site.getPosition() : NaN), NaN);
  if (Number.isInteger(position) && position >= 0) return moduleOffset(position);
  const column = site.getColumnNumber();
  return moduleOffset(column !== null && column > 0 ? column - 1 : 0);
}

const JS_FILE = /\.(m|c)?[jt]sx?$/;

/** The PC for one visible frame (interned: the same code location always gets the same PC). */
export function pcOfSite(site: CallSite): number {
  const file = fileOf(site);
  // Streamed modules' frames carry their http(s) URL, not wasm://; V8's text still says wasm-function[N].
  if (file !== null && (file.startsWith('wasm://') || (!JS_FILE.test(file) && wasmFunctionIndex(site) >= 0))) {
    const offset = wasmOffset(site);
    const module = recordOf(safe(() => site.getThis(), undefined)) ?? null;
    const functionIndex = wasmFunctionIndex(site);
    const key = module ? `w\0${module.serial}\0${offset}` : `W\0${file}\0${functionIndex}\0${offset}`;
    return intern(key, () => ({
      kind: 'wasm',
      module: module ? new WeakRef(module) : null,
      url: file,
      functionIndex,
      offset,
      v8Name: site.getFunctionName(),
      frames: undefined,
    }));
  }
  const fn = jsFunctionName(site);
  const line = site.getLineNumber() ?? 0;
  const column = site.getColumnNumber() ?? 0;
  return intern(`j\0${file ?? ''}\0${line}\0${column}\0${fn ?? ''}`, () => ({ kind: 'js', function: fn, file, line, column }));
}

// ---- callers -----------------------------------------------------------------------------------

function checkSkip(skip: unknown, what: string): number {
  if (typeof skip !== 'number' || !Number.isFinite(skip)) throw new ForeignTracebackError(`${what}: skip must be a number`);
  return skip > 0 ? Math.floor(skip) : 0;
}

/**
 * Go's `runtime.Callers`: fills `pcs` with the PCs of the current stack (JS, wasm and foreign
 * frames, innermost first) and returns how many it stored. `skip` 0 is `callers` itself, which
 * never appears, so 0 and 1 both start at the caller. Expand the PCs with `callersFrames`.
 */
export function callers(skip: number, pcs: number[]): number {
  const s = checkSkip(skip, 'callers');
  if (!Array.isArray(pcs)) throw new ForeignTracebackError('callers: pcs must be an array');
  const max = pcs.length;
  if (max === 0) return 0;
  const sites = captureVisible(callers, s > 1 ? s - 1 : 0, max);
  let n = 0;
  walk(sites, s, {
    frame(site) {
      pcs[n++] = pcOfSite(site);
      return n < max;
    },
    foreign(context) {
      n = tracebackPcs(context, pcs, n, max);
      return n < max;
    },
  });
  return n;
}

export { checkSkip };
