// setForeignTraceback and the guarded calls into the three hooks. Every hook call goes through
// `callHook`: it counts hook depth (hooks are never re-entered: a hook that calls an
// instrumented import or takes a traceback gets no hook calls), catches what the hook throws
// and reports it, and the callers below check everything a hook hands back.

import { CrosstraceError } from '../errors.js';
import { registerOwnModule, reportHookError, state } from './state.js';
import type { ContextHook, HookErrorHandler, SymbolizerArg, SymbolizerHook, TracebackArg, TracebackHook } from './types.js';

registerOwnModule('hooks');

/** Misuse of the foreign traceback API (bad version, changing hooks, bad arguments). */
export class ForeignTracebackError extends CrosstraceError {
  override name = 'ForeignTracebackError';
}

/** Entries in a traceback hook's buffer, as in Go (`var cgoPCs [32]uintptr`). */
export const TRACEBACK_MAX = 32;
/** Calls of the symbolizer for one PC while it keeps `more` set. */
export const SYMBOLIZER_MAX_MORE = 64;
/** Longest file or function name taken from a hook, in UTF-16 units (or bytes from wasm memory). */
export const MAX_NAME_LENGTH = 4096;

function checkHook(value: unknown, what: string): ((arg: never) => void) | null {
  if (value === undefined || value === null) return null;
  if (typeof value !== 'function') {
    throw new ForeignTracebackError(`setForeignTraceback: the ${what} hook must be a function or null, not ${typeof value}`);
  }
  return value as (arg: never) => void;
}

/**
 * Go's `runtime.SetCgoTraceback`, for foreign code that is WebAssembly.
 *
 * `version` must be 0. Like Go, a hook can be set once: a later call that passes a different
 * function for a hook already set throws (`ForeignTracebackError`), an identical call is
 * accepted, and a hook left null may be supplied by a later call.
 */
export function setForeignTraceback(
  version: number,
  traceback?: TracebackHook | null,
  context?: ContextHook | null,
  symbolizer?: SymbolizerHook | null,
): void {
  if (version !== 0) throw new ForeignTracebackError(`setForeignTraceback: unsupported version ${String(version)}`);
  const tb = checkHook(traceback, 'traceback') as TracebackHook | null;
  const ctx = checkHook(context, 'context') as ContextHook | null;
  const sym = checkHook(symbolizer, 'symbolizer') as SymbolizerHook | null;
  if (
    (state.traceback !== null && state.traceback !== tb) ||
    (state.context !== null && state.context !== ctx) ||
    (state.symbolizer !== null && state.symbolizer !== sym)
  ) {
    throw new ForeignTracebackError('setForeignTraceback: call it only once (hooks that are set cannot be changed)');
  }
  state.traceback = tb;
  state.context = ctx;
  state.symbolizer = sym;
}

/**
 * Where exceptions thrown by hooks go, and reports of hooks handing back unusable values
 * (`ForeignTracebackError`). Hooks never change the program's control flow: an import still
 * runs, and still returns or throws what it would have, when a hook fails. Default (and after
 * `null`): `console.error`, the first 10 reports only.
 */
export function setForeignHookErrorHandler(handler: HookErrorHandler | null): void {
  if (handler !== null && typeof handler !== 'function') {
    throw new ForeignTracebackError('setForeignHookErrorHandler: the handler must be a function or null');
  }
  state.onHookError = handler;
}

/** True when tracebacks may call hooks now (a traceback hook is set and no hook is running). */
export function canTraceForeign(): boolean {
  return state.traceback !== null && state.hookDepth === 0;
}

const invoker = {
  // The name hides this frame (and marks it as crosstrace's) in traces taken inside hooks.
  ['crosstrace:hook'](which: 'context' | 'traceback' | 'symbolizer', hook: (arg: never) => void, arg: object): boolean {
    state.hookDepth++;
    try {
      hook(arg as never);
      return true;
    } catch (error) {
      reportHookError(error, which);
      return false;
    } finally {
      state.hookDepth--;
    }
  },
};
const callHook = invoker['crosstrace:hook'];

/** Reports a hook handing back something unusable, as a ForeignTracebackError. */
export function misbehaved(which: 'context' | 'traceback' | 'symbolizer', message: string): void {
  reportHookError(new ForeignTracebackError(message), which);
}

function isToken(value: unknown): value is number {
  return typeof value === 'number' && value === value && value !== 0;
}

// The context hook runs twice per instrumented import call, so its two callers are written
// out rather than going through `callHook` (same guard, same reporting; no `finally`, which V8
// optimizes less well). Their names hide their frames, as `callHook`'s does.
const contextCalls = {
  /**
   * Calls the context hook with context 0 and returns the token it recorded, 0 for none.
   * A token recorded by a hook that then threw is kept, so that it is released exactly once.
   */
  ['crosstrace:context'](hook: ContextHook): number {
    const arg = { context: 0 };
    state.hookDepth++;
    try {
      hook(arg);
    } catch (error) {
      try {
        reportHookError(error, 'context');
      } catch {
        // Only a stack overflow: hookDepth must still come down below.
      }
    }
    state.hookDepth--;
    const token = arg.context;
    if (isToken(token)) return token;
    if (token !== 0) misbehaved('context', `the context hook recorded ${String(token)}, not a number`);
    return 0;
  },
  /** Calls the context hook to release `token`. Never throws. */
  ['crosstrace:release'](token: number): void {
    const hook = state.context;
    if (hook === null) return;
    state.hookDepth++;
    try {
      hook({ context: token });
    } catch (error) {
      try {
        reportHookError(error, 'context');
      } catch {
        // Only a stack overflow: hookDepth must still come down below.
      }
    }
    state.hookDepth--;
  },
};
export const acquireContext = contextCalls['crosstrace:context'];
export const releaseContext = contextCalls['crosstrace:release'];

/**
 * Calls the traceback hook for `context` (0: from the current point) and appends the PCs it
 * stored, up to the first 0 and at most `TRACEBACK_MAX`, to `out` from index `at`, stopping at
 * `limit`. Returns the new length. Values that are not PCs (positive safe integers) end the list.
 */
export function tracebackPcs(context: number, out: number[], at: number, limit: number): number {
  const hook = state.traceback;
  if (hook === null || state.hookDepth > 0) return at;
  const buf: number[] = new Array<number>(TRACEBACK_MAX).fill(0);
  const arg: TracebackArg = { context, sigContext: 0, buf, max: TRACEBACK_MAX };
  if (!callHook('traceback', hook, arg)) return at;
  for (let i = 0; i < TRACEBACK_MAX && at < limit; i++) {
    const pc = buf[i];
    if (pc === 0) break;
    if (typeof pc !== 'number' || !Number.isSafeInteger(pc) || pc < 0) {
      misbehaved('traceback', `the traceback hook stored ${String(pc)} at buf[${i}], not a PC`);
      break;
    }
    out[at++] = pc;
  }
  return at;
}

function cleanName(value: unknown): string | null {
  if (typeof value !== 'string') return null;
  return value.length > MAX_NAME_LENGTH ? value.slice(0, MAX_NAME_LENGTH) : value;
}

function cleanNumber(value: unknown): number {
  return typeof value === 'number' && Number.isFinite(value) ? value : 0;
}

/** A symbolizer arg as Go's runtime makes one: every field 0 but `pc`. */
export function newSymbolizerArg(pc: number): SymbolizerArg {
  return { pc, file: null, lineno: 0, func: null, entry: 0, more: 0, data: 0 };
}

/**
 * Calls the symbolizer with `arg` and makes the fields crosstrace reads usable (strings or
 * null, bounded length; finite numbers). `data` is the hook's own and left alone. Returns false
 * when there is no symbolizer, hooks are not allowed now, or the hook threw.
 */
export function callSymbolizer(arg: SymbolizerArg): boolean {
  const hook = state.symbolizer;
  if (hook === null || state.hookDepth > 0) return false;
  const ok = callHook('symbolizer', hook, arg);
  arg.file = cleanName(arg.file);
  arg.func = cleanName(arg.func);
  arg.lineno = cleanNumber(arg.lineno);
  arg.entry = cleanNumber(arg.entry);
  arg.more = cleanNumber(arg.more);
  return ok;
}

/** True when foreign PCs can be symbolized now. */
export function canSymbolizeForeign(): boolean {
  return state.symbolizer !== null && state.hookDepth === 0;
}
