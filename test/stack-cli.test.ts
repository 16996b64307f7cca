// `crosstrace stack` end to end, in-process. Every rewritten frame is checked against the reference
// tools at test time (llvm-symbolizer 14 for positions and names, llvm-cxxfilt 14/19 for C++
// names, llvm-dwarfdump for declarations); every other line must come back byte for byte.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from './support/cli-harness.js';
import { fixturePath, repoRoot } from './support/fixtures.js';
import { requireTool, run } from './support/reference-tools.js';
import { WasmModule } from '../src/wasm/module.js';
import { main } from '../src/cli/main.js';
import type { CliIO } from '../src/cli/io.js';

const O2 = fixturePath('c-inline', 'inventory.O2.dwarf5.wasm');
const O0 = fixturePath('c-inline', 'inventory.O0.dwarf5.wasm');
const NAMES = fixturePath('c-inline', 'inventory.O2.names.wasm');
const GEOMETRY = fixturePath('cpp', 'geometry.O2.wasm');
const RUST = fixturePath('rust', 'crosstrace_fixture.wasm');
const trace = (name: string): string => readFileSync(fixturePath('traces', name), 'utf8');

type Skip = { skip(message: string): void };

// ---------------------------------------------------------------------------------------------
// The reference: llvm-symbolizer's frames for each wasm frame line, formatted as the spec says.

interface RefFrame {
  name: string;
  file: string;
  line: number;
  column: number;
}

/** llvm-symbolizer's answers for code offsets (one process per module, addresses on stdin). */
function llvmFrames(llvm: string, obj: string, codeOffsets: number[], flags: string[]): RefFrame[][] {
  if (codeOffsets.length === 0) return [];
  const out = run(llvm, ['--obj=' + obj, ...flags], codeOffsets.map((a) => '0x' + a.toString(16)).join('\n') + '\n');
  const blocks = out.split('\n\n').filter((b) => b.trim() !== '');
  assert.equal(blocks.length, codeOffsets.length, 'one llvm-symbolizer answer per address');
  return blocks.map((block) => {
    const lines = block.split('\n').filter((l) => l !== '');
    const frames: RefFrame[] = [];
    for (let i = 0; i < lines.length; i += 2) {
      const m = /^(.*):(\d+):(\d+)$/.exec(lines[i + 1]);
      assert.ok(m, `llvm-symbolizer location '${lines[i + 1]}'`);
      assert.notEqual(m[1], '??', 'every test address has a source location');
      frames.push({ name: lines[i], file: m[1], line: Number(m[2]), column: Number(m[3]) });
    }
    return frames;
  });
}

/**
 * C++ names as crosstrace prints them: LLVM 14's demangling, LLVM 19's where 14 leaves a name
 * mangled (README: newer manglings). Names are read with --no-demangle and run through llvm-cxxfilt.
 */
function cxxfilt(names: string[], t: Skip): string[] | null {
  const f14 = requireTool(['llvm-cxxfilt-14', 'llvm-cxxfilt'], t);
  const f19 = f14 && requireTool(['llvm-cxxfilt-19', '/usr/lib/llvm-19/bin/llvm-cxxfilt'], t);
  if (!f14 || !f19) return null;
  const input = names.join('\n') + '\n';
  const by14 = run(f14, [], input).split('\n');
  const by19 = run(f19, [], input).split('\n');
  return names.map((n, i) => (by14[i] !== n ? by14[i] : by19[i]));
}

/** Which module and module offset a wasm frame line stands for, read independently of crosstrace's parser. */
type Pick = (line: string) => { obj: string; offset: number } | null;

const V8_OFFSET = /wasm-function\[\d+\]:0x([0-9a-f]+)\)?$/;
const SOURCE_MAP_SUPPORT = /\(wasm:\/\/wasm\/[^:()]*:1:(\d+)\)$/;

function pickFrom(obj: string): Pick {
  return (line) => {
    const m = V8_OFFSET.exec(line);
    if (m) return { obj, offset: parseInt(m[1], 16) };
    const s = SOURCE_MAP_SUPPORT.exec(line);
    return s ? { obj, offset: Number(s[1]) - 1 } : null;
  };
}

interface Expectation {
  llvm: string;
  /** llvm-symbolizer flags beyond --no-demangle (e.g. --no-inlines). */
  flags?: string[];
  /** Names as printed: demangled through llvm-cxxfilt 14/19 (default), or linkage names. */
  demangle?: boolean;
  t: Skip;
}

/** The whole expected output: wasm frame lines replaced by the reference's frames, the rest as is. */
function expectedTrace(text: string, pick: Pick, e: Expectation): string | null {
  const lines = text.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  const picks = lines.map(pick);
  const byObj = new Map<string, { index: number; code: number }[]>();
  for (let i = 0; i < lines.length; i++) {
    const p = picks[i];
    if (!p) continue;
    const module = new WasmModule(readFileSync(p.obj));
    const list = byObj.get(p.obj) ?? [];
    list.push({ index: i, code: p.offset - module.codeSectionOffset! });
    byObj.set(p.obj, list);
  }
  const frames = new Map<number, RefFrame[]>();
  for (const [obj, list] of byObj) {
    const answers = llvmFrames(e.llvm, obj, list.map((l) => l.code), ['--no-demangle', ...(e.flags ?? [])]);
    list.forEach((l, k) => frames.set(l.index, answers[k]));
  }
  if (e.demangle ?? true) {
    const all = [...frames.values()].flat();
    const names = cxxfilt(all.map((f) => f.name), e.t);
    if (!names) return null;
    all.forEach((f, i) => (f.name = names[i]));
  }
  // Where DWARF names no function llvm-symbolizer 14 prints ??, and crosstrace the name-section
  // name (README): the name V8 printed, `<module name>.<function name>`, is that name.
  for (const [i, found] of frames) {
    const unnamed = found.find((f) => f.name === '??');
    if (!unnamed) continue;
    const v8 = /^\s*at (.+) \(wasm:\/\/wasm\/(.+)-[0-9a-f]{8}:wasm-function/.exec(lines[i]);
    assert.ok(v8 && v8[1].startsWith(v8[2] + '.'), `a V8 name for the unnamed frame of '${lines[i]}'`);
    unnamed.name = v8[1].slice(v8[2].length + 1);
  }
  let out = '';
  for (let i = 0; i < lines.length; i++) {
    const found = frames.get(i);
    if (!found) {
      out += lines[i] + '\n';
      continue;
    }
    const v8 = /^(\s*)at /.exec(lines[i]);
    const indent = v8 ? v8[1] : /^\s*/.exec(lines[i])![0];
    found.forEach((f, k) => {
      const name = f.name + (k < found.length - 1 ? ' [inlined]' : '');
      const where = `${f.file}:${f.line}:${f.column}`;
      out += v8 ? `${indent}at ${name} (${where})\n` : `${indent}${name}@${where}\n`;
    });
  }
  return out;
}

async function stack(args: string[], input: string): Promise<{ code: number; stdout: string; stderr: string }> {
  return runCli(['stack', ...args], input);
}

function llvmTool(t: Skip): string | null {
  return requireTool(['llvm-symbolizer-14', 'llvm-symbolizer'], t);
}

function tempDir(): string {
  return mkdtempSync(join(tmpdir(), 'crosstrace-stack-'));
}

// ---------------------------------------------------------------------------------------------
// Each syntax against the reference.

test('Node traces (captured): each wasm frame becomes llvm-symbolizer\'s frames, inlined ones marked; other lines unchanged', async (t) => {
  const llvm = llvmTool(t);
  if (!llvm) return;
  const cases: [string, string][] = [
    ['node-inventory.O2.dwarf5.txt', O2],
    ['node-inventory.O0.dwarf5.txt', O0],
    // Same code as O2 without names or DWARF: the frame carries no module name, the offsets decide.
    ['node-inventory.O2.bare.txt', O2],
    // Modules compiled from a URL: https://…/inventory.O2.dwarf5.wasm matches by basename.
    ['node-inventory.url.txt', O2],
    ['node-uncaught-trap.txt', O2],
  ];
  for (const [name, obj] of cases) {
    const text = trace(name);
    const expected = expectedTrace(text, pickFrom(obj), { llvm, t });
    if (expected === null) return;
    assert.notEqual(expected, text, `${name} has wasm frames`);
    const result = await stack(['--obj', obj], text);
    assert.equal(result.stderr, '', name);
    assert.equal(result.code, 0, name);
    assert.equal(result.stdout, expected, name);
  }
});

test('source-map-support\'s wasm://wasm/NAME-HASH:1:COL frames: COL - 1 is the module offset', async (t) => {
  const llvm = llvmTool(t);
  if (!llvm) return;
  const text = trace('node-source-map-support.txt');
  const expected = expectedTrace(text, pickFrom(O2), { llvm, t });
  if (expected === null) return;
  const result = await stack(['--obj', O2], text);
  assert.equal(result.stdout, expected);
  assert.match(result.stdout, /at checked_qty \[inlined\] \(\/crosstrace\/fixtures\/c-inline\/inventory\.c:44:5\)/);
});

test('Chrome forms: a module URL with query and fragment, <anonymous>, no name', async (t) => {
  const llvm = llvmTool(t);
  if (!llvm) return;
  const dir = tempDir();
  const app = join(dir, 'app.wasm');
  copyFileSync(O2, app);
  const text = trace('chrome-forms.txt');
  const expected = expectedTrace(text, pickFrom(app), { llvm, t });
  if (expected === null) return;
  assert.equal((await stack(['--obj', app], text)).stdout, expected);
});

test('Firefox traces: NAME@FILE:LINE:COL, for module URLs and for `script line N > WebAssembly.instantiate`', async (t) => {
  const llvm = llvmTool(t);
  if (!llvm) return;
  for (const [name, obj] of [['firefox-inventory.txt', O2], ['firefox-inventory.O0.txt', O0]] as const) {
    const text = trace(name);
    const expected = expectedTrace(text, pickFrom(obj), { llvm, t });
    if (expected === null) return;
    const result = await stack(['--obj', obj], text);
    assert.equal(result.stdout, expected, name);
    assert.doesNotMatch(result.stdout, /wasm-function/, `${name}: every wasm frame was rewritten`);
  }
});

test('--no-inlines gives llvm-symbolizer --no-inlines\' single frame', async (t) => {
  const llvm = llvmTool(t);
  if (!llvm) return;
  for (const [name, obj] of [['node-inventory.O2.dwarf5.txt', O2], ['firefox-inventory.txt', O2]] as const) {
    const text = trace(name);
    const expected = expectedTrace(text, pickFrom(obj), { llvm, t, flags: ['--no-inlines'] });
    if (expected === null) return;
    const result = await stack(['--obj', obj, '--no-inlines'], text);
    assert.equal(result.stdout, expected, name);
    assert.doesNotMatch(result.stdout, /\[inlined\]/);
  }
});

test('C++ (captured): demangled as LLVM does, and --no-demangle gives linkage names', async (t) => {
  const llvm = llvmTool(t);
  if (!llvm) return;
  const text = trace('node-geometry.txt');
  const demangled = expectedTrace(text, pickFrom(GEOMETRY), { llvm, t });
  if (demangled === null) return;
  assert.equal((await stack(['--obj', GEOMETRY], text)).stdout, demangled);
  const mangled = expectedTrace(text, pickFrom(GEOMETRY), { llvm, t, demangle: false });
  assert.equal((await stack(['--obj', GEOMETRY, '--no-demangle'], text)).stdout, mangled);
  assert.notEqual(mangled, demangled);
});

test('Rust (captured; the name section holds mangled names): --no-demangle against llvm-symbolizer', async (t) => {
  const llvm = llvmTool(t);
  if (!llvm) return;
  const text = trace('node-rust.txt');
  const expected = expectedTrace(text, pickFrom(RUST), { llvm, t, demangle: false });
  if (expected === null) return;
  assert.equal((await stack(['--obj', RUST, '--no-demangle'], text)).stdout, expected);
  // Demangled, every wasm frame is still rewritten (the names differ from LLVM 14's by design).
  const demangled = (await stack(['--obj', RUST], text)).stdout;
  assert.doesNotMatch(demangled, /wasm-function/);
  assert.match(demangled, /at crosstrace_fixture::sum_by::h[0-9a-f]+ \(/);
});

// ---------------------------------------------------------------------------------------------
// Safari: no offset, so the function's declaration.

interface Subprogram {
  file: string;
  line: number;
}

/** DW_TAG_subprogram name → its DW_AT_decl_file / DW_AT_decl_line, from llvm-dwarfdump. */
function declarations(dwarfdump: string, obj: string): Map<string, Subprogram> {
  const out = run(dwarfdump, ['--debug-info', obj]);
  const found = new Map<string, Subprogram>();
  for (const entry of out.split(/\n(?=0x[0-9a-f]+: )/)) {
    if (!/^0x[0-9a-f]+: +DW_TAG_subprogram/.test(entry)) continue;
    const name = /DW_AT_name\s+\("([^"]*)"\)/.exec(entry);
    const file = /DW_AT_decl_file\s+\("([^"]*)"\)/.exec(entry);
    const line = /DW_AT_decl_line\s+\((\d+)\)/.exec(entry);
    if (name && file && line) found.set(name[1], { file: file[1], line: Number(line[1]) });
  }
  return found;
}

/** llvm-symbolizer --verbose's "Function start line" of the outermost frame at a function's first byte of code. */
function functionStart(llvm: string, obj: string, index: number): Subprogram & { name: string } {
  const module = new WasmModule(readFileSync(obj));
  const body = module.functionBody(index)!;
  const out = run(llvm, ['--obj=' + obj, '--verbose', '0x' + body.codeStart.toString(16)]);
  const frames = out.trim().split(/\n(?=\S)/);
  const last = frames[frames.length - 1];
  return {
    name: last.split('\n')[0],
    file: /Function start filename: (.*)/.exec(last)![1],
    line: Number(/Function start line: (\d+)/.exec(last)![1]),
  };
}

test('Safari traces: each wasm function becomes NAME@DECL_FILE:DECL_LINE (llvm-dwarfdump, llvm-symbolizer --verbose)', async (t) => {
  const llvm = llvmTool(t);
  const dwarfdump = llvm && requireTool(['llvm-dwarfdump-14', 'llvm-dwarfdump'], t);
  if (!llvm || !dwarfdump) return;
  for (const [name, obj] of [['safari-inventory.txt', O2], ['safari-inventory.O0.txt', O0]] as const) {
    const text = trace(name);
    const decls = declarations(dwarfdump, obj);
    const module = new WasmModule(readFileSync(obj));
    let expected = '';
    let rewritten = 0;
    for (const line of text.split('\n').slice(0, -1)) {
      // Independent reading of JSC's forms: `<?>.wasm-function[X]@[wasm code]`, `NAME@[<?>:]wasm-function[N]`.
      const old = /^<\?>\.wasm-function\[(.+)\]@\[wasm code\]$/.exec(line);
      const current = /^(.+)@(?:<\?>:)?wasm-function\[(\d+)\]$/.exec(line);
      let index: number | null = null;
      if (old && /^\d+$/.test(old[1])) index = Number(old[1]);
      else if (old) index = [...module.nameSection!.functionNames].find(([, n]) => n === old[1])![0];
      else if (current) index = Number(current[2]);
      if (index === null) {
        expected += line + '\n';
        continue;
      }
      const start = functionStart(llvm, obj, index);
      const decl = decls.get(start.name);
      assert.ok(decl, `${name}: llvm-dwarfdump has a subprogram ${start.name}`);
      assert.deepEqual({ file: start.file, line: start.line }, decl, `${name}: llvm-symbolizer and llvm-dwarfdump agree on ${start.name}`);
      expected += `${start.name}@${decl.file}:${decl.line}\n`;
      rewritten++;
    }
    assert.ok(rewritten >= 4, `${name}: the fixture has Safari wasm frames`);
    const result = await stack(['--obj', obj], text);
    assert.equal(result.stdout, expected, name);
  }
});

test('Safari: a name the module does not define, or an index that is no defined function, is left alone', async () => {
  const text = [
    '<?>.wasm-function[line_total]@[wasm code]', // inlined everywhere at -O2: no wasm function of that name
    '<?>.wasm-function[0]@[wasm code]', // function 0 is the import env.report
    'checkout@wasm-function[3]', // function 3 is set_qty: the name contradicts the index
    '99@wasm-function[99]',
    'wasm-stub@[wasm code]',
    '',
  ].join('\n');
  const result = await stack(['--obj', O2], text);
  assert.equal(result.stdout, text);
});

// ---------------------------------------------------------------------------------------------
// Choosing the module.

test('two modules with the same basename in different directories: the function index and offset decide, then the previous frame', async (t) => {
  const llvm = llvmTool(t);
  if (!llvm) return;
  const dir = tempDir();
  mkdirSync(join(dir, 'a'));
  mkdirSync(join(dir, 'b'));
  const a = join(dir, 'a', 'app.wasm');
  const b = join(dir, 'b', 'app.wasm');
  copyFileSync(O2, a);
  copyFileSync(O0, b);
  // The frames: O2's checkout (function 5) and O0's call chain, all from https://example.com/app.wasm.
  const frames: [string, number, string][] = [
    ['checkout', 5, '0x23a'], ['line_total', 2, '0x219'], ['sum_inventory', 1, '0x12c'], ['checkout', 7, '0x552'], ['checkout', 5, '0x2b8'],
  ];
  let previous = '';
  const owner = (index: number, offset: string): string => {
    // The precondition that makes the test meaningful: each frame fits exactly one of the two,
    // except sum_inventory's, which fits both and so follows the frame before it (O0's line_total).
    const fits = [a, b].filter((obj) => {
      const m = new WasmModule(readFileSync(obj));
      const body = m.functionBody(index);
      const code = parseInt(offset, 16) - m.codeSectionOffset!;
      return body !== null && code >= body.codeStart && code < body.end;
    });
    if (index === 1) assert.deepEqual(fits, [a, b], `wasm-function[${index}]:${offset} fits both modules`);
    else assert.equal(fits.length, 1, `wasm-function[${index}]:${offset} fits one module`);
    previous = index === 1 ? previous : fits[0];
    return previous;
  };
  const text = 'Error: boom\n' + frames.map(([n, i, o]) => `    at ${n} (https://example.com/app.wasm:wasm-function[${i}]:${o})\n`).join('') + '    at main (https://example.com/main.js:1:1)\n';
  const pick: Pick = (line) => {
    const m = /wasm-function\[(\d+)\]:(0x[0-9a-f]+)\)$/.exec(line);
    return m ? { obj: owner(Number(m[1]), m[2]), offset: parseInt(m[2], 16) } : null;
  };
  const expected = expectedTrace(text, pick, { llvm, t });
  if (expected === null) return;
  for (const order of [[a, b], [b, a]]) {
    const result = await stack(['--obj', order[0], '--obj', order[1]], text);
    assert.equal(result.stdout, expected);
    assert.equal(result.stderr, '');
  }
});

/** A copy of the O0 module whose name section names it inventory.O2.dwarf5.wasm, as the O2 module is named. */
function renamedO0(dir: string): string {
  const bytes = Buffer.from(readFileSync(O0));
  const names = new WasmModule(bytes).customSections.find((s) => s.name === 'name')!;
  const at = bytes.indexOf('inventory.O0.dwarf5.wasm', names.offset);
  assert.ok(at >= names.offset && at < names.offset + names.data.length, 'the module name is in the name section');
  bytes.write('inventory.O2.dwarf5.wasm', at);
  const file = join(dir, 'renamed.wasm');
  writeFileSync(file, bytes);
  assert.equal(new WasmModule(bytes).moduleName(), 'inventory.O2.dwarf5.wasm');
  return file;
}

/** Error.stack of env.report throwing from checkout (qty -1), as this Node prints it. */
async function liveTrace(file: string): Promise<string> {
  const { WebAssembly } = globalThis as unknown as { WebAssembly: { instantiate(bytes: Uint8Array, imports: object): Promise<{ instance: { exports: unknown } }> } };
  const { instance } = await WebAssembly.instantiate(readFileSync(file), {
    env: { report: () => { throw new Error('report'); } },
  });
  const e = instance.exports as Record<string, (...args: number[]) => number>;
  e.add_item(7, -1, 250);
  try {
    e.checkout(100000);
  } catch (error) {
    return (error as Error).stack!;
  }
  throw new Error('checkout did not throw');
}

test('two modules with the same name-section module name (live V8 traces): the function index and offset decide', async (t) => {
  const llvm = llvmTool(t);
  if (!llvm) return;
  const dir = tempDir();
  const renamed = renamedO0(dir);
  const o2Trace = await liveTrace(O2);
  const o0Trace = await liveTrace(renamed);
  // Both modules are wasm://wasm/inventory.O2.dwarf5.wasm-<hash> to V8.
  assert.match(o0Trace, /wasm:\/\/wasm\/inventory\.O2\.dwarf5\.wasm-[0-9a-f]{8}:wasm-function\[3\]/);
  assert.match(o2Trace, /wasm:\/\/wasm\/inventory\.O2\.dwarf5\.wasm-[0-9a-f]{8}:wasm-function\[5\]/);
  const text = o2Trace + '\n' + o0Trace + '\n';
  const o2Frames = new Set(o2Trace.split('\n'));
  const pick: Pick = (line) => {
    const p = pickFrom(O2)(line);
    return p && { obj: o2Frames.has(line) ? O2 : renamed, offset: p.offset };
  };
  const expected = expectedTrace(text, pick, { llvm, t });
  if (expected === null) return;
  for (const order of [[O2, renamed], [renamed, O2]]) {
    const result = await stack(['--obj', order[0], '--obj', order[1]], text);
    assert.equal(result.stdout, expected);
  }
});

test('a frame whose function N does not hold the offset is left alone, never given to another module', async () => {
  const lines = [
    '    at x (wasm://wasm/inventory.O2.dwarf5.wasm-54fba252:wasm-function[2]:0x23a)', // O2's function 2 is add_item
    '    at wasm://wasm/2a6d8f22:wasm-function[5]:0x10', // before the Code section
    '    at wasm://wasm/2a6d8f22:wasm-function[5]:0xfffff', // past the end
    '    at wasm://wasm/2a6d8f22:wasm-function[0]:0x23a', // an import
    '    at wasm://wasm/2a6d8f22:wasm-function[77]:0x23a', // no such function
    'checkout@https://example.com/inventory.O2.dwarf5.wasm:wasm-function[4]:0x23a',
  ];
  const text = lines.join('\n') + '\n';
  assert.equal((await stack(['--obj', O2], text)).stdout, text);
  // Named by its module name, O2 does not fit the first frame; O0 does fit wasm-function[2]:0x23a,
  // but the frame names the O2 module: it stays unchanged.
  const o0 = new WasmModule(readFileSync(O0));
  const body = o0.functionBody(2)!;
  const code = 0x23a - o0.codeSectionOffset!;
  assert.ok(code >= body.codeStart && code < body.end, 'precondition: O0 function 2 holds 0x23a');
  assert.equal((await stack(['--obj', O2, '--obj', O0], lines[0] + '\n')).stdout, lines[0] + '\n');
});

test('several modules fit a frame that names none: left alone with a note, unless the previous frame chose one', async (t) => {
  const llvm = llvmTool(t);
  if (!llvm) return;
  const dir = tempDir();
  const one = join(dir, 'one.wasm');
  const two = join(dir, 'two.wasm');
  copyFileSync(O2, one);
  copyFileSync(O2, two);
  const bare = '    at wasm://wasm/2a6d8f22:wasm-function[5]:0x23a\n';
  const ambiguous = await stack(['--obj', one, '--obj', two], 'Error: x\n' + bare);
  assert.equal(ambiguous.stdout, 'Error: x\n' + bare);
  assert.equal(ambiguous.stderr, `crosstrace stack: line 2: the frame fits ${one} and ${two}: left unchanged\n`);
  // The first frame names two.wasm by URL; the next, in the same trace, follows it.
  const text = 'Error: x\n    at f (https://example.com/two.wasm:wasm-function[5]:0x26d)\n' + bare;
  const expected = expectedTrace(text, pickFrom(two), { llvm, t });
  const sticky = await stack(['--obj', one, '--obj', two], text);
  assert.equal(sticky.stdout, expected);
  assert.equal(sticky.stderr, '');
});

test('no debug information (name section only): the line is left as it was', async () => {
  const text = trace('node-inventory.O2.dwarf5.txt');
  const result = await stack(['--obj', NAMES], text);
  assert.equal(result.stdout, text);
});

// ---------------------------------------------------------------------------------------------
// Pass-through, output styles, streaming, errors.

test('lines that are not wasm frames pass through byte for byte', async () => {
  const text = [
    '',
    '   ',
    '\tat tabbed (file.js:1:2)\t',
    'Error: message with wasm-function[5]:0x23a in it',
    'wasm://wasm/inventory.O2.dwarf5.wasm-54fba252:1', // Node's header line of an uncaught wasm error
    'wasm-stub@[wasm code]',
    'wasm function@[wasm code]',
    '    at wasm.js (https://example.com/wasm.js:10:3)',
    '    at async Promise.all (index 0)',
    'ünïcödé ✓ 🦀 \u0000 \u001b[31mred\u001b[0m',
    'a line with CR\r',
    '    at checkout (https://example.com/app.js:wasm-function[5]:0x23a', // unbalanced parenthesis
    '@wasm-function[x]',
    'no newline at the end',
  ].join('\n');
  const result = await stack(['--obj', O2], text);
  assert.equal(result.code, 0);
  assert.equal(result.stdout, text + '\n');
});

test('indentation, log prefixes and CR line ends are kept on every rewritten line', async () => {
  const result = await stack(['--obj', O2], [
    '2024-05-01T10:00:00Z ERROR \t  at inventory.O2.dwarf5.wasm.checkout (wasm://wasm/inventory.O2.dwarf5.wasm-54fba252:wasm-function[5]:0x2b8)\r',
    '  checkout@http://x/inventory.O2.dwarf5.wasm:wasm-function[5]:0x2b8',
    '',
  ].join('\n'));
  const lines = result.stdout.split('\n');
  assert.equal(lines.length, 9);
  for (const line of lines.slice(0, 4)) assert.match(line, /^2024-05-01T10:00:00Z ERROR \t {2}at .+\)\r$/);
  for (const line of lines.slice(4, 8)) assert.match(line, /^ {2}[a-z_]+( \[inlined\])?@\/crosstrace\/.+:\d+:\d+$/);
});

test('--output-style=JSON: one object per input line, frames as llvm-symbolizer --output-style=JSON has them', async (t) => {
  const llvm = llvmTool(t);
  if (!llvm) return;
  const text = trace('node-inventory.O2.dwarf5.txt');
  const result = await stack(['--obj', O2, '--output-style=JSON'], text);
  const records = result.stdout.trimEnd().split('\n').map((l) => JSON.parse(l));
  const inputs = text.split('\n').slice(0, -1);
  assert.deepEqual(records.map((r) => r.input), inputs);
  const module = new WasmModule(readFileSync(O2));
  let rewritten = 0;
  for (const r of records) {
    const m = V8_OFFSET.exec(r.input);
    if (!m) {
      assert.deepEqual([r.module, r.frames], [null, []]);
      continue;
    }
    rewritten++;
    const code = parseInt(m[1], 16) - module.codeSectionOffset!;
    const reference: { Symbol: Record<string, unknown>[] } = JSON.parse(run(llvm, ['--obj=' + O2, '--output-style=JSON', '0x' + code.toString(16)]))[0];
    assert.equal(r.module, O2);
    assert.equal(r.codeOffset, code);
    assert.equal(r.functionIndex, 5);
    assert.deepEqual(
      r.frames.map((f: Record<string, unknown>) => [f.function, f.file, f.line, f.column]),
      reference.Symbol.map((s: Record<string, unknown>) => [s.FunctionName, s.FileName, s.Line, s.Column]),
    );
    assert.deepEqual(r.frames.map((f: Record<string, unknown>) => f.inlined), reference.Symbol.map((_: unknown, i: number) => i < reference.Symbol.length - 1));
  }
  assert.equal(rewritten, 3);
  const safari = JSON.parse((await stack(['--obj', O2, '--output-style=json'], 'checkout@wasm-function[5]\n')).stdout);
  assert.deepEqual(safari.frames, [{ function: 'checkout', file: '/crosstrace/fixtures/c-inline/inventory.c', line: 98, column: 0, inlined: false, declaration: true }]);
});

test('reads a TRACE file, or standard input for -', async () => {
  const file = fixturePath('traces', 'node-inventory.O2.dwarf5.txt');
  const fromFile = await stack(['--obj', O2, file], '');
  const fromStdin = await stack(['--obj', O2, '-'], readFileSync(file, 'utf8'));
  assert.equal(fromFile.code, 0);
  assert.equal(fromFile.stdout, fromStdin.stdout);
  assert.match(fromFile.stdout, /at checkout \(\/crosstrace\/fixtures\/c-inline\/inventory\.c:99:15\)/);
});

test('answers flow while the input is still being read', async () => {
  let written = '';
  let wroteFirst: () => void = () => {};
  const firstWritten = new Promise<void>((resolve) => (wroteFirst = resolve));
  const io: CliIO = {
    stdout: (text) => void (written += text),
    stdoutAsync: async (text) => {
      written += text;
      wroteFirst();
    },
    stderr: () => {},
    async *stdinChunks() {
      yield '    at wasm://wasm/2a6d8f22:wasm-function[5]:0x23a\n';
      // The second batch arrives only once the first one's answer is out (or the test times out).
      await Promise.race([firstWritten, new Promise((_, reject) => setTimeout(() => reject(new Error('no answer before more input')), 5000))]);
      assert.match(written, /at checkout \(/);
      yield 'last line';
    },
  };
  assert.equal(await main(['stack', '--obj', O2], io), 0);
  assert.match(written, /last line\n$/);
});

test('errors: a missing --obj file is one line and exit 1; usage errors exit 2; --help', async () => {
  const missing = await stack(['--obj', O2, '--obj', '/nonexistent/app.wasm'], 'x\n');
  assert.equal(missing.code, 1);
  assert.equal(missing.stderr, 'crosstrace stack: /nonexistent/app.wasm: no such file\n');
  assert.equal(missing.stdout, '');
  const notWasm = await stack(['--obj', join(repoRoot, 'package.json')], 'x\n');
  assert.equal(notWasm.code, 1);
  assert.equal(notWasm.stderr.split('\n').filter(Boolean).length, 1);
  assert.match(notWasm.stderr, /not a WebAssembly module/);
  const noTrace = await stack(['--obj', O2, '/nonexistent/trace.txt'], '');
  assert.equal(noTrace.code, 1);
  assert.equal(noTrace.stderr, 'crosstrace stack: /nonexistent/trace.txt: no such file\n');
  assert.equal((await stack([], 'x\n')).code, 2);
  assert.equal((await stack(['--obj', O2, '--output-style=LLVM'], 'x\n')).code, 2);
  assert.equal((await stack(['--obj', O2, '--bogus'], 'x\n')).code, 2);
  assert.equal((await stack(['--obj', O2, 'a.txt', 'b.txt'], '')).code, 2);
  const help = await stack(['--help'], '');
  assert.equal(help.code, 0);
  assert.match(help.stdout, /^Usage: crosstrace stack --obj FILE/);
  assert.match((await runCli(['--help'])).stdout, /\n {2}stack --obj FILE/);
});

test('damaged DWARF: the trace is still rewritten where possible, then one line on stderr and exit 1', async () => {
  const bytes = Buffer.from(readFileSync(fixturePath('c-inline', 'inventory.O2.dwarf5.wasm')));
  const module = new WasmModule(bytes);
  const line = module.customSections.find((s) => s.name === '.debug_line')!;
  bytes[line.offset + 4] = 0xff; // line table version 0x00ff: unusable, the rest of the DWARF is fine
  const dir = mkdtempSync(join(tmpdir(), 'crosstrace-stack-'));
  const file = join(dir, 'inventory.O2.dwarf5.wasm');
  writeFileSync(file, bytes);
  const offset = module.codeSectionOffset! + 0x40;
  const trace = `Error: boom\n    at x.checkout (wasm://wasm/inventory.O2.dwarf5.wasm-54fba252:wasm-function[1]:0x${offset.toString(16)})\n`;
  const result = await runCli(['stack', '--obj', file], trace);
  assert.equal(result.code, 1);
  assert.match(result.stderr, /malformed DWARF: unsupported line table version 255 in \.debug_line/);
  assert.equal(result.stderr.trim().split('\n').length, 1);
  assert.ok(result.stdout.startsWith('Error: boom\n'), result.stdout);
});
