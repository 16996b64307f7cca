// Go's TracebackContextPreemption (issue 47441), carried over: many crossings from concurrent
// flows. Ten async flows interleave on the event loop, each making 1e5 wasm → JS calls through
// an instrumented import with the seed's C hooks (via wasmHooks); tracebacks are taken along the
// way. Contexts must stay balanced and nothing may grow with the number of crossings.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { callers, callersFrames, instantiate, setForeignTraceback, wasmHooks, type WasmInstance } from '../src/trace/index.js';
import { state } from '../src/trace/state.js';
import { contextDepth, fixtureBytes, fresh, type FixtureExports } from './support/trace-support.js';

const FLOWS = 10;
const CALLS = 1e5;

test('10 concurrent async flows × 1e5 crossings with C hooks: contexts balanced, memory flat', async () => {
  const errors = fresh();
  let exports!: FixtureExports;
  let crossings = 0;
  let badCount = 0;
  let tracebacks = 0;
  const foreignSeen = new Set<string>();
  function G3(i: number) {
    crossings++;
    void String(i); // the busy work of the Go test
    if (exports.getContextCount() !== 1) badCount++;
    if (i % 25000 === 0) {
      const pcs = new Array<number>(16).fill(0);
      const n = callers(1, pcs);
      for (const f of callersFrames(pcs.slice(0, n))) if (f.kind === 'foreign') foreignSeen.add(`${f.function}:${f.line}`);
      tracebacks++;
    }
  }
  const { instance } = await instantiate(fixtureBytes(), { env: { G1() {}, G2() {}, G3 } });
  exports = instance.exports as unknown as FixtureExports;
  const hooks = wasmHooks(instance as WasmInstance, { traceback: 'tcTraceback', context: 'tcContext', symbolizer: 'tcSymbolizer' });
  setForeignTraceback(0, hooks.traceback, hooks.context, hooks.symbolizer);

  exports.callG3(0); // warm-up: allocates the hooks' scratch block, interns the frames
  const heapTop = exports.heapTop();
  const memoryBytes = exports.memory.buffer.byteLength;
  const records = state.pcRecords.length;

  const tick = () => new Promise<void>((resolve) => setImmediate(resolve));
  let maxDepthBetween = 0;
  async function flow(f: number) {
    for (let j = 0; j < CALLS; j++) {
      exports.callG3(f * CALLS + j + 1);
      if (j % 1000 === 999) {
        maxDepthBetween = Math.max(maxDepthBetween, contextDepth());
        await tick(); // let the other flows run
      }
    }
  }
  await Promise.all(Array.from({ length: FLOWS }, (_, f) => flow(f)));

  assert.equal(crossings, FLOWS * CALLS + 1);
  assert.equal(badCount, 0, 'inside every crossing exactly one context is live');
  assert.equal(exports.getContextCount(), 0, 'every context released');
  assert.equal(contextDepth(), 0);
  assert.equal(maxDepthBetween, 0, 'no context outlives its crossing into another flow');
  assert.ok(state.tokens.length <= 1, `context stack storage: ${state.tokens.length} slots`);
  assert.equal(exports.heapTop(), heapTop, 'no wasm heap growth');
  assert.equal(exports.memory.buffer.byteLength, memoryBytes);
  assert.ok(state.pcRecords.length - records <= 8, `PC registry grew by ${state.pcRecords.length - records}`);
  assert.ok(tracebacks >= FLOWS * 4);
  assert.deepEqual([...foreignSeen].sort(), ['cFunction:256', 'cFunction:65792']);
  assert.deepEqual(errors, []);
});
