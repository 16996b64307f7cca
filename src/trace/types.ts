// Public types of the foreign traceback protocol, and the slice of the WebAssembly JS API this
// layer uses. The project compiles without the DOM lib, and @types/node does not declare
// `WebAssembly`, so the API is described here and reached through `globalThis` rather than by
// declaring a global that another part of the tree might declare differently.

import type { ModuleOffset } from '../wasm/addresses.js';

/** Go's `cgoContextArg`: `context` is 0 to record a context, or a token to release. */
export interface ContextArg {
  context: number;
}

/** Go's `cgoTracebackArg`. `buf` arrives zeroed with `max` (32) entries; stop at the first 0. */
export interface TracebackArg {
  context: number;
  sigContext: number;
  buf: number[];
  max: number;
}

/** Go's `cgoSymbolizerArg`, with the C strings as JS strings. */
export interface SymbolizerArg {
  pc: number;
  file: string | null;
  lineno: number;
  func: string | null;
  entry: number;
  more: number;
  data: number;
}

export type ContextHook = (arg: ContextArg) => void;
export type TracebackHook = (arg: TracebackArg) => void;
export type SymbolizerHook = (arg: SymbolizerArg) => void;

export type FrameKind = 'js' | 'wasm' | 'foreign';

/** Where V8 places a wasm frame, kept whether or not DWARF could symbolize it. */
export interface WasmLocation {
  /** `wasm://wasm/<name>-<hash>`, as in V8's stack traces. */
  url: string;
  functionIndex: number;
  /** Module offset of the call instruction (V8's `wasm-function[N]:0x…`). */
  offset: ModuleOffset;
}

/** One frame of a trace, like Go's `runtime.Frame`. */
export interface Frame {
  /**
   * The value `callers` stored for this frame: the foreign PC itself for foreign frames, an
   * opaque number for JS and wasm frames (all frames of one inlined wasm PC share it).
   */
  pc: number;
  /** Function name; for a foreign PC without symbolizer, `non-Go function at pc=0x…` as Go prints it. */
  function: string | null;
  file: string | null;
  /** 1-based; 0 when unknown. */
  line: number;
  /** 1-based; 0 when unknown (always for foreign frames). */
  column: number;
  /**
   * Start of the function: the symbolizer's `entry` for foreign frames, the module offset of
   * the function (or inlined range) for symbolized wasm frames, 0 otherwise.
   */
  entry: number;
  kind: FrameKind;
  /** True for every frame of one PC but its outermost: that code was inlined into the next frame. */
  inlined: boolean;
  /** Wasm frames only. */
  wasm?: WasmLocation;
}

export interface FramesResult {
  frame: Frame;
  /** False once this was the last frame (Go's `more`). */
  more: boolean;
}

/** Reports an exception thrown by a hook, or a hook handing back something crosstrace rejected. */
export type HookErrorHandler = (error: unknown, hook: 'context' | 'traceback' | 'symbolizer') => void;

// ---- the WebAssembly JS API, as far as this layer uses it ---------------------------------

export type WasmImportValue = unknown;
export type WasmImports = Record<string, Record<string, WasmImportValue>>;
export type WasmExports = Record<string, unknown>;

export interface WasmInstance {
  readonly exports: WasmExports;
}
export type WasmModuleObject = object;

export interface WasmMemory {
  readonly buffer: ArrayBuffer;
  grow(delta: number): number;
}

export interface WasmModuleImportDescriptor {
  module: string;
  name: string;
  kind: 'function' | 'table' | 'memory' | 'global' | 'tag' | string;
}

export interface WasmInstantiatedSource {
  module: WasmModuleObject;
  instance: WasmInstance;
}

export type WasmSource = ArrayBuffer | ArrayBufferView;

export interface WebAssemblyApi {
  Module: {
    new (bytes: WasmSource): WasmModuleObject;
    imports(module: WasmModuleObject): WasmModuleImportDescriptor[];
  };
  Instance: { new (module: WasmModuleObject, imports?: WasmImports): WasmInstance };
  Memory: { new (descriptor: { initial: number; maximum?: number }): WasmMemory };
  compile(bytes: WasmSource): Promise<WasmModuleObject>;
  instantiate(module: WasmModuleObject, imports?: WasmImports): Promise<WasmInstance>;
}

export function webAssembly(): WebAssemblyApi {
  const api = (globalThis as unknown as { WebAssembly?: WebAssemblyApi }).WebAssembly;
  if (!api) throw new TypeError('crosstrace: this JavaScript environment has no WebAssembly');
  return api;
}
