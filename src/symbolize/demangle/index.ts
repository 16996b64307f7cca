// Demangling of the names a wasm module's DWARF and name section carry: C++ (Itanium ABI) and
// Rust (legacy and v0).

import { demangleItanium } from './itanium.js';
import { demangleRustLegacy, demangleRustV0 } from './rust.js';

export { setRustDemanglerWasm, type RustDemanglerWasm } from './rust.js';

/** Bounds the cache for long-running processes; a module's names fit many times over. */
const MAX_CACHED_NAMES = 1 << 16;

// A stack trace repeats the same few names, and a symbolized module asks for each many times.
const cache = new Map<string, string | null>();

const MANGLED_PREFIX = /^(?:_R|_{1,3}Z)/;

/** Whether `name` looks mangled: `_R...` (Rust v0), `_Z...`, `__Z...` or `___Z...`. */
export function isMangled(name: string): boolean {
  return MANGLED_PREFIX.test(name);
}

/**
 * The demangled form of `name`, as llvm-symbolizer 14 prints it (LLVM 19's form for manglings
 * LLVM 14 cannot read; Rust escapes decoded as rustc-demangle does), or null when `name` is not
 * a mangled name this can read.
 */
export function demangle(name: string): string | null {
  const cached = cache.get(name);
  if (cached !== undefined) return cached;
  const demangled = demangleUncached(name);
  if (cache.size >= MAX_CACHED_NAMES) cache.clear();
  cache.set(name, demangled);
  return demangled;
}

function demangleUncached(name: string): string | null {
  if (name.startsWith('_R')) return demangleRustV0(name);
  // A legacy Rust name is also valid Itanium, which is the fallback (and what LLVM prints)
  // should the Rust demangler be unavailable.
  if (name.startsWith('_ZN')) {
    const rust = demangleRustLegacy(name);
    if (rust !== null) return rust;
  }
  return MANGLED_PREFIX.test(name) ? demangleItanium(name) : null;
}
