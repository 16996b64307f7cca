// Regression tests for hostile inputs the fuzz campaign's hand-built shapes found: each makes
// a naive reader do work or keep memory that grows faster than the input. Each must now be
// accepted (parsed, or refused with a typed error) while keeping heap growth bounded.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CRAFTED_SHAPES, craftedInput, encodeModule, exercise, loadCorpus } from './support/mutate.js';
import { fixturePath } from './support/fixtures.js';
import { requireTool, run } from './support/reference-tools.js';
import { WasmSymbolizer } from '../src/symbolize/symbolizer.js';

const corpus = loadCorpus([{ path: fixturePath('dwarf-versions', 'tiny.dwarf5.wasm'), bytes: readFileSync(fixturePath('dwarf-versions', 'tiny.dwarf5.wasm')) }]);
const SIZE = 96 * 1024;

for (const shape of CRAFTED_SHAPES) {
  test(`hostile shape ${shape.name} (${shape.stresses}) at ${SIZE >> 10} KiB`, () => {
    const { bytes, addresses } = craftedInput(corpus, shape.name, SIZE);
    const before = process.memoryUsage().heapUsed;
    const result = exercise(bytes, addresses);
    const grown = process.memoryUsage().heapUsed - before;
    assert.notEqual(result.outcome, 'finding', result.finding ? `${result.finding.errorName}: ${result.finding.message}` : '');
    // Bounded memory: a few times the input, not the input squared.
    assert.ok(grown < 64 * 1024 * 1024, `heap grew by ${(grown / 1e6).toFixed(0)} MB on a ${bytes.length}-byte input`);
  });
}

// Found by the fuzz campaign (seed 4242, iteration 245926): a LEB128 padded with more than ~150
// zero groups. Decoding it as Infinity × 0 made the length NaN, and the subroutine walk then
// stopped silently at that DIE while the generic reader called it damage. LLVM reads the
// padding for what it is, zero, and so does crosstrace now (checked with llvm-dwarfdump).
test('a zero-padded LEB128 of 200 groups is read as its value, as LLVM reads it', (t) => {
  const dwarfdump = requireTool(['llvm-dwarfdump-14', 'llvm-dwarfdump'], t);
  const abbrev = [
    1, 0x11, 1, 0x03, 0x08, 0, 0, // compile_unit, children: name (string)
    2, 0x2e, 0, 0x03, 0x08, 0x40, 0x18, 0x11, 0x01, 0x12, 0x06, 0, 0, // subprogram: name, frame_base (exprloc), low_pc, high_pc (data4)
    0,
  ];
  const padded = [...new Array(200).fill(0x80), 0x00];
  const dies = [
    1, ...Buffer.from('cu\0'),
    2, ...Buffer.from('f\0'), ...padded, 0x10, 0, 0, 0, 0x08, 0, 0, 0,
    2, ...Buffer.from('g\0'), 0x00, 0x20, 0, 0, 0, 0x08, 0, 0, 0,
    0,
  ];
  const unitLength = 2 + 4 + 1 + dies.length;
  const info = [unitLength & 0xff, unitLength >> 8, 0, 0, 4, 0, 0, 0, 0, 0, 4, ...dies];
  const bytes = encodeModule([
    { id: 0, name: '.debug_abbrev', data: Uint8Array.from(abbrev) },
    { id: 0, name: '.debug_info', data: Uint8Array.from(info) },
  ]);
  const symbolizer = new WasmSymbolizer(bytes);
  const dwarf = symbolizer.dwarfContext!;
  const unit = dwarf.info.units[0];
  const index = dwarf.subroutines(unit);
  assert.deepEqual(dwarf.diagnostics, []);
  assert.equal(index?.count, 2);
  const names = [0, 1].map((i) => dwarf.declaration(unit, index!, i).shortName);
  const lows = Array.from(index!.lowPcs.subarray(0, index!.count));
  assert.deepEqual(names, ['f', 'g']);
  assert.deepEqual(lows, [0x10, 0x20]);
  if (!dwarfdump) return;
  const dir = mkdtempSync(join(tmpdir(), 'crosstrace-leb-'));
  const file = join(dir, 'padded.wasm');
  writeFileSync(file, bytes);
  const dump = run(dwarfdump, ['--debug-info', file]);
  const reference = dump.split('DW_TAG_subprogram').slice(1).map((die) => [
    /DW_AT_name\s+\("([^"]*)"\)/.exec(die)?.[1],
    parseInt(/DW_AT_low_pc\s+\(0x([0-9a-f]+)\)/.exec(die)?.[1] ?? 'NaN', 16),
  ]);
  assert.deepEqual(reference, [['f', 0x10], ['g', 0x20]], dump);
});

// An abbreviation entry of half a megabyte (250,000 attributes of a form with no bytes): the
// subroutine walk keys its plans by an entry's bytes, and once made that key by spreading the
// bytes as arguments (String.fromCharCode.apply), which overflowed the stack with a RangeError
// instead of reading the unit.
test('an abbreviation entry of 250,000 attributes is read like any other', () => {
  const abbrev = [
    1, 0x11, 1, 0x03, 0x08, 0, 0, // compile_unit, children: name (string)
    2, 0x2e, 0, 0x03, 0x08, 0x11, 0x01, 0x12, 0x06, 0, 0, // subprogram: name, low_pc, high_pc (data4)
    3, 0x24, 0, ...new Array(250_000).fill([0x3f, 0x19]).flat(), 0, 0, // base_type: external (flag_present) × 250,000
    0,
  ];
  const dies = [
    1, ...Buffer.from('cu\0'),
    3,
    2, ...Buffer.from('f\0'), 0x10, 0, 0, 0, 0x08, 0, 0, 0,
    0,
  ];
  const unitLength = 2 + 4 + 1 + dies.length;
  const info = [unitLength & 0xff, unitLength >> 8, 0, 0, 4, 0, 0, 0, 0, 0, 4, ...dies];
  const bytes = encodeModule([
    { id: 0, name: '.debug_abbrev', data: Uint8Array.from(abbrev) },
    { id: 0, name: '.debug_info', data: Uint8Array.from(info) },
  ]);
  const dwarf = new WasmSymbolizer(bytes).dwarfContext!;
  const unit = dwarf.info.units[0];
  const index = dwarf.subroutines(unit);
  assert.deepEqual(dwarf.diagnostics, []);
  assert.equal(index?.count, 1);
  assert.equal(dwarf.declaration(unit, index!, 0).shortName, 'f');
});
