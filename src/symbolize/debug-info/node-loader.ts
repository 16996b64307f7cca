// Node's side of debug-info discovery: reads paths and file: URLs from disk, fetches http(s) only
// when the caller opted in. Only Node entry points (the CLI, the register hook) import this
// file; discovery itself and the browser loader use no Node built-ins.
// `promises` is read at call time: loading node:fs/promises pulls in streams and readline
// (~2 ms), which a CLI run that never looks for a debug file should not pay at start.
import { closeSync, fstatSync, openSync, promises as fsPromises, read as fsRead, readFileSync, readSync, statSync } from 'node:fs';
import { delimiter } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Cursor } from '../../wasm/cursor.js';
import { WasmModule } from '../../wasm/module.js';
import { bytesInKernelArena, inKernelArena } from '../../dwarf/kernel-module.js';
import {
  resolveDebugInfo,
  resolveDebugInfoSync,
  type DebugInfoOptions,
  type LoadContext,
  type LoadOutcome,
  type ResolvedDebugInfo,
} from './discover.js';
import { isRemote, isUrl } from './locations.js';
import { fetchLocation } from './fetch-loader.js';

/** The environment variable naming debug directories, separated like PATH. */
export const DEBUG_PATH_VARIABLE = 'CROSSTRACE_DEBUG_PATH';

/** `CROSSTRACE_DEBUG_PATH` split at the platform's PATH delimiter (`:`, or `;` on Windows); empty entries dropped. */
export function debugPathFromEnv(env: Record<string, string | undefined> = process.env): string[] {
  const value = env[DEBUG_PATH_VARIABLE];
  if (!value) return [];
  return value.split(delimiter).filter((d) => d !== '');
}

/**
 * A whole file, read into a kernel arena (dwarf/kernel-module.ts) so that the DWARF kernels read
 * its sections where they are; files whose size is not known up front (pipes) as
 * `readFileSync` reads them. Rejects with what `readFileSync` throws. For a CLI's one module: an
 * arena reserves gigabytes of address space, which a host process loading many modules (the
 * register hook) should not spend, so the loaders here read plainly.
 *
 * The sections' bytes are read in two halves at once, one by a libuv worker thread: on the VMs
 * measured here reading is mostly faulting in fresh pages (~11 µs each), and two threads fault
 * a sqlite3 module's 3 MB in in ~8 ms instead of ~14.
 */
export async function readFileForKernels(path: string): Promise<Uint8Array> {
  const fd = openSync(path, 'r');
  try {
    const stat = fstatSync(fd);
    if (!stat.isFile() || stat.size === 0) return readFileSync(fd);
    const bytes = bytesInKernelArena(stat.size);
    const ranges = inKernelArena(bytes) ? sectionsUsed(fd, bytes) : [[0, bytes.length]];
    // The first half of the bytes by a worker thread, the rest here meanwhile.
    const total = ranges.reduce((sum, [from, to]) => sum + to - from, 0);
    const elsewhere: number[][] = [];
    let half = total / 2;
    while (ranges.length > 0 && half > 0) {
      const [from, to] = ranges.shift()!;
      const cut = Math.min(to, from + Math.ceil(half));
      elsewhere.push([from, cut]);
      if (cut < to) ranges.unshift([cut, to]);
      half -= cut - from;
    }
    // Settled, never rejected: the descriptor is closed only once the worker threads are done
    // with it (a number closed early could be another file's by the time one of them reads).
    const away = Promise.allSettled(elsewhere.map(([from, to]) => readRangeAsync(fd, bytes, from, to)));
    let end = bytes.length;
    try {
      for (const [from, to] of ranges) {
        const read = readRange(fd, bytes, from, to);
        if (read < to - from) end = Math.min(end, from + read);
      }
    } catch (error) {
      await away;
      throw error;
    }
    (await away).forEach((outcome, i) => {
      if (outcome.status === 'rejected') throw outcome.reason;
      if (outcome.value < elsewhere[i][1] - elsewhere[i][0]) end = Math.min(end, elsewhere[i][0] + outcome.value);
    });
    // A file that shrank while read: what there was.
    return end === bytes.length ? bytes : bytes.subarray(0, end);
  } finally {
    closeSync(fd);
  }
}

/** Reads `bytes[from, to)` from the same offsets of the file; returns how many bytes it read. */
function readRange(fd: number, bytes: Uint8Array, from: number, to: number): number {
  let read = 0;
  while (from + read < to) {
    const n = readSync(fd, bytes, from + read, to - from - read, from + read);
    if (n === 0) break;
    read += n;
  }
  return read;
}

/** `readRange` on a libuv worker thread. */
async function readRangeAsync(fd: number, bytes: Uint8Array, from: number, to: number): Promise<number> {
  let read = 0;
  while (from + read < to) {
    const n = await new Promise<number>((resolve, reject) => {
      fsRead(fd, bytes, from + read, to - from - read, from + read, (error, count) => (error ? reject(error) : resolve(count)));
    });
    if (n === 0) break;
    read += n;
  }
  return read;
}

/**
 * Custom sections nothing here reads: DWARF's variable locations, macros and lookup tables.
 * A sqlite3 build's .debug_loc is a fifth of the module.
 */
const UNUSED_SECTIONS = new Set([
  '.debug_loc', '.debug_loclists', '.debug_macro', '.debug_macinfo', '.debug_pubnames', '.debug_pubtypes',
  '.debug_gnu_pubnames', '.debug_gnu_pubtypes', '.debug_names', '.debug_frame',
]);

/**
 * Where the bytes still to read are, section by section (reading each section's first bytes to
 * find its size and name), leaving out the payloads of UNUSED_SECTIONS: in an arena those pages
 * then stay untouched (zero), and on the VMs measured here every page read costs ~11 µs to
 * fault in. Where the sections stop making sense the rest of the file is one range, for the
 * module reader to judge.
 */
function sectionsUsed(fd: number, bytes: Uint8Array): number[][] {
  const length = bytes.length;
  const ranges: number[][] = [];
  if (length < 8) return [[0, length]];
  readRange(fd, bytes, 0, 8);
  let pos = 8;
  while (pos < length) {
    // Section id, payload size and, for a custom section, its name: all within a few bytes.
    const header = Math.min(length, pos + 64);
    readRange(fd, bytes, pos, header);
    const cursor = new Cursor(bytes, pos + 1, header);
    let end: number;
    try {
      end = cursor.u32leb('section size');
      end += cursor.pos;
    } catch {
      ranges.push([header, length]);
      return ranges;
    }
    if (end > length) {
      ranges.push([header, length]);
      return ranges;
    }
    let skip = false;
    if (bytes[pos] === 0) {
      try {
        skip = UNUSED_SECTIONS.has(cursor.name('section name'));
      } catch {
        // A name longer than the bytes read so far: not one of those.
      }
    }
    if (!skip && end > header) ranges.push([header, end]);
    pos = end;
  }
  return ranges;
}

/** Reads a path or file: URL synchronously; http(s) needs the async loader. */
export function nodeSyncLoader(location: string, context: LoadContext): LoadOutcome {
  const path = localPath(location, context);
  if (typeof path !== 'string') return path;
  try {
    // A module names its own debug file: never read a device or a FIFO it points at.
    if (!statSync(path).isFile()) return { error: 'not a regular file' };
    return readFileSync(path);
  } catch (error) {
    return { error: fsError(error) };
  }
}

/** Reads paths and file: URLs; fetches http(s) when `allowRemote` is set. */
export async function nodeLoader(location: string, context: LoadContext): Promise<LoadOutcome> {
  if (isUrl(location) && isRemote(location)) {
    if (!context.allowRemote) return { error: remoteRefused() };
    return fetchLocation(location);
  }
  const path = localPath(location, context);
  if (typeof path !== 'string') return path;
  try {
    if (!(await fsPromises.stat(path)).isFile()) return { error: 'not a regular file' };
    return await fsPromises.readFile(path);
  } catch (error) {
    return { error: fsError(error) };
  }
}

export interface NodeDebugInfoOptions extends DebugInfoOptions {
  /** Also search the directories in CROSSTRACE_DEBUG_PATH, after `debugPath` (default true). */
  useEnvironment?: boolean;
}

/** Discovery for a module read from `path` (or given as bytes), with the fs loader: for CLIs. */
export function resolveDebugInfoForFileSync(path: string, options: NodeDebugInfoOptions = {}, bytes?: Uint8Array): ResolvedDebugInfo {
  const module = new WasmModule(bytes ?? readFileSync(path));
  return resolveDebugInfoSync(module, nodeOptions(path, options), nodeSyncLoader);
}

/** As `resolveDebugInfoForFileSync`, and http(s) debug URLs are fetched when `allowRemote` is set. */
export async function resolveDebugInfoForFile(path: string, options: NodeDebugInfoOptions = {}, bytes?: Uint8Array): Promise<ResolvedDebugInfo> {
  const module = new WasmModule(bytes ?? (await fsPromises.readFile(path)));
  return resolveDebugInfo(module, nodeOptions(path, options), nodeLoader);
}

function nodeOptions(path: string, options: NodeDebugInfoOptions): DebugInfoOptions {
  const env = options.useEnvironment === false ? [] : debugPathFromEnv();
  return { ...options, moduleUrl: options.moduleUrl ?? path, debugPath: [...(options.debugPath ?? []), ...env] };
}

function localPath(location: string, context: LoadContext): string | { error: string } {
  if (!isUrl(location)) return location;
  if (/^file:/i.test(location)) {
    try {
      return fileURLToPath(location);
    } catch (error) {
      return { error: (error as Error).message };
    }
  }
  if (isRemote(location)) {
    return { error: context.allowRemote ? 'remote URL: needs the asynchronous loader' : remoteRefused() };
  }
  return { error: `unsupported URL scheme '${location.slice(0, location.indexOf(':'))}:'` };
}

function remoteRefused(): string {
  return 'remote URL not fetched: opt in with allowRemote (CLI: CROSSTRACE_ALLOW_REMOTE=1)';
}

function fsError(error: unknown): string {
  const code = (error as NodeJS.ErrnoException).code;
  switch (code) {
    case 'ENOENT': return 'not found';
    case 'EISDIR': return 'is a directory';
    case 'EACCES': case 'EPERM': return 'permission denied';
    case 'ENOTDIR': return 'not found (a parent is not a directory)';
    default: return (error as Error).message;
  }
}
