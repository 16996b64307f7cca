// The register hook in-process (the library's `install`): what it does to WebAssembly and to
// Error.stack, how it composes with other Error.prepareStackTrace users, that its failures never
// reach the program, foreign frames at boundaries, module identity, laziness and lifetime.
// (Real programs under `node --import`/`-r`, checked against llvm-symbolizer: e2e-register.)
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { createRequire } from 'node:module';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { installWith, install, register, uninstall, installed } from '../src/format/install.js';
import { INLINED_MARK, SourceCallSite } from '../src/format/error-stack.js';
import { hookState, type StackPlatform } from '../src/format/stack-state.js';
import { portablePlatform } from '../src/format/wasm-hook.js';
import { recordOf } from '../src/trace/instrument.js';
import { setForeignTraceback, stack, stackFrames, type Frame } from '../src/trace/index.js';
import { WasmModule } from '../src/wasm/module.js';
import { WasmSymbolizer } from '../src/symbolize/symbolizer.js';
import { moduleOffset } from '../src/wasm/addresses.js';
import { fixturePath } from './support/fixtures.js';
import { fixtureBytes, fresh, seedHooks, type FixtureExports } from './support/trace-support.js';

const require = createRequire(import.meta.url);
const WA = (globalThis as unknown as { WebAssembly: any }).WebAssembly;
const V8Error = Error as unknown as { prepareStackTrace: unknown; stackTraceLimit: number; captureStackTrace(o: object, f?: Function): void };

let uniqueness = 0;
/**
 * A fixture's bytes with a custom section of its own appended (same code, same offsets): V8
 * caches compiled modules by their bytes, and crosstrace its records, so each test gets a
 * module nothing else made.
 */
function inventoryBytes(name = 'inventory.O2.dwarf5.wasm'): Uint8Array {
  const bytes = new Uint8Array(readFileSync(fixturePath('c-inline', name)));
  const tag = [...new TextEncoder().encode(`test-${++uniqueness}`)];
  const payload = [4, ...new TextEncoder().encode('test'), ...tag];
  return new Uint8Array([...bytes, 0, payload.length, ...payload]);
}

// Made before the hook: crosstrace never sees these unless told (register()).
const earlyBytes = inventoryBytes();
const earlyModule = new WA.Module(earlyBytes);
const EngineModule = WA.Module;
const EngineInstance = WA.Instance;
const nodeDefault = V8Error.prepareStackTrace;

// A platform that counts symbolizers made: nothing may be parsed before a stack needs it.
let symbolizersMade = 0;
const countingPlatform: StackPlatform = {
  name: 'counting',
  createSymbolizer(bytes, url, debugPath) {
    symbolizersMade++;
    return portablePlatform.createSymbolizer(bytes, url, debugPath);
  },
};
const status = installWith({}, countingPlatform);

interface Inventory {
  add_item(sku: number, qty: number, price: number): void;
  checkout(budget: number): number;
  reset(): void;
}

function reportThrows(message = 'inventory check failed') {
  return { env: { report(code: number) { throw new Error(`${message} (code ${code})`); } } };
}

/** The error thrown by checkout() when report() throws (a negative quantity). */
function failCheckout(shop: Inventory): Error {
  shop.reset();
  shop.add_item(101, 3, 250);
  shop.add_item(102, -2, 999);
  try {
    shop.checkout(10_000);
  } catch (error) {
    return error as Error;
  }
  throw new Error('checkout did not fail');
}

/** The trap (qty > 100000 reaches __builtin_trap inside inlined code). */
function trapCheckout(shop: Inventory): Error {
  shop.reset();
  shop.add_item(7, 200_000, 1);
  try {
    shop.checkout(1e9);
  } catch (error) {
    return error as Error;
  }
  throw new Error('checkout did not trap');
}

/** V8's own CallSites of an error made by `make`, taken the way structured traces are taken. */
function rawSites(make: () => Error): any[] {
  const saved = V8Error.prepareStackTrace;
  V8Error.prepareStackTrace = (_: unknown, sites: unknown) => sites;
  try {
    return make().stack as unknown as any[];
  } finally {
    V8Error.prepareStackTrace = saved;
  }
}

const lines = (stack: string | undefined): string[] => (stack ?? '').split('\n');
/** The lines up to the frame of the function that made the error (the test's own callers differ). */
function upTo(text: readonly string[], fn = /^ {4}at (?:failCheckout|trapCheckout) /): string[] {
  const end = text.findIndex((l) => fn.test(l));
  return end < 0 ? [...text] : text.slice(0, end + 1);
}
const isWasmSite = (s: any): boolean => typeof s.getFunction() === 'number';

/** What crosstrace must print for each V8 site: the JS site's text, or the wasm site's DWARF frames. */
function expectedFromSites(sites: any[], bytes: Uint8Array): string[] {
  const symbolizer = new WasmSymbolizer(bytes);
  const out: string[] = [];
  for (const site of sites) {
    if (!isWasmSite(site)) {
      out.push('    at ' + String(site));
      continue;
    }
    const frames = symbolizer.symbolizeModuleOffset(moduleOffset(site.getPosition()));
    frames.forEach((f, i) => {
      const where = f.line > 0 ? (f.column > 0 ? `${f.file}:${f.line}:${f.column}` : `${f.file}:${f.line}`) : f.file;
      out.push(`    at ${f.function}${i < frames.length - 1 ? INLINED_MARK : ''} (${where})`);
    });
  }
  return out;
}

async function inventory(bytes = inventoryBytes(), imports: object = reportThrows()): Promise<{ shop: Inventory; instance: any; module: any }> {
  const { module, instance } = await WA.instantiate(bytes, imports);
  return { shop: instance.exports as Inventory, instance, module };
}

test('install: WebAssembly and Error.prepareStackTrace are hooked; installing again changes nothing', async () => {
  assert.deepEqual(status, { errorStack: true, webAssembly: true, platform: 'counting' });
  assert.ok(installed());
  const instantiate = WA.instantiate;
  const descriptor = Object.getOwnPropertyDescriptor(Error, 'prepareStackTrace');
  assert.equal(typeof descriptor?.get, 'function', 'an accessor in front of the program’s function');
  const { shop } = await inventory();
  const before = failCheckout(shop).stack;
  assert.deepEqual(install(), { errorStack: true, webAssembly: true, platform: 'counting' });
  assert.equal(WA.instantiate, instantiate, 'WebAssembly is not wrapped twice');
  assert.equal(Object.getOwnPropertyDescriptor(Error, 'prepareStackTrace')?.get, descriptor?.get);
  assert.deepEqual(upTo(lines(failCheckout(shop).stack)), upTo(lines(before)), 'the same stack after a second install');
  assert.equal(WA.instantiate.name, 'instantiate');
  assert.equal(WA.instantiate.length, instantiate.length);
});

test('Error.stack: each wasm frame becomes its DWARF frames, innermost first; the message line and JS frames are V8’s', async () => {
  const bytes = inventoryBytes();
  const { shop } = await inventory(bytes);
  const sites = rawSites(() => failCheckout(shop));
  assert.ok(sites.some(isWasmSite), 'V8 reports a wasm frame');
  const error = failCheckout(shop);
  const got = lines(error.stack);
  assert.equal(got[0], 'Error: inventory check failed (code 1)');
  assert.deepEqual(upTo(got.slice(1)), upTo(expectedFromSites(sites, bytes)));
  assert.ok(got.some((l) => l.includes(INLINED_MARK + ' (')), 'inlined frames are marked');

  const trap = trapCheckout(shop);
  assert.ok(trap instanceof WA.RuntimeError);
  assert.equal(lines(trap.stack)[0], 'RuntimeError: unreachable');
  assert.deepEqual(upTo(lines(trap.stack).slice(1)), upTo(expectedFromSites(rawSites(() => trapCheckout(shop)), bytes)));
});

test('stacktrace-parser and error-stack-parser read every line, inlined frames included', async () => {
  const { shop } = await inventory();
  const error = failCheckout(shop);
  const text = error.stack as string;
  const frames = rawSites(() => failCheckout(shop)).flatMap((s) => (isWasmSite(s) ? [] : [s]));
  const symbolized = lines(text).slice(1).filter((l) => l.includes('.c:'));
  assert.ok(symbolized.length >= 2);

  const sp = require('stacktrace-parser') as { parse(s: string): Array<{ file: string | null; methodName: string; lineNumber: number | null; column: number | null }> };
  const parsed = sp.parse(text);
  assert.equal(parsed.length, lines(text).length - 1, 'stacktrace-parser keeps every frame');
  const esp = (require('error-stack-parser') as { default?: unknown }).default ?? require('error-stack-parser');
  const parsed2 = (esp as { parse(e: Error): Array<{ functionName?: string; fileName?: string; lineNumber?: number; columnNumber?: number }> }).parse(error);
  assert.equal(parsed2.length, lines(text).length - 1, 'error-stack-parser keeps every frame');
  for (const [i, line] of lines(text).slice(1).entries()) {
    const m = /^ {4}at (.+) \((.+?):(\d+)(?::(\d+))?\)$/.exec(line);
    if (!m) continue;
    const [, name, file, l, c] = m;
    assert.equal(parsed[i].methodName, name, 'stacktrace-parser: function');
    assert.equal(parsed[i].file, file);
    assert.equal(parsed[i].lineNumber, Number(l));
    assert.equal(parsed[i].column, c === undefined ? null : Number(c));
    assert.equal(parsed2[i].functionName, name, 'error-stack-parser: function');
    assert.equal(parsed2[i].fileName, file);
    assert.equal(parsed2[i].lineNumber, Number(l));
    assert.equal(parsed2[i].columnNumber, c === undefined ? undefined : Number(c));
  }
  assert.ok(parsed.some((f) => f.methodName.endsWith(INLINED_MARK)), 'the inlined mark survives parsing');
  assert.ok(frames.length > 0);
});

test('composition: a formatter set before install, one set after, and the save/restore capture pattern', async () => {
  const { shop, instance } = await inventory();
  const saved = V8Error.prepareStackTrace;
  try {
    // A getter-based formatter, as source-map-support rebuilds each line.
    const rebuilt: string[] = [];
    V8Error.prepareStackTrace = (error: Error, sites: any[]) => {
      rebuilt.length = 0;
      for (const s of sites) rebuilt.push(`${s.getFunctionName() ?? '<anonymous>'} (${s.getFileName()}:${s.getLineNumber()}:${s.getColumnNumber()})`);
      return `custom ${error.message}\n${rebuilt.join('\n')}`;
    };
    const text = failCheckout(shop).stack as string;
    assert.ok(text.startsWith('custom inventory check failed'), 'the program’s formatter runs');
    assert.ok(rebuilt.some((l) => l.startsWith('checked_qty' + INLINED_MARK + ' (') && l.includes('inventory.c:')), `symbolized sites reach it:\n${text}`);

    // Structured capture: the sites array handed back is V8's own, wasm frames included.
    const sites = rawSites(() => failCheckout(shop));
    const wasm = sites.filter(isWasmSite);
    assert.ok(wasm.length > 0 && wasm.every((s) => s.getThis() === instance), 'raw CallSites, receiver = the instance');
    assert.ok(sites.every((s) => !(s instanceof SourceCallSite)));

    // The formatter is still the one in place after that pattern restored it.
    assert.ok((failCheckout(shop).stack as string).startsWith('custom '));

    // Chaining: a formatter that calls the one it replaced.
    const previous = V8Error.prepareStackTrace as (e: unknown, s: unknown) => string;
    V8Error.prepareStackTrace = (error: unknown, s: unknown) => previous(error, s) + '\n(chained)';
    const chained = failCheckout(shop).stack as string;
    assert.ok(chained.startsWith('custom ') && chained.endsWith('(chained)'));
    assert.ok(chained.includes('checked_qty' + INLINED_MARK));
  } finally {
    V8Error.prepareStackTrace = saved;
  }
  assert.equal(hookState.inner, nodeDefault, 'restoring gives the program’s function back');
  assert.ok(lines(failCheckout(shop).stack).some((l) => l.includes('inventory.c:')));
});

test('the trace layer’s stack() and stackFrames() work while the hook is installed', async () => {
  const shop = (await inventory(inventoryBytes(), {
    env: {
      report() {
        throw Object.assign(new Error('captured'), { frames: stackFrames(), text: stack() });
      },
    },
  })).shop;
  const error = failCheckout(shop) as Error & { frames: Frame[]; text: string };
  const wasm = error.frames.filter((f) => f.kind === 'wasm');
  assert.deepEqual(wasm.map((f) => f.function), ['checked_qty', 'line_total', 'sum_inventory', 'checkout']);
  assert.match(error.text, /checked_qty\n\t\/crosstrace\/fixtures\/c-inline\/inventory\.c:44:5 wasm-function\[5\]/);
});

test('failures never reach the program: a symbolizer that throws, damaged DWARF, a formatter that fails on rewritten sites', async () => {
  const { shop, instance } = await inventory();
  const record = recordOf(instance)!;
  record.symbolizer = {
    symbolizeModuleOffset() {
      throw new Error('symbolizer bug');
    },
    toCodeOffset: () => null,
  };
  const failures = hookState.failures;
  const error = failCheckout(shop);
  const v8 = ['Error: inventory check failed (code 1)', ...rawSites(() => failCheckout(shop)).map((s) => '    at ' + String(s))];
  assert.deepEqual(upTo(lines(error.stack)), upTo(v8), "V8's own text");
  assert.ok(hookState.failures > failures, 'the failure is counted');

  // DWARF damaged: .debug_info overwritten. Whatever the reader makes of it, .stack is a string.
  const damaged = inventoryBytes('inventory.O0.dwarf5.wasm').slice();
  const info = new WasmModule(damaged).customSection('.debug_info')!;
  damaged.fill(0xff, info.byteOffset, info.byteOffset + info.length);
  const broken = (await inventory(damaged)).shop;
  const brokenError = failCheckout(broken);
  assert.equal(typeof brokenError.stack, 'string');
  assert.equal(lines(brokenError.stack)[0], 'Error: inventory check failed (code 1)');
  const brokenV8 = rawSites(() => failCheckout(broken)).map((s) => '    at ' + String(s));
  const got = lines(brokenError.stack).slice(1);
  // JS frames are all there, in order.
  assert.deepEqual(upTo(got.filter((l) => !l.includes('inventory.') && !l.includes('wasm://'))), upTo(brokenV8.filter((l) => !l.includes('wasm://'))));

  const saved = V8Error.prepareStackTrace;
  try {
    V8Error.prepareStackTrace = (_: unknown, sites: any[]) => {
      if (sites.some((s) => s instanceof SourceCallSite)) throw new Error('cannot handle these');
      return 'formatted raw';
    };
    const ok = (await inventory()).shop;
    assert.equal(failCheckout(ok).stack, 'formatted raw', 'given V8’s sites when the rewritten ones made it fail');
  } finally {
    V8Error.prepareStackTrace = saved;
  }
});

test('never recurses: stacks read while a stack is formatted, and inside foreign hooks', async () => {
  const { shop } = await inventory();
  const saved = V8Error.prepareStackTrace;
  try {
    let inner = '';
    V8Error.prepareStackTrace = (error: Error, sites: unknown[]) => {
      inner = new Error('nested').stack as string;
      return `${error.message} ${sites.length}`;
    };
    const error = failCheckout(shop);
    assert.match(error.stack as string, /^inventory check failed \(code 1\) \d+$/);
    assert.match(inner, /^Error: nested\n {4}at /);
  } finally {
    V8Error.prepareStackTrace = saved;
  }
});

test('stackTraceLimit: the program’s setting by default, raised on request', async () => {
  const limit = V8Error.stackTraceLimit;
  install({});
  assert.equal(V8Error.stackTraceLimit, limit);
  try {
    install({ stackTraceLimit: 50 });
    assert.equal(V8Error.stackTraceLimit, 50);
    const { shop } = await inventory();
    const deep = (n: number): Error => (n === 0 ? failCheckout(shop) : deep(n - 1));
    assert.ok(lines(deep(30).stack).length > 30);
  } finally {
    V8Error.stackTraceLimit = limit;
  }
  assert.throws(() => install({ stackTraceLimit: -1 }), TypeError);
});

test('register(): modules made before the hook, by module, by instance, and by URL', async () => {
  const bytes = earlyBytes;
  const early = new EngineInstance(earlyModule, reportThrows());
  const before = failCheckout(early.exports);
  assert.ok(lines(before.stack).some((l) => l.includes('wasm-function[')), 'unknown modules keep V8’s frames');
  register(earlyModule, { bytes });
  const late = new WA.Instance(earlyModule, reportThrows());
  assert.ok(lines(failCheckout(late.exports).stack).some((l) => l.includes('inventory.c:')), 'an instance of a registered module');
  const otherBytes = inventoryBytes();
  const other = new EngineInstance(new EngineModule(otherBytes), reportThrows());
  register(other, { bytes: otherBytes });
  assert.ok(lines(failCheckout(other.exports).stack).some((l) => l.includes('inventory.c:')), 'a registered instance');

  // By URL: frames of any unknown instance whose script URL is the one given.
  const oddBytes = inventoryBytes('inventory.O2.dwarf4.wasm');
  const odd = new EngineInstance(new EngineModule(oddBytes), reportThrows());
  const url = rawSites(() => failCheckout(odd.exports)).find(isWasmSite).getScriptNameOrSourceURL();
  assert.match(url, /^wasm:\/\/wasm\/inventory\.O2\.dwarf4\.wasm-[0-9a-f]{8}$/);
  register(oddBytes, { url });
  assert.ok(lines(failCheckout(odd.exports).stack).some((l) => l.includes('inventory.c:')), 'registered by URL');

  assert.throws(() => register({}, { bytes }), TypeError);
  assert.throws(() => register(bytes, {}), TypeError);
});

test('two different modules under the same name and URL are told apart by instance', async (t) => {
  const o2 = inventoryBytes('inventory.O2.dwarf5.wasm');
  const o0 = inventoryBytes('inventory.O0.dwarf5.wasm');
  let served = 0;
  const server = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'application/wasm' });
    res.end(served++ === 0 ? o2 : o0);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(() => server.close());
  const url = `http://127.0.0.1:${(server.address() as { port: number }).port}/same/inventory.wasm`;
  const first = await WA.instantiateStreaming(fetch(url), reportThrows());
  const second = await WA.instantiateStreaming(fetch(url), reportThrows());
  assert.ok(first.module instanceof EngineModule && first.instance instanceof EngineInstance);
  assert.equal(hookState.urls.get(recordOf(first.instance)!), url, 'the response URL is remembered');
  for (const [{ instance }, bytes] of [[first, o2], [second, o0]] as const) {
    const sites = rawSites(() => failCheckout(instance.exports));
    const wasmUrls = new Set(sites.filter(isWasmSite).map((s) => s.getScriptNameOrSourceURL()));
    assert.deepEqual([...wasmUrls], [url], 'V8 names both by the same URL');
    assert.deepEqual(upTo(lines(failCheckout(instance.exports).stack).slice(1)), upTo(expectedFromSites(sites, bytes)));
  }
});

test('lazy: nothing is parsed until a stack needs the module', async () => {
  const made = symbolizersMade;
  const bytes = inventoryBytes('inventory.O0.dwarf4.wasm');
  const { shop } = await inventory(bytes);
  const module = new WA.Module(bytes);
  await WA.compile(bytes);
  new WA.Instance(module, reportThrows());
  assert.equal(symbolizersMade, made, 'instantiating parses nothing');
  const error = failCheckout(shop);
  assert.equal(symbolizersMade, made, 'making an error parses nothing');
  void error.stack;
  assert.equal(symbolizersMade, made + 1, 'reading its stack makes the symbolizer, once for the same bytes');
  void failCheckout(shop).stack;
  assert.equal(symbolizersMade, made + 1);
});

test('module bytes live no longer than their modules', async () => {
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as () => void;
  const bytes = new Uint8Array(readFileSync(fixturePath('dwarf-versions', 'tiny.dwarf3.wasm')));
  let ref: WeakRef<object> | undefined;
  await (async () => {
    const { instance } = await WA.instantiate(bytes, { env: { report() {} } });
    const record = recordOf(instance);
    assert.ok(record?.bytes, 'registered with its bytes');
    ref = new WeakRef(record);
  })();
  for (let i = 0; i < 20 && ref!.deref() !== undefined; i++) {
    await new Promise((resolve) => setTimeout(resolve, 10));
    gc();
  }
  assert.equal(ref!.deref(), undefined, 'the record (and its bytes) went with the module');
});

test('WebAssembly behaves as before: results, errors, instanceof', async () => {
  const bytes = inventoryBytes();
  const a = await WA.instantiate(bytes, reportThrows());
  assert.ok(a.module instanceof WA.Module && a.instance instanceof WA.Instance);
  assert.ok(a.module instanceof EngineModule && a.instance instanceof EngineInstance);
  const b = await WA.instantiate(a.module, reportThrows());
  assert.ok(b instanceof EngineInstance);
  const m = await WA.compile(bytes);
  assert.deepEqual(WA.Module.exports(m).map((e: { name: string }) => e.name), WA.Module.exports(a.module).map((e: { name: string }) => e.name));
  await assert.rejects(WA.instantiate(new Uint8Array([0, 1, 2, 3])), WA.CompileError);
  await assert.rejects(WA.compile(new Uint8Array([0, 1, 2, 3])), WA.CompileError);
  await assert.rejects(WA.instantiate(bytes, {}), TypeError);
  await assert.rejects(WA.instantiate(bytes, { env: {} }), WA.LinkError);
  await assert.rejects(WA.instantiate(bytes, 5), TypeError);
  assert.throws(() => new WA.Module(new Uint8Array([1])), WA.CompileError);
  assert.throws(() => new WA.Instance(m, { env: {} }), WA.LinkError);
  assert.throws(() => WA.Module(bytes), TypeError);
  // The imports the program passed are not changed.
  const imports = reportThrows();
  const report = imports.env.report;
  await WA.instantiate(bytes, imports);
  assert.equal(imports.env.report, report);
});

test('foreign frames: at their boundaries, the same as stackFrames(); none from contexts that are gone', async () => {
  fresh();
  const hooks = seedHooks();
  setForeignTraceback(0, hooks.tcTraceback, hooks.tcContext, hooks.tcSymbolizer);
  let exports!: FixtureExports;
  let insideStack = '';
  let insideFrames: Frame[] = [];
  let kept: Error | null = null;
  const { instance } = await WA.instantiate(fixtureBytes(), {
    env: {
      G1() {
        exports.C2();
      },
      G2() {
        const error = new Error('inside G2');
        insideFrames = stackFrames();
        insideStack = error.stack as string;
        kept = new Error('kept for later');
        throw new Error('leaving G2');
      },
      G3() {},
    },
  });
  exports = instance.exports as FixtureExports;
  let escaped: Error | null = null;
  try {
    exports.C1();
  } catch (error) {
    escaped = error as Error;
  }
  const show = (f: Frame): string => (f.kind === 'js' ? `js:${f.function}` : `${f.function}${f.inlined ? INLINED_MARK : ''} (${f.file}${f.line > 0 ? ':' + f.line : ''}${f.column > 0 ? ':' + f.column : ''})`);
  const fromFrames = insideFrames.filter((f) => f.kind !== 'js' || f.function === 'G1' || f.function === 'G2').map(show);
  const fromStack = lines(insideStack).slice(1)
    .map((l) => l.slice(7))
    .filter((l) => !l.includes('file://') || /^G[12] /.test(l))
    .map((l) => (/^G[12] /.test(l) ? `js:${l.slice(0, 2)}` : l));
  const toC1 = (list: string[]): string[] => list.slice(0, list.findIndex((l) => l.startsWith('C1 ')) + 1);
  assert.ok(toC1(fromStack).length > 0, insideStack);
  assert.deepEqual(toC1(fromStack), toC1(fromFrames));
  assert.ok(fromStack.filter((l) => l.startsWith('cFunction')).length >= 4, insideStack);

  const escapedLines = lines(escaped!.stack).slice(1).map((l) => l.slice(7));
  assert.ok(escapedLines.some((l) => l.startsWith('cFunction')), `an error leaving the import keeps its foreign frames:\n${escaped!.stack}`);
  assert.equal(hooks.counter.contextCount, 0, 'every context released');

  // Read after C1 returned: its contexts are gone, so no foreign frames (rather than wrong ones).
  const later = lines(kept!.stack);
  assert.ok(!later.some((l) => l.includes('cFunction')), later.join('\n'));
  assert.ok(later.some((l) => l.includes('tracebackctxt.c:')), 'its wasm frames are still symbolized');
  assert.ok(!later.some((l) => l.includes('crosstrace:')), 'crosstrace’s own frames are hidden');
  fresh();
});

test('foreign hooks that read stacks themselves: no recursion, and their frames still appear', async () => {
  fresh();
  let hookStacks = 0;
  setForeignTraceback(
    0,
    (arg) => {
      hookStacks += lines(new Error('in the traceback hook').stack).length > 1 ? 1 : 0;
      arg.buf[0] = 0x1234;
    },
    null,
    (arg) => {
      if (arg.pc === 0) return;
      hookStacks += lines(new Error('in the symbolizer hook').stack).length > 1 ? 1 : 0;
      arg.func = 'interpreted_step';
      arg.file = 'vm.c';
      arg.lineno = 7;
    },
  );
  let exports!: FixtureExports;
  const { instance } = await WA.instantiate(fixtureBytes(), {
    env: { G1() { exports.C2(); }, G2() { throw new Error('from G2'); }, G3() {} },
  });
  exports = instance.exports as FixtureExports;
  let error: Error | null = null;
  try {
    exports.C1();
  } catch (e) {
    error = e as Error;
  }
  const got = lines(error!.stack).slice(1).map((l) => l.slice(7));
  // Without a context hook only the innermost boundary is traced (Go: context 0, "from here").
  assert.equal(got.filter((l) => l === 'interpreted_step (vm.c:7)').length, 1, error!.stack);
  assert.ok(got.indexOf('interpreted_step (vm.c:7)') < got.findIndex((l) => l.startsWith('C2 ')), 'between G2 and its wasm caller');
  assert.ok(hookStacks >= 2, 'the hooks read their own stacks');
  fresh();
});

test('uninstall: WebAssembly and Error.prepareStackTrace are the program’s again', async () => {
  uninstall();
  assert.ok(!installed());
  assert.equal(WA.Module, EngineModule);
  assert.equal(WA.Instance, EngineInstance);
  assert.equal(V8Error.prepareStackTrace, nodeDefault);
  const { shop } = (await (async () => {
    const { instance } = await WA.instantiate(inventoryBytes(), reportThrows());
    return { shop: instance.exports as Inventory };
  })());
  assert.ok(lines(failCheckout(shop).stack).some((l) => l.includes('wasm-function[')));
  install();
  assert.ok(installed());
});
