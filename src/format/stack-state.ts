// The state of the register hook and of Error.stack formatting. One per realm, shared through
// `globalThis` by every copy of crosstrace loaded into it (the ESM and CJS builds), like the
// foreign traceback state in src/trace/state.ts: `node --import crosstrace/register` followed
// by `require('crosstrace').install(…)` installs once and then only updates the options.
//
// No Node built-ins here: this runs in browsers too.

import { realmSingleton, type ModuleRecord, type ModuleSymbolizer } from '../trace/state.js';

/** What a platform (Node, a browser) supplies to the hook. */
export interface StackPlatform {
  readonly name: string;
  /**
   * A symbolizer for a module, from whatever debug information this platform can reach
   * synchronously (the module's own DWARF at least). Called on the first stack that needs it.
   */
  createSymbolizer(bytes: Uint8Array, url: string | null, debugPath: readonly string[]): ModuleSymbolizer;
  /** A module's bytes read synchronously from a path or URL; null when this platform cannot. */
  readModule?(url: string): Uint8Array | null;
}

export interface ResolvedInstallOptions {
  /** Rewrite Error.stack (the prepareStackTrace hook). */
  errorStack: boolean;
  /** See InstallOptions.instrumentImports. */
  instrumentImports: boolean | 'auto';
  /** Extra debug directories, searched before CROSSTRACE_DEBUG_PATH (Node). */
  debugPath: string[];
}

/** The WebAssembly functions the hook replaces, as they were. */
export interface WebAssemblyOriginals {
  instantiate: (...args: unknown[]) => Promise<unknown>;
  compile: (...args: unknown[]) => Promise<unknown>;
  Module: Function;
  Instance: Function;
  instantiateStreaming: ((...args: unknown[]) => Promise<unknown>) | undefined;
  compileStreaming: ((...args: unknown[]) => Promise<unknown>) | undefined;
}

/** A synthetic V8 CallSite: a symbolized wasm frame or a foreign frame, in V8's syntax. */
export interface SiteLike {
  toString(): string;
}

export interface HookState {
  readonly layout: 1;
  installed: boolean;
  options: ResolvedInstallOptions;
  platform: StackPlatform | null;
  /** The WebAssembly namespace patched, its original members, and what was put there. */
  webAssembly: Record<string, unknown> | null;
  originals: WebAssemblyOriginals | null;
  patched: Record<string, unknown> | null;
  /** Where each module was loaded from (streaming, `register(…, { url })`), for debug-info discovery. */
  urls: WeakMap<ModuleRecord, string>;
  /** The module of each instance the hook saw made, so a module registered later covers its instances. */
  moduleOf: WeakMap<object, object>;
  /** Modules registered by URL only (`register(bytes, { url })`): frames of unknown instances with that script URL. */
  byUrl: Map<string, ModuleRecord>;
  /**
   * Symbolized sites per module, script URL and module offset; null when the offset keeps V8's
   * own frame. (The URL is part of the key only because a frame without a DWARF line keeps it.)
   */
  sites: WeakMap<ModuleRecord, Map<string, Map<number, readonly SiteLike[] | null>>>;
  /** Import functions wrapped to format an escaping error while its boundaries are live. */
  escapes: WeakMap<Function, Map<number, Function>>;
  escapeWrappers: WeakSet<Function>;

  // Error.prepareStackTrace
  /** The function Error.prepareStackTrace holds for the program (V8 calls crosstrace's in front of it). */
  inner: unknown;
  /** Node's own default (`ErrorPrepareStackTrace`), which applies --enable-source-maps; null elsewhere. */
  platformDefault: Function | null;
  /** The prepareStackTrace function shown for each inner function, and back. */
  wrappers: WeakMap<Function, Function>;
  wrapperInner: WeakMap<Function, unknown>;
  /** Shown while the inner value is not a function. */
  plainWrapper: Function | null;
  /** The accessor installed on Error, to recognise it. */
  accessor: { get(): unknown; set(value: unknown): void } | null;
  /** Depth of crosstrace's own formatting: a stack formatted inside it is left as V8 gives it. */
  busy: number;
  /** Failures inside the formatter, counted (never thrown). */
  failures: number;
  lastFailure: unknown;
}

const KEY = Symbol.for('crosstrace.format.state.v1');

function createState(): HookState {
  return {
    layout: 1,
    installed: false,
    options: { errorStack: true, instrumentImports: 'auto', debugPath: [] },
    platform: null,
    webAssembly: null,
    originals: null,
    patched: null,
    urls: new WeakMap(),
    moduleOf: new WeakMap(),
    byUrl: new Map(),
    sites: new WeakMap(),
    escapes: new WeakMap(),
    escapeWrappers: new WeakSet(),
    inner: undefined,
    platformDefault: null,
    wrappers: new WeakMap(),
    wrapperInner: new WeakMap(),
    plainWrapper: null,
    accessor: null,
    busy: 0,
    failures: 0,
    lastFailure: undefined,
  };
}

/** The realm's state. */
export const hookState: HookState = realmSingleton(KEY, createState);

/** Records a failure inside crosstrace's formatting (it never reaches the program). */
export function noteFailure(error: unknown): void {
  hookState.failures++;
  hookState.lastFailure = error;
}
