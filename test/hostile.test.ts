// Regression tests for hostile inputs the fuzz campaign's hand-built shapes found: each makes
// a naive reader do work or keep memory that grows faster than the input. Each must now be
// accepted (parsed, or refused with a typed error) while keeping heap growth bounded.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { CRAFTED_SHAPES, craftedInput, exercise, loadCorpus } from './support/mutate.js';
import { fixturePath } from './support/fixtures.js';

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
