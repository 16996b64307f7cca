// The seed's own test, Go's TracebackContext (runtime/testdata/testprogcgo/tracebackctxt.go),
// replayed: C1 → G1 → C2 → G2 with fake context, traceback and symbolizer functions. C1 and C2
// are wasm (fixtures/tracebackctxt), G1 and G2 are JavaScript imports. Once with the hooks in
// JavaScript, once with the seed's C hooks compiled into the same wasm module.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  callers,
  callersFrames,
  instantiate,
  setForeignTraceback,
  stack,
  wasmHooks,
  type Frame,
  type WasmInstance,
} from '../src/trace/index.js';
import {
  brief,
  contextDepth,
  FIXTURE_FILE,
  fixtureBytes,
  fixtureLine,
  fresh,
  goCheck,
  SEED_WANT,
  seedHooks,
  type FixtureExports,
} from './support/trace-support.js';

interface Run {
  frames: Frame[];
  text: string;
  countAtBottom: number;
  depthAtBottom: number;
}

/** Instantiates the fixture with G1/G2 as in the seed; `count` reads the live context count. */
async function seedProgram(count: (exports: FixtureExports) => number) {
  const run: Run = { frames: [], text: '', countAtBottom: -1, depthAtBottom: -1 };
  let exports!: FixtureExports;
  const imports = {
    env: {
      G1() {
        exports.C2();
      },
      G2() {
        const pc = new Array<number>(32).fill(0);
        const n = callers(0, pc);
        const cf = callersFrames(pc.slice(0, n));
        for (;;) {
          const { frame, more } = cf.next();
          run.frames.push(frame);
          if (!more) break;
        }
        run.text = stack();
        run.countAtBottom = count(exports);
        run.depthAtBottom = contextDepth();
      },
      G3() {},
    },
  };
  const { instance } = await instantiate(fixtureBytes(), imports);
  exports = instance.exports as unknown as FixtureExports;
  return { run, instance, exports };
}

/** Everything the seed checks, and the exact frame sequence crosstrace promises. */
function checkSeed(run: Run): void {
  assert.deepEqual(goCheck(run.frames, SEED_WANT), [], 'Go\'s own check of the frames');
  assert.equal(run.countAtBottom, 2, 'at bottom contextCount');
  assert.equal(run.depthAtBottom, 2);
  // Stricter than Go's check: nothing between, and the wasm frames C2 and C1 (visible to V8,
  // symbolized from DWARF) right below the foreign frames of their contexts.
  const lineG1 = fixtureLine('\tG1();');
  const lineG2 = fixtureLine('\tG2();');
  assert.deepEqual(run.frames.slice(0, 11).map(brief), [
    'js:G2:' + run.frames[0].line,
    `foreign:cFunction:${0x10200}`,
    `foreign:cFunction:${0x200}`,
    `foreign:cFunction:${0x10201}`,
    `foreign:cFunction:${0x201}`,
    `wasm:C2:${lineG2}`,
    'js:G1:' + run.frames[6].line,
    `foreign:cFunction:${0x10100}`,
    `foreign:cFunction:${0x100}`,
    `wasm:C1:${lineG1}`,
    'js:TracebackContext:' + run.frames[10].line,
  ]);
  const [g2, f1, f2, , , c2] = run.frames;
  assert.ok(g2.file?.endsWith('trace-seed.test.js'), g2.file ?? 'no file');
  assert.equal(f1.file, 'tracebackctxt.go');
  assert.equal(f1.pc, 0x200);
  assert.equal(f1.inlined, true, 'the first of two frames of one PC is inlined into the second');
  assert.equal(f2.inlined, false);
  assert.equal(c2.file, FIXTURE_FILE);
  assert.equal(c2.wasm?.functionIndex, 4);
  assert.ok(!run.frames.some((f) => f.function?.startsWith('crosstrace:')), 'no crosstrace frame');
  // The printing path, as Go's traceback printer: one symbolizer arg for all PCs of a context,
  // so for 0x201 `file` is still set from 0x200 and the seed's symbolizer reports one line.
  assert.match(
    run.text,
    /^G2\n\t.*trace-seed\.test\.js:\d+:\d+\ncFunction\n\ttracebackctxt\.go:66048 pc=0x200\ncFunction\n\ttracebackctxt\.go:512 pc=0x200\ncFunction\n\ttracebackctxt\.go:513 pc=0x201\nC2\n\t\/crosstrace\/fixtures\/tracebackctxt\/tracebackctxt\.c:\d+:\d+ wasm-function\[4\]:0x[0-9a-f]+\nG1\n.*\ncFunction\n\ttracebackctxt\.go:65792 pc=0x100\ncFunction\n\ttracebackctxt\.go:256 pc=0x100\nC1\n.*\nTracebackContext\n/,
  );
}

test('TracebackContext, JS hooks: G2, cFunction ×4, G1, cFunction ×2, TracebackContext; 2 live contexts at the bottom, 0 at the end', async () => {
  const errors = fresh();
  const hooks = seedHooks();
  const { run, exports } = await seedProgram(() => hooks.counter.contextCount);
  function TracebackContext() {
    setForeignTraceback(0, hooks.tcTraceback, hooks.tcContext, hooks.tcSymbolizer);
    exports.C1();
  }
  TracebackContext();
  assert.deepEqual(errors, []);
  checkSeed(run);
  assert.equal(hooks.counter.contextCount, 0, 'at end contextCount');
  assert.equal(contextDepth(), 0);
});

test('TracebackContext, the seed\'s C hooks compiled into the wasm module (wasmHooks)', async () => {
  const errors = fresh();
  const { run, exports, instance } = await seedProgram((e) => e.getContextCount());
  const heapBefore = exports.heapTop();
  function TracebackContext() {
    const hooks = wasmHooks(instance as WasmInstance, { traceback: 'tcTraceback', context: 'tcContext', symbolizer: 'tcSymbolizer' });
    setForeignTraceback(0, hooks.traceback, hooks.context, hooks.symbolizer);
    exports.C1();
  }
  TracebackContext();
  assert.deepEqual(errors, [], 'no hook trapped (tcContext aborts on an unbalanced release)');
  checkSeed(run);
  assert.equal(exports.getContextCount(), 0, 'at end contextCount');
  assert.equal(contextDepth(), 0);
  // One scratch block, allocated on first use and kept.
  assert.equal(exports.heapTop() - heapBefore <= 16 + 36 * 4, true);
  TracebackContext(); // the same hooks again: setForeignTraceback accepts an identical call
  assert.deepEqual(errors, []);
  assert.equal(exports.getContextCount(), 0);
});
