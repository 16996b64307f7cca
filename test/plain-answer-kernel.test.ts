// The answer kernel (src/format/plain-answer-kernel.ts) must write exactly what the batch writer
// in JavaScript writes, or leave the line to it. Checked on every code address of every fixture
// (and addresses past the code): the CLI's batch path run with every kernel forced for units of
// any size, against the same run with none.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join, relative } from 'node:path';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { runCli } from './support/cli-harness.js';
import { allFixtures, repoRoot } from './support/fixtures.js';
import { WasmModule } from '../src/wasm/module.js';
import { setKernelMinUnit } from '../src/dwarf/subroutines.js';
import { setKernelMinProgram } from '../src/dwarf/line.js';
import { setAnswerKernelUnits } from '../src/cli/symbolize-command.js';
import { answeredByKernels } from '../src/format/plain-answer-kernel.js';
import { generateInput, loadCorpus } from './support/mutate.js';

async function symbolize(file: string, input: string, flags: string[], kernels: boolean): Promise<string> {
  const size = kernels ? 0 : Infinity;
  const previous = [setKernelMinUnit(size), setKernelMinProgram(size)];
  setAnswerKernelUnits(kernels ? 'all' : 'none');
  try {
    const result = await runCli(['symbolize', '--obj', file, ...flags], input);
    assert.equal(result.code === 0 || result.code === 1, true, `${file}: exit ${result.code}: ${result.stderr}`);
    return result.stdout;
  } finally {
    setKernelMinUnit(previous[0]);
    setKernelMinProgram(previous[1]);
    setAnswerKernelUnits('default');
  }
}

test('the answer kernel writes what the JavaScript batch writer writes, for every fixture address', async () => {
  let compared = 0;
  const before = answeredByKernels();
  for (const file of allFixtures()) {
    const module = new WasmModule(readFileSync(file));
    if (module.customSection('.debug_info') === null) continue;
    const lines: string[] = [];
    // Every code offset in order, then again in an order that jumps between units and functions,
    // with a few lines the kernel must hand back (other formats, addresses past the code, CRLF).
    const end = module.codeSectionSize + 8;
    for (let a = 0; a < end; a++) lines.push('0x' + a.toString(16));
    for (let a = 0; a < end; a++) lines.push('0x' + ((a * 7919) % end).toString(16));
    lines.splice(5, 0, 'wasm-function[1]:0x10', '0x30\r', '', 'junk', '0x' + (2 ** 40).toString(16));
    const input = lines.join('\n') + '\n';
    const withKernels = await symbolize(file, input, [], true);
    const without = await symbolize(file, input, [], false);
    assert.ok(withKernels === without, `${relative(repoRoot, file)}: outputs differ`);
    compared += lines.length;
  }
  assert.ok(compared > 10_000, `${compared} lines compared`);
  assert.ok(answeredByKernels() - before > compared / 3, `the kernel answered ${answeredByKernels() - before} of ${compared} lines`);
});

test('options the kernel does not print leave every line to JavaScript', async () => {
  const file = allFixtures().find((f) => f.endsWith('inventory.O2.dwarf5.wasm'))!;
  const input = Array.from({ length: 400 }, (_, a) => '0x' + a.toString(16)).join('\n') + '\n';
  for (const flags of [['--output-style=GNU'], ['--functions=short'], ['--no-demangle'], ['--no-inlines'], ['--module-offsets']]) {
    const before = answeredByKernels();
    assert.equal(await symbolize(file, input, flags, true), await symbolize(file, input, flags, false), flags.join(' '));
    assert.equal(answeredByKernels(), before, `${flags.join(' ')}: the kernel answered`);
  }
});

test('on damaged DWARF too (seeded mutations of the fixtures): the same output, or the same failure', { timeout: 300_000 }, async () => {
  const corpus = loadCorpus(allFixtures().map((path) => ({ path: relative(repoRoot, path), bytes: new Uint8Array(readFileSync(path)) })));
  const dir = mkdtempSync(join(tmpdir(), 'crosstrace-answer-kernel-'));
  let answered = 0;
  const cases: [number, number][] = [];
  for (let iteration = corpus.seeds.length; iteration < corpus.seeds.length + 300; iteration++) cases.push([20261126, iteration]);
  // Found by longer runs of this comparison: a damaged line program whose rows go back in address
  // within a sequence, where a binary search that probed otherwise than JavaScript's found
  // another row.
  cases.push([904, 370], [904, 1074]);
  for (const [seed, iteration] of cases) {
    const input = generateInput(corpus, seed, iteration);
    if (input.strategy !== 'dwarf' && input.strategy !== 'seed') continue;
    const file = join(dir, `${iteration}.wasm`);
    writeFileSync(file, input.bytes);
    const module = (() => {
      try {
        return new WasmModule(input.bytes);
      } catch {
        return null;
      }
    })();
    const end = (module?.codeSectionSize ?? 256) + 8;
    const lines = [...input.addresses.map((a) => '0x' + Math.max(0, Math.floor(a)).toString(16))];
    // (Every address for the regressions: each showed at one.)
    for (let a = 0; a < end; a += seed === 20261126 ? 3 : 1) lines.push('0x' + a.toString(16));
    const text = lines.join('\n') + '\n';
    const before = answeredByKernels();
    const withKernels = await symbolize(file, text, [], true);
    answered += answeredByKernels() - before;
    assert.ok(withKernels === await symbolize(file, text, [], false), `seed ${seed}, iteration ${iteration} (${input.ops.join(', ')}): outputs differ`);
  }
  assert.ok(answered > 1000, `the kernel answered ${answered} lines`);
});

test('input in chunks of any size (lines cut anywhere) answers as one piece does, kernels on', async () => {
  const { main } = await import('../src/cli/main.js');
  const file = allFixtures().find((f) => f.endsWith('inventory.O2.dwarf5.wasm'))!;
  const lines = Array.from({ length: 3000 }, (_, a) => '0x' + ((a * 37) % 700).toString(16));
  lines.splice(100, 0, 'junk', '0x40\r', 'wasm-function[2]:0x10');
  const bytes = Buffer.from(lines.join('\n') + '\n');
  const whole = await symbolize(file, bytes.toString(), [], false);
  const previous = [setKernelMinUnit(0), setKernelMinProgram(0)];
  setAnswerKernelUnits('all');
  try {
    for (const size of [1, 7, 100, 4096]) {
      let stdout = '';
      const before = answeredByKernels();
      const code = await main(['symbolize', '--obj', file], {
        stdout: (t) => void (stdout += t),
        stdoutAsync: async (t) => void (stdout += typeof t === 'string' ? t : Buffer.from(t).toString('utf8')),
        stderr: () => {},
        async *stdinChunks() {
          for (let at = 0; at < bytes.length; at += size) yield bytes.subarray(at, at + size);
        },
      });
      assert.equal(code, 0);
      assert.ok(stdout === whole, `chunks of ${size} bytes: output differs`);
      // (A line cut by a chunk's start is joined and answered in JavaScript: in tiny chunks, all of them.)
      if (size >= 100) assert.ok(answeredByKernels() - before > 1000, `chunks of ${size} bytes: the kernel answered ${answeredByKernels() - before}`);
    }
  } finally {
    setKernelMinUnit(previous[0]);
    setKernelMinProgram(previous[1]);
    setAnswerKernelUnits('default');
  }
});
