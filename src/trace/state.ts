// The state of the foreign traceback protocol. There is one per realm (a worker or an iframe
// has its own), shared through `globalThis` by every copy of crosstrace loaded into that realm:
// the ESM and CJS builds of one version see the same hooks, the same context stack and the
// same registered modules, so a wrapper made by one copy is a boundary for the other.

import type { ContextHook, HookErrorHandler, SymbolizerHook, TracebackHook, Frame } from './types.js';
import type { ModuleOffset } from '../wasm/addresses.js';

/** What crosstrace knows about one wasm module. */
export interface ModuleRecord {
  readonly serial: number;
  /** A copy of the module's bytes; null when only the compiled module was seen. */
  bytes: Uint8Array | null;
  /** Lazily created DWARF symbolizer; null once creating or using it failed. */
  symbolizer: ModuleSymbolizer | null | undefined;
  /** The error that made `symbolizer` null, for diagnostics. */
  failure: unknown;
  /** Parameter counts of function imports by "module\0name", when the bytes could be read. */
  importArity: Map<string, number> | null | undefined;
  /** 4 for memory32, 8 for memory64, null when unknown. */
  pointerSize: 4 | 8 | null | undefined;
}

/** The slice of `WasmSymbolizer` (src/symbolize) this layer calls. */
export interface ModuleSymbolizer {
  symbolizeModuleOffset(offset: ModuleOffset, options?: { inlines?: boolean }): ReadonlyArray<{
    function: string | null;
    file: string | null;
    line: number;
    column: number;
    inlined: boolean;
    startAddress: number | null;
  }>;
  toCodeOffset(offset: ModuleOffset): number | null;
}

export interface JsPcRecord {
  kind: 'js';
  function: string | null;
  file: string | null;
  line: number;
  column: number;
}

export interface WasmPcRecord {
  kind: 'wasm';
  /**
   * The module, weakly: a PC must not keep a module's bytes alive after its instances and
   * WebAssembly.Module are gone (its frames then fall back to V8's information).
   */
  module: WeakRef<ModuleRecord> | null;
  url: string;
  functionIndex: number;
  offset: ModuleOffset;
  /** V8's name for the function (from the name section), the fallback. */
  v8Name: string | null;
  /** Expansion cache: the frames of this PC, innermost first. */
  frames: Frame[] | undefined;
}

export type PcRecord = JsPcRecord | WasmPcRecord;

export interface TraceState {
  readonly layout: 1;
  traceback: TracebackHook | null;
  context: ContextHook | null;
  symbolizer: SymbolizerHook | null;
  /**
   * Live contexts, one slot per instrumented import call in progress on this stack, outermost
   * first, with `depth` slots in use. A slot holds the token of its call, or 0 while the
   * context hook runs, when the hook recorded nothing or failed, and while it is released.
   */
  tokens: number[];
  depth: number;
  /** Greater than 0 while crosstrace runs a hook: hooks are never re-entered. */
  hookDepth: number;
  onHookError: HookErrorHandler | null;
  reportedHookErrors: number;
  /** Module records by WebAssembly.Instance and by WebAssembly.Module. */
  records: WeakMap<object, ModuleRecord>;
  /**
   * Module records by content (length and hash of the bytes): instantiating the same bytes
   * again reuses the record, so its PCs, DWARF and caches are shared, not repeated.
   */
  recordsByContent: Map<string, WeakRef<ModuleRecord>>;
  moduleSerial: number;
  /** Script names of crosstrace's own modules, with the modules that registered each. */
  ownFiles: Map<string, Set<string>>;
  /** Every wrapper made by `instrumentImports`, and wrappers by function and arity. */
  wrappers: WeakSet<object>;
  wrapperCache: WeakMap<object, Map<number, unknown>>;
  /** Functions exported by instances crosstrace created: never wrapped (wasm → wasm calls). */
  wasmExports: WeakSet<object>;
  /** PC registry: key → index, and the records; a JS or wasm PC is -(index + 1). */
  pcKeys: Map<string, number>;
  pcRecords: PcRecord[];
}

const KEY = Symbol.for('crosstrace.trace.state.v1');

function createState(): TraceState {
  return {
    layout: 1,
    traceback: null,
    context: null,
    symbolizer: null,
    tokens: [],
    depth: 0,
    hookDepth: 0,
    onHookError: null,
    reportedHookErrors: 0,
    records: new WeakMap(),
    recordsByContent: new Map(),
    moduleSerial: 0,
    ownFiles: new Map(),
    wrappers: new WeakSet(),
    wrapperCache: new WeakMap(),
    wasmExports: new WeakSet(),
    pcKeys: new Map(),
    pcRecords: [],
  };
}

/**
 * One object per realm, shared by every copy of crosstrace loaded in it (the ESM and the CJS
 * build, two installs): kept on `globalThis` under a registry symbol, made once.
 */
export function realmSingleton<T extends { readonly layout: 1 }>(key: symbol, create: () => T): T {
  const holder = globalThis as unknown as Record<symbol, T | undefined>;
  const existing = holder[key];
  if (existing && existing.layout === 1) return existing;
  const created = create();
  try {
    Object.defineProperty(holder, key, { value: created, configurable: true, enumerable: false, writable: false });
  } catch {
    // A frozen global: this copy keeps its own state.
  }
  return created;
}

/** The realm's state. A constant: read it once per module. */
export const state: TraceState = realmSingleton(KEY, createState);

/**
 * Tests only (not exported from the package): forget the hooks, the hook error handler and the
 * context stack, so one test file can install different hooks in turn.
 */
export function resetForeignTracebackForTesting(): void {
  state.traceback = null;
  state.context = null;
  state.symbolizer = null;
  state.tokens.length = 0;
  state.depth = 0;
  state.hookDepth = 0;
  state.onHookError = null;
  state.reportedHookErrors = 0;
}

// ---- hook errors ----------------------------------------------------------------------------

const DEFAULT_REPORT_LIMIT = 10;

/**
 * Hands a hook's exception (or a rejected result) to the handler set with
 * `setForeignHookErrorHandler`, by default `console.error` (first 10, then one notice).
 * Never throws: the program's own control flow must not change because a hook failed.
 */
export function reportHookError(error: unknown, hook: 'context' | 'traceback' | 'symbolizer'): void {
  // The handler runs as a hook does: a traceback it takes calls no hook, so a hook that fails
  // on every call cannot make reporting recurse.
  state.hookDepth++;
  try {
    const handler = state.onHookError;
    if (handler) {
      handler(error, hook);
      return;
    }
    const n = ++state.reportedHookErrors;
    const log = (globalThis as { console?: { error?: (...args: unknown[]) => void } }).console?.error;
    if (typeof log !== 'function' || n > DEFAULT_REPORT_LIMIT + 1) return;
    if (n === DEFAULT_REPORT_LIMIT + 1) {
      log('crosstrace: further foreign traceback hook errors are not shown (see setForeignHookErrorHandler)');
    } else {
      log(`crosstrace: the foreign ${hook} hook failed:`, error);
    }
  } catch {
    // Nothing sensible is left to do with an error raised while reporting an error.
  } finally {
    state.hookDepth--;
  }
}

// ---- crosstrace's own frames ----------------------------------------------------------------

/** Functions whose name starts with this are crosstrace's and never appear in a trace. */
export const OWN_NAME_PREFIX = 'crosstrace:';
/** The name of every instrumented import wrapper: the foreign → JS boundary frame. */
export const BOUNDARY_NAME = 'crosstrace:import';

interface V8CallSiteLike {
  getScriptNameOrSourceURL(): string | null;
  getFileName(): string | null;
}

/**
 * Records the script a crosstrace module was loaded from, so its frames can be hidden. Call at
 * the top level of each module that can be on the stack while user code runs. When a bundler
 * puts two of these modules into one script, that script also holds user code: it is then not
 * used to hide anything, and only functions named `crosstrace:…` are hidden.
 */
export function registerOwnModule(tag: string): void {
  const E = Error as unknown as {
    captureStackTrace?: (target: object, below?: Function) => void;
    prepareStackTrace?: unknown;
    stackTraceLimit?: number;
  };
  if (typeof E.captureStackTrace !== 'function') return;
  const savedPrepare = E.prepareStackTrace;
  const savedLimit = E.stackTraceLimit;
  try {
    E.prepareStackTrace = (_: unknown, sites: unknown) => sites;
    E.stackTraceLimit = 1;
    const holder: { stack?: unknown } = {};
    E.captureStackTrace(holder, registerOwnModule);
    const sites = holder.stack;
    if (!Array.isArray(sites) || sites.length === 0) return;
    const site = sites[0] as V8CallSiteLike;
    const file = site.getScriptNameOrSourceURL() ?? site.getFileName();
    if (!file) return;
    let tags = state.ownFiles.get(file);
    if (!tags) state.ownFiles.set(file, (tags = new Set()));
    tags.add(tag);
  } catch {
    // Stack capture is locked down: frames are hidden by name only.
  } finally {
    try {
      E.prepareStackTrace = savedPrepare;
      E.stackTraceLimit = savedLimit;
    } catch {
      // ignore
    }
  }
}

/** True when frames from `file` are crosstrace's own (and the file holds nothing else). */
export function isOwnFile(file: string | null): boolean {
  if (file === null) return false;
  const tags = state.ownFiles.get(file);
  return tags !== undefined && tags.size === 1;
}
