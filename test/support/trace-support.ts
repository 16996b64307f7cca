// Shared by the test/trace*.test.ts files: the tracebackctxt fixture, a clean protocol state
// per test, and the seed's C hooks written in JavaScript.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { setForeignHookErrorHandler, type ContextArg, type Frame, type SymbolizerArg, type TracebackArg } from '../../src/trace/index.js';
import { resetForeignTracebackForTesting, state } from '../../src/trace/state.js';

export const fixtureDir = fileURLToPath(new URL('../../../fixtures/tracebackctxt/', import.meta.url));
export const fixtureBytes = (): Uint8Array => new Uint8Array(readFileSync(fixtureDir + 'tracebackctxt.wasm'));
export const fixtureSource = (): string => readFileSync(fixtureDir + 'tracebackctxt.c', 'utf8');
export const FIXTURE_FILE = '/crosstrace/fixtures/tracebackctxt/tracebackctxt.c';

/** 1-based line of the first line of the fixture's C source that contains `text`. */
export function fixtureLine(text: string): number {
  const index = fixtureSource().split('\n').findIndex((l) => l.includes(text));
  if (index < 0) throw new Error(`fixture has no line with ${text}`);
  return index + 1;
}

export interface FixtureExports {
  memory: { buffer: ArrayBuffer };
  C1(): void;
  C2(): void;
  callG3(i: number): void;
  getContextCount(): number;
  heapTop(): number;
  malloc(size: number): number;
  free(p: number): void;
  [name: string]: unknown;
}

export interface HookError {
  hook: string;
  error: unknown;
}

/** Forgets hooks and contexts; returns the list hook errors will be collected into. */
export function fresh(): HookError[] {
  resetForeignTracebackForTesting();
  const errors: HookError[] = [];
  setForeignHookErrorHandler((error, hook) => errors.push({ hook, error }));
  return errors;
}

/** The context stack's depth: 0 whenever no instrumented import is running. */
export const contextDepth = (): number => state.depth;

/** The seed's tcContext/tcTraceback/tcSymbolizer, in JavaScript. */
export function seedHooks() {
  const counter = { contextCount: 0 };
  const tcContext = (arg: ContextArg): void => {
    if (arg.context === 0) {
      arg.context = ++counter.contextCount;
    } else {
      if (arg.context !== counter.contextCount) throw new Error(`abort: releasing ${arg.context} with ${counter.contextCount} live`);
      counter.contextCount--;
    }
  };
  const tcTraceback = (arg: TracebackArg): void => {
    if (arg.context === 0) throw new Error('abort: traceback without context');
    const base = arg.context << 8;
    for (let i = 0; i < arg.context; i++) if (i < arg.max) arg.buf[i] = base + i;
  };
  const tcSymbolizer = (arg: SymbolizerArg): void => {
    if (arg.pc === 0) return;
    arg.more = arg.file === null ? 1 : 0;
    arg.file = 'tracebackctxt.go';
    arg.func = 'cFunction';
    arg.lineno = arg.pc + (arg.more << 16);
  };
  return { counter, tcContext, tcTraceback, tcSymbolizer };
}

/**
 * Go's check in the seed's G2: each wanted function in order (others may come between), and
 * where a line is given it must match. Returns the problems, [] when it passes.
 */
export function goCheck(frames: Frame[], want: Array<[string, number]>): string[] {
  let i = 0;
  for (const [fn, line] of want) {
    for (; i < frames.length; i++) if (frames[i].function === fn) break;
    if (i === frames.length) return [`did not find function ${fn} in ${frames.map((f) => f.function).join(', ')}`];
    if (line !== 0 && frames[i].line !== line) return [`found function ${fn} at wrong line 0x${frames[i].line.toString(16)} (expected 0x${line.toString(16)})`];
    i++;
  }
  return [];
}

/** The seed's expected frames. */
export const SEED_WANT: Array<[string, number]> = [
  ['G2', 0],
  ['cFunction', 0x10200],
  ['cFunction', 0x200],
  ['cFunction', 0x10201],
  ['cFunction', 0x201],
  ['G1', 0],
  ['cFunction', 0x10100],
  ['cFunction', 0x100],
  ['TracebackContext', 0],
];

/** kind:function:line of each frame, for exact comparisons. */
export const brief = (f: Frame): string => `${f.kind}:${f.function}:${f.line}`;

// ---- hand-made modules -------------------------------------------------------------------------

function uleb(n: number): number[] {
  const out: number[] = [];
  do {
    let byte = n & 0x7f;
    n = Math.floor(n / 128);
    if (n !== 0) byte |= 0x80;
    out.push(byte);
  } while (n !== 0);
  return out;
}
const str = (s: string): number[] => {
  const bytes = [...new TextEncoder().encode(s)];
  return [...uleb(bytes.length), ...bytes];
};
const section = (id: number, body: number[]): number[] => [id, ...uleb(body.length), ...body];

/**
 * A module importing `env.g: () → ()` and exporting `run`, which calls `inner`, which calls g.
 * `names` gives the name section's module name and the two function names; `custom` adds
 * custom sections (name → payload) at the end.
 */
export function tinyModule(names: { module: string; run: string; inner: string }, custom: Array<[string, number[]]> = []): Uint8Array {
  const body = (instrs: number[]): number[] => {
    const b = [0, ...instrs, 0x0b];
    return [...uleb(b.length), ...b];
  };
  const nameSection = [
    ...section(0, str(names.module)),
    ...section(1, [2, 1, ...str(names.run), 2, ...str(names.inner)]),
  ];
  const bytes = [
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
    ...section(1, [1, 0x60, 0, 0]),
    ...section(2, [1, ...str('env'), ...str('g'), 0x00, 0]),
    ...section(3, [2, 0, 0]),
    ...section(7, [1, ...str('run'), 0x00, 1]),
    ...section(10, [2, ...body([0x10, 2]), ...body([0x10, 0])]),
    ...section(0, [...str('name'), ...nameSection]),
  ];
  for (const [name, payload] of custom) bytes.push(...section(0, [...str(name), ...payload]));
  return new Uint8Array(bytes);
}
