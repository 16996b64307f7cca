// C hooks against Go's cgo structs on wasm64 (8-byte uintptr_t): the seed's TracebackContext
// with the hooks of fixtures/tracebackctxt/tracebackctxt64.wasm, and values wider than 32 and
// 53 bits through the structs. Node 20 runs memory64 only with --experimental-wasm-memory64, so
// the program runs in a child process with that flag; the test is skipped where this Node can't.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { fixtureDir } from './support/trace-support.js';

const program = `
import { readFileSync } from 'node:fs';
const t = await import(${JSON.stringify(new URL('../src/trace/index.js', import.meta.url).href)});
const bytes = readFileSync(${JSON.stringify(fixtureDir + 'tracebackctxt64.wasm')});
if (!WebAssembly.validate(bytes)) {
  console.log(JSON.stringify({ unsupported: true }));
} else {
  const errors = [];
  t.setForeignHookErrorHandler((e, hook) => errors.push(hook + ': ' + e));
  const out = { errors };
  let exports;
  const { instance } = await t.instantiate(bytes, { env: {
    G1() { exports.C2(); },
    G2() {
      const pcs = new Array(32).fill(0);
      const n = t.callers(0, pcs);
      out.frames = [...t.callersFrames(pcs.slice(0, n))].slice(0, 9).map((f) => [f.kind, f.function, f.line]);
      out.countAtBottom = Number(exports.getContextCount());
    },
  } });
  exports = instance.exports;
  const hooks = t.wasmHooks(instance, { traceback: 'tcTraceback', context: 'tcContext', symbolizer: 'tcSymbolizer' });
  t.setForeignTraceback(0, hooks.traceback, hooks.context, hooks.symbolizer);
  exports.C1();
  out.countAtEnd = Number(exports.getContextCount());
  const wide = t.wasmHooks(instance, { context: 'wideContext', symbolizer: 'wideSymbolizer' });
  const c = { context: 0 };
  wide.context(c);
  out.wideToken = c.context;
  const s = { pc: 5, file: null, lineno: 0, func: null, entry: 0, more: 0, data: 0 };
  wide.symbolizer(s);
  out.first = [s.func, s.lineno, s.more];
  wide.symbolizer(s);
  out.second = [s.func, s.lineno, s.more];
  console.log(JSON.stringify(out));
}`;

test('wasm64: the seed\'s TracebackContext with 8-byte cgo structs, and wide values marshalled exactly', (t) => {
  let stdout: string;
  try {
    stdout = execFileSync(process.execPath, ['--experimental-wasm-memory64', '--input-type=module', '-e', program], { encoding: 'utf8' });
  } catch (error) {
    const message = String((error as { stderr?: string }).stderr ?? error);
    if (/bad option|unknown option/i.test(message)) {
      t.skip(`this Node has no --experimental-wasm-memory64: ${message.trim()}`);
      return;
    }
    throw error;
  }
  const out = JSON.parse(stdout.trim().split('\n').pop() as string);
  if (out.unsupported) {
    t.skip('this Node cannot run memory64 modules');
    return;
  }
  assert.deepEqual(out.errors, []);
  assert.deepEqual(out.frames, [
    ['js', 'G2', out.frames[0][2]],
    ['foreign', 'cFunction', 0x10200],
    ['foreign', 'cFunction', 0x200],
    ['foreign', 'cFunction', 0x10201],
    ['foreign', 'cFunction', 0x201],
    ['wasm', 'C2', 0],
    ['js', 'G1', out.frames[6][2]],
    ['foreign', 'cFunction', 0x10100],
    ['foreign', 'cFunction', 0x100],
  ]);
  assert.equal(out.countAtBottom, 2);
  assert.equal(out.countAtEnd, 0);
  assert.equal(out.wideToken, 0x10000000001, 'a token above 2^32');
  assert.deepEqual(out.first, ['cFunction', 1, 1]);
  assert.deepEqual(out.second, ['cFunction', 2, 0], 'data above 2^53 went back into the struct bit for bit');
});
