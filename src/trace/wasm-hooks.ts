// C hooks exported by a wasm module, as JS hooks. A hook written in C against Go's cgo structs
// takes one pointer argument: crosstrace lays the struct out in the module's linear memory
// (uintptr_t fields: 4 bytes on wasm32, 8 on wasm64, little-endian), calls the export, and
// reads the struct back. Memory may grow during the call (the ArrayBuffer is then replaced):
// every access after the call goes through the current buffer.
//
// Scratch space: one block per instance from the module's `malloc` (kept for the instance's
// life), or the caller's `scratch` address (`wasmHookScratchSize` bytes). A nested call while
// the block is in use gets its own block from `malloc` and gives it back with `free`.

import { ForeignTracebackError, misbehaved, MAX_NAME_LENGTH, TRACEBACK_MAX } from './hooks.js';
import { moduleFacts, recordOf } from './instrument.js';
import { registerOwnModule } from './state.js';
import type { ContextArg, ContextHook, SymbolizerArg, SymbolizerHook, TracebackArg, TracebackHook, WasmInstance, WasmMemory } from './types.js';

registerOwnModule('wasm-hooks');

export interface WasmHookOptions {
  /** Export names of the C hooks. */
  traceback?: string;
  context?: string;
  symbolizer?: string;
  /** Export name of the memory (default "memory"). */
  memory?: string;
  /** Export names of the allocator (default "malloc" and "free"). */
  malloc?: string;
  free?: string;
  /** Address of `wasmHookScratchSize(pointerSize)` bytes to use instead of `malloc`. */
  scratch?: number;
  /** 4 (wasm32) or 8 (wasm64); found from the module when crosstrace has its bytes. */
  pointerSize?: 4 | 8;
}

export interface WasmHooks {
  traceback: TracebackHook | null;
  context: ContextHook | null;
  symbolizer: SymbolizerHook | null;
}

/** Bytes of scratch space the hooks need: the traceback arg (4 words) and its 32-entry buffer. */
export function wasmHookScratchSize(pointerSize: 4 | 8 = 4): number {
  return (4 + TRACEBACK_MAX) * pointerSize;
}

type Raw = number | bigint;
type WasmFn = (...args: Raw[]) => unknown;

interface RawFields {
  /** Last values read from the struct, and the numbers given to JS for them. */
  raw: Raw[];
  shown: number[];
}

let decoder: { decode(bytes: Uint8Array): string } | null = null;
function utf8(bytes: Uint8Array): string {
  if (decoder === null) {
    const Decoder = (globalThis as { TextDecoder?: new (label?: string, options?: { fatal?: boolean }) => { decode(b: Uint8Array): string } }).TextDecoder;
    if (!Decoder) {
      let s = '';
      for (const b of bytes) s += String.fromCharCode(b < 0x80 ? b : 0xfffd);
      return s;
    }
    decoder = new Decoder('utf-8', { fatal: false });
  }
  return decoder.decode(bytes);
}

class Marshal {
  readonly P: 4 | 8;
  // Views of the memory. Growing a non-shared memory detaches its buffer, which empties
  // #bytes: that is the (cheap) sign to fetch the new buffer. A shared memory is re-read always.
  #bytes = new Uint8Array(0);
  #view = new DataView(new ArrayBuffer(0));
  #shared = false;
  #scratch: number;
  #busy = false;
  readonly #memory: WasmMemory;
  readonly #malloc: WasmFn | null;
  readonly #free: WasmFn | null;
  readonly #reported = new Set<string>();

  constructor(instance: WasmInstance, options: WasmHookOptions) {
    const exports = instance.exports;
    const memory = exports[options.memory ?? 'memory'] as WasmMemory | undefined;
    if (!memory || typeof memory !== 'object' || !(memory.buffer instanceof ArrayBuffer || isSharedBuffer(memory.buffer))) {
      throw new ForeignTracebackError(`wasmHooks: the instance exports no memory named "${options.memory ?? 'memory'}"`);
    }
    this.#memory = memory;
    this.#shared = isSharedBuffer(memory.buffer);
    const malloc = exports[options.malloc ?? 'malloc'];
    const free = exports[options.free ?? 'free'];
    this.#malloc = typeof malloc === 'function' ? (malloc as WasmFn) : null;
    this.#free = typeof free === 'function' ? (free as WasmFn) : null;
    const scratch = options.scratch;
    if (scratch !== undefined && (!Number.isSafeInteger(scratch) || scratch <= 0)) {
      throw new ForeignTracebackError('wasmHooks: scratch must be a positive address');
    }
    this.#scratch = scratch ?? 0;
    if (this.#scratch === 0 && this.#malloc === null) {
      throw new ForeignTracebackError('wasmHooks: the instance exports no malloc; pass a scratch address');
    }
    this.P = options.pointerSize ?? pointerSizeOf(instance, this.#free);
    if (this.P !== 4 && this.P !== 8) throw new ForeignTracebackError('wasmHooks: pointerSize must be 4 or 8');
  }

  /** The current memory; call again after anything that may have grown it. */
  view(): DataView {
    if (this.#bytes.length === 0 || this.#shared) {
      const buffer = this.#memory.buffer;
      if (buffer !== this.#view.buffer) {
        this.#bytes = new Uint8Array(buffer);
        this.#view = new DataView(buffer);
      }
    }
    return this.#view;
  }

  bytes(): Uint8Array {
    this.view();
    return this.#bytes;
  }

  arg(address: number): Raw {
    return this.P === 4 ? address : BigInt(address);
  }

  read(view: DataView, address: number): Raw {
    return this.P === 4 ? view.getUint32(address, true) : view.getBigUint64(address, true);
  }

  write(view: DataView, address: number, value: Raw): void {
    if (this.P === 4) view.setUint32(address, typeof value === 'bigint' ? Number(BigInt.asUintN(32, value)) : value >>> 0, true);
    else view.setBigUint64(address, typeof value === 'bigint' ? BigInt.asUintN(64, value) : toU64(value), true);
  }

  /** A block of scratch space; give it back with `release`. */
  acquire(): number {
    if (!this.#busy) {
      if (this.#scratch === 0) this.#scratch = this.#allocate();
      this.#busy = true;
      return this.#scratch;
    }
    return this.#allocate();
  }

  release(address: number): void {
    if (address === this.#scratch) {
      this.#busy = false;
      return;
    }
    if (this.#free) this.#free(this.arg(address));
  }

  #allocate(): number {
    if (this.#malloc === null) throw new ForeignTracebackError('wasmHooks: scratch space is in use and the instance exports no malloc');
    const address = Number(this.#malloc(this.arg(wasmHookScratchSize(this.P))));
    if (!Number.isSafeInteger(address) || address <= 0) throw new ForeignTracebackError('wasmHooks: malloc returned no memory');
    return address;
  }

  /** A NUL-terminated UTF-8 string at `pointer`, at most MAX_NAME_LENGTH bytes; null for NULL or out of bounds. */
  cstring(pointer: number, which: 'symbolizer'): string | null {
    if (pointer === 0) return null;
    const bytes = this.bytes();
    if (!(pointer < bytes.length)) {
      this.report(which, 'oob', `the ${which} hook returned a string pointer past the end of memory (${pointer})`);
      return null;
    }
    const window = bytes.subarray(pointer, Math.min(bytes.length, pointer + MAX_NAME_LENGTH));
    let length = window.indexOf(0);
    if (length < 0) {
      this.report(which, 'long', `the ${which} hook returned a string longer than ${MAX_NAME_LENGTH} bytes; it was cut`);
      length = window.length;
    }
    return utf8(window.subarray(0, length));
  }

  /** Reports one kind of misbehavior once per instance. */
  report(which: 'context' | 'traceback' | 'symbolizer', kind: string, message: string): void {
    if (this.#reported.has(kind)) return;
    this.#reported.add(kind);
    misbehaved(which, message);
  }
}

function isSharedBuffer(value: unknown): boolean {
  return Object.prototype.toString.call(value) === '[object SharedArrayBuffer]';
}

function toU64(value: number): bigint {
  if (!Number.isFinite(value)) return 0n;
  return BigInt.asUintN(64, BigInt(Math.trunc(value)));
}

function toNumber(raw: Raw): number {
  return typeof raw === 'bigint' ? Number(raw) : raw;
}

/**
 * wasm32 or wasm64: from the module bytes when crosstrace has them; else `free(NULL)`, a no-op
 * in C, which throws a TypeError before running when its parameter is an i64.
 */
function pointerSizeOf(instance: WasmInstance, free: WasmFn | null): 4 | 8 {
  const record = recordOf(instance);
  if (record) {
    moduleFacts(record);
    if (record.pointerSize) return record.pointerSize;
  }
  if (free) {
    try {
      free(0);
    } catch (error) {
      if (error instanceof TypeError) return 8;
    }
  }
  return 4;
}

function hookExport(instance: WasmInstance, name: string | undefined): WasmFn | null {
  if (name === undefined || name === null) return null;
  const fn = instance.exports[name];
  if (typeof fn !== 'function') throw new ForeignTracebackError(`wasmHooks: the instance exports no function named "${name}"`);
  return fn as WasmFn;
}

function makeContext(m: Marshal, fn: WasmFn): ContextHook {
  return {
    ['crosstrace:wasm-context'](arg: ContextArg): void {
      const base = m.acquire();
      try {
        m.write(m.view(), base, arg.context);
        fn(m.arg(base));
        arg.context = toNumber(m.read(m.view(), base));
      } finally {
        m.release(base);
      }
    },
  }['crosstrace:wasm-context'];
}

function makeTraceback(m: Marshal, fn: WasmFn): TracebackHook {
  const P = m.P;
  return {
    ['crosstrace:wasm-traceback'](arg: TracebackArg): void {
      const base = m.acquire();
      try {
        const max = Math.max(0, Math.min(TRACEBACK_MAX, Math.trunc(Number(arg.max)) || 0));
        const buf = base + 4 * P;
        let view = m.view();
        m.write(view, base, arg.context);
        m.write(view, base + P, arg.sigContext);
        m.write(view, base + 2 * P, buf);
        m.write(view, base + 3 * P, max);
        m.bytes().fill(0, buf, buf + TRACEBACK_MAX * P);
        fn(m.arg(base));
        view = m.view();
        for (let i = 0; i < max; i++) arg.buf[i] = toNumber(m.read(view, buf + i * P));
      } finally {
        m.release(base);
      }
    },
  }['crosstrace:wasm-traceback'];
}

// Field order of cgoSymbolizerArg.
const FILE = 1, LINENO = 2, FUNC = 3, ENTRY = 4, MORE = 5, DATA = 6; // 0 is pc

function makeSymbolizer(m: Marshal, fn: WasmFn): SymbolizerHook {
  const P = m.P;
  // The struct's raw values for each JS arg object, so pointers (file, func) and wide values
  // go back into the struct exactly as the hook left them.
  const fields = new WeakMap<SymbolizerArg, RawFields>();
  return {
    ['crosstrace:wasm-symbolizer'](arg: SymbolizerArg): void {
      let state = fields.get(arg);
      if (!state) fields.set(arg, (state = { raw: [0, 0, 0, 0, 0, 0, 0], shown: [NaN, NaN, NaN, NaN, NaN, NaN, NaN] }));
      const js = [arg.pc, arg.file === null ? 0 : NaN, arg.lineno, arg.func === null ? 0 : NaN, arg.entry, arg.more, arg.data];
      const base = m.acquire();
      try {
        let view = m.view();
        for (let i = 0; i < 7; i++) {
          let value: Raw;
          if (i === FILE || i === FUNC) value = js[i] === 0 ? 0 : state.raw[i]; // a string stays its pointer
          else value = js[i] === state.shown[i] ? state.raw[i] : Number(js[i]) || 0;
          m.write(view, base + i * P, value);
        }
        fn(m.arg(base));
        view = m.view();
        for (let i = 0; i < 7; i++) {
          state.raw[i] = m.read(view, base + i * P);
          state.shown[i] = toNumber(state.raw[i]);
        }
        arg.file = m.cstring(state.shown[FILE], 'symbolizer');
        arg.func = m.cstring(state.shown[FUNC], 'symbolizer');
        arg.lineno = state.shown[LINENO];
        arg.entry = state.shown[ENTRY];
        arg.more = state.shown[MORE];
        arg.data = state.shown[DATA];
      } finally {
        m.release(base);
      }
    },
  }['crosstrace:wasm-symbolizer'];
}

const cache = new WeakMap<object, Map<string, unknown>>();

/**
 * The C hooks `names` exported by `instance`, as JS hooks for `setForeignTraceback`. The same
 * instance, export and options always give the same function, so a repeated
 * `setForeignTraceback` call with them is accepted.
 */
export function wasmHooks(instance: WasmInstance, names: WasmHookOptions): WasmHooks {
  if (!instance || typeof instance !== 'object' || !instance.exports) throw new ForeignTracebackError('wasmHooks: expected a WebAssembly.Instance');
  if (!names || typeof names !== 'object') throw new ForeignTracebackError('wasmHooks: expected the export names of the hooks');
  let byKey = cache.get(instance);
  if (!byKey) cache.set(instance, (byKey = new Map()));
  const optionsKey = [names.memory, names.malloc, names.free, names.scratch, names.pointerSize].join('\0');
  let marshal = byKey.get(`marshal\0${optionsKey}`) as Marshal | undefined;
  const get = <T>(kind: string, name: string | undefined, make: (m: Marshal, fn: WasmFn) => T): T | null => {
    const fn = hookExport(instance, name);
    if (fn === null) return null;
    const key = `${kind}\0${name}\0${optionsKey}`;
    let hook = byKey!.get(key) as T | undefined;
    if (!hook) {
      if (!marshal) byKey!.set(`marshal\0${optionsKey}`, (marshal = new Marshal(instance, names)));
      byKey!.set(key, (hook = make(marshal, fn)));
    }
    return hook;
  };
  return {
    traceback: get('traceback', names.traceback, makeTraceback),
    context: get('context', names.context, makeContext),
    symbolizer: get('symbolizer', names.symbolizer, makeSymbolizer),
  };
}
