// The trace-line reader of `crosstrace stack` (src/format/pasted-trace.ts) on the frame forms the
// engines print, quoted from where they were found (see fixtures/traces/README.md), and on lines
// that must not be taken for wasm frames.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { repoRoot } from './support/fixtures.js';
import { baseNameOf, formatFrame, parseWasmFrame, type PastedWasmFrame, type ResolvedFrame } from '../src/format/pasted-trace.js';

type Expect = Partial<PastedWasmFrame>;

function check(line: string, expected: Expect): void {
  const frame = parseWasmFrame(line);
  assert.ok(frame, `'${line}' is a wasm frame`);
  for (const [key, value] of Object.entries(expected)) {
    assert.deepEqual(frame[key as keyof PastedWasmFrame], value, `${key} of '${line}'`);
  }
}

test('V8: Node and Chrome frames', () => {
  // Node 20, captured (fixtures/traces/node-*.txt).
  check('    at inventory.O2.dwarf5.wasm.checkout (wasm://wasm/inventory.O2.dwarf5.wasm-54fba252:wasm-function[5]:0x23a)', {
    syntax: 'v8', prefix: '    ', name: 'inventory.O2.dwarf5.wasm.checkout', url: null,
    moduleName: 'inventory.O2.dwarf5.wasm', functionIndex: 5, offset: 0x23a, lineEnd: '',
  });
  check('    at wasm://wasm/2a6d8f22:wasm-function[5]:0x2b8', { name: null, url: null, moduleName: null, functionIndex: 5, offset: 0x2b8 });
  check('    at inventory.O2.dwarf5.wasm.checkout (http://127.0.0.1:39157/wasm/inventory.O2.dwarf5.wasm:wasm-function[5]:0x26d)', {
    url: 'http://127.0.0.1:39157/wasm/inventory.O2.dwarf5.wasm', moduleName: null, offset: 0x26d,
  });
  // A module name with dashes: only the last -<8 hex> is V8's hash.
  check('    at f (wasm://wasm/my-app-v2-0badf00d:wasm-function[12]:0x1f)', { moduleName: 'my-app-v2', functionIndex: 12, offset: 0x1f });
  // C++ names hold parentheses and spaces; the location is the last parenthesised group.
  check('    at geometry.O2.wasm.geo::shapes::Polygon::area() const (wasm://wasm/geometry.O2.wasm-00157eb6:wasm-function[15]:0x2592)', {
    name: 'geometry.O2.wasm.geo::shapes::Polygon::area() const', moduleName: 'geometry.O2.wasm', functionIndex: 15, offset: 0x2592,
  });
  // Chrome, compiled from bytes in a page (denoland/deno#9205 quotes it).
  check('  at loop (<anonymous>:wasm-function[0]:0x20)', { prefix: '  ', name: 'loop', url: null, moduleName: null, functionIndex: 0, offset: 0x20 });
  // A log prefix before `at`, and a CR.
  check('12:00:01 ERR    at checkout (https://example.com/app.wasm:wasm-function[5]:0x23a)\r', {
    prefix: '12:00:01 ERR    ', url: 'https://example.com/app.wasm', lineEnd: '\r',
  });
});

test('source-map-support: wasm://wasm/NAME-HASH:1:COL, COL being the module offset + 1', () => {
  check('    at checkout (wasm://wasm/inventory.O2.dwarf5.wasm-54fba252:1:571)', {
    syntax: 'v8', name: 'checkout', moduleName: 'inventory.O2.dwarf5.wasm', functionIndex: null, offset: 570,
  });
  check('    at null.<anonymous> (wasm://wasm/2a6d8f22:1:697)', { moduleName: null, offset: 696 });
  // Only line 1 (a wasm module is one line to V8), only wasm:// URLs (anything else is JavaScript).
  assert.equal(parseWasmFrame('    at checkout (wasm://wasm/2a6d8f22:2:697)'), null);
  assert.equal(parseWasmFrame('    at checkout (wasm://wasm/2a6d8f22:1:0)'), null);
  assert.equal(parseWasmFrame('    at main (https://example.com/wasm.js:1:697)'), null);
});

test('Firefox frames', () => {
  // swiftwasm/carton Tests/CartonTests/StackTraceTests.swift (a Firefox trace).
  check('write@http://127.0.0.1:8080/dev.js line 97 > eval line 58 > WebAssembly.instantiate:wasm-function[62062]:0x12af331', {
    syntax: 'firefox', prefix: '', name: 'write', url: null, moduleName: null, functionIndex: 62062, offset: 0x12af331,
  });
  check('$s7TestApp5crashyyF@http://127.0.0.1:8080/dev.js line 97 > eval line 58 > WebAssembly.instantiate:wasm-function[1372]:0x8012c', {
    name: '$s7TestApp5crashyyF', functionIndex: 1372,
  });
  // Unnamed, compiled from a URL (a Firefox example quoted in a wllama source comment).
  check('@http://localhost:8080/esm/wasm/wllama.wasm:wasm-function[796]:0x7dfe2', {
    name: null, url: 'http://localhost:8080/esm/wasm/wllama.wasm', functionIndex: 796, offset: 0x7dfe2,
  });
  // DataDog/browser-sdk#3481's test line: the name is wasm-function[42] itself.
  check('wasm-function[42]@http://example.com/my-module.wasm:wasm-function[42]:0x1a3b', {
    name: 'wasm-function[42]', url: 'http://example.com/my-module.wasm', functionIndex: 42, offset: 0x1a3b,
  });
});

test('Safari frames', () => {
  // WebKit JSTests/wasm/function-tests/nameSection.js, before WebKit PR #48875.
  check('<?>.wasm-function[_parrot]@[wasm code]', { syntax: 'safari', name: '_parrot', moduleName: null, functionIndex: null, offset: null });
  // pyodide/pyodide#441: no name section.
  check('<?>.wasm-function[1693]@[wasm code]', { name: null, functionIndex: 1693 });
  // swiftwasm/carton StackTraceTests (Safari): indented, Swift-mangled names.
  check('    <?>.wasm-function[$ss17_assertionFailure__4file4line5flagss5NeverOs12StaticStringV_A2HSus6UInt32VtF]@[wasm code]', {
    prefix: '    ', name: '$ss17_assertionFailure__4file4line5flagss5NeverOs12StaticStringV_A2HSus6UInt32VtF',
  });
  // A C++ name with brackets, and a module name (DataDog's table: MODULE.wasm-function[FUNCTION]).
  check('app.wasm.wasm-function[Grid::operator[](int)]@[wasm code]', { name: 'Grid::operator[](int)', moduleName: 'app.wasm' });
  // WebKit PR #48875 (`run@<?>:wasm-function[1]`), then #49862 (`g@wasm-function[11]`, `4@wasm-function[4]`).
  check('run@<?>:wasm-function[1]', { syntax: 'safari', name: 'run', url: null, moduleName: null, functionIndex: 1, offset: null });
  check('g@wasm-function[11]', { name: 'g', functionIndex: 11, offset: null });
  check('4@wasm-function[4]', { name: '4', functionIndex: 4 });
  check('@wasm-function[25006]', { name: null, functionIndex: 25006 });
  // Older JSC (WebKit JSTests/wasm/function-tests/stack-trace.js history).
  check('wasm function index: 4@[wasm code]', { syntax: 'safari', functionIndex: 4 });
  check('wasm function: 2@[wasm code]', { syntax: 'safari', functionIndex: 2 });
  // Under JSC's wasm debugger (WebKit PR #69646): an offset, read like Firefox's.
  check('main@wasm-function[18]:0x2f', { syntax: 'firefox', name: 'main', functionIndex: 18, offset: 0x2f });
});

test('lines that are not wasm frames', () => {
  for (const line of [
    '',
    'Error: report(1, 7, -1)',
    'RuntimeError: unreachable',
    'wasm://wasm/inventory.O2.dwarf5.wasm-54fba252:1', // Node's source line for an uncaught wasm error
    'wasm-stub@[wasm code]', // JSC's JS <-> wasm stubs
    'wasm function@[wasm code]',
    '<?>.wasm-function[]@[wasm code]',
    '    at report (file:///crosstrace/fixtures/traces/capture.mjs:23:13)',
    '    at wasm.js (https://example.com/wasm.js:10:3)',
    'report@http://localhost:8000/wasm.js:23:13',
    'at wasm-function[5]', // no offset in V8 syntax
    'Error: at checkout (wasm-function[5]:0x23a) but garbled)',
    '    at checkout (https://example.com/app.js:wasm-function[5]:0x23a', // unbalanced parenthesis
    '    at f (wasm://wasm/x-0badf00d:wasm-function[5]:0xZZ)',
  ]) {
    assert.equal(parseWasmFrame(line), null, `'${line}'`);
  }
});

test('baseNameOf: the last path segment, without query or fragment for URLs', () => {
  assert.equal(baseNameOf('https://example.com/a/app.wasm?v=3#x'), 'app.wasm');
  assert.equal(baseNameOf('/home/me/build/app.wasm'), 'app.wasm');
  assert.equal(baseNameOf('C:\\build\\app.wasm'), 'app.wasm');
  assert.equal(baseNameOf('app.wasm'), 'app.wasm');
  // A file name may hold '#' or '?': only URLs lose them.
  assert.equal(baseNameOf('build/app#1.wasm'), 'app#1.wasm');
});

test('formatFrame: each syntax, the inlined marker, unknown names and files', () => {
  const v8 = parseWasmFrame('  at f (wasm://wasm/2a6d8f22:wasm-function[5]:0x23a)\r')!;
  const firefox = parseWasmFrame('\tf@https://x/app.wasm:wasm-function[5]:0x23a')!;
  const safari = parseWasmFrame('<?>.wasm-function[f]@[wasm code]')!;
  const frame = (f: Partial<ResolvedFrame>): ResolvedFrame => ({
    function: 'fn', file: '/src/a.c', line: 3, column: 7, inlined: false, declaration: false, ...f,
  });
  assert.equal(formatFrame(v8, frame({})), '  at fn (/src/a.c:3:7)\r');
  assert.equal(formatFrame(v8, frame({ inlined: true })), '  at fn [inlined] (/src/a.c:3:7)\r');
  assert.equal(formatFrame(v8, frame({ function: null })), '  at /src/a.c:3:7\r');
  assert.equal(formatFrame(v8, frame({ function: null, inlined: true })), '  at <anonymous> [inlined] (/src/a.c:3:7)\r');
  // No file for this frame (DWARF without a line row): the engine's own location stays.
  assert.equal(formatFrame(v8, frame({ file: null })), '  at fn (wasm://wasm/2a6d8f22:wasm-function[5]:0x23a)\r');
  assert.equal(formatFrame(firefox, frame({ inlined: true })), '\tfn [inlined]@/src/a.c:3:7');
  assert.equal(formatFrame(firefox, frame({ function: null })), '\t@/src/a.c:3:7');
  assert.equal(formatFrame(safari, frame({ column: 0, declaration: true })), 'fn@/src/a.c:3');
});

test('the trace reader is browser-safe: no Node built-in anywhere in its imports', () => {
  const seen = new Set<string>();
  const visit = (file: string): void => {
    if (seen.has(file)) return;
    seen.add(file);
    const source = readFileSync(file, 'utf8');
    for (const m of source.matchAll(/^\s*(import|export)\s(type\s)?[^'"]*?from\s+'([^']+)'/gm)) {
      const spec = m[3];
      if (m[2]) continue; // `import type`: erased at compile time
      assert.ok(spec.startsWith('.'), `${file} imports '${spec}'`);
      visit(resolve(dirname(file), spec.replace(/\.js$/, '.ts')));
    }
    assert.doesNotMatch(source, /\b(process|Buffer|require)\s*[.(]/, `${file} uses a Node global`);
  };
  visit(join(repoRoot, 'src', 'format', 'pasted-trace.ts'));
  assert.ok(seen.size >= 2, "it follows the runtime imports");
});

test('long hostile lines are read in linear time', () => {
  const started = Date.now();
  const filler = ' at wasm ( x@[wasm code] wasm-function[1]:0x1 ('.repeat(20000);
  for (const line of [filler, '    at ' + filler + ')', filler + ']@[wasm code]', '@' + filler + ':wasm-function[1]', 'wasm-function[' + filler]) {
    parseWasmFrame(line);
  }
  assert.ok(Date.now() - started < 2000, `took ${Date.now() - started} ms`);
});
