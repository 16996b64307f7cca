// The register hook's view of WebAssembly: it replaces the functions that make modules and
// instances (instantiate, compile, new Module, new Instance, instantiateStreaming,
// compileStreaming) with versions that register each module's bytes in the trace layer's
// module registry (src/trace/instrument.ts: instances and modules → records, records hold the
// bytes; weakly, so bytes live no longer than their modules), and optionally instrument the
// imports so that wasm → JS calls are foreign-traceback boundaries.
//
// Nothing is parsed here: a record gets a lazy symbolizer that asks the platform for debug
// information (src/symbolize/debug-info) on the first stack that needs the module.
//
// Every replacement behaves as the original for anything crosstrace does not understand, and
// nothing crosstrace does on the way (copying bytes, wrapping imports) can make an
// instantiation fail: such failures are swallowed and the module is simply not registered.
//
// No Node built-ins here: this runs in browsers too.

import { instrumentImports, moduleFacts, recordOf, registerModule } from '../trace/instrument.js';
import { canTraceForeign } from '../trace/hooks.js';
import { registerOwnModule, state as traceState, type ModuleRecord, type ModuleSymbolizer } from '../trace/state.js';
import { resolveDebugInfoSync } from '../symbolize/debug-info/discover.js';
import { hookState, noteFailure, type StackPlatform, type WebAssemblyOriginals } from './stack-state.js';

registerOwnModule('format-wasm-hook');

type AnyFn = (...args: unknown[]) => unknown;

// ---- symbolizers ----------------------------------------------------------------------------

/**
 * The platform for engines where nothing can be read synchronously (browsers, workers): the
 * module's own DWARF (or its name section). Debug-info discovery runs all the same, so the
 * choice between embedded DWARF and the rest follows the same rules as in Node.
 */
export const portablePlatform: StackPlatform = {
  name: 'portable',
  createSymbolizer(bytes, url, debugPath) {
    return resolveDebugInfoSync(bytes, { moduleUrl: url, debugPath }, () => ({ error: 'not read: no synchronous loader in this environment' })).symbolizer;
  },
};

/** The one place a module's symbolizer is made: the platform's debug-info discovery. */
function createModuleSymbolizer(record: ModuleRecord): ModuleSymbolizer {
  const platform = hookState.platform ?? portablePlatform;
  return platform.createSymbolizer(record.bytes as Uint8Array, hookState.urls.get(record) ?? null, hookState.options.debugPath);
}

/**
 * Gives a record with bytes a symbolizer that is made on first use, so the trace layer's
 * `stack()`/`callersFrames` and Error.stack both use the discovered debug information.
 */
export function ensureSymbolizer(record: ModuleRecord): void {
  if (record.symbolizer !== undefined || record.bytes === null) return;
  let real: ModuleSymbolizer | null = null;
  const get = (): ModuleSymbolizer => (real ??= createModuleSymbolizer(record));
  record.symbolizer = {
    symbolizeModuleOffset: (offset, options) => get().symbolizeModuleOffset(offset, options),
    toCodeOffset: (offset) => get().toCodeOffset(offset),
  };
}

// ---- the registry -----------------------------------------------------------------------------

export function isObject(value: unknown): value is object {
  return (typeof value === 'object' && value !== null) || typeof value === 'function';
}

export function isBytes(value: unknown): value is ArrayBuffer | ArrayBufferView {
  return value instanceof ArrayBuffer || ArrayBuffer.isView(value) ||
    Object.prototype.toString.call(value) === '[object SharedArrayBuffer]';
}

function webAssemblyNamespace(): Record<string, unknown> | null {
  const wa = (globalThis as { WebAssembly?: unknown }).WebAssembly;
  return isObject(wa) ? (wa as Record<string, unknown>) : null;
}

/** The WebAssembly.Module and Instance constructors as the engine made them. */
function originalConstructors(): { Module: Function; Instance: Function } | null {
  const o = hookState.originals;
  if (o) return { Module: o.Module, Instance: o.Instance };
  const wa = webAssemblyNamespace();
  if (!wa || typeof wa.Module !== 'function' || typeof wa.Instance !== 'function') return null;
  return { Module: wa.Module as Function, Instance: wa.Instance as Function };
}

export function isWasmModule(value: unknown): boolean {
  const c = originalConstructors();
  return c !== null && isObject(value) && value instanceof (c.Module as new () => object);
}

export function isWasmInstance(value: unknown): boolean {
  const c = originalConstructors();
  return c !== null && isObject(value) && value instanceof (c.Instance as new () => object);
}

/** Points a module or instance at a record (an instance's exports are marked as wasm functions). */
function attach(target: object, record: ModuleRecord): void {
  traceState.records.set(target, record);
  if (isWasmInstance(target)) {
    const exports = (target as { exports?: Record<string, unknown> }).exports;
    if (exports) for (const name of Object.keys(exports)) if (typeof exports[name] === 'function') traceState.wasmExports.add(exports[name] as object);
  }
}

/**
 * Copies `bytes` now (the caller may reuse its buffer) into a record of its own, not yet
 * attached to a module: for the asynchronous paths, which see the module later.
 */
function snapshot(bytes: unknown, url: string | null): ModuleRecord | null {
  if (!isBytes(bytes)) return null;
  try {
    const key = {};
    registerModule(key, bytes);
    const record = recordOf(key) ?? null;
    if (record) noteRecord(record, url);
    return record;
  } catch (error) {
    noteFailure(error);
    return null;
  }
}

function noteRecord(record: ModuleRecord, url: string | null): void {
  if (url && !hookState.urls.has(record)) hookState.urls.set(record, url);
  ensureSymbolizer(record);
}

/** Registers `bytes` as the module of `target` (a WebAssembly.Module or Instance). */
export function registerBytes(target: object, bytes: ArrayBuffer | ArrayBufferView, url: string | null): ModuleRecord | null {
  registerModule(target, bytes);
  const record = recordOf(target) ?? null;
  if (record) noteRecord(record, url);
  return record;
}

/**
 * Bytes registered by URL only: frames of instances crosstrace never saw whose script URL is
 * `url` (a streaming URL, or V8's `wasm://wasm/<name>-<hash>`) are symbolized with them.
 */
export function registerByUrl(bytes: ArrayBuffer | ArrayBufferView, url: string): ModuleRecord | null {
  const record = snapshot(bytes, url);
  if (record) hookState.byUrl.set(url, record);
  return record;
}

/**
 * The module record behind a wasm frame: by its receiver (V8's `getThis()` of a wasm frame is
 * its WebAssembly.Instance), else by the frame's script URL for modules registered by URL.
 */
export function recordOfFrame(instance: unknown, scriptUrl: () => string | null): ModuleRecord | null {
  if (isObject(instance)) {
    const record = traceState.records.get(instance);
    if (record) return record;
    // An instance made before its module was registered (`register(module, …)` came later).
    const module = hookState.moduleOf.get(instance);
    const late = module ? traceState.records.get(module) : undefined;
    if (late) {
      attach(instance, late);
      return late;
    }
  }
  if (pendingRecord !== null) return pendingRecord;
  if (hookState.byUrl.size > 0) {
    const url = scriptUrl();
    if (url !== null) return hookState.byUrl.get(url) ?? null;
  }
  return null;
}

/**
 * While an instantiation that failed is being reported: its instance never reached the
 * program, so frames of an unknown instance (the start function's) belong to this module.
 */
let pendingRecord: ModuleRecord | null = null;

/** Formats an error thrown out of instantiating `record`'s module while its frames can still be attributed. */
function reportInstantiationError(error: unknown, record: ModuleRecord | null): void {
  if (record === null || !hookState.options.errorStack || !(error instanceof Error)) return;
  const saved = pendingRecord;
  pendingRecord = record;
  try {
    void error.stack;
  } catch {
    // never mind: the error itself goes on
  } finally {
    pendingRecord = saved;
  }
}

// ---- import instrumentation ------------------------------------------------------------------

/** Whether imports get wrapped now: always, never, or when a foreign traceback hook is set. */
function instrumenting(): boolean {
  const o = hookState.options.instrumentImports;
  return o === true || (o === 'auto' && (traceState.traceback !== null || traceState.context !== null));
}

/** Formats an error leaving an import while the import's boundary and context are live. */
function escaping(error: unknown): void {
  if (!hookState.options.errorStack || !canTraceForeign() || !(error instanceof Error)) return;
  try {
    void error.stack;
  } catch {
    // the program's own error goes on unchanged
  }
}

// Wrappers inside the trace layer's boundary wrapper (so its context is still live when an
// error passes), one per arity as V8 calls those most cheaply. Their frames are hidden.
const escapeByArity: Array<(fn: AnyFn) => AnyFn> = [
  (fn) => ({ ['crosstrace:escape']() { try { return fn(); } catch (e) { escaping(e); throw e; } } })['crosstrace:escape'],
  (fn) => ({ ['crosstrace:escape'](a: unknown) { try { return fn(a); } catch (e) { escaping(e); throw e; } } })['crosstrace:escape'],
  (fn) => ({ ['crosstrace:escape'](a: unknown, b: unknown) { try { return fn(a, b); } catch (e) { escaping(e); throw e; } } })['crosstrace:escape'],
  (fn) => ({ ['crosstrace:escape'](a: unknown, b: unknown, c: unknown) { try { return fn(a, b, c); } catch (e) { escaping(e); throw e; } } })['crosstrace:escape'],
  (fn) => ({ ['crosstrace:escape'](a: unknown, b: unknown, c: unknown, d: unknown) { try { return fn(a, b, c, d); } catch (e) { escaping(e); throw e; } } })['crosstrace:escape'],
  (fn) => ({ ['crosstrace:escape'](a: unknown, b: unknown, c: unknown, d: unknown, f: unknown) { try { return fn(a, b, c, d, f); } catch (e) { escaping(e); throw e; } } })['crosstrace:escape'],
];

function escapeAny(fn: AnyFn): AnyFn {
  return {
    ['crosstrace:escape'](this: unknown, ...args: unknown[]) {
      try {
        return Reflect.apply(fn, this, args);
      } catch (e) {
        escaping(e);
        throw e;
      }
    },
  }['crosstrace:escape'];
}

/** True for functions exported by a wasm instance: a wasm → wasm call is no boundary. */
function isWasmFunction(fn: Function): boolean {
  if (traceState.wasmExports.has(fn)) return true;
  if (!/^\d+$/.test(fn.name)) return false;
  try {
    return /\{\s*\[native code\]\s*\}\s*$/.test(Function.prototype.toString.call(fn));
  } catch {
    return false;
  }
}

function escapeWrap(value: unknown, arity: number | undefined): unknown {
  if (typeof value !== 'function') return value;
  const fn = value as AnyFn;
  if (traceState.wrappers.has(fn) || hookState.escapeWrappers.has(fn) || isWasmFunction(fn)) return fn;
  const key = arity !== undefined && arity < escapeByArity.length ? arity : -1;
  let byArity = hookState.escapes.get(fn);
  if (!byArity) hookState.escapes.set(fn, (byArity = new Map()));
  let wrapper = byArity.get(key) as AnyFn | undefined;
  if (!wrapper) {
    wrapper = key >= 0 ? escapeByArity[key](fn) : escapeAny(fn);
    byArity.set(key, wrapper);
    hookState.escapeWrappers.add(wrapper);
  }
  return wrapper;
}

/**
 * The imports to hand WebAssembly for `module`: as given, or (when instrumenting) a copy of
 * exactly what the module imports in which JS functions are boundaries. Anything unexpected
 * gives the imports back unchanged, for WebAssembly to judge.
 */
function prepareImports(imports: unknown, module: object): unknown {
  if (!isObject(imports) || !instrumenting()) return imports;
  const o = hookState.originals;
  if (!o) return imports;
  try {
    const record = recordOf(module);
    if (record) moduleFacts(record);
    const descriptors = (o.Module as unknown as { imports(m: object): Array<{ module: string; name: string; kind: string }> }).imports(module);
    const out: Record<string, Record<string, unknown>> = {};
    for (const d of descriptors) {
      const namespace: unknown = Reflect.get(imports, d.module);
      if (!isObject(namespace)) continue; // WebAssembly reports the missing namespace itself
      const value: unknown = Reflect.get(namespace, d.name);
      const target = Object.prototype.hasOwnProperty.call(out, d.module) ? out[d.module] : (out[d.module] = {});
      target[d.name] = d.kind === 'function' ? escapeWrap(value, record?.importArity?.get(`${d.module}\0${d.name}`)) : value;
    }
    return instrumentImports(out, module as never);
  } catch (error) {
    noteFailure(error);
    return imports;
  }
}

// ---- the replacements --------------------------------------------------------------------------

function responseUrl(response: unknown): string | null {
  try {
    const url = (response as { url?: unknown }).url;
    return typeof url === 'string' && url !== '' ? url : null;
  } catch {
    return null;
  }
}

// The public replacements are plain functions with the originals' names; the work is done in
// these, whose frames (async ones included) are hidden in traces by their names.
const work = {
  async ['crosstrace:instantiate'](o: WebAssemblyOriginals, wa: object, args: unknown[]): Promise<unknown> {
    const [source, imports, ...rest] = args;
    if (isWasmModule(source)) {
      const record = recordOf(source) ?? null;
      let instance: object;
      try {
        instance = (await o.instantiate.call(wa, source, prepareImports(imports, source as object), ...rest)) as object;
      } catch (error) {
        reportInstantiationError(error, record);
        throw error;
      }
      hookState.moduleOf.set(instance, source as object);
      if (record) attach(instance, record);
      return instance;
    }
    if (!isBytes(source) || (imports !== undefined && !isObject(imports))) return o.instantiate.apply(wa, args);
    const record = snapshot(source, null);
    const module = (await o.compile.call(wa, source, ...rest.slice(0, 1))) as object;
    if (record) attach(module, record);
    return instantiateCompiled(o, wa, module, imports, record);
  },

  async ['crosstrace:compileStreaming'](o: WebAssemblyOriginals, wa: object, source: unknown, rest: unknown[]): Promise<object> {
    const compileStreaming = o.compileStreaming as (...a: unknown[]) => Promise<unknown>;
    const response = await source;
    let bytes: Promise<ArrayBuffer | null> | null = null;
    try {
      const clone = (response as { clone?: () => { arrayBuffer(): Promise<ArrayBuffer> } }).clone?.();
      if (clone) bytes = clone.arrayBuffer().catch(() => null);
    } catch {
      bytes = null; // a used body: compileStreaming reports it
    }
    const module = (await compileStreaming.call(wa, response, ...rest)) as object;
    const read = bytes ? await bytes : null;
    if (read) {
      try {
        registerBytes(module, read, responseUrl(response));
      } catch (error) {
        noteFailure(error);
      }
    }
    return module;
  },

  async ['crosstrace:instantiateStreaming'](o: WebAssemblyOriginals, wa: object, args: unknown[]): Promise<unknown> {
    const [source, imports, ...rest] = args;
    if (imports !== undefined && !isObject(imports)) return (o.instantiateStreaming as AnyFn).apply(wa, args);
    const module = await work['crosstrace:compileStreaming'](o, wa, source, rest);
    return instantiateCompiled(o, wa, module, imports, recordOf(module) ?? null);
  },
};

const traps = {
  ['crosstrace:newModule'](target: Function, args: unknown[], newTarget: Function): object {
    const module = Reflect.construct(target, args, newTarget) as object;
    if (isBytes(args[0])) {
      try {
        registerBytes(module, args[0], null);
      } catch (error) {
        noteFailure(error);
      }
    }
    return module;
  },
  ['crosstrace:newInstance'](target: Function, args: unknown[], newTarget: Function): object {
    const module = args[0];
    const record = isObject(module) ? recordOf(module) ?? null : null;
    const prepared = isWasmModule(module) ? [module, prepareImports(args[1], module as object), ...args.slice(2)] : args;
    let instance: object;
    try {
      instance = Reflect.construct(target, prepared, newTarget) as object;
    } catch (error) {
      reportInstantiationError(error, record);
      throw error;
    }
    if (isObject(module)) hookState.moduleOf.set(instance, module);
    if (record) attach(instance, record);
    return instance;
  },
};

function sameShape<T extends Function>(replacement: T, original: Function): T {
  try {
    Object.defineProperty(replacement, 'name', { value: original.name, configurable: true });
    Object.defineProperty(replacement, 'length', { value: original.length, configurable: true });
  } catch {
    // cosmetic only
  }
  return replacement;
}

/** Replaces the WebAssembly functions; false where there is no WebAssembly. Idempotent. */
export function patchWebAssembly(): boolean {
  if (hookState.patched) return true;
  const wa = webAssemblyNamespace();
  if (!wa || typeof wa.instantiate !== 'function' || typeof wa.compile !== 'function' ||
      typeof wa.Module !== 'function' || typeof wa.Instance !== 'function') return false;
  const o: WebAssemblyOriginals = {
    instantiate: wa.instantiate as WebAssemblyOriginals['instantiate'],
    compile: wa.compile as WebAssemblyOriginals['compile'],
    Module: wa.Module as Function,
    Instance: wa.Instance as Function,
    instantiateStreaming: typeof wa.instantiateStreaming === 'function' ? (wa.instantiateStreaming as WebAssemblyOriginals['instantiateStreaming']) : undefined,
    compileStreaming: typeof wa.compileStreaming === 'function' ? (wa.compileStreaming as WebAssemblyOriginals['compileStreaming']) : undefined,
  };
  const patched: Record<string, unknown> = {
    instantiate: sameShape(function instantiate(this: unknown, ...args: unknown[]) {
      return work['crosstrace:instantiate'](o, wa, args);
    }, o.instantiate),
    compile: sameShape(function compile(this: unknown, source: unknown, ...rest: unknown[]) {
      const record = snapshot(source, null);
      const promise = o.compile.call(wa, source, ...rest);
      return record ? promise.then((module) => (attach(module as object, record), module)) : promise;
    }, o.compile),
    Module: new Proxy(o.Module, { construct: traps['crosstrace:newModule'] as ProxyHandler<Function>['construct'] }),
    Instance: new Proxy(o.Instance, { construct: traps['crosstrace:newInstance'] as ProxyHandler<Function>['construct'] }),
  };
  if (o.compileStreaming) {
    patched.compileStreaming = sameShape(function compileStreaming(this: unknown, source: unknown, ...rest: unknown[]) {
      return work['crosstrace:compileStreaming'](o, wa, source, rest);
    }, o.compileStreaming);
  }
  if (o.instantiateStreaming && o.compileStreaming) {
    patched.instantiateStreaming = sameShape(function instantiateStreaming(this: unknown, ...args: unknown[]) {
      return work['crosstrace:instantiateStreaming'](o, wa, args);
    }, o.instantiateStreaming);
  }
  const done: string[] = [];
  try {
    for (const name of Object.keys(patched)) {
      wa[name] = patched[name];
      done.push(name);
    }
  } catch (error) {
    // A frozen WebAssembly: put back what was changed and give up.
    for (const name of done) wa[name] = (o as unknown as Record<string, unknown>)[name];
    noteFailure(error);
    return false;
  }
  hookState.webAssembly = wa;
  hookState.originals = o;
  hookState.patched = patched;
  return true;
}

/** Puts the original WebAssembly functions back where crosstrace's are still in place. */
export function unpatchWebAssembly(): void {
  const wa = hookState.webAssembly;
  const o = hookState.originals;
  const patched = hookState.patched;
  if (!wa || !o || !patched) return;
  for (const name of Object.keys(patched)) {
    if (wa[name] === patched[name]) wa[name] = (o as unknown as Record<string, unknown>)[name];
  }
  hookState.webAssembly = null;
  hookState.originals = null;
  hookState.patched = null;
}

/** Instantiates a module the hook compiled, and ties the instance to the module's record. */
async function instantiateCompiled(
  o: WebAssemblyOriginals, wa: object, module: object, imports: unknown, record: ModuleRecord | null,
): Promise<{ module: object; instance: object }> {
  let instance: object;
  try {
    instance = (await o.instantiate.call(wa, module, prepareImports(imports, module))) as object;
  } catch (error) {
    reportInstantiationError(error, record);
    throw error;
  }
  hookState.moduleOf.set(instance, module);
  if (record) attach(instance, record);
  return { module, instance };
}
