// The WebAssembly line-program kernel (src/dwarf/line-kernel.ts) must decode exactly what the
// JavaScript decoder does, or give up so that the JavaScript decoder decodes (and words the
// error). Checked on every line table of every fixture, on seeded mutations of them, and on a
// large synthetic program of the size the kernel is meant for.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { relative } from 'node:path';
import { WasmModule } from '../src/wasm/module.js';
import { LineTable, readLineTable, setKernelMinProgram } from '../src/dwarf/line.js';
import { KERNEL_MIN_PROGRAM } from '../src/dwarf/line-kernel.js';
import { allFixtures, repoRoot } from './support/fixtures.js';
import { Rng } from './support/mutate.js';

interface Program {
  fixture: string;
  section: Uint8Array;
  offset: number;
  addressSize: number;
}

/** Every line table of every fixture's .debug_line, found by walking the table headers. */
function fixturePrograms(): Program[] {
  const programs: Program[] = [];
  for (const path of allFixtures()) {
    const module = new WasmModule(new Uint8Array(readFileSync(path)));
    const section = module.customSection('.debug_line');
    if (!section) continue;
    const view = new DataView(section.buffer, section.byteOffset, section.byteLength);
    // wasm32 fixtures; DWARF 5 tables name their own address size.
    const addressSize = 4;
    for (let offset = 0; offset + 4 <= section.length; ) {
      const length32 = view.getUint32(offset, true);
      const size = length32 === 0xffffffff ? 12 + Number(view.getBigUint64(offset + 4, true)) : 4 + length32;
      programs.push({ fixture: relative(repoRoot, path), section, offset, addressSize });
      offset += size;
    }
  }
  return programs;
}

type Outcome = { table: LineTable } | { error: string };

function decode(section: Uint8Array, offset: number, addressSize: number, kernel: boolean): Outcome {
  const previous = setKernelMinProgram(kernel ? 0 : Infinity);
  try {
    return { table: readLineTable(section, offset, addressSize, () => null) };
  } catch (error) {
    return { error: String(error) };
  } finally {
    setKernelMinProgram(previous);
  }
}

function rowsOf(table: LineTable): object {
  return {
    rowCount: table.rowCount,
    addresses: Array.from(table.rowAddresses.subarray(0, table.rowCount)),
    payload: Array.from(table.rowPayload.subarray(0, 2 * table.rowCount)),
    discriminators: Array.from(table.discriminators.subarray(0, table.rowCount)),
    wideRows: Array.from(table.wideRows),
    wideAddresses: Array.from(table.wideAddresses),
    sequenceLow: Array.from(table.sequenceLow),
    sequenceHigh: Array.from(table.sequenceHigh),
    sequenceFirstRow: Array.from(table.sequenceFirstRow),
    sequenceLastRow: Array.from(table.sequenceLastRow),
    files: table.files.length,
  };
}

/** Both decoders' outcomes agree; returns whether the kernel decoded. */
function assertSameOutcome(section: Uint8Array, offset: number, addressSize: number, label: string): boolean {
  const script = decode(section, offset, addressSize, false);
  const kernel = decode(section, offset, addressSize, true);
  if ('error' in script || 'error' in kernel) {
    assert.deepEqual(kernel, script, label);
    return false;
  }
  assert.equal(script.table.decodedBy, 'script', label);
  assert.deepEqual(rowsOf(kernel.table), rowsOf(script.table), label);
  return kernel.table.decodedBy === 'kernel';
}

test('the kernel decodes every fixture line table as the JavaScript decoder does', () => {
  const programs = fixturePrograms();
  assert.ok(programs.length >= 20, `only ${programs.length} line tables`);
  let byKernel = 0;
  for (const p of programs) {
    if (assertSameOutcome(p.section, p.offset, p.addressSize, `${p.fixture} @${p.offset}`)) byKernel++;
  }
  // It gives up only on what compilers do not write for wasm (none of the fixtures).
  assert.equal(byKernel, programs.length, `the kernel decoded ${byKernel} of ${programs.length}`);
});

test('on damaged line programs the kernel decodes as JavaScript does, or leaves them to it', () => {
  const rng = new Rng(0x11e5);
  const programs = fixturePrograms();
  let byKernel = 0;
  let inputs = 0;
  for (const p of programs) {
    const view = new DataView(p.section.buffer, p.section.byteOffset, p.section.byteLength);
    const length32 = view.getUint32(p.offset, true);
    if (length32 === 0xffffffff) continue;
    const end = p.offset + 4 + length32;
    for (let i = 0; i < 40; i++) {
      const section = p.section.slice();
      // Damage past the unit length and version, mostly in the program: opcodes, operands, LEBs.
      for (let n = 1 + rng.int(4); n > 0; n--) {
        const at = p.offset + 6 + rng.int(end - p.offset - 6);
        section[at] = rng.int(3) === 0 ? [0x00, 0x80, 0xff, 0x01, 0x02, 0x03, 0x09, 0x0c][rng.int(8)] : rng.int(256);
      }
      inputs++;
      if (assertSameOutcome(section, p.offset, p.addressSize, `${p.fixture} @${p.offset} mutation ${i}`)) byKernel++;
    }
  }
  // Most damage leaves a decodable program, which the kernel must then decode itself.
  assert.ok(byKernel > inputs / 4, `the kernel decoded only ${byKernel} of ${inputs} damaged programs`);
});

/** A DWARF 4 line table whose program has `rows` rows in sequences of 1,000. */
function syntheticTable(rows: number): Uint8Array {
  const program: number[] = [];
  const opcodeBase = 13;
  for (let row = 0; row < rows; row++) {
    if (row % 1000 === 0) {
      const address = 0x100 + row * 3;
      program.push(0x00, 5, 0x02, address & 0xff, (address >>> 8) & 0xff, (address >>> 16) & 0xff, address >>> 24);
    }
    // Special opcodes: address +0..3, line -5..+8; now and then a column or a discriminator.
    if (row % 7 === 3) program.push(0x05, 0x80 | (row & 0x7f), 0x01);
    if (row % 11 === 5) program.push(0x00, 2, 0x04, row % 5);
    program.push(opcodeBase + ((row * 37) % 56));
    if (row % 1000 === 999) program.push(0x02, 3, 0x00, 1, 0x01);
  }
  const header = [
    1, // minimum_instruction_length
    1, // maximum_operations_per_instruction
    1, // default_is_stmt
    0xfb, // line_base -5
    14, // line_range
    opcodeBase,
    0, 1, 1, 1, 1, 0, 0, 0, 1, 0, 0, 1, // standard_opcode_lengths
    0, // no include directories
    ...Buffer.from('a.c\0'), 0, 0, 0, // one file
    0, // end of file names
  ];
  const unitLength = 2 + 4 + header.length + program.length;
  const bytes = [
    unitLength & 0xff, (unitLength >>> 8) & 0xff, (unitLength >>> 16) & 0xff, unitLength >>> 24,
    4, 0, // version
    header.length & 0xff, (header.length >>> 8) & 0xff, 0, 0,
    ...header, ...program,
  ];
  return Uint8Array.from(bytes);
}

test('a large line program is decoded by the kernel by default, exactly as in JavaScript', () => {
  const section = syntheticTable(40_000);
  assert.ok(section.length > KERNEL_MIN_PROGRAM, 'the program must be large enough for the kernel');
  const table = readLineTable(section, 0, 4, () => null);
  assert.equal(table.decodedBy, 'kernel');
  assert.equal(table.rowCount, 40_000 + 40);
  assert.equal(table.sequenceLow.length, 40);
  assert.equal(assertSameOutcome(section, 0, 4, 'synthetic'), true);
});
