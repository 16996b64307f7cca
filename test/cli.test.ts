import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from './support/cli-harness.js';
import { main } from '../src/cli/main.js';
import type { CliIO } from '../src/cli/io.js';
import { fixturePath, repoRoot } from './support/fixtures.js';
import { WasmModule } from '../src/wasm/module.js';

const O2 = fixturePath('c-inline', 'inventory.O2.dwarf5.wasm');

test('a missing or non-wasm file is one line on stderr and exit 1', async () => {
  const missing = await runCli(['symbolize', '--obj', '/nonexistent/x.wasm', '0x10']);
  assert.equal(missing.code, 1);
  assert.equal(missing.stderr.split('\n').filter(Boolean).length, 1);
  assert.match(missing.stderr, /no such file/);
  const notWasm = await runCli(['symbolize', '--obj', join(repoRoot, 'package.json'), '0x10']);
  assert.equal(notWasm.code, 1);
  assert.match(notWasm.stderr, /not a WebAssembly module/);
});

test('usage errors exit 2', async () => {
  assert.equal((await runCli(['symbolize', '0x10'])).code, 2);
  assert.equal((await runCli(['symbolize', '--obj', O2, '--output-style=XML', '0x10'])).code, 2);
  assert.equal((await runCli(['symbolize', '--obj', O2, '--bogus'])).code, 2);
  assert.equal((await runCli(['frobnicate'])).code, 2);
});

test('bad addresses are echoed and never stop the batch', async () => {
  const good = (await runCli(['symbolize', '--obj', O2, '0x40'])).stdout;
  const mixed = await runCli(['symbolize', '--obj', O2], 'zz\n0x40\n-1\n0xffffffffffffffffff\n0x40\n');
  assert.equal(mixed.code, 0);
  assert.equal(mixed.stdout, 'zz\n' + good + '-1\n0xffffffffffffffffff\n' + good);
});

test('--module-offsets and V8 wasm-function tokens read module offsets', async () => {
  const module = new WasmModule(readFileSync(O2));
  const code = 0x40;
  const moduleOffset = module.codeSectionOffset! + code;
  const expected = (await runCli(['symbolize', '--obj', O2, '0x' + code.toString(16)])).stdout;
  const viaFlag = await runCli(['symbolize', '--obj', O2, '--module-offsets', '0x' + moduleOffset.toString(16)]);
  assert.equal(viaFlag.stdout, expected);
  const index = module.functionIndexAt(code as never)!;
  const viaToken = await runCli(['symbolize', '--obj', O2], `wasm-function[${index}]:0x${moduleOffset.toString(16)}\n`);
  assert.equal(viaToken.stdout, expected);
});

test('corrupt DWARF: answers still come, then one line on stderr and a non-zero exit', async () => {
  const bytes = Buffer.from(readFileSync(O2));
  const module = new WasmModule(bytes);
  const line = module.customSections.find((s) => s.name === '.debug_line')!;
  // Version 0x00ff: no DWARF version has that; the line table is unusable, the rest is fine.
  bytes[line.offset + 4] = 0xff;
  const dir = mkdtempSync(join(tmpdir(), 'crosstrace-'));
  const file = join(dir, 'corrupt.wasm');
  writeFileSync(file, bytes);
  const result = await runCli(['symbolize', '--obj', file, '0x40', '0x6']);
  assert.equal(result.code, 1);
  assert.match(result.stderr, /malformed DWARF: unsupported line table version 255 in \.debug_line/);
  assert.equal(result.stderr.trim().split('\n').length, 1);
  // Functions still resolve from .debug_info; locations are unknown.
  assert.match(result.stdout, /^checked_qty\n\?\?:0:0\n/);
});

test('a reader that stops reading (| head) ends the run quietly, with the status SIGPIPE gives', async () => {
  const child = spawn(process.execPath, [join(repoRoot, 'bin', 'crosstrace.cjs'), 'symbolize', '--obj', O2]);
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => void (stderr += chunk.toString()));
  const firstBytes = new Promise<void>((resolve) => child.stdout.once('data', () => resolve()));
  // More answers than a pipe holds, so writes are still going when the reader leaves.
  const lines = Array.from({ length: 20_000 }, (_, i) => '0x' + (0x40 + (i % 0x200)).toString(16));
  child.stdin.on('error', () => {});
  child.stdin.end(lines.join('\n') + '\n');
  await firstBytes;
  child.stdout.destroy();
  const code = await new Promise((resolve) => child.on('close', resolve));
  assert.equal(code, 141);
  assert.equal(stderr, '');
});

test('standard input is answered while it is still open (streaming)', async () => {
  const child = spawn(process.execPath, [join(repoRoot, 'bin', 'crosstrace.cjs'), 'symbolize', '--obj', O2]);
  let out = '';
  const firstAnswer = new Promise<string>((resolve) => {
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      if (out.includes('\n\n')) resolve(out);
    });
  });
  child.stdin.write('0x40\n');
  const first = await firstAnswer;
  assert.match(first, /^checked_qty\n/, 'answered before stdin closed');
  child.stdin.end('0x6\n');
  const code = await new Promise((resolve) => child.on('close', resolve));
  assert.equal(code, 0);
  assert.match(out, /sum_inventory\n\/crosstrace\/fixtures\/c-inline\/inventory\.c:65:23\n\n$/);
});

test('input split anywhere (inside lines, CRLF pairs and UTF-8 characters) answers as one piece does', async () => {
  const lines: string[] = [];
  for (let a = 0; a < 0x300; a += 3) lines.push('0x' + a.toString(16));
  lines.push('0x40\r', 'ünïcödé ✓', '', 'wasm-function[5]:0x23a', '0x41');
  // Several times over, so the output (> 256 KB) needs more than one of the writer's buffers,
  // and buffers written out come back for later chunks.
  const text = Array.from({ length: 16 }, () => lines.join('\n')).join('\n') + '\n0x40';
  const whole = await runCli(['symbolize', '--obj', O2], text);
  assert.equal(whole.code, 0);
  assert.ok(whole.stdout.length > 300_000, `output of ${whole.stdout.length} bytes`);
  const bytes = Buffer.from(text);
  for (const size of [1, 7, 4096, 65536]) {
    let stdout = '';
    const io: CliIO = {
      stdout: (t) => void (stdout += t),
      stdoutAsync: async (t) => void (stdout += typeof t === 'string' ? t : Buffer.from(t).toString('utf8')),
      stderr: () => {},
      async *stdinChunks() {
        for (let at = 0; at < bytes.length; at += size) yield bytes.subarray(at, at + size);
      },
    };
    assert.equal(await main(['symbolize', '--obj', O2], io), 0);
    assert.ok(stdout === whole.stdout, `chunks of ${size} bytes: output differs`);
  }
});

test('batch answers equal one-by-one answers where no subroutine DIE covers the code, in every plain style', async () => {
  // Code outside every DWARF unit (libc's assembly, compiler-rt, Rust's std) or under no
  // subroutine DIE is answered by the batch writer from the name section and the line table;
  // arguments take the general path, which the differential test holds against llvm-symbolizer.
  const { WasmSymbolizer } = await import('../src/symbolize/symbolizer.js');
  let compared = 0;
  for (const file of [fixturePath('rust', 'crosstrace_fixture.wasm'), fixturePath('cpp', 'geometry.O2.wasm')]) {
    const symbolizer = new WasmSymbolizer(readFileSync(file));
    const dwarf = symbolizer.dwarfContext!;
    const outsideUnits: string[] = [];
    const outsideSubroutines: string[] = [];
    for (let a = 0; a < symbolizer.module.codeSectionSize + 64; a += 3) {
      const unit = dwarf.unitForAddress(a);
      const index = unit ? dwarf.subroutines(unit) : null;
      if (unit === null && outsideUnits.length < 40) outsideUnits.push('0x' + a.toString(16));
      if (index && index.find(a) < 0 && outsideSubroutines.length < 40) outsideSubroutines.push('0x' + a.toString(16));
    }
    assert.ok(outsideUnits.length >= 10, `${file}: code outside the DWARF units`);
    const addresses = [...outsideUnits, ...outsideSubroutines];
    // DWARF-covered addresses between them, so the writer switches between the two kinds.
    const input = addresses.flatMap((a, i) => [a, '0x' + (0x40 + i).toString(16)]);
    for (const flags of [[], ['--output-style=GNU'], ['--functions=short'], ['--functions=none'], ['--no-demangle'], ['--no-inlines']]) {
      const batch = await runCli(['symbolize', '--obj', file, ...flags], input.join('\n') + '\n');
      const oneByOne = await runCli(['symbolize', '--obj', file, ...flags, ...input]);
      assert.equal(batch.code, 0);
      assert.equal(batch.stdout, oneByOne.stdout, `${file} ${flags.join(' ')}`);
      compared += input.length;
    }
  }
  assert.ok(compared > 200);
});

test('the installed command (the bundle) demangles C++ as the in-process CLI does', async () => {
  // The bundle loads its C++ demangler from a second file on the first C++ name.
  const file = fixturePath('cpp', 'geometry.O2.wasm');
  const input = Array.from({ length: 400 }, (_, i) => '0x' + (0x40 + 37 * i).toString(16)).join('\n') + '\n';
  const expected = (await runCli(['symbolize', '--obj', file], input)).stdout;
  assert.match(expected, /geo::/, 'the fixture has C++ names at these addresses');
  const child = spawn(process.execPath, [join(repoRoot, 'bin', 'crosstrace.cjs'), 'symbolize', '--obj', file]);
  let out = '';
  let err = '';
  child.stdout.on('data', (chunk: Buffer) => void (out += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => void (err += chunk.toString()));
  child.stdin.end(input);
  const code = await new Promise((resolve) => child.on('close', resolve));
  assert.equal(err, '');
  assert.equal(code, 0);
  assert.ok(out === expected, 'the bundle answers as the sources do');
});
