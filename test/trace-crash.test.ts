// Go's TestCgoCrashTraceback, carried over: a traceback hook that traces from the current point
// (no context hook, so it is called with context 0) and a symbolizer that keeps its state in
// Data from one PC to the next, as Go's traceback printer allows. The "crash" is the printed
// stack of a JS function called from wasm (crosstrace's printing path, `stack`).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { instantiate, setForeignTraceback, stack, stackFrames, type SymbolizerArg, type TracebackArg } from '../src/trace/index.js';
import { contextDepth, fixtureBytes, fresh, type FixtureExports } from './support/trace-support.js';

test('CrashTraceback: symbolizer state in data carries from PC to PC on the printing path', async () => {
  const errors = fresh();
  const tracebackContexts: number[] = [];
  const traceback = (arg: TracebackArg) => {
    tracebackContexts.push(arg.context);
    arg.buf[0] = 1;
    arg.buf[1] = 2;
    arg.buf[2] = 3;
    arg.buf[3] = 0;
  };
  const symbolizer = (arg: SymbolizerArg) => {
    arg.file = arg.pc === arg.data + 1 ? 'cgo symbolizer' : 'unexpected data';
    arg.lineno = arg.data + 1;
    arg.data++;
  };
  setForeignTraceback(0, traceback, null, symbolizer);
  let printed = '';
  let exports!: FixtureExports;
  const { instance } = await instantiate(fixtureBytes(), {
    env: {
      G1() {
        printed = stack();
        const frames = stackFrames();
        assert.deepEqual(
          frames.filter((f) => f.kind === 'foreign').map((f) => [f.pc, f.file, f.line]),
          [[1, 'cgo symbolizer', 1], [2, 'cgo symbolizer', 2], [3, 'cgo symbolizer', 3]],
          'each traceback gets its own arg, as in Go: data starts at 0 again',
        );
      },
      G2() {},
      G3() {},
    },
  });
  exports = instance.exports as unknown as FixtureExports;
  exports.C1();
  for (let i = 1; i <= 3; i++) assert.ok(printed.includes(`cgo symbolizer:${i}`), `missing cgo symbolizer:${i} in\n${printed}`);
  assert.doesNotMatch(printed, /unexpected data/);
  assert.deepEqual(tracebackContexts, [0, 0], 'context 0: trace from the current point');
  assert.deepEqual(errors, []);
  assert.equal(contextDepth(), 0);
});
