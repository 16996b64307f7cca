// End to end: programs crash under Node, and the wasm frames V8 prints (wasm-function[N]:0xOFF)
// are symbolized by `crosstrace symbolize` in a fresh process whose only hint is
// CROSSTRACE_DEBUG_PATH. The register hook (`node --import crosstrace/register`) will do the
// same in-process; until it exists, these tests parse err.stack.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { repoRoot } from './support/fixtures.js';
import { EMSCRIPTEN, SEPARATE, layout, runCliProcess, wasmFrames } from './support/debug-support.js';

const INVENTORY = '/crosstrace/fixtures/c-inline/inventory.c';
const CRASH = '/crosstrace/fixtures/emscripten/crash.c';

/** Runs the inventory module until it traps (qty over the limit, inside inlined C); returns err.stack. */
function crashInventory(module: string): string {
  const script = `
    const { readFileSync } = await import('node:fs');
    const { instance } = await WebAssembly.instantiate(readFileSync(process.argv[1]), { env: { report() {} } });
    instance.exports.add_item(7, 200000, 3);
    try { instance.exports.checkout(1000000000); } catch (error) { console.log(error.stack); }`;
  const result = spawnSync(process.execPath, ['--input-type=module', '-e', script, module], { encoding: 'utf8' });
  assert.equal(result.status, 0, result.stderr);
  return result.stdout;
}

test('a stripped module whose external_debug_info is found only through CROSSTRACE_DEBUG_PATH prints the unstripped module\'s stack', () => {
  const dir = layout({
    'app/inventory.wasm': SEPARATE('inventory.stripped.wasm'),
    'symbols/inventory.debug.wasm': SEPARATE('inventory.debug-only.bin'),
    'unstripped/inventory.wasm': SEPARATE('inventory.wasm'),
  });
  const stripped = join(dir, 'app/inventory.wasm');
  const unstripped = join(dir, 'unstripped/inventory.wasm');
  const stack = crashInventory(stripped);
  assert.match(stack, /RuntimeError: unreachable/);
  const frames = wasmFrames(stack);
  assert.ok(frames.length >= 1, stack);
  // Same code at the same module offsets: the unstripped module crashes at the same frames.
  assert.deepEqual(wasmFrames(crashInventory(unstripped)), frames);

  const expected = runCliProcess(['symbolize', '--obj', unstripped, ...frames]);
  const actual = runCliProcess(['symbolize', '--obj', stripped, ...frames], { CROSSTRACE_DEBUG_PATH: join(dir, 'symbols') });
  assert.equal(actual.code, 0, actual.stderr);
  assert.equal(actual.stdout, expected.stdout);
  assert.equal(actual.stderr, '');
  // Readable: the trap inside checked_qty, inlined through line_total and sum_inventory into checkout.
  assert.match(actual.stdout, new RegExp(`^checked_qty\\n${INVENTORY}:\\d+:\\d+\\nline_total\\n`));
  assert.match(actual.stdout, /\ncheckout\n/);

  // Nothing else finds it: without the variable there are names but no file:line.
  const without = runCliProcess(['symbolize', '--obj', stripped, ...frames]);
  assert.doesNotMatch(without.stdout, /inventory\.c/);
  assert.match(without.stderr, /external_debug_info 'inventory.debug.wasm': no matching debug file found \(no debug path given\)/);
  const verbose = runCliProcess(['symbolize', '--obj', stripped, '--verbose', frames[0]], { CROSSTRACE_DEBUG_PATH: join(dir, 'symbols') });
  assert.match(verbose.stderr, /debug path \(external_debug_info\): using DWARF from .*symbols\/inventory\.debug\.wasm \(build ID [0-9a-f]+ matches\)/);
});

interface Build {
  name: string;
  /** Files kept apart from the shipped module: copied to symbols/ (the debug path). */
  debugFiles: Record<string, string>;
}

const BUILDS: Build[] = [
  { name: 'g', debugFiles: {} },
  { name: 'separate-dwarf', debugFiles: { 'crash.debug.wasm': EMSCRIPTEN('separate-dwarf', 'debug', 'crash.debug.wasm') } },
  { name: 'source-map', debugFiles: { 'crash.wasm.map': EMSCRIPTEN('source-map', 'debug', 'crash.wasm.map') } },
];

/** The build as shipped: glue and module in app/, its debug files apart in symbols/. */
function shippedLayout(build: Build): string {
  const files: Record<string, string> = {
    'app/crash.js': EMSCRIPTEN('crash.js'),
    'app/crash.wasm': EMSCRIPTEN(build.name, 'crash.wasm'),
  };
  for (const [name, source] of Object.entries(build.debugFiles)) files[`symbols/${name}`] = source;
  return layout(files);
}

/** Runs an Emscripten build's glue with Node; returns the wasm frames of the crash. */
function crashEmscripten(appDir: string): string[] {
  const result = spawnSync(process.execPath, [join(appDir, 'crash.js')], { encoding: 'utf8', cwd: appDir });
  assert.notEqual(result.status, 0);
  assert.match(result.stderr, /RuntimeError: unreachable/, result.stderr);
  const frames = wasmFrames(result.stderr);
  assert.equal(frames.length, 2, result.stderr);
  return frames;
}

test('Emscripten: the program crashes under Node, and each of the three builds shows file:line', () => {
  const outputs = new Map<string, string>();
  for (const build of BUILDS) {
    const dir = shippedLayout(build);
    const module = join(dir, 'app/crash.wasm');
    const frames = crashEmscripten(join(dir, 'app'));
    const result = runCliProcess(['symbolize', '--obj', module, ...frames], { CROSSTRACE_DEBUG_PATH: join(dir, 'symbols') });
    assert.equal(result.code, 0, result.stderr);
    outputs.set(build.name, result.stdout);
    const answers = result.stdout.trimEnd().split('\n\n');
    assert.equal(answers.length, 2);
    if (build.name === 'source-map') {
      // One location per address: the trap is reported in run_batch, where withdraw() was inlined.
      assert.deepEqual(answers, [`run_batch\n${CRASH}:15:5`, `main\n${CRASH}:34:10`]);
      assert.match(result.stderr, /locations from the source map .*crash\.wasm\.map: no inlined frames available/);
    } else {
      assert.deepEqual(answers, [`withdraw\n${CRASH}:15:5\nrun_batch\n${CRASH}:25:12`, `main\n${CRASH}:34:10`]);
      assert.equal(result.stderr, '');
    }
  }
  assert.equal(outputs.get('separate-dwarf'), outputs.get('g'), 'the separate DWARF gives the -g build\'s stack');
});

test('Emscripten: emcc\'s own layout (debug file or map beside the module) needs no debug path', () => {
  for (const build of BUILDS.slice(1)) {
    const files: Record<string, string> = {
      'crash.js': EMSCRIPTEN('crash.js'),
      'crash.wasm': EMSCRIPTEN(build.name, 'crash.wasm'),
    };
    for (const [name, source] of Object.entries(build.debugFiles)) files[name] = source;
    const dir = layout(files);
    const frames = crashEmscripten(dir);
    const result = runCliProcess(['symbolize', '--obj', join(dir, 'crash.wasm'), frames[0]]);
    assert.match(result.stdout, new RegExp(`${CRASH}:15:5`), `${build.name}: ${result.stdout}${result.stderr}`);
  }
});

test('Emscripten under node --import crosstrace/register: each of the three builds shows file:line in Error.stack', () => {
  const register = pathToFileURL(join(repoRoot, 'dist', 'esm', 'register.js')).href;
  for (const build of BUILDS) {
    const dir = shippedLayout(build);
    const app = join(dir, 'app');
    // The reference: the CLI's answers (checked above) for the offsets V8 prints without the hook.
    const frames = crashEmscripten(app);
    const cli = runCliProcess(['symbolize', '--obj', join(app, 'crash.wasm'), ...frames], { CROSSTRACE_DEBUG_PATH: join(dir, 'symbols') });
    const expected = cli.stdout.trimEnd().split('\n\n').flatMap((answer) => {
      const lines = answer.split('\n');
      const out: string[] = [];
      for (let i = 0; i < lines.length; i += 2) {
        out.push(`    at ${lines[i]}${i + 2 < lines.length ? ' [inlined]' : ''} (${lines[i + 1]})`);
      }
      return out;
    });
    const hooked = spawnSync(process.execPath, ['--import', register, join(app, 'crash.js')], {
      encoding: 'utf8', cwd: app, env: { ...process.env, CROSSTRACE_DEBUG_PATH: join(dir, 'symbols') },
    });
    assert.match(hooked.stderr, /RuntimeError: unreachable/, hooked.stderr);
    const atLines = hooked.stderr.split('\n').filter((l) => l.startsWith('    at '));
    const wasmLines = atLines.filter((l) => l.includes(CRASH));
    assert.deepEqual(wasmLines, expected, `${build.name}:\n${hooked.stderr}`);
    assert.ok(wasmLines.some((l) => l.includes(`${CRASH}:15:5`)), build.name);
  }
});
