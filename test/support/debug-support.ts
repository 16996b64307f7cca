// Helpers for the debug-info tests (test/debug-*.test.ts): in-memory loaders, wasm section
// surgery, and temporary directory layouts assembled from committed fixtures.
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { LoadContext, LoadOutcome, SyncLoader } from '../../src/symbolize/debug-info/discover.js';
import { fixturePath } from './fixtures.js';

export const SEPARATE = (...parts: string[]): string => fixturePath('separate-debug', ...parts);
export const SPLIT = (...parts: string[]): string => fixturePath('split-dwarf', ...parts);
export const EMSCRIPTEN = (...parts: string[]): string => fixturePath('emscripten', ...parts);

export function bytesOf(path: string): Uint8Array {
  return new Uint8Array(readFileSync(path));
}

/** A loader over an in-memory file system; records every location asked for. */
export function memoryLoader(files: Record<string, Uint8Array>): { loader: SyncLoader; asked: string[]; contexts: LoadContext[] } {
  const asked: string[] = [];
  const contexts: LoadContext[] = [];
  const loader = (location: string, context: LoadContext): LoadOutcome => {
    asked.push(location);
    contexts.push(context);
    return files[location] ?? { error: 'not found' };
  };
  return { loader, asked, contexts };
}

function leb(n: number): number[] {
  const out: number[] = [];
  do {
    let byte = n & 0x7f;
    n >>>= 7;
    if (n !== 0) byte |= 0x80;
    out.push(byte);
  } while (n !== 0);
  return out;
}

/** The module's sections as [id, payload] pairs (custom sections' payload includes the name). */
function sections(bytes: Uint8Array): { id: number; start: number; end: number; name: string | null }[] {
  const out: { id: number; start: number; end: number; name: string | null }[] = [];
  let pos = 8;
  while (pos < bytes.length) {
    const start = pos;
    const id = bytes[pos++];
    let size = 0;
    let shift = 0;
    for (;;) {
      const b = bytes[pos++];
      size |= (b & 0x7f) << shift;
      shift += 7;
      if (!(b & 0x80)) break;
    }
    const payload = pos;
    let name: string | null = null;
    if (id === 0) {
      let len = 0;
      let s = 0;
      let p = payload;
      for (;;) {
        const b = bytes[p++];
        len |= (b & 0x7f) << s;
        s += 7;
        if (!(b & 0x80)) break;
      }
      name = Buffer.from(bytes.subarray(p, p + len)).toString('utf8');
    }
    pos = payload + size;
    out.push({ id, start, end: pos, name });
  }
  return out;
}

/** The module without its custom sections of this name (a new array). */
export function withoutSection(bytes: Uint8Array, name: string): Uint8Array {
  const parts = [bytes.subarray(0, 8)];
  for (const s of sections(bytes)) if (s.name !== name) parts.push(bytes.subarray(s.start, s.end));
  return new Uint8Array(Buffer.concat(parts));
}

/** The module with a custom section appended whose payload is a wasm string (external_debug_info, sourceMappingURL). */
export function withStringSection(bytes: Uint8Array, name: string, value: string): Uint8Array {
  const nameBytes = Buffer.from(name, 'utf8');
  const valueBytes = Buffer.from(value, 'utf8');
  const payload = Buffer.concat([Buffer.from(leb(nameBytes.length)), nameBytes, Buffer.from(leb(valueBytes.length)), valueBytes]);
  return new Uint8Array(Buffer.concat([bytes, Buffer.from([0, ...leb(payload.length)]), payload]));
}

/** The module with a custom section appended with raw payload bytes. */
export function withRawSection(bytes: Uint8Array, name: string, data: Uint8Array): Uint8Array {
  const nameBytes = Buffer.from(name, 'utf8');
  const payload = Buffer.concat([Buffer.from(leb(nameBytes.length)), nameBytes, data]);
  return new Uint8Array(Buffer.concat([bytes, Buffer.from([0, ...leb(payload.length)]), payload]));
}

/**
 * A fresh temporary directory holding `files`: relative path → a source file to copy, or bytes
 * or text to write. Returns the directory.
 */
export function layout(files: Record<string, string | Uint8Array | { text: string }>): string {
  const root = mkdtempSync(join(tmpdir(), 'crosstrace-debug-'));
  for (const [relative, source] of Object.entries(files)) {
    const target = join(root, relative);
    mkdirSync(dirname(target), { recursive: true });
    if (typeof source === 'string') copyFileSync(source, target);
    else if (source instanceof Uint8Array) writeFileSync(target, source);
    else writeFileSync(target, source.text);
  }
  return root;
}

/** The compiled CLI entry (build/src/cli/main.js), for child processes. */
export const CLI_MAIN = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));

/**
 * Runs `crosstrace …` in a child process with exactly the given extra environment (and no
 * inherited CROSSTRACE_* variables).
 */
export function runCliProcess(args: string[], env: Record<string, string> = {}, input = ''): { code: number; stdout: string; stderr: string } {
  const clean: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('CROSSTRACE_') && v !== undefined) clean[k] = v;
  const script = `import { main } from ${JSON.stringify(new URL('../../src/cli/main.js', import.meta.url).href)};\n` +
    'process.exitCode = await main(process.argv.slice(1));';
  const result = spawnSync(process.execPath, ['--input-type=module', '-e', script, ...args], {
    env: { ...clean, ...env }, input, encoding: 'utf8',
  });
  return { code: result.status ?? -1, stdout: result.stdout, stderr: result.stderr };
}

/** `wasm-function[N]:0xOFF` tokens of a V8 stack trace, in order. */
export function wasmFrames(stack: string): string[] {
  return [...stack.matchAll(/wasm-function\[\d+\]:0x[0-9a-f]+/g)].map((m) => m[0]);
}

/** Removes CROSSTRACE_* variables from this process's environment (tests run in-process CLIs). */
export function clearDebugEnvironment(): void {
  for (const k of Object.keys(process.env)) if (k.startsWith('CROSSTRACE_')) delete process.env[k];
}
