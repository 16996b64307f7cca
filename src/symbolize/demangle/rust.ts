// Rust symbol names, demangled by rustc-demangle as compiled to wasm in gecko-profiler-demangle.
//
// Output conventions, chosen so that the only difference from llvm-symbolizer 14 is that Rust
// escapes read as Rust:
// - Legacy names keep their `::h<16 hex digits>` hash, as rustc-demangle's default `{}` form and
//   LLVM both do. The package only offers the alternate `{:#}` form, which drops the hash, so it
//   is put back here.
// - v0 names print without crate disambiguators, as LLVM and rustc-demangle's `{:#}` form do.
// - A clone suffix (`.llvm.123`, `.cold`, `.0`) is shown the way LLVM shows one, ` (.llvm.123)`,
//   where rustc-demangle would drop `.llvm.` suffixes and glue the others on.
//
// Node loads the package's wasm file itself on the first Rust name; other hosts (browsers, where
// compiling half a megabyte synchronously on the main thread is not allowed, and bundles) hand
// it over with setRustDemanglerWasm. Without it Rust names are left to the caller's fallback.

import type * as NodeFs from 'node:fs';
import type * as NodeModule from 'node:module';

/** The wasm-bindgen exports of gecko-profiler-demangle 0.4 that this file drives. */
interface DemanglerExports {
  readonly memory: { readonly buffer: ArrayBuffer };
  readonly __wbindgen_export_0: { grow(delta: number): number; set(index: number, value: unknown): void };
  demangle_any(ptr: number, len: number): [number, number];
  __wbindgen_malloc(size: number, align: number): number;
  __wbindgen_free(ptr: number, size: number, align: number): void;
  __wbindgen_start(): void;
}

// The project's type libraries (ES2022, Node 20) do not describe the WebAssembly global.
interface WebAssemblyApi {
  Module: new (bytes: ArrayBuffer | ArrayBufferView) => object;
  Instance: new (module: object, imports: object) => { readonly exports: object };
}

/** gecko-profiler-demangle's `index_bg.wasm`: its bytes, or a WebAssembly.Module of them. */
export type RustDemanglerWasm = ArrayBuffer | ArrayBufferView | object;

let injectedSource: RustDemanglerWasm | null = null;
/** undefined until the first Rust name; null when the wasm could not be had. */
let demangler: DemanglerExports | null | undefined;

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/**
 * Supplies gecko-profiler-demangle's `index_bg.wasm` for hosts that cannot read it from
 * node_modules; browsers should pass a module compiled asynchronously. Call before demangling.
 */
export function setRustDemanglerWasm(source: RustDemanglerWasm): void {
  injectedSource = source;
  demangler = undefined;
}

const RUST_HASH = /^h[0-9a-f]{16}$/;
const NON_ASCII = /[^\x00-\x7f]/;

/**
 * Splits a legacy Rust name, `_ZN` <length-prefixed components> `E` [suffix], into its mangled
 * core, hash and clone suffix. Components must be ASCII (rustc-demangle's own test, so its
 * answer is always Rust's) and the last one the hash, `17h` + 16 hex digits.
 */
function splitLegacy(name: string): { core: string; hash: string; suffix: string } | null {
  if (!name.startsWith('_ZN')) return null;
  let pos = 3;
  let lastStart = -1;
  while (pos < name.length && name[pos] !== 'E') {
    const digitsStart = pos;
    let length = 0;
    while (pos < name.length && name[pos] >= '0' && name[pos] <= '9') length = length * 10 + name.charCodeAt(pos++) - 48;
    if (pos === digitsStart || pos + length > name.length) return null;
    lastStart = pos;
    pos += length;
  }
  if (pos >= name.length || lastStart < 0) return null;
  const hash = name.slice(lastStart, pos);
  const core = name.slice(0, pos + 1);
  const suffix = name.slice(pos + 1);
  if (!RUST_HASH.test(hash) || (suffix !== '' && suffix[0] !== '.') || NON_ASCII.test(core)) return null;
  return { core, hash, suffix };
}

/** Demangles a legacy Rust name, hash kept; null if it is none or the demangler is unavailable. */
export function demangleRustLegacy(name: string): string | null {
  const parts = splitLegacy(name);
  if (parts === null) return null;
  const path = callDemangler(parts.core);
  if (path === null) return null;
  return `${path}::${parts.hash}${formatSuffix(parts.suffix)}`;
}

/** Demangles a v0 Rust name (`_R...`); null if invalid or the demangler is unavailable. */
export function demangleRustV0(name: string): string | null {
  if (!name.startsWith('_R')) return null;
  // v0 manglings are [A-Za-z0-9_] only, so a dot starts the suffix.
  const dot = name.indexOf('.');
  const core = dot < 0 ? name : name.slice(0, dot);
  const path = callDemangler(core);
  return path === null ? null : path + formatSuffix(dot < 0 ? '' : name.slice(dot));
}

function formatSuffix(suffix: string): string {
  return suffix === '' ? '' : ` (${suffix})`;
}

/** The package's demangle_any; it echoes the input (minus a leading `_`) when nothing applies. */
function callDemangler(mangled: string): string | null {
  const exports = getDemangler();
  if (exports === null) return null;
  let output: string;
  try {
    const input = encoder.encode(mangled);
    const inputPtr = exports.__wbindgen_malloc(input.length, 1);
    new Uint8Array(exports.memory.buffer, inputPtr, input.length).set(input);
    // The callee takes ownership of the input buffer and frees it; the result is ours to free.
    const [outputPtr, outputLen] = exports.demangle_any(inputPtr, input.length);
    output = decoder.decode(new Uint8Array(exports.memory.buffer, outputPtr, outputLen));
    exports.__wbindgen_free(outputPtr, outputLen, 1);
  } catch {
    // A trap leaves the instance in an unknown state: stop using it.
    demangler = null;
    return null;
  }
  return output === mangled || output === mangled.slice(1) ? null : output;
}

function getDemangler(): DemanglerExports | null {
  if (demangler === undefined) {
    demangler = null;
    const source = injectedSource ?? readPackagedWasm();
    if (source !== null) demangler = instantiate(source);
  }
  return demangler;
}

function instantiate(source: RustDemanglerWasm): DemanglerExports | null {
  const api = (globalThis as { WebAssembly?: WebAssemblyApi }).WebAssembly;
  if (api === undefined) return null;
  try {
    const module = source instanceof ArrayBuffer || ArrayBuffer.isView(source) ? new api.Module(source) : source;
    let exports: DemanglerExports | undefined;
    const imports = {
      './index_bg.js': {
        // wasm-bindgen's reserved slots at the start of its externref table.
        __wbindgen_init_externref_table(): void {
          const table = exports!.__wbindgen_export_0;
          const offset = table.grow(4);
          table.set(0, undefined);
          table.set(offset + 0, undefined);
          table.set(offset + 1, null);
          table.set(offset + 2, true);
          table.set(offset + 3, false);
        },
      },
    };
    exports = new api.Instance(module, imports).exports as DemanglerExports;
    exports.__wbindgen_start();
    return exports;
  } catch {
    return null;
  }
}

interface NodeProcess {
  getBuiltinModule?(id: string): unknown;
}

/**
 * Reads `index_bg.wasm` from the installed package, in Node only. Built-ins come from
 * process.getBuiltinModule (Node 20.16+) so that no static `node:` import reaches browser
 * bundles, and the package is resolved from this file's own location, which both the ESM and
 * the CJS build can learn from the stack, so it is found wherever npm put it.
 */
function readPackagedWasm(): Uint8Array | null {
  const process = (globalThis as { process?: NodeProcess }).process;
  if (typeof process?.getBuiltinModule !== 'function') return null;
  try {
    const fs = process.getBuiltinModule('node:fs') as typeof NodeFs;
    const module = process.getBuiltinModule('node:module') as typeof NodeModule;
    const here = ownFileName();
    if (here === undefined) return null;
    return fs.readFileSync(module.createRequire(here).resolve('gecko-profiler-demangle/index_bg.wasm'));
  } catch {
    return null;
  }
}

/** This module's file name or file: URL, from V8's structured stack trace. */
function ownFileName(): string | undefined {
  const savedPrepare = Error.prepareStackTrace;
  const savedLimit = Error.stackTraceLimit;
  try {
    Error.prepareStackTrace = (_error, frames) => frames;
    Error.stackTraceLimit = 1;
    const holder: { stack?: NodeJS.CallSite[] } = {};
    Error.captureStackTrace(holder);
    return holder.stack?.[0]?.getFileName() ?? undefined;
  } finally {
    Error.prepareStackTrace = savedPrepare;
    Error.stackTraceLimit = savedLimit;
  }
}
