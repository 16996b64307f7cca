// Mutation fuzzing of the wasm and DWARF readers: the short run. A few thousand inputs derived
// from the committed fixtures (test/support/mutate.ts) go through the public API; every one must
// end in success or a typed error (CrosstraceError). The long campaign is scripts/fuzz.mjs and
// its results are in docs/fuzzing.md.
//
// CROSSTRACE_FUZZ_SEED and CROSSTRACE_FUZZ_INPUTS change the run; a failure prints the seed and
// iteration, which `node scripts/fuzz.mjs --seed S --replay I` rebuilds, saves and reruns.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { relative } from 'node:path';
import { performance } from 'node:perf_hooks';
import { WasmModule } from '../src/wasm/module.js';
import { allFixtures, repoRoot } from './support/fixtures.js';
import { setKernelMinProgram } from '../src/dwarf/line.js';
import { setKernelMinUnit } from '../src/dwarf/subroutines.js';
import {
  encodeModule, exercise, generateInput, loadCorpus, rustDemanglerWorks, splitModule, toBase64,
  type Corpus, type FuzzInput, type RunResult,
} from './support/mutate.js';

const SEED = Number(process.env.CROSSTRACE_FUZZ_SEED ?? 0x5eed) >>> 0;
const INPUTS = Number(process.env.CROSSTRACE_FUZZ_INPUTS ?? 3000);

let corpusCache: Corpus | null = null;
function corpus(): Corpus {
  corpusCache ??= loadCorpus(allFixtures().map((path) => ({ path: relative(repoRoot, path), bytes: new Uint8Array(readFileSync(path)) })));
  return corpusCache;
}

test('the corpus holds every committed fixture', () => {
  const c = corpus();
  assert.deepEqual(c.skipped, []);
  assert.equal(c.seeds.length, allFixtures().length);
  assert.ok(c.seeds.length >= 10, `only ${c.seeds.length} fixtures`);
  assert.ok(c.withDwarf.length >= 8, `only ${c.withDwarf.length} fixtures with DWARF`);
  assert.ok(c.mangledNames.length > 100, `only ${c.mangledNames.length} mangled names`);
  for (const seed of c.seeds) {
    if (seed.dwarfSections.includes('.debug_line')) assert.ok(seed.interesting.length > 0, `${seed.path}: no line-table addresses`);
  }
});

test('re-encoding a module keeps its sections; an edited payload gets a corrected size', () => {
  for (const seed of corpus().seeds) {
    const again = splitModule(encodeModule(seed.sections));
    assert.equal(again.length, seed.sections.length, seed.path);
    for (let i = 0; i < again.length; i++) {
      assert.equal(again[i].id, seed.sections[i].id);
      assert.equal(again[i].name, seed.sections[i].name);
      assert.deepEqual(again[i].data, seed.sections[i].data);
    }
  }
  // Grow .debug_str by 20000 bytes: its size LEB gets longer and everything after it moves.
  const seed = corpus().seeds.find((s) => s.path.endsWith('tiny.dwarf5.wasm'))!;
  const original = new WasmModule(seed.bytes);
  const sections = seed.sections.map((s) =>
    s.name === '.debug_str' ? { ...s, data: Uint8Array.from([...s.data, ...new Uint8Array(20000).fill(0x41)]) } : s);
  const edited = new WasmModule(encodeModule(sections));
  assert.equal(edited.customSection('.debug_str')!.length, original.customSection('.debug_str')!.length + 20000);
  assert.deepEqual(edited.customSections.map((s) => s.name), original.customSections.map((s) => s.name));
  assert.deepEqual(edited.bodyEnds, original.bodyEnds);
  assert.deepEqual(edited.customSection('.debug_line'), original.customSection('.debug_line'));
});

test('an input is a function of (seed, iteration) alone', () => {
  const c = corpus();
  for (const iteration of [c.seeds.length, 1234, 99999]) {
    const a = generateInput(c, SEED, iteration);
    const b = generateInput(c, SEED, iteration);
    assert.deepEqual(a.bytes, b.bytes);
    assert.deepEqual(a.addresses, b.addresses);
    assert.deepEqual(a.ops, b.ops);
  }
  assert.notDeepEqual(generateInput(c, SEED, 5000).bytes, generateInput(c, SEED + 1, 5000).bytes);
  // The first iterations are the fixtures themselves.
  assert.equal(generateInput(c, SEED, 0).strategy, 'seed');
  assert.deepEqual(generateInput(c, SEED, 0).bytes, c.seeds[0].bytes);
});

test(`short fuzz run: ${INPUTS} inputs, seed ${SEED}`, { timeout: 300_000 }, (t) => {
  const c = corpus();
  const rustCanary = rustDemanglerWorks();
  const outcomes: Record<string, number> = {};
  const typed: Record<string, number> = {};
  const strategies: Record<string, number> = {};
  const findings: { input: FuzzInput; result: RunResult }[] = [];
  let reachedDwarf = 0;
  let dwarfParsed = 0;
  let unitHit = 0;
  let degraded = 0;
  let frames = 0;
  let slowest = { ms: 0, iteration: -1 };
  const started = performance.now();
  for (let i = 0; i < INPUTS; i++) {
    const input = generateInput(c, SEED, i);
    const t0 = performance.now();
    const result = exercise(input.bytes, input.addresses, { sweep: true, maxSweepUnits: 16, rustCanary });
    const ms = performance.now() - t0;
    if (ms > slowest.ms) slowest = { ms, iteration: i };
    outcomes[result.outcome] = (outcomes[result.outcome] ?? 0) + 1;
    strategies[input.strategy] = (strategies[input.strategy] ?? 0) + 1;
    for (const e of new Set(result.typedErrors)) typed[e] = (typed[e] ?? 0) + 1;
    if (result.reachedDwarf) reachedDwarf++;
    if (result.dwarfParsed) dwarfParsed++;
    if (result.unitHit) unitHit++;
    if (result.diagnostics > 0) degraded++;
    frames += result.frames;
    if (result.finding) findings.push({ input, result });
    if (input.strategy === 'seed') {
      // The fixtures themselves: read without complaint, and DWARF ones answer lookups.
      assert.equal(result.outcome, 'ok', `${c.seeds[input.seedIndex].path}: ${result.typedErrors.join(', ')}`);
      if (c.seeds[input.seedIndex].interesting.length > 0) assert.ok(result.frames > 0, `${c.seeds[input.seedIndex].path}: no frames`);
    }
  }
  const seconds = (performance.now() - started) / 1000;
  const total = Object.values(outcomes).reduce((a, b) => a + b, 0);
  const lines = [
    `seed ${SEED}: ${total} inputs in ${seconds.toFixed(1)} s (${Math.round(total / seconds)}/s); slowest ${slowest.ms.toFixed(0)} ms (iteration ${slowest.iteration})`,
    `strategies: ${JSON.stringify(strategies)}`,
    `outcomes: ${JSON.stringify(outcomes)}`,
    `reached DWARF parsing: ${reachedDwarf} (unit headers parsed ${dwarfParsed}, lookup hit a unit ${unitHit}, degraded with diagnostics ${degraded}); frames ${frames}`,
    `typed errors (inputs, by stage:type): ${JSON.stringify(typed)}`,
  ];
  for (const line of lines) t.diagnostic(line);

  if (findings.length > 0) {
    const report = findings.slice(0, 5).map(({ input, result }) => [
      `iteration ${input.iteration} (${input.strategy} of ${c.seeds[input.seedIndex].path}; ops ${input.ops.join('; ')})`,
      `  ${result.finding!.signature}`,
      `  ${result.finding!.stack.split('\n').slice(0, 6).join('\n  ')}`,
      `  rerun: node scripts/fuzz.mjs --seed ${SEED} --replay ${input.iteration}`,
      input.bytes.length <= 4096 ? `  input (base64): ${toBase64(input.bytes)}` : `  input: ${input.bytes.length} bytes (rebuild it with --replay)`,
    ].join('\n'));
    assert.fail(`${findings.length} of ${total} inputs ended in something other than success or a CrosstraceError:\n${report.join('\n')}`);
  }

  // The run did what it claims: every input ran and was classified, most reached the DWARF
  // reader, and the damage reached every way of ending (rejection, degradation, typed errors).
  assert.equal(total, INPUTS);
  assert.equal(outcomes.finding ?? 0, 0);
  for (const s of ['seed', 'dwarf', 'module', 'custom', 'names']) assert.ok((strategies[s] ?? 0) > 0, `strategy ${s} never ran`);
  if (INPUTS >= 1000) {
    assert.ok(reachedDwarf > INPUTS * 0.5, `only ${reachedDwarf} inputs reached DWARF parsing`);
    assert.ok(unitHit > INPUTS * 0.3, `only ${unitHit} inputs had a lookup land in a unit`);
    assert.ok(degraded > INPUTS * 0.1, `only ${degraded} inputs reached the per-unit degradation path`);
    assert.ok((outcomes.rejected ?? 0) > 0 && (outcomes.ok ?? 0) > INPUTS * 0.3, JSON.stringify(outcomes));
    assert.ok((typed['module:WasmFormatError'] ?? 0) > 0, 'no module was rejected with WasmFormatError');
    // DWARF damage no longer escapes as DwarfFormatError: it degrades into diagnostics (above).
  }
});

// The fixtures' units are below the sizes from which the WebAssembly kernels decode line programs
// and walk units (src/dwarf/line-kernel.ts, subroutine-kernel.ts): here they do it for every unit,
// in their scratch memory, under the same invariants.
test(`short fuzz run through the WebAssembly kernels: ${Math.ceil(INPUTS / 3)} inputs, seed ${SEED + 1}`, { timeout: 300_000 }, (t) => {
  const c = corpus();
  const rustCanary = rustDemanglerWorks();
  const program = setKernelMinProgram(0);
  const unit = setKernelMinUnit(0);
  const findings: string[] = [];
  let reachedDwarf = 0;
  let frames = 0;
  try {
    for (let i = 0; i < Math.ceil(INPUTS / 3); i++) {
      const input = generateInput(c, SEED + 1, i);
      const result = exercise(input.bytes, input.addresses, { sweep: true, maxSweepUnits: 16, rustCanary });
      if (result.reachedDwarf) reachedDwarf++;
      frames += result.frames;
      if (result.finding) {
        findings.push(`iteration ${input.iteration}: ${result.finding.signature}\n  ${result.finding.stack.split('\n').slice(0, 6).join('\n  ')}`);
      }
    }
  } finally {
    setKernelMinProgram(program);
    setKernelMinUnit(unit);
  }
  t.diagnostic(`reached DWARF parsing: ${reachedDwarf}; frames ${frames}`);
  assert.deepEqual(findings, [], `rerun: the kernels forced, node scripts/fuzz.mjs --seed ${SEED + 1} --replay N`);
  assert.ok(reachedDwarf > INPUTS / 6, `only ${reachedDwarf} inputs reached the DWARF reader`);
  assert.ok(frames > 0);
});
