// The WebAssembly subroutine walk (src/dwarf/subroutine-kernel.ts) must build exactly the index
// the JavaScript walk builds — arrays and address map — or give up so that the JavaScript walk
// builds it (and words the error). Checked on every unit of every fixture (in a kernel arena, as
// the CLI runs it), and on seeded mutations of their DIEs, range lists and address tables
// (mostly outside the arena: in the kernel's scratch memory, as library callers run it).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { relative } from 'node:path';
import { WasmModule } from '../src/wasm/module.js';
import { DebugInfo } from '../src/dwarf/info.js';
import { dwarfSections, type DwarfSections } from '../src/dwarf/sections.js';
import { SubroutineIndex, setKernelMinUnit } from '../src/dwarf/subroutines.js';
import { bytesInKernelArena } from '../src/dwarf/kernel-module.js';
import { allFixtures, repoRoot } from './support/fixtures.js';
import { Rng } from './support/mutate.js';

interface Fixture {
  path: string;
  sections: DwarfSections;
}

/**
 * Every fixture with DWARF, read into a kernel arena as the CLI reads modules (the kernel then
 * reads the sections in place and walks units of any size).
 */
function fixtures(): Fixture[] {
  const found: Fixture[] = [];
  for (const path of allFixtures()) {
    const file = readFileSync(path);
    const bytes = bytesInKernelArena(file.length);
    bytes.set(file);
    const module = new WasmModule(bytes);
    const sections = dwarfSections((name) => module.customSection(name));
    if (sections) found.push({ path: relative(repoRoot, path), sections });
  }
  return found;
}

type Outcome = { index: SubroutineIndex } | { error: string };

/** Every unit's index, walked with or without the kernel (a fresh reader each time: nothing shared). */
function indexes(sections: DwarfSections, kernel: boolean): Outcome[] {
  const previous = setKernelMinUnit(kernel ? 0 : Infinity);
  try {
    const info = new DebugInfo(sections);
    return info.units.map((unit) => {
      try {
        return { index: new SubroutineIndex(info, unit) };
      } catch (error) {
        return { error: String(error) };
      }
    });
  } finally {
    setKernelMinUnit(previous);
  }
}

function contents(index: SubroutineIndex): object {
  const map = (index as unknown as { map: { keys: Float64Array; highs: Float64Array; owners: Int32Array } }).map;
  const arrays: Record<string, number[]> = {};
  for (const name of [
    'dieOffsets', 'isInlined', 'parents', 'lowPcs', 'origins', 'specifications', 'namesItself', 'callFiles',
    'callLines', 'callColumns', 'callDiscriminators', 'nameForms', 'nameValues', 'linkageForms', 'linkageValues',
  ] as const) {
    arrays[name] = Array.from(index[name].subarray(0, index.count));
  }
  // The map, and lookups through its bucket index at every boundary.
  const probes: number[] = [];
  for (let i = 0; i < map.keys.length; i++) {
    for (const a of [map.keys[i] - 1, map.keys[i], map.highs[i] - 1, map.highs[i]]) probes.push(index.find(a));
  }
  return { count: index.count, arrays, keys: Array.from(map.keys), highs: Array.from(map.highs), owners: Array.from(map.owners), probes };
}

/** Both walks agree on every unit; returns how many units the kernel walked. */
function assertSameIndexes(sections: DwarfSections, label: string): number {
  const script = indexes(sections, false);
  const kernel = indexes(sections, true);
  assert.equal(kernel.length, script.length, label);
  let byKernel = 0;
  for (let u = 0; u < script.length; u++) {
    const a = script[u];
    const b = kernel[u];
    if ('error' in a || 'error' in b) {
      assert.deepEqual(b, a, `${label} unit ${u}`);
      continue;
    }
    assert.equal(a.index.walkedBy, 'script');
    assert.deepEqual(contents(b.index), contents(a.index), `${label} unit ${u}`);
    if (b.index.walkedBy === 'kernel') byKernel++;
  }
  return byKernel;
}

test('the kernel builds every fixture unit\'s subroutine index as the JavaScript walk does', () => {
  let units = 0;
  let byKernel = 0;
  for (const f of fixtures()) {
    units += new DebugInfo(f.sections).units.length;
    byKernel += assertSameIndexes(f.sections, f.path);
  }
  assert.ok(units >= 100, `only ${units} units`);
  // It leaves to JavaScript only units with 8-byte addresses or offsets (none in wasm32 fixtures)
  // and those with forms its plans cannot step over (none either).
  assert.equal(byKernel, units, `the kernel walked ${byKernel} of ${units} units`);
});

test('on damaged DWARF the kernel builds what the JavaScript walk builds, or leaves it to it', () => {
  const rng = new Rng(0x5ab);
  let byKernel = 0;
  let inputs = 0;
  for (const f of fixtures()) {
    for (let i = 0; i < 30; i++) {
      const sections = { ...f.sections };
      // Mostly .debug_info (DIE bytes past the unit headers), sometimes a range list or address table.
      const pick = rng.int(10);
      const key: keyof DwarfSections = pick < 7 ? 'info' : pick < 8 ? 'ranges' : pick < 9 ? 'rnglists' : 'addr';
      if (sections[key].length === 0) continue;
      const bytes = sections[key].slice();
      for (let n = 1 + rng.int(3); n > 0; n--) {
        const at = rng.int(bytes.length);
        bytes[at] = rng.int(3) === 0 ? [0x00, 0x80, 0xff, 0x01, 0x7f][rng.int(5)] : rng.int(256);
      }
      sections[key] = bytes;
      inputs++;
      byKernel += assertSameIndexes(sections, `${f.path} mutation ${i} of ${key}`);
    }
  }
  assert.ok(inputs > 200, `only ${inputs} inputs`);
  assert.ok(byKernel > inputs, `the kernel walked only ${byKernel} units over ${inputs} damaged inputs`);
});
