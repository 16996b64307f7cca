// The public API of the foreign traceback protocol: setForeignTraceback's rules, callers /
// callersFrames, what happens with each hook missing, the PC encoding, instantiate and
// instrumentImports, module identity, and realm isolation.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Worker } from 'node:worker_threads';
import { CrosstraceError } from '../src/errors.js';
import {
  callers,
  callersFrames,
  ForeignTracebackError,
  instantiate,
  instrumentImports,
  registerModule,
  setForeignTraceback,
  type ContextArg,
  type Frame,
  type SymbolizerArg,
  type TracebackArg,
  type WasmInstance,
} from '../src/trace/index.js';
import { isOwnFile, registerOwnModule, state } from '../src/trace/state.js';
import { brief, contextDepth, fixtureBytes, fresh, seedHooks, tinyModule, type FixtureExports } from './support/trace-support.js';

const WA = (globalThis as unknown as { WebAssembly: any }).WebAssembly;

function frames(pcs: number[]): Frame[] {
  return [...callersFrames(pcs)];
}

/** The PCs of the caller's stack, from the caller on. */
function capture(max = 64): number[] {
  const pcs = new Array<number>(max).fill(0);
  return pcs.slice(0, callers(2, pcs));
}

/** The frames from G2 on (G2 runs the capture in a callback). */
function fromG2(pcs: number[]): Frame[] {
  const all = frames(pcs);
  return all.slice(all.findIndex((f) => f.function === 'G2'));
}

/** The fixture with C1 → G1 → C2 → G2, where G2 runs `atBottom`. */
async function nested(atBottom: () => void) {
  let exports!: FixtureExports;
  const { instance } = await instantiate(fixtureBytes(), {
    env: {
      G1() {
        exports.C2();
      },
      G2() {
        atBottom();
      },
      G3() {},
    },
  });
  exports = instance.exports as unknown as FixtureExports;
  return exports;
}

test('setForeignTraceback: version must be 0; hooks must be functions', () => {
  fresh();
  for (const version of [1, -1, 0.5, NaN]) {
    assert.throws(() => setForeignTraceback(version), (e: unknown) => e instanceof ForeignTracebackError && e instanceof CrosstraceError);
  }
  assert.throws(() => setForeignTraceback(0, 42 as never), ForeignTracebackError);
  assert.throws(() => setForeignTraceback(0, null, {} as never), ForeignTracebackError);
  setForeignTraceback(0); // all null: accepted
});

test('setForeignTraceback: a set hook cannot change, an identical call is accepted, a null one may be filled in (as Go)', () => {
  fresh();
  const tb = (_: TracebackArg) => {};
  const ctx = (_: ContextArg) => {};
  const sym = (_: SymbolizerArg) => {};
  setForeignTraceback(0, tb, null, null);
  setForeignTraceback(0, tb, null, null);
  setForeignTraceback(0, tb, ctx, sym); // context and symbolizer were null
  setForeignTraceback(0, tb, ctx, sym);
  assert.throws(() => setForeignTraceback(0, (_: TracebackArg) => {}, ctx, sym), /only once/);
  assert.throws(() => setForeignTraceback(0, tb, (_: ContextArg) => {}, sym), /only once/);
  assert.throws(() => setForeignTraceback(0, tb, ctx, null), /only once/);
  assert.throws(() => setForeignTraceback(0, null, ctx, sym), /only once/);
  setForeignTraceback(0, tb, ctx, sym);
});

test('callers from plain JS: skip counts as in Go (0 = callers itself, never shown), frames are the callers, PCs are stable', () => {
  fresh();
  let fromOuter: number[] = [];
  let zero: number[] = [];
  let one: number[] = [];
  function inner() {
    zero = new Array<number>(64).fill(0);
    zero.length = callers(0, zero);
    one = new Array<number>(64).fill(0);
    one.length = callers(1, one);
    fromOuter = new Array<number>(64).fill(0);
    fromOuter.length = callers(2, fromOuter);
  }
  function outer() {
    inner();
  }
  outer();
  const f0 = frames(zero);
  assert.equal(f0[0].function, 'inner');
  assert.equal(f0[0].kind, 'js');
  assert.ok(f0[0].file?.endsWith('trace-api.test.js'));
  assert.ok(f0[0].line > 0 && f0[0].column > 0);
  assert.equal(f0[1].function, 'outer');
  assert.deepEqual(frames(one).map(brief).slice(1), f0.map(brief).slice(1), 'skip 0 and 1 both start at the caller');
  assert.equal(frames(fromOuter)[0].function, 'outer');
  assert.equal(fromOuter[0], zero[1], 'one code location, one PC');
  assert.ok(zero.every((pc) => pc < 0), 'JS PCs are never foreign PCs');
  assert.ok(!f0.some((f) => f.function?.includes('callers') || f.function?.startsWith('crosstrace:')));
});

test('callers fills at most pcs.length entries; an empty array gets none', () => {
  fresh();
  const pcs = [0, 0];
  assert.equal(callers(0, pcs), 2);
  assert.equal(callers(0, []), 0);
  assert.throws(() => callers(NaN, [0]), ForeignTracebackError);
});

test('a capture restores the user\'s Error.prepareStackTrace and Error.stackTraceLimit', () => {
  fresh();
  const E = Error as unknown as { prepareStackTrace?: unknown; stackTraceLimit: number };
  const saved = [E.prepareStackTrace, E.stackTraceLimit];
  const mine = (_e: Error, _sites: unknown[]) => 'mine';
  try {
    E.prepareStackTrace = mine;
    E.stackTraceLimit = 3;
    const n = capture(50).length;
    assert.ok(n > 3, 'the capture is not limited by the user\'s stackTraceLimit');
    assert.equal(E.prepareStackTrace, mine);
    assert.equal(E.stackTraceLimit, 3);
    assert.equal(new Error('x').stack, 'mine');
  } finally {
    E.prepareStackTrace = saved[0];
    E.stackTraceLimit = saved[1] as number;
  }
});

test('no hooks: wasm and JS frames only, contexts never pushed, wrappers are transparent', async () => {
  fresh();
  let pcs: number[] = [];
  const exports = await nested(() => {
    pcs = capture();
    assert.equal(contextDepth(), 0);
  });
  exports.C1();
  assert.deepEqual(fromG2(pcs).slice(0, 4).map((f) => `${f.kind}:${f.function}`), ['js:G2', 'wasm:C2', 'js:G1', 'wasm:C1']);
});

test('no traceback hook: no foreign frames, the symbolizer is never called, the context hook still runs', async () => {
  fresh();
  const hooks = seedHooks();
  let symbolizerCalls = 0;
  setForeignTraceback(0, null, hooks.tcContext, () => symbolizerCalls++);
  let pcs: number[] = [];
  let live = -1;
  const exports = await nested(() => {
    pcs = capture();
    live = hooks.counter.contextCount;
  });
  exports.C1();
  assert.equal(live, 2);
  assert.equal(hooks.counter.contextCount, 0);
  assert.ok(frames(pcs).every((f) => f.kind !== 'foreign'));
  assert.equal(symbolizerCalls, 0);
});

test('no context hook: the traceback hook is called only with context 0, for the innermost boundary', async () => {
  fresh();
  const contexts: number[] = [];
  setForeignTraceback(0, (arg) => {
    contexts.push(arg.context);
    assert.equal(arg.sigContext, 0);
    assert.equal(arg.max, 32);
    assert.deepEqual(arg.buf, new Array(32).fill(0), 'a zeroed buffer');
    arg.buf[0] = 0x77;
    arg.buf[1] = 0x78;
  });
  let pcs: number[] = [];
  const exports = await nested(() => {
    pcs = capture();
  });
  exports.C1();
  assert.deepEqual(contexts, [0]);
  assert.deepEqual(fromG2(pcs).slice(0, 6).map((f) => `${f.kind}:${f.function}`), [
    'js:G2',
    'foreign:non-Go function at pc=0x77',
    'foreign:non-Go function at pc=0x78',
    'wasm:C2',
    'js:G1',
    'wasm:C1',
  ]);
});

test('no symbolizer: a foreign frame is still there, named as Go prints it, with the real pc', async () => {
  fresh();
  const hooks = seedHooks();
  setForeignTraceback(0, hooks.tcTraceback, hooks.tcContext, null);
  let pcs: number[] = [];
  const exports = await nested(() => {
    pcs = capture();
  });
  exports.C1();
  const foreign = frames(pcs).filter((f) => f.kind === 'foreign');
  assert.deepEqual(foreign.map((f) => [f.pc, f.function, f.file, f.line]), [
    [0x200, 'non-Go function at pc=0x200', null, 0],
    [0x201, 'non-Go function at pc=0x201', null, 0],
    [0x100, 'non-Go function at pc=0x100', null, 0],
  ]);
  assert.deepEqual(pcs.filter((pc) => pc > 0), [0x200, 0x201, 0x100], 'foreign PCs are stored as themselves');
});

test('symbolizer: a fresh arg per PC, called while more is set (fields kept), then once with pc = 0', async () => {
  fresh();
  const calls: SymbolizerArg[] = [];
  setForeignTraceback(
    0,
    (arg) => {
      arg.buf[0] = 5;
      arg.buf[1] = 6;
    },
    null,
    (arg) => {
      calls.push({ ...arg });
      if (arg.pc === 0) return;
      if (arg.pc === 6) return; // nothing known: a non-Go frame
      arg.data += 10; // the hook's own state, kept between the calls for one PC
      arg.func = `f${arg.data}`;
      arg.file = 'x.c';
      arg.lineno = arg.data;
      arg.entry = 0x1000;
      arg.more = arg.data < 30 ? 1 : 0;
    },
  );
  let pcs: number[] = [];
  const exports = await nested(() => {
    pcs = capture();
  });
  exports.C1();
  const foreign = frames(pcs).filter((f) => f.kind === 'foreign');
  assert.deepEqual(foreign.map((f) => [f.pc, f.function, f.line, f.entry, f.inlined]), [
    [5, 'f10', 10, 0x1000, true],
    [5, 'f20', 20, 0x1000, true],
    [5, 'f30', 30, 0x1000, false],
    [6, 'non-Go function at pc=0x6', 0, 0, false],
  ]);
  assert.deepEqual(
    calls.map((a) => [a.pc, a.data, a.more, a.file]),
    [
      [5, 0, 0, null], // fresh
      [5, 10, 1, 'x.c'], // fields as the hook left them
      [5, 20, 1, 'x.c'],
      [0, 30, 0, 'x.c'], // release for pc 5
      [6, 0, 0, null], // fresh
      [0, 0, 0, null], // release for pc 6
    ],
  );
});

test('PC encoding: foreign PCs are positive, JS/wasm PCs negative; any number can be handed to callersFrames', async () => {
  fresh();
  const big = Number.MAX_SAFE_INTEGER;
  const seen: number[] = [];
  setForeignTraceback(
    0,
    (arg) => {
      arg.buf[0] = 1;
      arg.buf[1] = big;
    },
    null,
    (arg) => {
      if (arg.pc !== 0) {
        seen.push(arg.pc);
        arg.func = `foreign@${arg.pc}`;
      }
    },
  );
  let pcs: number[] = [];
  const exports = await nested(() => {
    pcs = capture();
  });
  exports.C1();
  assert.deepEqual(pcs.filter((pc) => pc > 0), [1, big]);
  assert.ok(pcs.filter((pc) => pc <= 0).every((pc) => Number.isInteger(pc) && pc < 0));
  const jsAndWasm = frames(pcs.filter((pc) => pc < 0));
  assert.ok(jsAndWasm.every((f) => f.kind !== 'foreign'));
  seen.length = 0;
  // Numbers no capture produced: positive ones are foreign PCs (Go: whatever Go does not know
  // goes to the symbolizer), the rest are not PCs and are skipped.
  const odd = frames([0, -1e9, 1.5, NaN, -0.5, 42, Infinity]);
  assert.deepEqual(odd.map((f) => [f.kind, f.function]), [['foreign', 'foreign@42']]);
  assert.deepEqual(seen, [42]);
});

test('callersFrames: next() like Go (more, then a zero frame), iteration, and the PCs are copied', async () => {
  fresh();
  function here() {
    return capture(3);
  }
  const pcs = here();
  assert.equal(pcs.length, 3);
  const cf = callersFrames(pcs);
  pcs.length = 0; // does not affect cf
  const got: Frame[] = [];
  for (;;) {
    const { frame, more } = cf.next();
    got.push(frame);
    if (!more) break;
  }
  assert.equal(got.length, 3);
  assert.equal(got[0].function, 'here');
  assert.deepEqual(cf.next(), { frame: { pc: 0, function: null, file: null, line: 0, column: 0, entry: 0, kind: 'js', inlined: false }, more: false });
  assert.deepEqual([...callersFrames(here())].slice(0, 1).map(brief), got.slice(0, 1).map(brief));
});

test('instantiate: same result shape as WebAssembly.instantiate; the imports object is left alone', async () => {
  fresh();
  const env = { G1() {}, G2() {}, G3() {} };
  const imports = { env };
  const fromBytes = await instantiate(fixtureBytes(), imports);
  assert.ok(fromBytes.module instanceof WA.Module);
  assert.ok(fromBytes.instance instanceof WA.Instance);
  assert.equal(imports.env, env);
  assert.deepEqual(Object.keys(env), ['G1', 'G2', 'G3']);
  const fromModule = await instantiate(fromBytes.module, imports);
  assert.ok(fromModule instanceof WA.Instance);
  await assert.rejects(instantiate(new Uint8Array([1, 2, 3]), imports), WA.CompileError);
  await assert.rejects(instantiate('nope' as never), TypeError);
});

test('an import that is another instance\'s wasm export is not wrapped (wasm → wasm is no boundary)', async () => {
  fresh();
  const contexts: number[] = [];
  setForeignTraceback(0, null, (arg) => {
    contexts.push(arg.context);
    if (arg.context === 0) arg.context = 1;
  });
  const provider = await instantiate(fixtureBytes(), { env: { G1() {}, G2() {}, G3() {} } });
  const exports = provider.instance.exports as unknown as FixtureExports;
  const consumer = await instantiate(fixtureBytes(), { env: { G1: exports.C2, G2() {}, G3() {} } });
  (consumer.instance.exports as unknown as FixtureExports).C1(); // C1 → (provider's C2) → G2
  assert.deepEqual(contexts, [0, 1], 'one context (acquired, released), for G2 only');
  const wrapped = instrumentImports({ env: { f: exports.C2 } });
  assert.equal(wrapped.env.f, exports.C2);
});

test('instrumentImports: a copy with JS functions wrapped; others kept; boundaries work for self-instantiated modules', async () => {
  fresh();
  const hooks = seedHooks();
  setForeignTraceback(0, hooks.tcTraceback, hooks.tcContext, hooks.tcSymbolizer);
  const memory = new WA.Memory({ initial: 1 });
  let pcs: number[] = [];
  let exports!: FixtureExports;
  const original = {
    env: {
      G1() {
        exports.C2();
      },
      G2() {
        pcs = capture();
      },
      G3() {},
      memory,
      n: 7,
    },
  };
  const imports = instrumentImports(original);
  assert.notEqual(imports, original);
  assert.notEqual(imports.env.G1, original.env.G1);
  assert.equal(imports.env.memory, memory);
  assert.equal(imports.env.n, 7);
  assert.equal(instrumentImports(imports).env.G1, imports.env.G1, 'never wrapped twice');
  const bytes = fixtureBytes();
  const { instance } = await WA.instantiate(bytes, imports);
  exports = instance.exports;
  exports.C1();
  const got = frames(pcs);
  assert.deepEqual(got.filter((f) => f.kind === 'foreign').map((f) => f.line), [0x10200, 0x200, 0x10201, 0x201, 0x10100, 0x100]);
  // Not registered: V8's own wasm frame info.
  const c2 = got.find((f) => f.function === 'C2');
  assert.equal(c2?.file?.startsWith('wasm://wasm/'), true);
  assert.equal(c2?.line, 0);
  // Registered: symbolized from DWARF.
  registerModule(instance as WasmInstance, bytes);
  exports.C1();
  const c2again = frames(pcs).find((f) => f.function === 'C2');
  assert.equal(c2again?.file, '/crosstrace/fixtures/tracebackctxt/tracebackctxt.c');
  assert.ok((c2again?.line ?? 0) > 0);
  assert.equal(hooks.counter.contextCount, 0);
});

test('two modules with the same name and identical code are not confused', async () => {
  fresh();
  const alpha = tinyModule({ module: 'same', run: 'alpha_run', inner: 'alpha_inner' });
  const beta = tinyModule({ module: 'same', run: 'beta_run', inner: 'beta_inner' });
  let pcs: number[] = [];
  function g() {
    pcs = capture();
  }
  const a = await instantiate(alpha, { env: { g } });
  const b = await instantiate(beta, { env: { g } });
  (a.instance.exports.run as () => void)();
  const fromA = frames(pcs);
  (b.instance.exports.run as () => void)();
  const fromB = frames(pcs);
  assert.deepEqual(fromA.slice(0, 3).map((f) => `${f.kind}:${f.function}`), ['js:g', 'wasm:alpha_inner', 'wasm:alpha_run']);
  assert.deepEqual(fromB.slice(0, 3).map((f) => `${f.kind}:${f.function}`), ['js:g', 'wasm:beta_inner', 'wasm:beta_run']);
  assert.equal(fromA[1].wasm?.offset, fromB[1].wasm?.offset, 'same code offsets');
  assert.notEqual(fromA[1].pc, fromB[1].pc);
});

test('a module with malformed DWARF: V8\'s frame info, no exception', async () => {
  fresh();
  const junk = Array.from({ length: 64 }, (_, i) => (i * 37 + 11) & 0xff);
  const bytes = tinyModule({ module: 'broken', run: 'b_run', inner: 'b_inner' }, [
    ['.debug_abbrev', junk],
    ['.debug_info', junk],
    ['.debug_line', junk],
  ]);
  let pcs: number[] = [];
  function g() {
    pcs = capture();
  }
  const { instance } = await instantiate(bytes, { env: { g } });
  (instance.exports.run as () => void)();
  const got = frames(pcs);
  assert.deepEqual(got.slice(1, 3).map((f) => `${f.kind}:${f.function}`), ['wasm:b_inner', 'wasm:b_run']);
  assert.match(got[1].file ?? '', /^wasm:\/\/wasm\/broken-/);
});

test('each realm has its own state: hooks set in a worker are not the main thread\'s', async () => {
  fresh();
  const tb = (_: TracebackArg) => {};
  setForeignTraceback(0, tb);
  const url = new URL('../src/trace/index.js', import.meta.url).href;
  const code = `
    const { parentPort } = require('node:worker_threads');
    import(${JSON.stringify(url)}).then((m) => {
      m.setForeignTraceback(0, () => {});  // would throw if the main thread's hook were seen
      let again = 'accepted';
      try { m.setForeignTraceback(0, () => {}); } catch (e) { again = e.name; }
      parentPort.postMessage(again);
    }, (e) => parentPort.postMessage('load failed: ' + e));`;
  const answer = await new Promise((resolve, reject) => {
    const worker = new Worker(code, { eval: true });
    worker.once('message', resolve);
    worker.once('error', reject);
  });
  assert.equal(answer, 'ForeignTracebackError', 'the worker set its own hook, then could not change it');
  setForeignTraceback(0, tb); // the main thread's hook is unchanged
});

test('every import receives exactly the arguments wasm passed, whatever its declared length, with and without a context hook', async () => {
  fresh();
  const seen: unknown[][] = [];
  const shapes: Record<string, (...args: never[]) => void> = {
    rest: (...args: unknown[]) => void seen.push(args),
    none: function () {
      seen.push([...arguments]);
    },
    one: function (_a: unknown) {
      seen.push([...arguments]);
    },
    two: function (_a: unknown, _b: unknown) {
      seen.push([...arguments]);
    },
    eight: function (_a: unknown, _b: unknown, _c: unknown, _d: unknown, _e: unknown, _f: unknown, _g: unknown, _h: unknown) {
      seen.push([...arguments]);
    },
  };
  const run = async () => {
    const results: unknown[][] = [];
    for (const shape of Object.values(shapes)) {
      for (const instrument of ['instantiate', 'instrumentImports'] as const) {
        seen.length = 0;
        const env = { G1() {}, G2() {}, G3: shape };
        const exports = (instrument === 'instantiate'
          ? (await instantiate(fixtureBytes(), { env })).instance.exports
          : (await WA.instantiate(fixtureBytes(), instrumentImports({ env }))).instance.exports) as unknown as FixtureExports;
        exports.callG3(41);
        exports.callG3(42);
        results.push([...seen]);
      }
    }
    return results;
  };
  const expected = new Array(10).fill([[41], [42]]);
  assert.deepEqual(await run(), expected);
  const ctx = seedHooks();
  setForeignTraceback(0, null, ctx.tcContext);
  assert.deepEqual(await run(), expected);
  assert.equal(ctx.counter.contextCount, 0);
});

test('a script that two crosstrace modules registered (a bundle) is not used to hide frames', () => {
  fresh();
  // As if crosstrace had been bundled into this test file: two of its modules register it.
  const file = new URL(import.meta.url).href;
  registerOwnModule('bundled-a');
  assert.equal(isOwnFile(file), true, 'one module: its frames are crosstrace\'s');
  registerOwnModule('bundled-b');
  assert.equal(isOwnFile(file), false, 'two modules in one script: it also holds user code');
  function mine() {
    return frames(capture());
  }
  assert.equal(mine()[0].function, 'mine');
});

test('instances of the same bytes share one module record: the same PCs, no registry growth per instance', async () => {
  fresh();
  const bytes = tinyModule({ module: 'many', run: 'm_run', inner: 'm_inner' });
  let pcs: number[] = [];
  function g() {
    pcs = capture();
  }
  const seen = new Set<number>();
  let registry = -1;
  for (let i = 0; i < 20; i++) {
    const { instance } = await instantiate(bytes.slice(), { env: { g } });
    (instance.exports.run as () => void)();
    seen.add(pcs[1]); // m_inner's frame
    if (i === 0) registry = state.pcRecords.length;
  }
  assert.equal(seen.size, 1);
  assert.equal(state.pcRecords.length, registry);
  assert.equal(frames(pcs)[1].function, 'm_inner');
});
