// `install()`: the register hook, as a library call. It patches WebAssembly so that every module
// made from then on is registered (wasm-hook.ts) and puts crosstrace in front of
// Error.prepareStackTrace (error-stack.ts). `register()` covers modules made before.
//
// This file and everything it imports run in browsers: the Node entry (src/register.ts) adds
// the Node platform (debug files from disk, CROSSTRACE_DEBUG_PATH) on top.

import { fetchLocation } from '../symbolize/debug-info/fetch-loader.js';
import { registerOwnModule } from '../trace/state.js';
import { errorStackInstalled, installErrorStack, uninstallErrorStack } from './error-stack.js';
import { hookState, type StackPlatform } from './stack-state.js';
import {
  isBytes,
  isWasmInstance,
  isWasmModule,
  patchWebAssembly,
  portablePlatform,
  registerByUrl,
  registerBytes,
  unpatchWebAssembly,
} from './wasm-hook.js';

registerOwnModule('format-install');

export interface InstallOptions {
  /**
   * Sets `Error.stackTraceLimit`: how many frames V8 keeps when an error is made (each wasm
   * frame counts once, however many inlined frames it expands to). Default: the program's own
   * setting (10 unless changed, e.g. with `node --stack-trace-limit=N`).
   */
  stackTraceLimit?: number;
  /** Rewrite `Error.stack` (default true). With false only modules are registered, for `stack()`. */
  errorStack?: boolean;
  /**
   * Make wasm → JS calls foreign-traceback boundaries, so that foreign frames appear there:
   * `'auto'` (default) for modules instantiated while a `setForeignTraceback` hook is set,
   * `true` for every module, `false` never. Each boundary costs a wrapper call per import call
   * and two hidden frames of `Error.stackTraceLimit`.
   */
  instrumentImports?: boolean | 'auto';
  /** Directories searched for separate debug files, before `CROSSTRACE_DEBUG_PATH` (Node). */
  debugPath?: readonly string[];
}

export interface InstallStatus {
  /** Error.stack is rewritten (false where the engine has no V8 stack trace API). */
  errorStack: boolean;
  /** WebAssembly's functions are replaced (false where there is no WebAssembly). */
  webAssembly: boolean;
  /** 'node' with the Node entry, 'portable' otherwise. */
  platform: string;
}

function applyOptions(options: InstallOptions): void {
  if (options === null || typeof options !== 'object') throw new TypeError('crosstrace: install: options must be an object');
  const o = hookState.options;
  if (options.errorStack !== undefined) o.errorStack = Boolean(options.errorStack);
  if (options.instrumentImports !== undefined) {
    const v = options.instrumentImports;
    if (v !== true && v !== false && v !== 'auto') throw new TypeError("crosstrace: install: instrumentImports must be true, false or 'auto'");
    o.instrumentImports = v;
  }
  if (options.debugPath !== undefined) {
    if (!Array.isArray(options.debugPath) || options.debugPath.some((d) => typeof d !== 'string')) {
      throw new TypeError('crosstrace: install: debugPath must be an array of strings');
    }
    o.debugPath = [...options.debugPath];
  }
  if (options.stackTraceLimit !== undefined) {
    const n = options.stackTraceLimit;
    if (typeof n !== 'number' || !(n >= 0)) throw new TypeError('crosstrace: install: stackTraceLimit must be a number ≥ 0');
    try {
      (Error as unknown as { stackTraceLimit: number }).stackTraceLimit = n;
    } catch {
      // a frozen Error: the program's setting stands
    }
  }
}

/** install() with a platform; the Node entry passes Node's. Installing again updates the options. */
export function installWith(options: InstallOptions, platform: StackPlatform | null): InstallStatus {
  applyOptions(options);
  if (platform !== null) hookState.platform = platform;
  const webAssembly = patchWebAssembly();
  const errorStack = installErrorStack();
  hookState.installed = true;
  return { errorStack, webAssembly, platform: (hookState.platform ?? portablePlatform).name };
}

/**
 * Installs the register hook in this realm: modules made from now on are registered, and
 * `Error.stack` shows their frames symbolized (see docs/error-stack.md). Installing again only
 * updates the options. In Node, `node --import crosstrace/register` does this before the
 * program starts (and also reads separate debug files); this entry is the one for browsers.
 */
export function install(options: InstallOptions = {}): InstallStatus {
  return installWith(options, null);
}

/** Takes the hook out: WebAssembly's functions and Error.prepareStackTrace are the program's again. */
export function uninstall(): void {
  unpatchWebAssembly();
  uninstallErrorStack();
  hookState.installed = false;
}

/** True while the hook is installed (Error.stack rewriting in place). */
export function installed(): boolean {
  return hookState.installed && errorStackInstalled();
}

export interface RegisterOptions {
  /** The module's bytes. */
  bytes?: ArrayBuffer | ArrayBufferView;
  /**
   * Where the module was loaded from: used to find its debug information (external debug
   * files and source maps resolve against it) and, without `bytes`, to read the bytes.
   */
  url?: string | { href: string };
}

/**
 * Tells crosstrace about a module made before the hook was installed (or elsewhere):
 *   - `register(moduleOrInstance, { bytes, url? })`: registered now;
 *   - `register(moduleOrInstance, { url })`: the bytes are read from `url` (synchronously in
 *     Node; in browsers they are fetched, and the returned promise settles once registered);
 *   - `register(bytes, { url })`: frames of unknown instances whose script URL is `url` (a
 *     streaming URL, or V8's `wasm://wasm/<name>-<hash>`) are symbolized with these bytes.
 */
export function register(target: object, options: RegisterOptions = {}): void | Promise<void> {
  if (options === null || typeof options !== 'object') throw new TypeError('crosstrace: register: options must be an object');
  const url = options.url === undefined || options.url === null ? null : typeof options.url === 'string' ? options.url : String(options.url.href);
  if (isBytes(target)) {
    if (!url) throw new TypeError("crosstrace: register(bytes, { url }): bytes alone need the url their frames show");
    registerByUrl(target, url);
    return;
  }
  if (!isWasmModule(target) && !isWasmInstance(target)) {
    throw new TypeError('crosstrace: register: expected a WebAssembly.Module, a WebAssembly.Instance, or module bytes');
  }
  if (options.bytes !== undefined) {
    if (!isBytes(options.bytes)) throw new TypeError('crosstrace: register: bytes must be an ArrayBuffer or a typed array');
    registerBytes(target, options.bytes, url);
    return;
  }
  if (!url) throw new TypeError('crosstrace: register: pass { bytes } or { url }');
  const platform = hookState.platform ?? portablePlatform;
  const read = platform.readModule ? platform.readModule(url) : null;
  if (read) {
    registerBytes(target, read, url);
    return;
  }
  return fetchLocation(url).then((outcome) => {
    if (!(outcome instanceof Uint8Array)) throw new TypeError(`crosstrace: register: cannot read ${url}: ${outcome.error}`);
    registerBytes(target, outcome, url);
  });
}
