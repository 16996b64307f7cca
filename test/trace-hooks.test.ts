// Contexts around imports that return, throw or return promises; and hooks that throw,
// misbehave or re-enter: the context stack stays balanced, the user's error is never lost or
// replaced, hook errors go to the hook error handler, and nothing recurses.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  callers,
  callersFrames,
  ForeignTracebackError,
  instantiate,
  setForeignHookErrorHandler,
  setForeignTraceback,
  stack,
  type ContextArg,
  type Frame,
  type SymbolizerArg,
} from '../src/trace/index.js';
import { contextDepth, fixtureBytes, fresh, seedHooks, type FixtureExports } from './support/trace-support.js';

function capture(): number[] {
  const pcs = new Array<number>(64).fill(0);
  return pcs.slice(0, callers(2, pcs));
}

/** A context hook that logs every call and hands out tokens 100, 101, … */
function loggingContext() {
  const log: string[] = [];
  let next = 100;
  const live = new Set<number>();
  const hook = (arg: ContextArg) => {
    if (arg.context === 0) {
      arg.context = next++;
      live.add(arg.context);
      log.push(`acquire ${arg.context}`);
    } else {
      assert.ok(live.delete(arg.context), `release of a token that is not live: ${arg.context}`);
      log.push(`release ${arg.context}`);
    }
  };
  return { log, live, hook };
}

/** The fixture, with G1/G2/G3 supplied by the test (G1 defaults to calling C2). */
async function fixture(env: { G1?: () => unknown; G2?: () => unknown; G3?: (i: number) => unknown }) {
  let exports!: FixtureExports;
  function G1() {
    exports.C2();
  }
  const { instance } = await instantiate(fixtureBytes(), {
    env: {
      G1: env.G1 ?? G1,
      G2: env.G2 ?? (() => {}),
      G3: env.G3 ?? (() => {}),
    },
  });
  exports = instance.exports as unknown as FixtureExports;
  return exports;
}

test('every import call acquires a context with 0 and releases that token exactly once, nested in order', async () => {
  const errors = fresh();
  const ctx = loggingContext();
  setForeignTraceback(0, null, ctx.hook);
  let depthAtBottom = -1;
  const exports = await fixture({ G2: () => (depthAtBottom = contextDepth()) });
  exports.C1();
  assert.deepEqual(ctx.log, ['acquire 100', 'acquire 101', 'release 101', 'release 100']);
  assert.equal(depthAtBottom, 2);
  assert.equal(contextDepth(), 0);
  assert.deepEqual(errors, []);
});

test('a throwing callback releases its context, and its error reaches the caller unchanged', async () => {
  const errors = fresh();
  const ctx = loggingContext();
  setForeignTraceback(0, null, ctx.hook);
  const boom = new Error('boom');
  const exports = await fixture({
    G2: () => {
      throw boom;
    },
  });
  assert.throws(() => exports.C1(), (e) => e === boom);
  assert.deepEqual(ctx.log, ['acquire 100', 'acquire 101', 'release 101', 'release 100']);
  assert.equal(ctx.live.size, 0);
  assert.equal(contextDepth(), 0);
  assert.deepEqual(errors, []);
  const thrownValue = 'a string, not an Error';
  const exports2 = await fixture({
    G2: () => {
      throw thrownValue;
    },
  });
  assert.throws(() => exports2.C1(), (e) => e === thrownValue);
  assert.equal(ctx.live.size, 0);
  assert.equal(contextDepth(), 0);
});

test('an import that returns a promise releases its context when it returns, not when the promise settles', async () => {
  const errors = fresh();
  const ctx = loggingContext();
  setForeignTraceback(0, null, ctx.hook);
  let resolve!: () => void;
  const pending = new Promise<void>((r) => (resolve = r));
  let returned: unknown;
  const exports = await fixture({
    G1: () => {
      returned = pending.then(() => {
        ctx.log.push('settled');
        assert.equal(contextDepth(), 0, 'no context is live once the promise settles');
      });
      return returned;
    },
  });
  exports.C1();
  assert.deepEqual(ctx.log, ['acquire 100', 'release 100']);
  assert.equal(contextDepth(), 0);
  resolve();
  await returned;
  assert.deepEqual(ctx.log, ['acquire 100', 'release 100', 'settled']);
  assert.deepEqual(errors, []);
});

test('a context hook that throws: the import still runs, the error is reported, the stack stays balanced', async () => {
  const errors = fresh();
  let calls = 0;
  setForeignTraceback(0, null, () => {
    calls++;
    throw new Error('context hook failed');
  });
  let ran = 0;
  const exports = await fixture({ G2: () => ran++ });
  exports.C1();
  assert.equal(ran, 1);
  assert.equal(calls, 2, 'acquire only: no token was recorded, so nothing is released');
  assert.deepEqual(errors.map((e) => [e.hook, (e.error as Error).message]), [
    ['context', 'context hook failed'],
    ['context', 'context hook failed'],
  ]);
  assert.equal(contextDepth(), 0);
});

test('a context hook that records a token and then throws: the token is still released once', async () => {
  const errors = fresh();
  const log: string[] = [];
  setForeignTraceback(0, null, (arg) => {
    log.push(`${arg.context}`);
    if (arg.context === 0) {
      arg.context = 9;
      throw new Error('late failure');
    }
  });
  const exports = await fixture({});
  exports.C1();
  assert.deepEqual(log, ['0', '0', '9', '9']);
  assert.equal(errors.length, 2);
  assert.equal(contextDepth(), 0);
});

test('a release that throws does not replace the import\'s own error', async () => {
  const errors = fresh();
  setForeignTraceback(0, null, (arg) => {
    if (arg.context === 0) arg.context = 1;
    else throw new Error('release failed');
  });
  const boom = new TypeError('the user\'s error');
  const exports = await fixture({
    G2: () => {
      throw boom;
    },
  });
  assert.throws(() => exports.C1(), (e) => e === boom);
  assert.equal(errors.length, 2);
  assert.ok(errors.every((e) => e.hook === 'context' && (e.error as Error).message === 'release failed'));
  assert.equal(contextDepth(), 0);
});

test('a context hook recording something that is not a number is reported and treated as no context', async () => {
  const errors = fresh();
  setForeignTraceback(0, null, (arg) => {
    if (arg.context === 0) (arg as { context: unknown }).context = 'token';
    else assert.fail('nothing to release');
  });
  const exports = await fixture({});
  exports.C1();
  assert.equal(errors.length, 2);
  assert.ok(errors[0].error instanceof ForeignTracebackError);
  assert.equal(contextDepth(), 0);
});

test('a traceback hook that throws: no foreign frames for that context, the others still come, the capture works', async () => {
  const errors = fresh();
  const hooks = seedHooks();
  setForeignTraceback(
    0,
    (arg) => {
      if (arg.context === 2) throw new Error('traceback failed');
      hooks.tcTraceback(arg);
    },
    hooks.tcContext,
    null,
  );
  let got: Frame[] = [];
  const exports = await fixture({ G2: () => (got = [...callersFrames(capture())]) });
  exports.C1();
  assert.deepEqual(got.slice(0, 5).map((f) => `${f.kind}:${f.function}`), [
    'js:G2',
    'wasm:C2',
    'js:G1',
    'foreign:non-Go function at pc=0x100',
    'wasm:C1',
  ]);
  assert.deepEqual(errors.map((e) => e.hook), ['traceback']);
  assert.equal(hooks.counter.contextCount, 0);
  assert.equal(contextDepth(), 0);
});

test('a traceback hook handing back junk: at most max PCs, a non-PC ends the list, a replaced buf is ignored', async () => {
  const errors = fresh();
  let mode = 0;
  setForeignTraceback(0, (arg) => {
    if (mode === 0) for (let i = 0; i < 100; i++) arg.buf[i] = 0x1000 + i; // past max
    if (mode === 1) arg.buf.splice(0, 4, 7, 8, -3, 9);
    if (mode === 2) arg.buf.splice(0, 3, 7, 'x' as never, 9);
    if (mode === 3) arg.buf.splice(0, 3, 7, 1.5, 9);
    if (mode === 4) arg.buf = [1, 2, 3];
  });
  const results: number[][] = [];
  const exports = await fixture({ G2: () => results.push(capture().filter((pc) => pc > 0)) });
  for (mode = 0; mode <= 4; mode++) exports.C1();
  assert.deepEqual(results[0], Array.from({ length: 32 }, (_, i) => 0x1000 + i));
  assert.deepEqual(results.slice(1), [[7, 8], [7], [7], []]);
  assert.equal(errors.length, 3);
  assert.ok(errors.every((e) => e.hook === 'traceback' && e.error instanceof ForeignTracebackError));
});

test('a symbolizer that throws: the frame falls back to the non-Go name, the release call still comes', async () => {
  const errors = fresh();
  const calls: number[] = [];
  setForeignTraceback(
    0,
    (arg) => {
      arg.buf[0] = 0x42;
    },
    null,
    (arg) => {
      calls.push(arg.pc);
      throw new Error('symbolizer failed');
    },
  );
  let got: Frame[] = [];
  const exports = await fixture({ G2: () => (got = [...callersFrames(capture())]) });
  exports.C1();
  const foreign = got.filter((f) => f.kind === 'foreign');
  assert.deepEqual(foreign.map((f) => [f.pc, f.function]), [[0x42, 'non-Go function at pc=0x42']]);
  assert.deepEqual(calls, [0x42, 0]);
  assert.equal(errors.length, 2);
});

test('a symbolizer that keeps more set, or hands back huge or non-string names, is bounded', async () => {
  const errors = fresh();
  setForeignTraceback(
    0,
    (arg) => {
      arg.buf[0] = 0x10;
      arg.buf[1] = 0x20;
    },
    null,
    (arg) => {
      if (arg.pc === 0) return;
      arg.more = 1;
      if (arg.pc === 0x10) arg.func = 'n'.repeat(1e6);
      else (arg as { func: unknown }).func = { toString: () => 'object' };
      (arg as { lineno: unknown }).lineno = 'seven';
    },
  );
  let got: Frame[] = [];
  const exports = await fixture({ G2: () => (got = [...callersFrames(capture())]) });
  exports.C1();
  const first = got.filter((f) => f.pc === 0x10);
  assert.equal(first.length, 64);
  assert.equal(first[0].function?.length, 4096);
  assert.equal(first[0].line, 0);
  const second = got.filter((f) => f.pc === 0x20);
  assert.equal(second[0].function, 'non-Go function at pc=0x20', 'no usable name or file: nothing known');
  assert.equal(errors.filter((e) => /kept More set/.test(String(e.error))).length, 1);
});

test('re-entrancy: a symbolizer that takes a traceback gets no hook calls and sees no crosstrace frame', async () => {
  const errors = fresh();
  let inner: Frame[] | null = null;
  let symbolizerCalls = 0;
  const hooks = seedHooks();
  setForeignTraceback(0, hooks.tcTraceback, hooks.tcContext, (arg) => {
    symbolizerCalls++;
    if (inner === null) inner = [...callersFrames(capture())];
    hooks.tcSymbolizer(arg);
  });
  let outer: Frame[] = [];
  const exports = await fixture({ G2: () => (outer = [...callersFrames(capture())]) });
  exports.C1();
  assert.ok(inner !== null);
  const innerFrames = inner as Frame[];
  assert.ok(innerFrames.every((f) => f.kind !== 'foreign'), 'no foreign frames inside a hook');
  assert.ok(!innerFrames.some((f) => f.function?.startsWith('crosstrace:') || /^Frames\./.test(f.function ?? '')), innerFrames.map((f) => f.function).join());
  assert.equal(innerFrames[1]?.function, 'G2', 'the hook\'s caller is the code that expanded the frames');
  assert.equal(outer.filter((f) => f.kind === 'foreign').length, 6, 'the outer expansion is complete');
  assert.equal(symbolizerCalls, 3 * 3, 'three PCs: two calls each (more), one release each');
  assert.deepEqual(errors, []);
  assert.equal(contextDepth(), 0);
});

test('re-entrancy: a context hook that calls an instrumented import gets no nested context, and captures consistently', async () => {
  const errors = fresh();
  let exports!: FixtureExports;
  const log: string[] = [];
  let captured: Frame[] | null = null;
  setForeignTraceback(0, null, (arg) => {
    log.push(`ctx ${arg.context} depth ${contextDepth()}`);
    if (arg.context === 0) {
      arg.context = 5;
      exports.callG3(1); // an instrumented import, from inside the hook
      if (captured === null) captured = [...callersFrames(capture())];
    }
  });
  exports = await fixture({ G3: (i) => log.push(`G3 ${i} depth ${contextDepth()}`) });
  exports.callG3(0);
  assert.deepEqual(log, ['ctx 0 depth 1', 'G3 1 depth 2', 'G3 0 depth 1', 'ctx 5 depth 0']);
  const frames = captured as unknown as Frame[];
  assert.ok(!frames.some((f) => f.function?.startsWith('crosstrace:')));
  assert.deepEqual(frames.slice(1, 3).map((f) => `${f.kind}:${f.function}`), ['wasm:callG3', 'js:null'], 'the hook, then the wasm caller of the import');
  assert.deepEqual(errors, []);
  assert.equal(contextDepth(), 0);
});

test('a stack() taken while contexts are live, then after they are released: consistent both times', async () => {
  const errors = fresh();
  const hooks = seedHooks();
  setForeignTraceback(0, hooks.tcTraceback, hooks.tcContext, hooks.tcSymbolizer);
  let during = '';
  const exports = await fixture({ G2: () => (during = stack()) });
  exports.C1();
  const after = stack();
  assert.match(during, /pc=0x200/);
  assert.match(during, /pc=0x100/);
  assert.doesNotMatch(after, /pc=0x/);
  assert.doesNotMatch(during + after, /crosstrace:/);
  assert.deepEqual(errors, []);
});

test('hook errors go to console.error by default: the first 10, then one notice', async () => {
  fresh();
  setForeignHookErrorHandler(null);
  const logged: unknown[][] = [];
  const saved = console.error;
  console.error = (...args: unknown[]) => void logged.push(args);
  try {
    setForeignTraceback(0, null, () => {
      throw new Error('noisy');
    });
    const exports = await fixture({});
    for (let i = 0; i < 20; i++) exports.callG3(i);
  } finally {
    console.error = saved;
  }
  assert.equal(logged.length, 11);
  assert.match(String(logged[0][0]), /foreign context hook failed/);
  assert.equal((logged[0][1] as Error).message, 'noisy');
  assert.match(String(logged[10][0]), /not shown/);
  assert.throws(() => setForeignHookErrorHandler(3 as never), ForeignTracebackError);
});

test('a symbolizer keeping state in data across PCs sees it only on the printing path (Go\'s two paths)', async () => {
  fresh();
  const seenData: Array<[number, number]> = [];
  setForeignTraceback(
    0,
    (arg) => {
      arg.buf[0] = 1;
      arg.buf[1] = 2;
    },
    null,
    (arg: SymbolizerArg) => {
      seenData.push([arg.pc, arg.data]);
      arg.func = 'f';
      arg.data++;
    },
  );
  const exports = await fixture({
    G2: () => {
      void [...callersFrames(capture())];
      seenData.push([-1, -1]);
      stack();
    },
  });
  exports.C1();
  assert.deepEqual(seenData, [
    [1, 0], [0, 1], [2, 0], [0, 1], // callersFrames: a fresh arg per PC
    [-1, -1],
    [1, 0], [2, 1], [0, 2], // stack: one arg for the traceback
  ]);
});

test('hooks set while an import is already running: that outer boundary has no context, the inner ones do', async () => {
  const errors = fresh();
  const hooks = seedHooks();
  let got: Frame[] = [];
  let exports!: FixtureExports;
  exports = await fixture({
    G1: () => {
      setForeignTraceback(0, hooks.tcTraceback, hooks.tcContext, hooks.tcSymbolizer);
      exports.C2();
    },
    G2: () => (got = [...callersFrames(capture())]),
  });
  exports.C1();
  assert.deepEqual(got.slice(0, 7).map((f) => `${f.kind}:${f.function}` + (f.kind === 'foreign' ? `:${f.line}` : '')), [
    'js:G2',
    `foreign:cFunction:${0x10100}`, // the first context recorded is 1
    `foreign:cFunction:${0x100}`,
    'wasm:C2',
    'js:G1',
    'wasm:C1', // no foreign frames: G1 was entered before there was a context hook
    'js:null', // the test's callback
  ]);
  assert.equal(hooks.counter.contextCount, 0);
  assert.equal(contextDepth(), 0);
  assert.deepEqual(errors, []);
});

test('a hook error handler that takes a traceback, with a hook failing on every call, does not recurse', async () => {
  fresh();
  const reports: string[] = [];
  setForeignHookErrorHandler((error, hook) => {
    reports.push(`${hook}: ${(error as Error).message}`);
    reports.push(stack().includes('pc=') ? 'foreign frames' : 'no foreign frames');
  });
  setForeignTraceback(0, (arg) => {
    arg.buf[0] = -1; // not a PC, every time
  });
  let printed = '';
  const exports = await fixture({ G2: () => (printed = stack()) });
  exports.C1();
  assert.match(printed, /^G2\n/);
  assert.deepEqual(reports, ['traceback: the traceback hook stored -1 at buf[0], not a PC', 'no foreign frames']);
  assert.equal(contextDepth(), 0);
});
