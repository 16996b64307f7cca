// Real programs, run as child processes with `node --import crosstrace/register` and
// `node -r crosstrace/register`, nothing else changed: each failure is run once without
// crosstrace (V8's own stack) and once with it, and the hooked stack is checked line by line
// against V8's (message and JS frames unchanged) and llvm-symbolizer 14 on the offsets V8
// printed (every wasm frame; see test/support/e2e/reference.ts for the rules).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createRequire } from 'node:module';
import { fixturePath } from './support/fixtures.js';
import { requireTool } from './support/reference-tools.js';
import { makeApp, runNode } from './support/e2e/app.js';
import { codeSectionStart, expectedStack, referenceFrames, stackBlock, wasmOffsets } from './support/e2e/reference.js';

const SYMBOLIZER = ['llvm-symbolizer-14', 'llvm-symbolizer'];
const CXXFILT_19 = ['llvm-cxxfilt-19'];
const HEADER = /^(?:Error|RuntimeError): /;

const INVENTORY = fixturePath('c-inline', 'inventory.O2.dwarf5.wasm');
const GEOMETRY = fixturePath('cpp', 'geometry.O2.wasm');
const RUST = fixturePath('rust', 'crosstrace_fixture.wasm');

const programs: Record<string, string> = {
  // ESM, WebAssembly.instantiate(bytes): a JS import throws from inlined C, or the C traps.
  'inventory.mjs': `
import { readFileSync } from 'node:fs';
const [file, mode] = process.argv.slice(2);
const { instance } = await WebAssembly.instantiate(readFileSync(file), {
  env: { report(code, sku, value) { throw new Error(\`inventory check failed: code \${code}, sku \${sku}, value \${value}\`); } },
});
const { add_item, checkout } = instance.exports;
function settle() { return checkout(10_000); }
function shop() { return settle(); }
if (mode === 'throw') { add_item(101, 3, 250); add_item(102, -2, 999); } else { add_item(7, 200_000, 1); }
shop();
`,
  // CommonJS, new WebAssembly.Module / new WebAssembly.Instance: the same failures.
  'inventory.cjs': `
const { readFileSync } = require('node:fs');
const [file, mode] = process.argv.slice(2);
const compiled = new WebAssembly.Module(readFileSync(file));
const instance = new WebAssembly.Instance(compiled, {
  env: { report(code, sku, value) { throw new Error('inventory check failed: code ' + code + ', sku ' + sku + ', value ' + value); } },
});
const { add_item, checkout } = instance.exports;
function settle() { return checkout(10000); }
if (mode === 'throw') { add_item(101, 3, 250); add_item(102, -2, 999); } else { add_item(7, 200000, 1); }
settle();
`,
  // A WASI reactor (C++ with libc++), made synchronously.
  'geometry.cjs': `
const { readFileSync } = require('node:fs');
const { WASI } = require('node:wasi');
const [file, mode] = process.argv.slice(2);
const wasi = new WASI({ version: 'preview1' });
const instance = new WebAssembly.Instance(new WebAssembly.Module(readFileSync(file)), wasi.getImportObject());
wasi.initialize(instance);
instance.exports.run(Number(mode));
`,
  // Rust panics (traps after the panic), and a JS import throwing from an inlined closure.
  'rust.mjs': `
import { readFileSync } from 'node:fs';
const [file, mode] = process.argv.slice(2);
const { instance } = await WebAssembly.instantiate(readFileSync(file), {
  env: { observe(v) { if (mode === '3') throw new Error('observer rejected ' + v); } },
});
instance.exports.run(Number(mode));
`,
  // A formatter of the program's own (source-map-support style: lines rebuilt from the
  // CallSite getters), set before crosstrace loads, then crosstrace loaded late.
  'before.mjs': `
import { readFileSync } from 'node:fs';
Error.prepareStackTrace = (error, sites) => 'custom: ' + error.message + sites.map((s) =>
  '\\n    at ' + (s.getFunctionName() ?? '<anonymous>') + ' (' + s.getFileName() + ':' + s.getLineNumber() + ':' + s.getColumnNumber() + ')').join('');
const { install } = await import('crosstrace/register');
install({ stackTraceLimit: 20 });
const { instance } = await WebAssembly.instantiate(readFileSync(process.argv[2]), { env: { report() { throw new Error('late'); } } });
instance.exports.add_item(1, -1, 1);
try { instance.exports.checkout(100); } catch (error) { console.log(error.stack); }
`,
  // A module made before crosstrace loaded, registered by its file URL.
  'late.mjs': `
import { readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
const file = process.argv[2];
const compiled = new WebAssembly.Module(readFileSync(file));
const { register } = await import('crosstrace/register');
const instance = new WebAssembly.Instance(compiled, { env: { report() { throw new Error('registered late'); } } });
const fail = () => { try { instance.exports.add_item(1, -1, 1); instance.exports.checkout(100); } catch (error) { return error.stack; } };
console.log(fail());
register(compiled, { url: pathToFileURL(file).href });
console.log(fail());
`,
  // instantiateStreaming from a local server: V8 names the frames by the response URL.
  'streaming.mjs': `
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
const [file] = process.argv.slice(2);
const bytes = readFileSync(file);
const server = createServer((req, res) => { res.writeHead(200, { 'content-type': 'application/wasm' }); res.end(bytes); });
await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
const url = 'http://127.0.0.1:' + server.address().port + '/wasm/inventory.wasm';
const { instance } = await WebAssembly.instantiateStreaming(fetch(url), {
  env: { report() { throw new Error('streamed module failed'); } },
});
server.close();
instance.exports.add_item(1, -1, 1);
instance.exports.checkout(100);
`,
};

let appDir: string | null = null;
function app(): string {
  appDir ??= makeApp(programs);
  return appDir;
}

interface Case {
  /** Node arguments before the program. */
  hook: string[];
  program: string;
  args: string[];
  wasm: string;
  env?: Record<string, string>;
  /** Node arguments for the run without crosstrace. */
  plain?: string[];
}

/** Runs the case with and without the hook and checks the hooked stack against the reference. */
function check(t: { skip(m: string): void }, c: Case): { v8: string[]; hooked: string[] } | null {
  const symbolizer = requireTool(SYMBOLIZER, t);
  if (!symbolizer) return null;
  const cxxfilt = requireTool(CXXFILT_19, t);
  if (!cxxfilt) return null;
  const dir = app();
  const plain = runNode(dir, [...(c.plain ?? []), c.program, ...c.args]);
  const hooked = runNode(dir, [...c.hook, c.program, ...c.args], c.env);
  assert.equal(hooked.status, plain.status, `exit status\n${hooked.stderr}`);
  assert.notEqual(plain.status, 0, 'the program must fail');
  const v8 = stackBlock(plain.stderr, HEADER);
  const ours = stackBlock(hooked.stderr, HEADER);
  const offsets = wasmOffsets(v8);
  assert.ok(offsets.length > 0, `V8's stack has wasm frames:\n${v8.join('\n')}`);
  const start = codeSectionStart(new Uint8Array(readFileSync(c.wasm)));
  const frames = referenceFrames(symbolizer, cxxfilt, c.wasm, offsets.map((o) => o - start));
  const expected = expectedStack(v8, frames);
  assert.deepEqual(ours, expected, `crosstrace:\n${ours.join('\n')}\n\nreference:\n${expected.join('\n')}\n\nV8:\n${v8.join('\n')}`);
  assert.notDeepEqual(ours, v8, 'crosstrace rewrote the wasm frames');
  return { v8, hooked: ours };
}

test('--import: a JS exception thrown from inlined C code', (t) => {
  const r = check(t, { hook: ['--import', 'crosstrace/register'], program: 'inventory.mjs', args: [INVENTORY, 'throw'], wasm: INVENTORY });
  if (!r) return;
  assert.ok(r.hooked.some((l) => l.includes(' [inlined] (')), 'inlined frames are shown');
  assert.equal(r.hooked[0], r.v8[0], 'the message line is untouched');
});

test('installing twice (the CJS and the ESM build, -r and --import together) changes nothing', (t) => {
  check(t, { hook: ['-r', 'crosstrace/register', '--import', 'crosstrace/register'], program: 'inventory.mjs', args: [INVENTORY, 'throw'], wasm: INVENTORY });
});

test('a prepareStackTrace the program set before crosstrace loaded still formats, with symbolized sites', () => {
  const r = runNode(app(), ['before.mjs', INVENTORY]);
  assert.equal(r.status, 0, r.stderr);
  const out = r.stdout.trim().split('\n');
  assert.equal(out[0], 'custom: late');
  assert.match(out[1], /^ {4}at report \(file:\/\/.*before\.mjs:\d+:\d+\)$/);
  assert.deepEqual(out.slice(2, 6).map((l) => l.replace(/:\d+:\d+\)$/, ')')), [
    '    at checked_qty [inlined] (/crosstrace/fixtures/c-inline/inventory.c)',
    '    at line_total [inlined] (/crosstrace/fixtures/c-inline/inventory.c)',
    '    at sum_inventory [inlined] (/crosstrace/fixtures/c-inline/inventory.c)',
    '    at checkout (/crosstrace/fixtures/c-inline/inventory.c)',
  ]);
});

test('register(module, { url }): a module made before crosstrace loaded, its bytes read from the URL', () => {
  const r = runNode(app(), ['late.mjs', INVENTORY]);
  assert.equal(r.status, 0, r.stderr);
  const [before, after] = r.stdout.split('Error: registered late').slice(1);
  assert.match(before, /wasm-function\[5\]:0x23a\)/, 'unknown before register()');
  assert.match(after, /^ {4}at checkout \(\/crosstrace\/fixtures\/c-inline\/inventory\.c:\d+:\d+\)$/m, 'symbolized after');
});

test('--import: a wasm trap (unreachable) inside inlined C code', (t) => {
  const r = check(t, { hook: ['--import', 'crosstrace/register'], program: 'inventory.mjs', args: [INVENTORY, 'trap'], wasm: INVENTORY });
  if (!r) return;
  assert.match(r.hooked[0], /^RuntimeError: unreachable/);
});

test('-r: the same exception and trap through new WebAssembly.Module / Instance (CommonJS)', (t) => {
  for (const mode of ['throw', 'trap']) {
    if (!check(t, { hook: ['-r', 'crosstrace/register'], program: 'inventory.cjs', args: [INVENTORY, mode], wasm: INVENTORY })) return;
  }
});

test('-r: C++ traps through std::sort, std::function and libc++ abort', (t) => {
  for (const mode of ['1', '2', '3']) {
    if (!check(t, { hook: ['-r', 'crosstrace/register'], program: 'geometry.cjs', args: [GEOMETRY, mode], wasm: GEOMETRY })) return;
  }
});

test('--import: Rust panics and a JS exception inside inlined Rust', (t) => {
  for (const mode of ['1', '2', '3']) {
    if (!check(t, { hook: ['--import', 'crosstrace/register'], program: 'rust.mjs', args: [RUST, mode], wasm: RUST })) return;
  }
});

test('CROSSTRACE_STACK_TRACE_LIMIT raises Error.stackTraceLimit like --stack-trace-limit', (t) => {
  const r = check(t, {
    hook: ['--import', 'crosstrace/register'],
    program: 'rust.mjs',
    args: [RUST, '2'],
    wasm: RUST,
    env: { CROSSTRACE_STACK_TRACE_LIMIT: '40' },
    plain: ['--stack-trace-limit=40'],
  });
  if (!r) return;
  assert.ok(r.v8.length - 1 > 10, `more than the default 10 frames (${r.v8.length - 1})`);
});

test('--import: a module from instantiateStreaming, named by its URL', (t) => {
  const r = check(t, { hook: ['--import', 'crosstrace/register'], program: 'streaming.mjs', args: [INVENTORY], wasm: INVENTORY });
  if (!r) return;
  assert.ok(r.v8.some((l) => l.includes('http://127.0.0.1:')), 'V8 names the frame by the response URL');
});

test('--enable-source-maps: JS frames stay source-mapped', (t) => {
  const ts = createRequire(import.meta.url)('typescript') as typeof import('typescript');
  const source = [
    'const { readFileSync } = require("node:fs");',
    'interface Line { sku: number; qty: number }',
    'const lines: Line[] = [{ sku: 5, qty: -4 }];',
    'const bytes: Buffer = readFileSync(process.argv[2]);',
    'const instance = new WebAssembly.Instance(new WebAssembly.Module(bytes), {',
    '  env: { report(code: number): never { throw new Error("typed report " + code); } },',
    '});',
    'const shop = instance.exports as unknown as { add_item(s: number, q: number, p: number): void; checkout(b: number): number };',
    'for (const line of lines) shop.add_item(line.sku, line.qty, 1);',
    'function run(): number { return shop.checkout(100); }',
    'run();',
  ].join('\n');
  const js = ts.transpileModule(source, { fileName: 'typed.ts', compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2020, inlineSourceMap: true, inlineSources: true } }).outputText;
  const dir = makeApp({ 'typed.js': js });
  const r = check(t, { hook: ['--enable-source-maps', '-r', 'crosstrace/register'], plain: ['--enable-source-maps'], program: join(dir, 'typed.js'), args: [INVENTORY], wasm: INVENTORY });
  if (!r) return;
  assert.ok(r.hooked.some((l) => /typed\.ts:\d+:\d+\)$/.test(l)), `JS frames point into typed.ts:\n${r.hooked.join('\n')}`);
});

test('a program without wasm prints exactly what it prints without crosstrace', () => {
  const dir = makeApp({
    'plain.mjs': 'function f() { throw new TypeError("no wasm here"); }\nfunction g() { f(); }\ng();\n',
    'plain.cjs': 'const fs = require("node:fs");\ntry { fs.readFileSync(42n); } catch (e) { console.log(e.stack); }\nfunction f() { null.x; }\nf();\n',
  });
  for (const [program, hook] of [['plain.mjs', '--import'], ['plain.cjs', '-r']]) {
    const plain = runNode(dir, [program]);
    const hooked = runNode(dir, [hook, 'crosstrace/register', program]);
    assert.equal(hooked.status, plain.status);
    assert.equal(hooked.stdout, plain.stdout, 'Node errors ([ERR_…] in the message line) are unchanged');
    assert.equal(hooked.stderr, plain.stderr);
  }
});
