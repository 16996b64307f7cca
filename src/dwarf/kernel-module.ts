/**
 * The WebAssembly kernels' common ground: compiling one (its bytes are embedded as base64 by
 * scripts/build-kernels.sh) and giving each run a memory of its own.
 *
 * A kernel works on a memory its caller lays out: the first KERNEL_STACK bytes are the kernel's
 * stack, the rest the caller's inputs and the kernel's outputs. The outputs stay there, and the
 * caller's arrays are views of them: nothing is copied out, and the pages past the last entry
 * written are never touched (on the VMs measured here a first touch costs ~11 µs a page).
 *
 * A reader that holds a whole module can put its bytes in a kernel arena (`bytesInKernelArena`:
 * the CLI does): kernels then read the sections where they are and write their outputs after
 * them in the same memory, with one instance each, instead of copying their inputs into a memory
 * of their own for every run.
 *
 * V8 reserves address space, not memory, for each wasm memory (gigabytes of it, with guard
 * regions), so callers use kernels for large inputs only; if a memory cannot be had, or
 * WebAssembly cannot run here (a content security policy, say), the kernel is not tried again
 * and the JavaScript code it stands in for does the work.
 */

// The project's type libraries (ES2022, Node 20) do not describe the WebAssembly global.
interface WebAssemblyApi {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { readonly exports: Record<string, unknown> };
  Memory: new (descriptor: { initial: number }) => { readonly buffer: ArrayBuffer };
}

/** Bytes at the start of a kernel's memory that are its stack (see scripts/build-kernels.sh). */
export const KERNEL_STACK = 8192;

const PAGE = 65536;
/** What each kernel module declares as its memory's minimum. */
const MIN_PAGES = 2;
/** A wasm32 memory's limit, less a page, so every offset fits 32 bits with room to spare. */
export const MAX_KERNEL_MEMORY = 2 ** 32 - PAGE;

/** Where a kernel runs: its exports, the memory's buffer, and where the caller's region starts. */
export interface KernelRun {
  buffer: ArrayBuffer;
  exports: Record<string, unknown>;
  /** The region for this run: `bytes` zeroed bytes from here. */
  base: number;
}

export class KernelModule {
  /** undefined until first used; null once it cannot be used here. */
  private module: object | null | undefined;

  constructor(private readonly base64: string) {}

  /**
   * A run with a zeroed region of `bytes` bytes: in the arena that holds `input` if there is one
   * (and it has room), else in a memory of its own. Null: the caller does the work.
   */
  instantiate(bytes: number, input?: Uint8Array): KernelRun | null {
    const module = this.compiled();
    if (module === null) return null;
    const arena = input === undefined ? undefined : arenas.get(input.buffer as ArrayBuffer);
    if (arena !== undefined) {
      const exports = arena.instance(this, module);
      const base = exports === null ? -1 : arena.allocate(bytes);
      if (base >= 0) return { buffer: arena.buffer, exports: exports!, base };
    }
    if (bytes > MAX_KERNEL_MEMORY - KERNEL_STACK) return null;
    try {
      const memory = new wasmApi!.Memory({ initial: Math.max(MIN_PAGES, Math.ceil((KERNEL_STACK + bytes) / PAGE)) });
      const instance = new wasmApi!.Instance(module, { env: { memory } });
      return { buffer: memory.buffer, exports: instance.exports, base: KERNEL_STACK };
    } catch {
      this.module = null;
      return null;
    }
  }

  compiled(): object | null {
    if (this.module === undefined) {
      this.module = null;
      try {
        if (wasmApi !== undefined) this.module = new wasmApi.Module(decodeBase64(this.base64));
      } catch {
        // JavaScript does the work.
      }
    }
    return this.module;
  }

  /** For an arena whose instance failed: not tried again. */
  disable(): void {
    this.module = null;
  }
}

const wasmApi = (globalThis as { WebAssembly?: WebAssemblyApi }).WebAssembly;

/** A wasm memory holding a module's bytes, and after them the outputs of kernel runs. */
class KernelArena {
  private readonly instances = new Map<KernelModule, Record<string, unknown> | null>();

  constructor(
    private readonly memory: { readonly buffer: ArrayBuffer },
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
        kernel.disable();
      }
      this.instances.set(kernel, exports);
    }
    return exports;
  }
}

const arenas = new WeakMap<ArrayBuffer, KernelArena>();

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
 * Address space an arena reserves per byte of module: the subroutine walk takes up to ~220 bytes
 * per byte of DIEs and the line kernel ~45 per byte of program (both upper bounds, rarely
 * touched), and DWARF is a part of the module.
 */
const ARENA_PER_MODULE_BYTE = 256;
const ARENA_MIN = 64 << 20;

/** Base64 to bytes without Node's Buffer, so the reader runs in browsers too. */
function decodeBase64(text: string): Uint8Array {
  const binary = atob(text);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

/** `offset` rounded up to a multiple of 8. */
export function align8(offset: number): number {
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
