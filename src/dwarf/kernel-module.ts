/**
 * The WebAssembly kernels' common ground: compiling one (its bytes are embedded as base64 by
 * scripts/build-kernels.sh) and giving each run a region of memory to work in.
 *
 * A kernel works on a memory its caller lays out: the first KERNEL_STACK bytes are the kernel's
 * stack, the rest the caller's inputs and the kernel's outputs. In an arena the outputs stay
 * there and the caller's arrays are views of them: nothing is copied out, and the pages past
 * the last entry written are never touched (on the VMs measured here a first touch costs ~11 µs
 * a page).
 *
 * A reader that holds a whole module can put its bytes in a kernel arena (`bytesInKernelArena`:
 * the CLI does): kernels then read the sections where they are and write their outputs after
 * them in the same memory, with one instance each, instead of copying their inputs.
 *
 * Elsewhere a kernel runs in a scratch memory of its own, reused by every run, and its caller
 * copies out what it keeps; callers use kernels there for large inputs only, where the copies
 * are small beside the work. If WebAssembly cannot run here (a content security policy, say) or
 * a memory cannot be had, the JavaScript code a kernel stands in for does the work.
 */

import { bytesFromBase64 } from '../wasm/base64.js';

// The project's type libraries (ES2022, Node 20) do not describe the WebAssembly global.
interface WasmMemory {
  readonly buffer: ArrayBuffer;
  grow(pages: number): number;
}

interface WebAssemblyApi {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { readonly exports: Record<string, unknown> };
  Memory: new (descriptor: { initial: number }) => WasmMemory;
}

/** Bytes at the start of a kernel's memory that are its stack (see scripts/build-kernels.sh). */
const KERNEL_STACK = 8192;

const PAGE = 65536;
/** What each kernel module declares as its memory's minimum. */
const MIN_PAGES = 2;
/** A wasm32 memory's limit, less a page, so every offset fits 32 bits with room to spare. */
const MAX_KERNEL_MEMORY = 2 ** 32 - PAGE;

/** Where a kernel runs: its exports, the memory's buffer, and where the caller's region starts. */
export interface KernelRun {
  buffer: ArrayBuffer;
  exports: Record<string, unknown>;
  /** The region for this run: `bytes` bytes from here. */
  base: number;
  /**
   * True in the kernel's scratch memory, which the next run reuses: the region holds an earlier
   * run's bytes, and the caller copies out what it keeps (`kept`). False in an arena, where the
   * region is fresh (zeroed, untouched) and stays the caller's.
   */
  scratch: boolean;
}

/** An output of `run` as its caller keeps it: the view itself in an arena, a copy of it in scratch memory. */
export function kept<T extends Uint8Array | Uint16Array | Uint32Array | Int32Array | Float64Array>(run: KernelRun, view: T): T {
  return run.scratch ? (view.slice() as T) : view;
}

export class KernelModule {
  /** undefined until first used; null once it cannot be used here. */
  private module: object | null | undefined;
  /** Outside arenas, every run uses this one memory (grown as needed): see `instantiate`. */
  private scratch: { memory: WasmMemory; exports: Record<string, unknown> } | null = null;

  constructor(private readonly base64: string) {}

  /**
   * A run with a region of `bytes` bytes: in the arena that holds `input` if there is one (and it
   * has room), else in the kernel's scratch memory (`KernelRun.scratch` says which). Null: the
   * caller does the work.
   *
   * One scratch memory, not one per run: V8 reserves gigabytes of address space for every wasm
   * memory, and indexes that kept their own would exhaust it for the host program's modules
   * long before memory ran out.
   */
  instantiate(bytes: number, input?: { readonly buffer: ArrayBufferLike }): KernelRun | null {
    const module = this.compiled();
    if (module === null) return null;
    const arena = input === undefined ? undefined : arenas.get(input.buffer as ArrayBuffer);
    if (arena !== undefined) {
      const exports = arena.instance(this, module);
      const base = exports === null ? -1 : arena.allocate(bytes);
      if (base >= 0) return { buffer: arena.buffer, exports: exports!, base, scratch: false };
    }
    if (bytes > MAX_KERNEL_MEMORY - KERNEL_STACK) return null;
    try {
      const needed = Math.ceil((KERNEL_STACK + bytes) / PAGE);
      let scratch = this.scratch;
      if (scratch === null) {
        const memory = new wasmApi!.Memory({ initial: Math.max(MIN_PAGES, needed) });
        scratch = this.scratch = { memory, exports: new wasmApi!.Instance(module, { env: { memory } }).exports };
      } else if (scratch.memory.buffer.byteLength < needed * PAGE) {
        scratch.memory.grow(needed - scratch.memory.buffer.byteLength / PAGE);
      }
      return { buffer: scratch.memory.buffer, exports: scratch.exports, base: KERNEL_STACK, scratch: true };
    } catch {
      // No memory to be had (address space, say): JavaScript does this one.
      return null;
    }
  }

  private compiled(): object | null {
    if (this.module === undefined) {
      this.module = null;
      try {
        if (wasmApi !== undefined) this.module = new wasmApi.Module(bytesFromBase64(this.base64));
      } catch {
        // JavaScript does the work.
      }
    }
    return this.module;
  }
}

const wasmApi = (globalThis as { WebAssembly?: WebAssemblyApi }).WebAssembly;

/** A wasm memory holding a module's bytes, and after them the outputs of kernel runs. */
class KernelArena {
  private readonly instances = new Map<KernelModule, Record<string, unknown> | null>();

  constructor(
    private readonly memory: WasmMemory,
    readonly buffer: ArrayBuffer,
    /** The next free byte: regions are handed out once and never reused, so they start zeroed. */
    private next: number,
  ) {}

  allocate(bytes: number): number {
    const base = align8(this.next);
    if (base + bytes > this.buffer.byteLength) return -1;
    this.next = base + bytes;
    return base;
  }

  instance(kernel: KernelModule, module: object): Record<string, unknown> | null {
    let exports = this.instances.get(kernel);
    if (exports === undefined) {
      exports = null;
      try {
        exports = new wasmApi!.Instance(module, { env: { memory: this.memory } }).exports;
      } catch {
        // The arena's runs take the scratch memory.
      }
      this.instances.set(kernel, exports);
    }
    return exports;
  }
}

const arenas = new WeakMap<ArrayBuffer, KernelArena>();

/** Whether `bytes` are in a kernel arena (kernels then read them in place). */
export function inKernelArena(bytes: Uint8Array): boolean {
  return arenas.has(bytes.buffer as ArrayBuffer);
}

/**
 * `length` zeroed bytes to read a module into, inside a kernel arena when one can be had (else a
 * plain Uint8Array). The arena reserves address space for kernel outputs of the sizes a module of
 * that length needs, not memory: pages are touched only where outputs are written.
 */
export function bytesInKernelArena(length: number): Uint8Array {
  const reserve = Math.min(MAX_KERNEL_MEMORY, Math.max(ARENA_MIN, KERNEL_STACK + length * ARENA_PER_MODULE_BYTE));
  if (wasmApi !== undefined && KERNEL_STACK + length < reserve) {
    try {
      const memory = new wasmApi.Memory({ initial: Math.ceil(reserve / PAGE) });
      const buffer = memory.buffer;
      arenas.set(buffer, new KernelArena(memory, buffer, KERNEL_STACK + length));
      return new Uint8Array(buffer, KERNEL_STACK, length);
    } catch {
      // No such memory here: the kernels copy their inputs.
    }
  }
  return new Uint8Array(length);
}

/**
 * Address space an arena reserves per byte of module: the subroutine walk lays out ~100 bytes per
 * byte of DIEs and the line kernel ~45 per byte of program (upper bounds, mostly never touched),
 * and those sections are a part of the module (in sqlite3's, half). A unit that finds the arena
 * full runs in the kernel's scratch memory instead. (V8 counts the whole memory as external
 * memory and collects garbage once when it is made: ~3 ms, whatever its size.)
 */
const ARENA_PER_MODULE_BYTE = 96;
const ARENA_MIN = 64 << 20;

/** `offset` rounded up to a multiple of 8. */
function align8(offset: number): number {
  return Math.ceil(offset / 8) * 8;
}

/** Offsets of a run's inputs and outputs in its region, as they are laid out. */
export class KernelLayout {
  size = 0;

  /** A place for `bytes` bytes, 8-aligned. */
  place(bytes: number): number {
    const here = align8(this.size);
    this.size = here + bytes;
    return here;
  }
}

/** Where `bytes[start…]` is in the run's memory, if it is there already (an arena); else null. */
export function inPlace(run: KernelRun, bytes: Uint8Array, start = 0): number | null {
  return bytes.buffer === run.buffer ? bytes.byteOffset + start : null;
}

/** Copies `bytes` into `heap` at `at`; returns `at`. */
export function copyIn(heap: Uint8Array, bytes: Uint8Array, at: number): number {
  heap.set(bytes, at);
  return at;
}
