// Node's side of the register hook: debug information from disk (separate debug files, build
// IDs, source maps beside the module, CROSSTRACE_DEBUG_PATH) through the debug-info discovery's
// Node loader, module bytes read from paths and file: URLs, and options from the environment.
// Only the Node entry (src/register.ts) imports this file.

import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { resolveDebugInfoSync } from '../symbolize/debug-info/discover.js';
import { debugPathFromEnv, nodeSyncLoader } from '../symbolize/debug-info/node-loader.js';
import { setRustDemanglerWasm } from '../symbolize/demangle/index.js';
import type { InstallOptions } from './install.js';
import type { StackPlatform } from './stack-state.js';

// The Rust demangler (gecko-profiler-demangle's wasm) finds its file from a structured stack
// trace, which V8 does not give while a stack is being formatted, and symbolizers are made
// exactly then. So its location is found here, at load time, and the bytes are handed over when
// the first symbolizer is made (reading nothing until a stack needs it).
const demanglerPath: string | null = (() => {
  const E = Error as unknown as { captureStackTrace(t: object): void; prepareStackTrace?: unknown; stackTraceLimit?: number };
  const savedPrepare = E.prepareStackTrace;
  const savedLimit = E.stackTraceLimit;
  try {
    E.prepareStackTrace = (_: unknown, sites: Array<{ getFileName(): string | null }>) => sites;
    E.stackTraceLimit = 1;
    const holder: { stack?: Array<{ getFileName(): string | null }> } = {};
    E.captureStackTrace(holder);
    const here = Array.isArray(holder.stack) ? holder.stack[0]?.getFileName() : null;
    return here ? createRequire(here).resolve('gecko-profiler-demangle/index_bg.wasm') : null;
  } catch {
    return null;
  } finally {
    E.prepareStackTrace = savedPrepare;
    E.stackTraceLimit = savedLimit;
  }
})();
let demanglerHandedOver = false;

function handOverDemangler(): void {
  if (demanglerHandedOver || demanglerPath === null) return;
  demanglerHandedOver = true;
  try {
    setRustDemanglerWasm(readFileSync(demanglerPath));
  } catch {
    // Rust names then read as LLVM reads them
  }
}

const warned = new Set<string>();

/** One process warning per distinct message: a debug file was found but rejected. */
function warnOnce(message: string): void {
  if (warned.has(message) || warned.size > 100) return;
  warned.add(message);
  try {
    process.emitWarning(message, { code: 'CROSSTRACE_DEBUG_INFO' });
  } catch {
    // warnings are a courtesy
  }
}

export const nodePlatform: StackPlatform = {
  name: 'node',
  createSymbolizer(bytes, url, debugPath) {
    handOverDemangler();
    const info = resolveDebugInfoSync(bytes, { moduleUrl: url, debugPath: [...debugPath, ...debugPathFromEnv()] }, nodeSyncLoader);
    for (const warning of info.warnings) warnOnce(`crosstrace: ${warning}`);
    return info.symbolizer;
  },
  readModule(url) {
    let path: string;
    if (/^file:/i.test(url)) path = fileURLToPath(url);
    else if (/^[a-z][a-z0-9+.-]*:\/\//i.test(url)) return null;
    else path = url;
    return readFileSync(path);
  },
};

/**
 * Options for `node --import crosstrace/register`, which takes no arguments:
 *   CROSSTRACE_STACK_TRACE_LIMIT=N        Error.stackTraceLimit (or use node --stack-trace-limit=N)
 *   CROSSTRACE_INSTRUMENT_IMPORTS=1|0|auto  see InstallOptions.instrumentImports
 *   CROSSTRACE_ERROR_STACK=0              register modules only, leave Error.stack alone
 * Malformed values are ignored.
 */
export function optionsFromEnv(env: Record<string, string | undefined> = process.env): InstallOptions {
  const options: InstallOptions = {};
  const limit = env.CROSSTRACE_STACK_TRACE_LIMIT;
  if (limit !== undefined && /^\d+$/.test(limit.trim())) options.stackTraceLimit = Number(limit.trim());
  const instrument = env.CROSSTRACE_INSTRUMENT_IMPORTS?.trim().toLowerCase();
  if (instrument === '1' || instrument === 'true') options.instrumentImports = true;
  else if (instrument === '0' || instrument === 'false') options.instrumentImports = false;
  else if (instrument === 'auto') options.instrumentImports = 'auto';
  const errorStack = env.CROSSTRACE_ERROR_STACK?.trim().toLowerCase();
  if (errorStack === '0' || errorStack === 'false') options.errorStack = false;
  return options;
}
