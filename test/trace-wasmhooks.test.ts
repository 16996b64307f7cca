// C hooks in wasm (wasmHooks): argument structs marshalled through linear memory, memory that
// grows during the call, caller-supplied scratch space, strings and buffers bounded, and traps
// inside C hooks reported like any hook error.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  callers,
  callersFrames,
  ForeignTracebackError,
  instantiate,
  instrumentImports,
  setForeignTraceback,
  wasmHooks,
  wasmHookScratchSize,
  type Frame,
  type WasmInstance,
} from '../src/trace/index.js';
import { contextDepth, fixtureBytes, fresh, type FixtureExports } from './support/trace-support.js';

const WA = (globalThis as unknown as { WebAssembly: any }).WebAssembly;

function capture(): number[] {
  const pcs = new Array<number>(64).fill(0);
  return pcs.slice(0, callers(2, pcs));
}

async function fixture(env: { G2?: () => void; G3?: (i: number) => void } = {}) {
  let exports!: FixtureExports;
  function G1() {
    exports.C2();
  }
  const { instance } = await instantiate(fixtureBytes(), { env: { G1, G2: env.G2 ?? (() => {}), G3: env.G3 ?? (() => {}) } });
  exports = instance.exports as unknown as FixtureExports;
  return { instance: instance as WasmInstance, exports };
}

test('memory growing during a C symbolizer: strings are read from the new memory, UTF-8 decoded', async () => {
  const errors = fresh();
  let got: Frame[] = [];
  const { instance, exports } = await fixture({ G2: () => (got = [...callersFrames(capture())]) });
  const hooks = wasmHooks(instance, { traceback: 'tcTraceback', context: 'tcContext', symbolizer: 'growingSymbolizer' });
  setForeignTraceback(0, hooks.traceback, hooks.context, hooks.symbolizer);
  const before = exports.memory.buffer;
  const pagesBefore = before.byteLength / 65536;
  exports.C1();
  assert.notEqual(exports.memory.buffer, before, 'the buffer was replaced');
  const foreign = got.filter((f) => f.kind === 'foreign');
  assert.deepEqual(foreign.map((f) => [f.pc, f.function, f.file, f.line]), [
    [0x200, 'grownFunction\u00e9', 'grown.c', 0x200],
    [0x201, 'grownFunction\u00e9', 'grown.c', 0x201],
    [0x100, 'grownFunction\u00e9', 'grown.c', 0x100],
  ]);
  // Each call grew memory by a page and put its strings at the start of that page.
  assert.ok(foreign.every((f) => f.entry >= pagesBefore * 65536 && f.entry % 65536 === 0));
  assert.equal(new Set(foreign.map((f) => f.entry)).size, 3);
  assert.deepEqual(errors, []);
  assert.equal(exports.getContextCount(), 0);
});

test('memory growing during a C context hook: the token is read back from the new memory', async () => {
  const errors = fresh();
  let depth = -1;
  const { instance, exports } = await fixture({ G2: () => (depth = contextDepth()) });
  const hooks = wasmHooks(instance, { context: 'growingContext' });
  setForeignTraceback(0, null, hooks.context);
  const pages = exports.memory.buffer.byteLength / 65536;
  exports.C1();
  assert.equal(depth, 2);
  assert.equal(exports.memory.buffer.byteLength / 65536, pages + 4, 'two acquires and two releases, one page each');
  assert.equal(contextDepth(), 0);
  assert.deepEqual(errors, []);
});

test('a caller-supplied scratch address is used instead of malloc', async () => {
  const errors = fresh();
  let live = -1;
  const { instance, exports } = await fixture({ G2: () => (live = exports.getContextCount()) });
  assert.equal(wasmHookScratchSize(4), 144);
  assert.equal(wasmHookScratchSize(8), 288);
  const scratch = exports.malloc(wasmHookScratchSize(4));
  const top = exports.heapTop();
  const hooks = wasmHooks(instance, { context: 'tcContext', traceback: 'tcTraceback', scratch, malloc: 'no such export' });
  setForeignTraceback(0, hooks.traceback, hooks.context);
  exports.C1();
  assert.equal(live, 2);
  assert.equal(exports.heapTop(), top, 'nothing allocated');
  assert.equal(exports.getContextCount(), 0);
  assert.deepEqual(errors, []);
});

test('a misbehaving C symbolizer: an unterminated name is cut at 4096 bytes, a wild pointer is null, More forever stops', async () => {
  const errors = fresh();
  let got: Frame[] = [];
  const { instance, exports } = await fixture({ G2: () => (got = [...callersFrames(capture())]) });
  const hooks = wasmHooks(instance, { traceback: 'greedyTraceback', symbolizer: 'badSymbolizer' });
  setForeignTraceback(0, hooks.traceback, null, hooks.symbolizer);
  exports.C1();
  const foreign = got.filter((f) => f.kind === 'foreign');
  // greedyTraceback fills all 32 entries and stores no terminating zero.
  assert.deepEqual([...new Set(foreign.map((f) => f.pc))], Array.from({ length: 32 }, (_, i) => 0x1000 + i));
  assert.equal(foreign.length, 32 * 64, 'each PC: 64 calls with More set, then crosstrace stops');
  assert.equal(foreign[0].function, 'x'.repeat(4096));
  assert.equal(foreign[0].file, null);
  const messages = errors.map((e) => String((e.error as Error).message));
  assert.equal(messages.filter((m) => /past the end of memory/.test(m)).length, 1, 'reported once per instance');
  assert.equal(messages.filter((m) => /longer than 4096/.test(m)).length, 1);
  assert.equal(messages.filter((m) => /kept More set/.test(m)).length, 32);
});

test('a C hook that traps (abort) is reported like any hook error; the capture and the program go on', async () => {
  const errors = fresh();
  let got: Frame[] = [];
  const { instance, exports } = await fixture({ G2: () => (got = [...callersFrames(capture())]) });
  // Without a context hook the traceback hook is called with context 0, where tcTraceback aborts.
  const hooks = wasmHooks(instance, { traceback: 'tcTraceback' });
  setForeignTraceback(0, hooks.traceback);
  exports.C1();
  assert.deepEqual(got.slice(0, 4).map((f) => `${f.kind}:${f.function}`), ['js:G2', 'wasm:C2', 'js:G1', 'wasm:C1']);
  assert.equal(errors.length, 1);
  assert.equal(errors[0].hook, 'traceback');
  assert.ok(errors[0].error instanceof WA.RuntimeError);
});

test('wasmHooks: the same instance and names give the same functions; bad arguments throw', async () => {
  fresh();
  const { instance } = await fixture();
  const a = wasmHooks(instance, { context: 'tcContext', symbolizer: 'tcSymbolizer' });
  const b = wasmHooks(instance, { context: 'tcContext', symbolizer: 'tcSymbolizer' });
  assert.equal(a.context, b.context);
  assert.equal(a.symbolizer, b.symbolizer);
  assert.equal(a.traceback, null);
  assert.throws(() => wasmHooks(instance, { context: 'nope' }), ForeignTracebackError);
  assert.throws(() => wasmHooks(instance, { context: 'tcContext', memory: 'nope' }), ForeignTracebackError);
  assert.throws(() => wasmHooks(instance, { context: 'tcContext', malloc: 'nope' }), /no malloc/);
  assert.throws(() => wasmHooks({} as WasmInstance, {}), ForeignTracebackError);
});

test('a C hook adaptor called while another is using the scratch block gets its own block, given back after', async () => {
  const errors = fresh();
  let inner = -1;
  let exports!: FixtureExports;
  let context!: (arg: { context: number }) => void;
  const made = await fixture({
    G3: () => {
      const arg = { context: 0 };
      context(arg); // tcContext, while the outer adaptor's block is in use: it writes token 1
      inner = arg.context;
      context(arg); // release
    },
  });
  exports = made.exports;
  // callG3 takes one pointer-sized argument, like a hook: use it as an "outer" C hook. It does
  // not touch its struct, so the outer adaptor reads back what it wrote unless the inner call
  // wrote into the same block.
  const outer = wasmHooks(made.instance, { context: 'callG3' }).context!;
  context = wasmHooks(made.instance, { context: 'tcContext' }).context!;
  const arg = { context: 0 };
  outer(arg); // allocates the scratch block
  const top = exports.heapTop();
  outer(arg);
  assert.equal(inner, 1);
  assert.equal(arg.context, 0, 'the outer struct was not overwritten by the nested call');
  assert.equal(exports.heapTop(), top, 'the nested call\'s block was freed');
  assert.equal(exports.getContextCount(), 0);
  assert.deepEqual(errors, []);
});

test('C hooks of an instance crosstrace did not instantiate (pointer size probed with free(NULL))', async () => {
  const errors = fresh();
  let exports!: FixtureExports;
  let live = -1;
  const imports = instrumentImports({
    env: {
      G1: () => exports.C2(),
      G2: () => (live = exports.getContextCount()),
      G3: () => {},
    },
  });
  const { instance } = await WA.instantiate(fixtureBytes(), imports);
  exports = instance.exports;
  const hooks = wasmHooks(instance, { context: 'tcContext' });
  setForeignTraceback(0, null, hooks.context);
  exports.C1();
  assert.equal(live, 2);
  assert.equal(exports.getContextCount(), 0);
  assert.deepEqual(errors, []);
});
