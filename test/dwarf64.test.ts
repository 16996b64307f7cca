// 64-bit DWARF. No wasm compiler emits it (clang rejects -gdwarf64 for wasm), so the committed
// fixtures are transcoded (test/support/dwarf64.ts) and the results are held to the references:
// llvm-dwarfdump must read 64-bit units and line tables and verify them as it verifies the
// originals; llvm-symbolizer 14 must answer every instruction address exactly as on the originals
// (which validates the transcoder); and crosstrace must answer exactly as on the originals too,
// which means it matches llvm-symbolizer on DWARF64 wherever it matches on DWARF32 (the rest is
// the main differential test's business).
//
// Each reference tool runs once for all fixtures (llvm-symbolizer reads "module address" lines):
// starting an LLVM tool costs more than most of the work asked of it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { toDwarf64, transcodeModule, withAranges, type Dwarf64Options, type Dwarf64Report } from './support/dwarf64.js';
import { fixturePath } from './support/fixtures.js';
import { blocks, instructionAddresses } from './support/disassembly.js';
import { requireTool, run } from './support/reference-tools.js';
import { runCli } from './support/cli-harness.js';

const SYMBOLIZER = ['llvm-symbolizer-14', 'llvm-symbolizer'];
const OBJDUMP = ['llvm-objdump-14', 'llvm-objdump', 'llvm-objdump-19'];
const DWARFDUMP = ['llvm-dwarfdump-14', 'llvm-dwarfdump', 'llvm-dwarfdump-19'];

/**
 * Fixtures with DWARF 3–5 (DWARF 2 has no 64-bit format). Between them: DWARF 4 with .debug_loc
 * and .debug_ranges; DWARF 5 with every offset table (.debug_str_offsets, .debug_addr,
 * .debug_rnglists, .debug_loclists, line_strp in line table headers); DWARF 3 with data4 section
 * offsets; mixed DWARF 4 and 5 units; DW_OP_convert in location lists (unit-relative DIE offsets
 * that move); .debug_pubnames/.debug_pubtypes (Rust).
 */
const FIXTURES = [
  'c-inline/inventory.O0.dwarf4.wasm',
  'c-inline/inventory.O0.dwarf5.wasm',
  'c-inline/inventory.O2.dwarf4.wasm',
  'c-inline/inventory.O2.dwarf5.wasm',
  'dwarf-versions/tiny.dwarf3.wasm',
  'dwarf-versions/tiny.dwarf4.wasm',
  'dwarf-versions/tiny.dwarf5.wasm',
  'cpp/modern.cpp20.wasm',
  'cpp/geometry.O2.wasm',
  'rust/crosstrace_fixture.wasm',
];

/**
 * No fixture has DW_FORM_ref_addr or .debug_aranges, so these are transcoded a second time,
 * given a .debug_aranges first (`withAranges`: DWARF32, compared as the original) and with every
 * unit-relative reference turned into ref_addr.
 */
const VARIANT: Dwarf64Options = { refAddr: true };
const VARIANT_FIXTURES = [
  'c-inline/inventory.O2.dwarf4.wasm',
  'c-inline/inventory.O2.dwarf5.wasm',
  'dwarf-versions/tiny.dwarf3.wasm',
  'cpp/modern.cpp20.wasm',
];

interface Case {
  fixture: string;
  /** The fixture, and the transcoder options if any. */
  name: string;
  options: Dwarf64Options;
  original: string;
  file: string;
  report: Dwarf64Report;
  addresses: number[];
}

/** Output of an LLVM tool run on several files, split at its "<file>:\tfile format" headers. */
function perFile(text: string): Map<string, string> {
  const parts = new Map<string, string>();
  let current: string | null = null;
  let lines: string[] = [];
  const flush = (): void => {
    if (current !== null) parts.set(current, lines.join('\n'));
  };
  for (const line of text.split('\n')) {
    const header = /^(?:Verifying )?(.*):\s+file format /i.exec(line);
    if (header) {
      flush();
      current = header[1];
      lines = [];
    } else {
      lines.push(line);
    }
  }
  flush();
  return parts;
}

/** Every section of a wasm module but the DWARF custom sections, as raw bytes. */
function otherSections(module: Uint8Array): Buffer[] {
  const sections: Buffer[] = [];
  let pos = 8;
  const leb = (): number => {
    let value = 0;
    for (let shift = 0; ; shift += 7) {
      const byte = module[pos++];
      value += (byte & 0x7f) * 2 ** shift;
      if (byte < 0x80) return value;
    }
  };
  while (pos < module.length) {
    const start = pos++;
    const size = leb();
    const end = pos + size;
    const nameLength = module[start] === 0 ? leb() : 0;
    const name = Buffer.from(module.subarray(pos, pos + nameLength)).toString();
    if (!name.startsWith('.debug_')) sections.push(Buffer.from(module.subarray(start, end)));
    pos = end;
  }
  return sections;
}

function hex(address: number): string {
  return '0x' + address.toString(16);
}

/**
 * llvm-symbolizer's answers for each (module, addresses) pair, from one process: without
 * `--obj` it reads `"module" address` lines.
 */
function referenceAnswers(symbolizer: string, flags: string[], queries: { file: string; addresses: number[] }[]): string[][] {
  const input = queries.flatMap((q) => q.addresses.map((a) => `"${q.file}" ${hex(a)}`)).join('\n') + '\n';
  const all = blocks(run(symbolizer, flags, input));
  const total = queries.reduce((n, q) => n + q.addresses.length, 0);
  assert.equal(all.length, total, `llvm-symbolizer ${flags.join(' ')}: number of answers`);
  let at = 0;
  return queries.map((q) => all.slice(at, (at += q.addresses.length)));
}

async function crosstraceAnswers(file: string, flags: string[], addresses: number[], what: string): Promise<string[]> {
  const result = await runCli(['symbolize', '--obj=' + file, ...flags], addresses.map(hex).join('\n') + '\n');
  assert.equal(result.code, 0, `${what}: crosstrace symbolize ${flags.join(' ')} exit status; stderr: ${result.stderr}`);
  const answers = blocks(result.stdout);
  assert.equal(answers.length, addresses.length, `${what}: crosstrace symbolize ${flags.join(' ')}: number of answers`);
  return answers;
}

/** Asserts two answer lists are identical, naming the first address where they are not. */
function assertSameAnswers(actual: string[], expected: string[], addresses: number[], what: string, names: [string, string]): void {
  const i = actual.findIndex((answer, k) => answer !== expected[k]);
  if (i < 0) return;
  assert.fail(`${what} @${hex(addresses[i])}:\n--- ${names[0]}:\n${actual[i]}\n--- ${names[1]}:\n${expected[i]}`);
}

/**
 * Asks llvm-symbolizer and crosstrace about each case's addresses, in the original module
 * (once per fixture) and the transcoded one, and asserts the DWARF64 answers equal the DWARF32
 * ones. Returns, per case, the addresses where crosstrace and llvm-symbolizer agree.
 */
async function compareAnswers(symbolizer: string, flags: string[], cases: Case[], addressesOf: (c: Case) => number[]): Promise<number[][]> {
  const originals = [...new Map(cases.map((c) => [c.original, c])).values()];
  const reference = referenceAnswers(symbolizer, flags, [
    ...originals.map((c) => ({ file: c.original, addresses: addressesOf(c) })),
    ...cases.map((c) => ({ file: c.file, addresses: addressesOf(c) })),
  ]);
  const narrow = new Map<string, { reference: string[]; ours: string[] }>();
  for (const [k, c] of originals.entries()) {
    narrow.set(c.original, { reference: reference[k], ours: await crosstraceAnswers(c.original, flags, addressesOf(c), `${c.fixture} (DWARF32)`) });
  }
  const agreeing: number[][] = [];
  for (const [k, c] of cases.entries()) {
    const addresses = addressesOf(c);
    const what = `${c.name}${flags.length ? ' ' + flags.join(' ') : ''}`;
    const { reference: reference32, ours: ours32 } = narrow.get(c.original)!;
    const reference64 = reference[originals.length + k];
    assertSameAnswers(reference64, reference32, addresses, `${what}: llvm-symbolizer`, ['DWARF64', 'DWARF32']);
    const ours64 = await crosstraceAnswers(c.file, flags, addresses, `${c.name} (DWARF64)`);
    assertSameAnswers(ours64, ours32, addresses, `${what}: crosstrace`, ['DWARF64', 'DWARF32']);
    // Implied by the two checks; stated so that a failure names the reference.
    for (let i = 0; i < addresses.length; i++) {
      if (ours32[i] !== reference32[i]) continue;
      assert.equal(ours64[i], reference64[i], `${what} @${hex(addresses[i])}: crosstrace vs llvm-symbolizer on DWARF64`);
    }
    agreeing.push(addresses.filter((_, i) => ours32[i] === reference32[i]));
  }
  return agreeing;
}

test('64-bit DWARF: transcoded fixtures read by llvm-dwarfdump, llvm-symbolizer 14 and crosstrace alike', async (t) => {
  const symbolizer = requireTool(SYMBOLIZER, t);
  const objdump = requireTool(OBJDUMP, t);
  const dwarfdump = requireTool(DWARFDUMP, t);
  if (!symbolizer || !objdump || !dwarfdump) return;
  const dir = mkdtempSync(join(tmpdir(), 'crosstrace-dwarf64-'));
  try {
    const plan: [string, Dwarf64Options][] = [
      ...FIXTURES.map((fixture): [string, Dwarf64Options] => [fixture, {}]),
      ...VARIANT_FIXTURES.map((fixture): [string, Dwarf64Options] => [fixture, VARIANT]),
    ];
    const cases: Case[] = plan.map(([fixture, options], k) => {
      const name = options === VARIANT ? `${fixture} (ref_addr, aranges)` : fixture;
      let original = fixturePath(fixture);
      let bytes: Uint8Array = readFileSync(original);
      if (options === VARIANT) {
        bytes = withAranges(bytes);
        original = join(dir, `${k}.dwarf32.wasm`);
        writeFileSync(original, bytes);
      }
      const report = transcodeModule(bytes, options);
      // Code and every other section are byte-identical, so the DWARF's code offsets still hold.
      assert.deepEqual(otherSections(report.module), otherSections(bytes), `${name}: non-DWARF sections`);
      const file = join(dir, `${k}.wasm`);
      writeFileSync(file, report.module);
      return { fixture, name, options, original, file, report, addresses: [] };
    });
    const files = cases.map((c) => c.file);

    // llvm-dwarfdump reads every unit and every line table as 64-bit...
    const dumps = perFile(run(dwarfdump, ['--debug-info', '--recurse-depth=0', '--debug-line', '--debug-aranges', ...files]));
    for (const c of cases) {
      const dump = dumps.get(c.file) ?? assert.fail(`${c.name}: no llvm-dwarfdump output`);
      const units = [...dump.matchAll(/Unit: length = 0x[0-9a-f]+, format = (DWARF\d+)/g)].map((m) => m[1]);
      assert.ok(units.length === c.report.units && units.every((f) => f === 'DWARF64'), `${c.name}: unit formats ${units.join(' ')}`);
      const lines = [...dump.matchAll(/^\s*format: (DWARF\d+)$/gm)].map((m) => m[1]);
      assert.ok(lines.length > 0 && lines.every((f) => f === 'DWARF64'), `${c.name}: line table formats ${lines.join(' ')}`);
      const sets = [...dump.matchAll(/Address Range Header: length = 0x[0-9a-f]+, format = (DWARF\d+)/g)].map((m) => m[1]);
      assert.ok(c.options === VARIANT ? sets.length > 0 && sets.every((f) => f === 'DWARF64') : sets.length === 0, `${c.name}: aranges ${sets.join(' ')}`);
    }
    // ...and --verify finds nothing it does not also find in the originals (some llvm-dwarfdump
    // versions object to the originals: see fixtures/README.md).
    const verified = spawnSync(dwarfdump, ['--verify', ...files], { encoding: 'utf8', maxBuffer: 1 << 28 });
    if (verified.status !== 0) {
      const findings = (file: string): string[] => {
        const r = spawnSync(dwarfdump, ['--verify', file], { encoding: 'utf8', maxBuffer: 1 << 28 });
        return (r.stdout + r.stderr).split('\n').filter((l) => /error:|warning:/.test(l)).map((l) => l.replace(/0x[0-9a-fA-F]+/g, '0x?'));
      };
      for (const c of cases) assert.deepEqual(findings(c.file), findings(c.original), `${c.name}: llvm-dwarfdump --verify`);
    }

    // The addresses to ask about, and past the end of the Code section too ("??" from both).
    const disassembly = perFile(run(objdump, ['-d', ...cases.map((c) => c.original)]));
    for (const c of cases) {
      c.addresses = instructionAddresses(disassembly.get(c.original) ?? assert.fail(`${c.name}: no disassembly`));
      // The variants only add two encodings to what the plain transcodings cover: a third will do.
      if (c.options === VARIANT) c.addresses = c.addresses.filter((_, i) => i % 3 === 0);
      assert.ok(c.addresses.length > 10, `${c.name}: instructions`);
      c.addresses.push(c.addresses[c.addresses.length - 1] + 0x1000, 0xffffffff);
    }

    // Every answer on DWARF64 must equal the answer on DWARF32, from llvm-symbolizer (the
    // transcoding changed nothing it can see) and from crosstrace (the format changes none of
    // its answers), so where crosstrace matched llvm-symbolizer on DWARF32 it matches on DWARF64.
    const agreeing = await compareAnswers(symbolizer, [], cases, (c) => c.addresses);
    let total = 0;
    let compared = 0;
    for (const [k, c] of cases.entries()) {
      t.diagnostic(`${c.name}: ${c.report.units} DWARF64 units (rewrote ${c.report.rewritten.join(' ')}); ${c.addresses.length} addresses, ${agreeing[k].length} agreeing with llvm-symbolizer`);
      total += c.addresses.length;
      compared += agreeing[k].length;
    }
    // --verbose reads what the default output does not: low_pc, decl_file, discriminators.
    await compareAnswers(symbolizer, ['--verbose'], cases, (c) => agreeing[cases.indexOf(c)].filter((_, i) => i % 5 === 0));
    t.diagnostic(`${total} addresses symbolized on DWARF64, ${compared} of them compared with llvm-symbolizer`);
    assert.ok(total > 35000, 'the fixtures hold real code');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

/**
 * Split DWARF 5: a module of skeleton units and the .dwo files holding their DIEs, copied (so
 * that the .dwo files sit beside the module, where crosstrace looks for them) and transcoded.
 * llvm-symbolizer 14 looks for .dwo files only under DW_AT_comp_dir, which does not exist here,
 * so its answers come from the skeletons alone; crosstrace reads the split units too.
 */
const SPLIT = { dir: 'split-dwarf', module: 'ledger.dwarf5.wasm', dwos: ['objects/ledger.dwarf5.dwo', 'objects/audit.dwarf5.dwo'] };

async function splitDwarf(t: { skip(message: string): void }): Promise<{
  dir: string;
  narrow: string;
  wide: string;
  addresses: number[];
  symbolizer: string;
} | null> {
  const symbolizer = requireTool(SYMBOLIZER, t);
  const objdump = requireTool(OBJDUMP, t);
  const dwarfdump = requireTool(DWARFDUMP, t);
  if (!symbolizer || !objdump || !dwarfdump) return null;
  for (const f of [SPLIT.module, ...SPLIT.dwos]) {
    assert.ok(existsSync(fixturePath(SPLIT.dir, f)), `split-DWARF fixture ${SPLIT.dir}/${f} is missing (renamed? update SPLIT)`);
  }
  const dir = mkdtempSync(join(tmpdir(), 'crosstrace-dwarf64-split-'));
  const narrow = join(dir, 'dwarf32');
  const wide = join(dir, 'dwarf64');
  mkdirSync(narrow);
  mkdirSync(wide);
  const splitUnits = new Map<string, (oldRelative: number) => number>();
  for (const dwo of SPLIT.dwos) {
    const bytes = readFileSync(fixturePath(SPLIT.dir, dwo));
    const report = transcodeModule(bytes);
    for (const [id, map] of report.splitUnits) splitUnits.set(id, map);
    writeFileSync(join(narrow, basename(dwo)), bytes);
    writeFileSync(join(wide, basename(dwo)), report.module);
  }
  const bytes = readFileSync(fixturePath(SPLIT.dir, SPLIT.module));
  const report = transcodeModule(bytes, { splitUnits });
  writeFileSync(join(narrow, SPLIT.module), bytes);
  writeFileSync(join(wide, SPLIT.module), report.module);
  const files = [SPLIT.module, ...SPLIT.dwos.map((d) => basename(d))];
  const dumps = perFile(run(dwarfdump, ['--debug-info', '--recurse-depth=0', ...files.map((f) => join(wide, f))]));
  for (const f of files) {
    const units = [...(dumps.get(join(wide, f)) ?? '').matchAll(/Unit: length = 0x[0-9a-f]+, format = (DWARF\d+)/g)].map((m) => m[1]);
    assert.ok(units.length > 0 && units.every((u) => u === 'DWARF64'), `split DWARF ${f}: unit formats ${units.join(' ')}`);
  }
  const verified = spawnSync(dwarfdump, ['--verify', ...files.map((f) => join(wide, f))], { encoding: 'utf8' });
  assert.equal(verified.status, 0, `split DWARF: llvm-dwarfdump --verify:\n${verified.stdout}${verified.stderr}`);
  const addresses = instructionAddresses(perFile(run(objdump, ['-d', join(narrow, SPLIT.module)])).get(join(narrow, SPLIT.module)) ?? '');
  assert.ok(addresses.length > 10, 'split DWARF: instructions');
  return { dir, narrow: join(narrow, SPLIT.module), wide: join(wide, SPLIT.module), addresses, symbolizer };
}

test('64-bit split DWARF 5: skeletons and .dwo files transcoded together', async (t) => {
  const split = await splitDwarf(t);
  if (!split) return;
  try {
    const [reference32, reference64] = referenceAnswers(split.symbolizer, [], [
      { file: split.narrow, addresses: split.addresses },
      { file: split.wide, addresses: split.addresses },
    ]);
    assertSameAnswers(reference64, reference32, split.addresses, 'split DWARF: llvm-symbolizer', ['DWARF64', 'DWARF32']);
    const actual32 = await crosstraceAnswers(split.narrow, [], split.addresses, 'split DWARF (DWARF32)');
    assert.ok(actual32.some((a) => /^fee\n/.test(a)), 'crosstrace reads the split units beside the module');
    // A split unit has no DW_AT_str_offsets_base: the default base is the header size, 16 in DWARF64.
    await t.test('crosstrace answers as on DWARF32', async () => {
      const actual64 = await crosstraceAnswers(split.wide, [], split.addresses, 'split DWARF (DWARF64)');
      assertSameAnswers(actual64, actual32, split.addresses, 'split DWARF: crosstrace', ['DWARF64', 'DWARF32']);
    });
  } finally {
    rmSync(split.dir, { recursive: true, force: true });
  }
});

test('the DWARF64 transcoder leaves its input alone and refuses what it cannot express', () => {
  const bytes = readFileSync(fixturePath('dwarf-versions/tiny.dwarf3.wasm'));
  const copy = Buffer.from(bytes);
  const out = toDwarf64(bytes);
  assert.ok(bytes.equals(copy), 'input unchanged');
  assert.ok(out.length > bytes.length);
  // Once 64-bit, always 64-bit: a second pass has nothing 32-bit to widen.
  assert.throws(() => toDwarf64(out), /already 64-bit DWARF/);
  // DWARF 2 predates the 64-bit format.
  assert.throws(() => toDwarf64(readFileSync(fixturePath('dwarf-versions/tiny.dwarf2.wasm'))), /DWARF 2 has no 64-bit format/);
  assert.throws(() => toDwarf64(readFileSync(fixturePath('c-inline/inventory.O2.names.wasm'))), /no \.debug_info/);
  // A skeleton's .debug_gnu_pubnames point into its split unit: the .dwo must go first.
  assert.throws(() => toDwarf64(readFileSync(fixturePath(SPLIT.dir, SPLIT.module))), /transcode its \.dwo first/);
});
