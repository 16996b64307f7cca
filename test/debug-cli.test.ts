// `crosstrace symbolize` and debug-info discovery: --debug-file-directory (repeatable),
// CROSSTRACE_DEBUG_PATH, --verbose diagnostics, warnings, and the remote opt-in.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { runCli } from './support/cli-harness.js';
import { WasmModule } from '../src/wasm/module.js';
import { SEPARATE, bytesOf, clearDebugEnvironment, layout, withStringSection, withoutSection } from './support/debug-support.js';

clearDebugEnvironment();

const buildId = new WasmModule(bytesOf(SEPARATE('inventory.wasm'))).buildId()!;
// A code offset inside checkout, where inlined code traps (see test/debug-e2e.test.ts).
const ADDRESS = '0x' + (0x2b8 - new WasmModule(bytesOf(SEPARATE('inventory.wasm'))).codeSectionOffset!).toString(16);

async function unstrippedAnswer(): Promise<string> {
  return (await runCli(['symbolize', '--obj', SEPARATE('inventory.wasm'), ADDRESS])).stdout;
}

test('--debug-file-directory is repeatable and searched in order, before CROSSTRACE_DEBUG_PATH', async () => {
  const dir = layout({
    'app/inventory.wasm': SEPARATE('inventory.stripped.wasm'),
    'one/unrelated.txt': { text: 'nothing here' },
    [`two/.build-id/${buildId.slice(0, 2)}/${buildId.slice(2)}.debug.wasm`]: SEPARATE('inventory.debug-only.bin'),
    'env/inventory.debug.wasm': SEPARATE('inventory.O0.debug-only.bin'),
  });
  const module = join(dir, 'app/inventory.wasm');
  const expected = await unstrippedAnswer();
  assert.match(expected, /checked_qty/);
  const repeated = await runCli(['symbolize', '--obj', module, '--debug-file-directory', join(dir, 'one'), `--debug-file-directory=${join(dir, 'two')}`, '--verbose', ADDRESS]);
  assert.equal(repeated.code, 0);
  const lines = repeated.stderr.trimEnd().split('\n');
  assert.ok(lines.every((l) => l.startsWith(`crosstrace symbolize: ${module}: `)), repeated.stderr);
  assert.ok(lines.some((l) => l.endsWith(`${join(dir, 'one', 'inventory.debug.wasm')}: not found`)));
  assert.ok(lines.some((l) => l.includes(`using DWARF from ${join(dir, 'two')}/.build-id/`)));
  // The --verbose frame details go to stdout as llvm-symbolizer prints them.
  const plain = await runCli(['symbolize', '--obj', module, '--debug-file-directory', join(dir, 'one'), '--debug-file-directory', join(dir, 'two'), ADDRESS]);
  assert.equal(plain.stdout, expected);
  assert.equal(plain.stderr, '');

  // The environment's directories come after the command line's. Here the environment holds a
  // debug file of another build: it is rejected with a warning, even without --verbose.
  process.env.CROSSTRACE_DEBUG_PATH = join(dir, 'env');
  try {
    const both = await runCli(['symbolize', '--obj', module, '--debug-file-directory', join(dir, 'two'), ADDRESS]);
    assert.equal(both.stdout, expected);
    assert.equal(both.stderr, '', 'found in two/ before env/ was tried');
    const envOnly = await runCli(['symbolize', '--obj', module, ADDRESS]);
    assert.equal(envOnly.code, 0);
    assert.match(envOnly.stderr, /env\/inventory\.debug\.wasm: build ID [0-9a-f]+ does not match the module's [0-9a-f]+; skipped\n/);
    assert.doesNotMatch(envOnly.stdout, /inventory\.c/);
  } finally {
    delete process.env.CROSSTRACE_DEBUG_PATH;
  }
});

test('an embedded-DWARF module: no lookups, no stderr, llvm-symbolizer\'s output', async () => {
  const result = await runCli(['symbolize', '--obj', SEPARATE('inventory.wasm'), '--verbose', ADDRESS]);
  assert.equal(result.code, 0);
  assert.equal(result.stderr, `crosstrace symbolize: ${SEPARATE('inventory.wasm')}: using the module's embedded DWARF\n`);
});

test('http(s) debug files are fetched only with CROSSTRACE_ALLOW_REMOTE=1', async (t) => {
  const debug = bytesOf(SEPARATE('inventory.debug-only.bin'));
  let requests = 0;
  const server = createServer((req, res) => {
    requests++;
    res.end(Buffer.from(debug));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(() => server.close());
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/inventory.debug.wasm`;
  const dir = layout({
    'inventory.wasm': withStringSection(withoutSection(bytesOf(SEPARATE('inventory.stripped.wasm')), 'external_debug_info'), 'external_debug_info', url),
  });
  const module = join(dir, 'inventory.wasm');
  const refused = await runCli(['symbolize', '--obj', module, '--verbose', ADDRESS]);
  assert.equal(requests, 0);
  assert.match(refused.stderr, /remote URL not fetched: opt in with allowRemote \(CLI: CROSSTRACE_ALLOW_REMOTE=1\)/);
  process.env.CROSSTRACE_ALLOW_REMOTE = '1';
  try {
    const fetched = await runCli(['symbolize', '--obj', module, ADDRESS]);
    assert.equal(requests, 1);
    assert.equal(fetched.stdout, await unstrippedAnswer());
  } finally {
    delete process.env.CROSSTRACE_ALLOW_REMOTE;
  }
});

test('the help text documents the option and the search order', async () => {
  const help = await runCli(['symbolize', '--help']);
  assert.match(help.stdout, /--debug-file-directory=DIR/);
  assert.match(help.stdout, /CROSSTRACE_DEBUG_PATH/);
});
