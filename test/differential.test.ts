// Every instruction address of every fixture, symbolized by crosstrace and by llvm-symbolizer 14:
// the outputs must be byte-identical, and every difference must be one of the few kinds below,
// each checked against what the bytes say rather than waved through.
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { relative } from 'node:path';
import { WasmSymbolizer } from '../src/symbolize/symbolizer.js';
import { setKernelMinProgram } from '../src/dwarf/line.js';
import { setKernelMinUnit } from '../src/dwarf/subroutines.js';
import { codeOffset } from '../src/wasm/addresses.js';
import { demangle } from '../src/symbolize/demangle/index.js';
import { allFixtures, repoRoot } from './support/fixtures.js';
import { requireTool, run } from './support/reference-tools.js';
import { runCli } from './support/cli-harness.js';
import { blocks, instructionAddresses } from './support/disassembly.js';

const SYMBOLIZER = ['llvm-symbolizer-14', 'llvm-symbolizer'];
const OBJDUMP = ['llvm-objdump-14', 'llvm-objdump', 'llvm-objdump-19'];
const CXXFILT_19 = ['llvm-cxxfilt-19'];

/** The Rust legacy mangling's escapes, undone independently of the demangler under test. */
function unescapeRustLegacy(itaniumReading: string): string {
  const escapes: Record<string, string> = {
    SP: '@', BP: '*', RF: '&', LT: '<', GT: '>', LP: '(', RP: ')', C: ',',
  };
  return itaniumReading
    .replace(/::h[0-9a-f]{16}$/, '')
    .split('::')
    .map((part) => part.replace(/^_\$/, '$'))
    .join('::')
    .replace(/\.\./g, '::')
    .replace(/\$(SP|BP|RF|LT|GT|LP|RP|C|u[0-9a-f]{2})\$/g, (_m, code: string) =>
      code.startsWith('u') ? String.fromCharCode(parseInt(code.slice(1), 16)) : escapes[code]);
}

const RUST_LEGACY = /^_ZN.*17h[0-9a-f]{16}E/;

interface Exceptions {
  nameSection: number;
  rustLegacy: number;
  newerMangling: number;
}

test('crosstrace symbolize matches llvm-symbolizer 14 on every instruction of every fixture', async (t) => {
  await differential(t);
});

// The fixtures' units are below the sizes from which the WebAssembly kernels decode line programs
// and walk DIEs (src/dwarf/line-kernel.ts, subroutine-kernel.ts); here they do it for every unit.
test('the same, with the WebAssembly kernels decoding every line program and walking every unit', async (t) => {
  const program = setKernelMinProgram(0);
  const unit = setKernelMinUnit(0);
  try {
    await differential(t);
  } finally {
    setKernelMinProgram(program);
    setKernelMinUnit(unit);
  }
});

async function differential(t: TestContext): Promise<void> {
  const symbolizerTool = requireTool(SYMBOLIZER, t);
  const objdump = requireTool(OBJDUMP, t);
  const cxxfilt19 = requireTool(CXXFILT_19, t);
  if (!symbolizerTool || !objdump || !cxxfilt19) return;
  const fixtures = allFixtures();
  assert.ok(fixtures.length >= 8, `expected the committed fixtures, found ${fixtures.length}`);
  let total = 0;
  const exceptions: Exceptions = { nameSection: 0, rustLegacy: 0, newerMangling: 0 };
  for (const file of fixtures) {
    const name = relative(repoRoot, file);
    const addresses = instructionAddresses(run(objdump, ['-d', file]));
    const symbolizer = new WasmSymbolizer(readFileSync(file));
    // Past the end of the Code section too: both must say "??".
    addresses.push(symbolizer.module.codeSectionSize + 5, 0xffffffff);
    const input = addresses.map((a) => '0x' + a.toString(16)).join('\n') + '\n';
    const expected = blocks(run(symbolizerTool, ['--obj=' + file], input));
    const actual = blocks((await runCli(['symbolize', '--obj=' + file], input)).stdout);
    assert.equal(actual.length, expected.length, `${name}: number of answers`);
    const identical: number[] = [];
    const newerManglings: NewerMangling[] = [];
    for (let i = 0; i < addresses.length; i++) {
      if (actual[i] === expected[i]) {
        identical.push(addresses[i]);
        continue;
      }
      explain(name, symbolizer, addresses[i], expected[i], actual[i], exceptions, newerManglings);
    }
    checkNewerManglings(newerManglings, cxxfilt19);
    exceptions.newerMangling += newerManglings.length;
    total += addresses.length;
    await compareVariants(t, name, file, symbolizerTool, identical);
  }
  t.diagnostic(`${total} addresses compared; explained differences: ${JSON.stringify(exceptions)}`);
  assert.ok(total > 1000, 'the fixtures hold real code');
}

/** Output variants, on addresses whose default answers agreed (so no known exception applies). */
async function compareVariants(
  t: { diagnostic(message: string): void },
  name: string,
  file: string,
  symbolizerTool: string,
  addresses: number[],
): Promise<void> {
  const sample = addresses.filter((_, i) => i % 5 === 0);
  const input = sample.map((a) => '0x' + a.toString(16)).join('\n') + '\n';
  const variants = [
    ['--no-inlines'],
    ['--verbose'],
    ['--output-style=GNU'],
    ['--output-style=JSON'],
    ['--functions=short'],
    ['--functions=none'],
    ['--no-demangle'],
    ['-p', '-a'],
  ];
  for (const flags of variants) {
    const expected = run(symbolizerTool, ['--obj=' + file, ...flags], input);
    const actual = (await runCli(['symbolize', '--obj=' + file, ...flags], input)).stdout;
    if (actual !== expected) {
      const e = expected.split('\n');
      const a = actual.split('\n');
      const at = e.findIndex((line, i) => line !== a[i]);
      assert.fail(`${name} ${flags.join(' ')}: first difference at output line ${at + 1}:\n  llvm-symbolizer: ${e[at]}\n  crosstrace:      ${a[at]}`);
    }
  }
  t.diagnostic(`${name}: ${variants.length} output variants identical on ${sample.length} addresses`);
}

interface NewerMangling {
  where: string;
  linkage: string;
  printed: string;
}

/** LLVM 14's demangler gave up on these names; LLVM 19's (one batch through llvm-cxxfilt-19) is the reference. */
function checkNewerManglings(names: NewerMangling[], cxxfilt19: string): void {
  if (names.length === 0) return;
  const reference = run(cxxfilt19, [], names.map((n) => n.linkage).join('\n') + '\n').split('\n');
  names.forEach((n, i) => {
    assert.notEqual(reference[i], n.linkage, `${n.where}: neither LLVM 19 nor 14 demangles ${n.linkage}, yet crosstrace changed it`);
    assert.equal(n.printed, reference[i], `${n.where}: demangling of ${n.linkage} vs llvm-cxxfilt-19`);
  });
}

function explain(
  fixture: string,
  symbolizer: WasmSymbolizer,
  address: number,
  expectedBlock: string,
  actualBlock: string,
  counts: Exceptions,
  newerManglings: NewerMangling[],
): void {
  const where = `${fixture} @0x${address.toString(16)}`;
  const expected = expectedBlock.split('\n');
  const actual = actualBlock.split('\n');
  assert.equal(actual.length, expected.length, `${where}: frame count differs\nllvm-symbolizer:\n${expectedBlock}\ncrosstrace:\n${actualBlock}`);
  const frames = symbolizer.symbolizeCodeOffset(codeOffset(address));
  for (let i = 0; i < expected.length; i++) {
    if (expected[i] === actual[i]) continue;
    const frameIndex = i >> 1;
    assert.equal(i % 2, 0, `${where}: location line differs: '${expected[i]}' vs '${actual[i]}'`);
    const frame = frames[frameIndex];
    const linkage = frame?.linkageName ?? null;
    if (expected[i] === '??' && frameIndex === frames.length - 1 && linkage !== null) {
      // llvm-symbolizer 14 builds no symbol table for a linked wasm module, so code without a
      // DWARF subprogram gets "??"; the name section names the function at this offset.
      const index = symbolizer.module.functionIndexAt(codeOffset(address));
      assert.ok(index !== null, `${where}: name from a function that does not hold the address`);
      assert.equal(linkage, symbolizer.module.functionName(index), `${where}: name-section name`);
      assert.equal(actual[i], demangle(linkage) ?? linkage);
      counts.nameSection++;
    } else if (linkage !== null && RUST_LEGACY.test(linkage)) {
      // LLVM reads Rust's legacy mangling as Itanium and prints its escapes; undo them.
      assert.equal(actual[i], unescapeRustLegacy(expected[i]).replace(/::h[0-9a-f]{16}$/, '') + hashSuffix(actual[i]), `${where}: Rust legacy name`);
      counts.rustLegacy++;
    } else if (linkage !== null && expected[i] === linkage) {
      newerManglings.push({ where, linkage, printed: actual[i] });
    } else {
      assert.fail(`${where}: function name differs\nllvm-symbolizer: ${expected[i]}\ncrosstrace:      ${actual[i]}`);
    }
  }
}

function hashSuffix(name: string): string {
  const m = /::h[0-9a-f]{16}$/.exec(name);
  return m ? m[0] : '';
}

test('names the subroutine walk read equal what the full search finds, on every DIE of every fixture', () => {
  let checked = 0;
  for (const file of allFixtures()) {
    const symbolizer = new WasmSymbolizer(readFileSync(file));
    const dwarf = symbolizer.dwarfContext;
    if (!dwarf) continue;
    for (const unit of dwarf.info.compileUnits) {
      const index = dwarf.subroutines(unit);
      for (let i = 0; index && i < index.count; i++) {
        const indexed = dwarf.indexedNames(unit, index, i);
        if (indexed === null) continue;
        const full = dwarf.declaration(unit, index, i);
        assert.deepEqual([indexed.linkageName, indexed.shortName], [full.linkageName, full.shortName], `${relative(repoRoot, file)} DIE ${i}`);
        checked++;
      }
    }
  }
  // Most names take the short way; the rest (C++ members, Rust methods) the full search.
  assert.ok(checked > 2000, `${checked} DIEs named from the index`);
});
