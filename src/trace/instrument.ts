// The instrumented import: crosstrace's version of cgo's export wrapper. Every call from wasm
// into JavaScript through it is a foreign → JS boundary. With a context hook set it records a
// context on entry (pushed on the realm's context stack) and releases it when the import
// returns or throws; without one it only calls the import.
//
// V8 calls a wasm import most cheaply when the JS function takes exactly the wasm signature's
// parameters, so the wrapper is picked by arity: one of the exact wrappers when the import's
// type is known (crosstrace has the module bytes), else one whose arity is the import
// function's `length`, checked against `arguments.length` on every call.
//
// The wrapper's frame is the boundary in stack traces; it is found by its name, which a
// bundler's minifier leaves alone because it is a string (a computed method key).

import { acquireContext, ForeignTracebackError, releaseContext } from './hooks.js';
import { readModuleFacts } from './binary.js';
import { BOUNDARY_NAME, registerOwnModule, state, type ModuleRecord } from './state.js';
import {
  webAssembly,
  type ContextHook,
  type WasmImports,
  type WasmInstance,
  type WasmInstantiatedSource,
  type WasmModuleObject,
  type WasmSource,
} from './types.js';

registerOwnModule('instrument');

type AnyFn = (...args: unknown[]) => unknown;

/** Pushes a context slot and records the context in it; returns the slot. Never throws past the push. */
function enter(hook: ContextHook): number {
  const d = state.depth;
  state.tokens[d] = 0;
  state.depth = d + 1;
  if (state.hookDepth === 0) {
    try {
      state.tokens[d] = acquireContext(hook);
    } catch {
      // Only a stack overflow gets here; the slot stays, without a context.
    }
  }
  return d;
}

// After the call, the slot is popped inline, without a call, so that the context stack is
// restored even when the stack is too deep for one more call (the release is then skipped).
// try/catch with a rethrow rather than finally: V8 optimizes it better, and the exception is
// rethrown as it was.

const exact: Array<(fn: AnyFn) => AnyFn> = [
  (fn) =>
    ({
      ['crosstrace:import']() {
        const hook = state.context;
        if (hook === null) return fn();
        const d = enter(hook);
        let result: unknown;
        try {
          result = fn();
        } catch (error) {
          const t = state.tokens[d];
          state.tokens[d] = 0;
          state.depth = d;
          if (t !== 0) try { releaseContext(t); } catch { /* overflow */ }
          throw error;
        }
        const t = state.tokens[d];
        state.tokens[d] = 0;
        state.depth = d;
        if (t !== 0) try { releaseContext(t); } catch { /* overflow */ }
        return result;
      },
    })[BOUNDARY_NAME],
  (fn) =>
    ({
      ['crosstrace:import'](a: unknown) {
        const hook = state.context;
        if (hook === null) return fn(a);
        const d = enter(hook);
        let result: unknown;
        try {
          result = fn(a);
        } catch (error) {
          const t = state.tokens[d];
          state.tokens[d] = 0;
          state.depth = d;
          if (t !== 0) try { releaseContext(t); } catch { /* overflow */ }
          throw error;
        }
        const t = state.tokens[d];
        state.tokens[d] = 0;
        state.depth = d;
        if (t !== 0) try { releaseContext(t); } catch { /* overflow */ }
        return result;
      },
    })[BOUNDARY_NAME],
  (fn) =>
    ({
      ['crosstrace:import'](a: unknown, b: unknown) {
        const hook = state.context;
        if (hook === null) return fn(a, b);
        const d = enter(hook);
        let result: unknown;
        try {
          result = fn(a, b);
        } catch (error) {
          const t = state.tokens[d];
          state.tokens[d] = 0;
          state.depth = d;
          if (t !== 0) try { releaseContext(t); } catch { /* overflow */ }
          throw error;
        }
        const t = state.tokens[d];
        state.tokens[d] = 0;
        state.depth = d;
        if (t !== 0) try { releaseContext(t); } catch { /* overflow */ }
        return result;
      },
    })[BOUNDARY_NAME],
  (fn) =>
    ({
      ['crosstrace:import'](a: unknown, b: unknown, c: unknown) {
        const hook = state.context;
        if (hook === null) return fn(a, b, c);
        const d = enter(hook);
        let result: unknown;
        try {
          result = fn(a, b, c);
        } catch (error) {
          const t = state.tokens[d];
          state.tokens[d] = 0;
          state.depth = d;
          if (t !== 0) try { releaseContext(t); } catch { /* overflow */ }
          throw error;
        }
        const t = state.tokens[d];
        state.tokens[d] = 0;
        state.depth = d;
        if (t !== 0) try { releaseContext(t); } catch { /* overflow */ }
        return result;
      },
    })[BOUNDARY_NAME],
  (fn) =>
    ({
      ['crosstrace:import'](a: unknown, b: unknown, c: unknown, e: unknown) {
        const hook = state.context;
        if (hook === null) return fn(a, b, c, e);
        const d = enter(hook);
        let result: unknown;
        try {
          result = fn(a, b, c, e);
        } catch (error) {
          const t = state.tokens[d];
          state.tokens[d] = 0;
          state.depth = d;
          if (t !== 0) try { releaseContext(t); } catch { /* overflow */ }
          throw error;
        }
        const t = state.tokens[d];
        state.tokens[d] = 0;
        state.depth = d;
        if (t !== 0) try { releaseContext(t); } catch { /* overflow */ }
        return result;
      },
    })[BOUNDARY_NAME],
  (fn) =>
    ({
      ['crosstrace:import'](a: unknown, b: unknown, c: unknown, e: unknown, f: unknown) {
        const hook = state.context;
        if (hook === null) return fn(a, b, c, e, f);
        const d = enter(hook);
        let result: unknown;
        try {
          result = fn(a, b, c, e, f);
        } catch (error) {
          const t = state.tokens[d];
          state.tokens[d] = 0;
          state.depth = d;
          if (t !== 0) try { releaseContext(t); } catch { /* overflow */ }
          throw error;
        }
        const t = state.tokens[d];
        state.tokens[d] = 0;
        state.depth = d;
        if (t !== 0) try { releaseContext(t); } catch { /* overflow */ }
        return result;
      },
    })[BOUNDARY_NAME],
  (fn) =>
    ({
      ['crosstrace:import'](a: unknown, b: unknown, c: unknown, e: unknown, f: unknown, g: unknown) {
        const hook = state.context;
        if (hook === null) return fn(a, b, c, e, f, g);
        const d = enter(hook);
        let result: unknown;
        try {
          result = fn(a, b, c, e, f, g);
        } catch (error) {
          const t = state.tokens[d];
          state.tokens[d] = 0;
          state.depth = d;
          if (t !== 0) try { releaseContext(t); } catch { /* overflow */ }
          throw error;
        }
        const t = state.tokens[d];
        state.tokens[d] = 0;
        state.depth = d;
        if (t !== 0) try { releaseContext(t); } catch { /* overflow */ }
        return result;
      },
    })[BOUNDARY_NAME],
];

// For imports of unknown type: the wasm signature's arity is guessed from the function's
// `length`. A right guess gives V8's arity-matching call and a fast path like the exact
// wrappers'; any other call takes the general path, which copies the arguments (reading
// `arguments` by index only, so V8 need not allocate it on the fast path) and applies them.
const variadic = {
  ['crosstrace:apply'](fn: AnyFn, self: unknown, args: unknown[]): unknown {
    const hook = state.context;
    if (hook === null) return Reflect.apply(fn, self, args);
    const d = enter(hook);
    let result: unknown;
    try {
      result = Reflect.apply(fn, self, args);
    } catch (error) {
      const t = state.tokens[d];
      state.tokens[d] = 0;
      state.depth = d;
      if (t !== 0) try { releaseContext(t); } catch { /* overflow */ }
      throw error;
    }
    const t = state.tokens[d];
    state.tokens[d] = 0;
    state.depth = d;
    if (t !== 0) try { releaseContext(t); } catch { /* overflow */ }
    return result;
  },
};
const applyWithContext = variadic['crosstrace:apply'];

const guessed: Array<(fn: AnyFn) => AnyFn> = [
  (fn) =>
    ({
      ['crosstrace:import'](this: unknown) {
        const n = arguments.length;
        if (n === 0 && state.context === null) return fn();
        const args = new Array<unknown>(n);
        for (let i = 0; i < n; i++) args[i] = arguments[i];
        return applyWithContext(fn, this, args);
      },
    })[BOUNDARY_NAME],
  (fn) =>
    ({
      ['crosstrace:import'](this: unknown, a: unknown) {
        const n = arguments.length;
        if (n === 1 && state.context === null) return fn(a);
        const args = new Array<unknown>(n);
        for (let i = 0; i < n; i++) args[i] = arguments[i];
        return applyWithContext(fn, this, args);
      },
    })[BOUNDARY_NAME],
  (fn) =>
    ({
      ['crosstrace:import'](this: unknown, a: unknown, b: unknown) {
        const n = arguments.length;
        if (n === 2 && state.context === null) return fn(a, b);
        const args = new Array<unknown>(n);
        for (let i = 0; i < n; i++) args[i] = arguments[i];
        return applyWithContext(fn, this, args);
      },
    })[BOUNDARY_NAME],
  (fn) =>
    ({
      ['crosstrace:import'](this: unknown, a: unknown, b: unknown, c: unknown) {
        const n = arguments.length;
        if (n === 3 && state.context === null) return fn(a, b, c);
        const args = new Array<unknown>(n);
        for (let i = 0; i < n; i++) args[i] = arguments[i];
        return applyWithContext(fn, this, args);
      },
    })[BOUNDARY_NAME],
  (fn) =>
    ({
      ['crosstrace:import'](this: unknown, a: unknown, b: unknown, c: unknown, e: unknown) {
        const n = arguments.length;
        if (n === 4 && state.context === null) return fn(a, b, c, e);
        const args = new Array<unknown>(n);
        for (let i = 0; i < n; i++) args[i] = arguments[i];
        return applyWithContext(fn, this, args);
      },
    })[BOUNDARY_NAME],
  (fn) =>
    ({
      ['crosstrace:import'](this: unknown, a: unknown, b: unknown, c: unknown, e: unknown, f: unknown) {
        const n = arguments.length;
        if (n === 5 && state.context === null) return fn(a, b, c, e, f);
        const args = new Array<unknown>(n);
        for (let i = 0; i < n; i++) args[i] = arguments[i];
        return applyWithContext(fn, this, args);
      },
    })[BOUNDARY_NAME],
  (fn) =>
    ({
      ['crosstrace:import'](this: unknown, a: unknown, b: unknown, c: unknown, e: unknown, f: unknown, g: unknown) {
        const n = arguments.length;
        if (n === 6 && state.context === null) return fn(a, b, c, e, f, g);
        const args = new Array<unknown>(n);
        for (let i = 0; i < n; i++) args[i] = arguments[i];
        return applyWithContext(fn, this, args);
      },
    })[BOUNDARY_NAME],
];

/** Any number of arguments, no guess. */
function anyArity(fn: AnyFn): AnyFn {
  return {
    ['crosstrace:import'](this: unknown) {
      const n = arguments.length;
      const args = new Array<unknown>(n);
      for (let i = 0; i < n; i++) args[i] = arguments[i];
      return applyWithContext(fn, this, args);
    },
  }[BOUNDARY_NAME];
}

const GENERIC = -1;

/** True for functions exported by a wasm instance: a wasm → wasm call is no boundary. */
function isWasmFunction(fn: AnyFn): boolean {
  if (state.wasmExports.has(fn)) return true;
  if (!/^\d+$/.test(fn.name)) return false;
  try {
    return /\{\s*\[native code\]\s*\}\s*$/.test(Function.prototype.toString.call(fn));
  } catch {
    return false;
  }
}

/**
 * The instrumented version of one import value (anything but a JS function is returned as is).
 * `arity` is the wasm signature's parameter count, or GENERIC when unknown.
 */
function wrapImport(value: unknown, arity: number): unknown {
  if (typeof value !== 'function') return value;
  const fn = value as AnyFn;
  if (state.wrappers.has(fn) || isWasmFunction(fn)) return fn;
  // Cache keys: 0..6 exact arity, 100 + k a guess of k, 200 any.
  let key: number;
  if (arity >= 0) key = arity < exact.length ? arity : 200;
  else key = fn.length < guessed.length ? 100 + fn.length : 200;
  let byKey = state.wrapperCache.get(fn);
  if (!byKey) state.wrapperCache.set(fn, (byKey = new Map()));
  let wrapper = byKey.get(key) as AnyFn | undefined;
  if (!wrapper) {
    wrapper = key < 100 ? exact[key](fn) : key < 200 ? guessed[key - 100](fn) : anyArity(fn);
    state.wrappers.add(wrapper);
    byKey.set(key, wrapper);
  }
  return wrapper;
}

function isObject(value: unknown): value is object {
  return (typeof value === 'object' && value !== null) || typeof value === 'function';
}

function isBytes(value: unknown): value is WasmSource {
  return value instanceof ArrayBuffer || ArrayBuffer.isView(value) ||
    Object.prototype.toString.call(value) === '[object SharedArrayBuffer]';
}

function copyBytes(source: WasmSource): Uint8Array {
  if (ArrayBuffer.isView(source)) return new Uint8Array(source.buffer, source.byteOffset, source.byteLength).slice();
  return new Uint8Array(source as ArrayBuffer).slice();
}

/** FNV-1a over the bytes, with their length: the content key of a module. */
function contentKey(bytes: Uint8Array): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < bytes.length; i++) h = Math.imul(h ^ bytes[i], 0x01000193);
  return `${bytes.length}:${(h >>> 0).toString(16)}`;
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** The record for these bytes: the existing one when the same bytes were seen and are still alive. */
function newRecord(bytes: Uint8Array | null): ModuleRecord {
  let key: string | null = null;
  if (bytes !== null) {
    key = contentKey(bytes);
    const existing = state.recordsByContent.get(key)?.deref();
    if (existing?.bytes && sameBytes(existing.bytes, bytes)) return existing;
  }
  const record: ModuleRecord = { serial: ++state.moduleSerial, bytes, symbolizer: undefined, failure: undefined, importArity: undefined, pointerSize: undefined };
  if (key !== null) {
    for (const [k, ref] of state.recordsByContent) if (ref.deref() === undefined) state.recordsByContent.delete(k);
    state.recordsByContent.set(key, new WeakRef(record));
  }
  return record;
}

/** Reads the record's import arities and pointer size from its bytes, once. */
export function moduleFacts(record: ModuleRecord): void {
  if (record.importArity !== undefined) return;
  const facts = record.bytes ? readModuleFacts(record.bytes) : null;
  record.importArity = facts ? facts.importArity : null;
  record.pointerSize = facts ? facts.pointerSize : null;
}

/** The record crosstrace keeps for a WebAssembly.Instance or WebAssembly.Module, if any. */
export function recordOf(target: unknown): ModuleRecord | undefined {
  return isObject(target) ? state.records.get(target) : undefined;
}

function registerInstance(instance: WasmInstance, record: ModuleRecord): void {
  state.records.set(instance, record);
  const exports = instance.exports;
  for (const name of Object.keys(exports)) {
    const value = exports[name];
    if (typeof value === 'function') state.wasmExports.add(value);
  }
}

/**
 * Tells crosstrace the bytes of a module it did not instantiate, so its frames are symbolized:
 * `target` is the WebAssembly.Module or WebAssembly.Instance. (`instantiate` does this itself.)
 */
export function registerModule(target: WasmModuleObject | WasmInstance, bytes: WasmSource): void {
  if (!isObject(target)) throw new ForeignTracebackError('registerModule: expected a WebAssembly.Module or WebAssembly.Instance');
  if (!isBytes(bytes)) throw new ForeignTracebackError('registerModule: expected the module bytes (ArrayBuffer or typed array)');
  const record = newRecord(copyBytes(bytes));
  const WA = webAssembly();
  if (target instanceof (WA.Instance as unknown as Function)) registerInstance(target as WasmInstance, record);
  else state.records.set(target, record);
}

function checkImports(imports: unknown, what: string): void {
  if (imports !== undefined && !isObject(imports)) {
    throw new TypeError(`crosstrace: ${what}: the imports argument must be an object`);
  }
}

/**
 * A copy of `imports` in which every JavaScript function is instrumented (wasm functions and
 * non-function values are kept as they are); for code that instantiates modules itself.
 * Own enumerable properties are copied. With `module` (a WebAssembly.Module or the module's
 * bytes) exactly that module's imports are taken, and wrappers match their wasm types.
 */
export function instrumentImports<T extends object>(imports: T, module?: WasmModuleObject | WasmSource): T {
  checkImports(imports, 'instrumentImports');
  if (module !== undefined) {
    const WA = webAssembly();
    if (isBytes(module)) {
      const bytes = copyBytes(module);
      return instrumentFor(new WA.Module(bytes), newRecord(bytes), imports as WasmImports) as T;
    }
    const record = state.records.get(module) ?? newRecord(null);
    return instrumentFor(module, record, imports as WasmImports) as T;
  }
  const out: Record<string, unknown> = {};
  for (const ns of Object.keys(imports)) {
    const namespace = (imports as Record<string, unknown>)[ns];
    if (!isObject(namespace)) {
      out[ns] = namespace;
      continue;
    }
    const copy: Record<string, unknown> = {};
    for (const name of Object.keys(namespace)) copy[name] = wrapImport((namespace as Record<string, unknown>)[name], GENERIC);
    out[ns] = copy;
  }
  return out as T;
}

/** Instrumented imports for exactly what `module` imports, read as WebAssembly would read them. */
function instrumentFor(module: WasmModuleObject, record: ModuleRecord, imports: WasmImports | undefined): WasmImports | undefined {
  if (imports === undefined) return undefined;
  moduleFacts(record);
  const WA = webAssembly();
  const out: WasmImports = {};
  for (const d of WA.Module.imports(module)) {
    const namespace: unknown = Reflect.get(imports, d.module);
    if (!isObject(namespace)) continue; // WebAssembly reports the missing namespace itself
    const value: unknown = Reflect.get(namespace, d.name);
    const target = Object.prototype.hasOwnProperty.call(out, d.module) ? out[d.module] : (out[d.module] = {});
    if (d.kind === 'function') {
      const arity = record.importArity?.get(`${d.module}\0${d.name}`);
      target[d.name] = wrapImport(value, arity ?? GENERIC);
    } else {
      target[d.name] = value;
    }
  }
  return out;
}

/**
 * Like `WebAssembly.instantiate`: from bytes it resolves to `{ module, instance }`, from a
 * WebAssembly.Module to the Instance. The imports are instrumented and the module is
 * registered, so its frames are symbolized from its DWARF.
 */
export function instantiate(source: WasmSource, imports?: WasmImports): Promise<WasmInstantiatedSource>;
export function instantiate(source: WasmModuleObject, imports?: WasmImports): Promise<WasmInstance>;
export async function instantiate(
  source: WasmSource | WasmModuleObject,
  imports?: WasmImports,
): Promise<WasmInstantiatedSource | WasmInstance> {
  checkImports(imports, 'instantiate');
  const WA = webAssembly();
  if (isBytes(source)) {
    const bytes = copyBytes(source);
    const module = await WA.compile(bytes);
    const record = newRecord(bytes);
    state.records.set(module, record);
    const instance = await WA.instantiate(module, instrumentFor(module, record, imports));
    registerInstance(instance, record);
    return { module, instance };
  }
  if (source instanceof (WA.Module as unknown as Function)) {
    let record = state.records.get(source);
    if (!record) state.records.set(source, (record = newRecord(null)));
    const instance = await WA.instantiate(source, instrumentFor(source, record, imports));
    registerInstance(instance, record);
    return instance;
  }
  throw new TypeError('crosstrace: instantiate: expected the module bytes or a WebAssembly.Module');
}
