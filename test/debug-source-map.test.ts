// Source maps (`sourceMappingURL`, or <module>.map): the fourth source, after DWARF. One location
// per address, never inlined frames, read by @jridgewell/trace-mapping.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { WasmModule } from '../src/wasm/module.js';
import { codeOffset, moduleOffset } from '../src/wasm/addresses.js';
import { resolveDebugInfoSync } from '../src/symbolize/debug-info/discover.js';
import { resolveDebugInfoForFileSync } from '../src/symbolize/debug-info/node-loader.js';
import { SourceMapLocations } from '../src/symbolize/source-map.js';
import { WasmSymbolizer } from '../src/symbolize/symbolizer.js';
import { runCli } from './support/cli-harness.js';
import { fixturePath } from './support/fixtures.js';
import { EMSCRIPTEN, bytesOf, clearDebugEnvironment, layout, memoryLoader, withStringSection, withoutSection } from './support/debug-support.js';

clearDebugEnvironment();

const MODULE = EMSCRIPTEN('source-map', 'crash.wasm');
const MAP = EMSCRIPTEN('source-map', 'debug', 'crash.wasm.map');
const DWARF_BUILD = EMSCRIPTEN('g', 'crash.wasm');
const SOURCE = '/crosstrace/fixtures/emscripten/crash.c';
// What V8 prints for the crash in each build (test/debug-e2e.test.ts runs them): the trap in the
// inlined withdraw(), and main's call of run_batch().
const SOURCE_MAP_TRAP = moduleOffset(0x108);
const SOURCE_MAP_CALL = moduleOffset(0x150);
const DWARF_TRAP = moduleOffset(0x127);
const DWARF_CALL = moduleOffset(0x16f);

test('the source-map build: file:line:column from the map, names from the name section, no inlining', () => {
  const info = resolveDebugInfoForFileSync(MODULE, { debugPath: [EMSCRIPTEN('source-map', 'debug')], useEnvironment: false });
  assert.equal(info.source, 'source-map');
  assert.equal(info.location, MAP);
  assert.equal(info.inlinedFrames, false);
  assert.equal(info.dwarf, null);
  assert.match(info.diagnostics[info.diagnostics.length - 1], /^source map .*crash\.wasm\.map: \d+ mapped offsets; no inlined frames \(a source map has one location per address\)$/);
  const trap = info.symbolizer.symbolizeModuleOffset(SOURCE_MAP_TRAP);
  assert.deepEqual(trap.map((f) => [f.function, f.file, f.line, f.column, f.inlined]), [['run_batch', SOURCE, 15, 5, false]]);
  const call = info.symbolizer.symbolizeModuleOffset(SOURCE_MAP_CALL);
  assert.deepEqual(call.map((f) => [f.function, f.file, f.line, f.column]), [['main', SOURCE, 34, 10]]);
});

test('the map and the DWARF of the -g build agree on the crash: same innermost file:line:column', () => {
  const dwarf = new WasmSymbolizer(bytesOf(DWARF_BUILD));
  const trap = dwarf.symbolizeModuleOffset(DWARF_TRAP);
  // DWARF knows withdraw() was inlined into run_batch(); the map only has the innermost location.
  assert.deepEqual(trap.map((f) => [f.function, f.file, f.line, f.column]), [['withdraw', SOURCE, 15, 5], ['run_batch', SOURCE, 25, 12]]);
  const call = dwarf.symbolizeModuleOffset(DWARF_CALL);
  assert.deepEqual(call.map((f) => [f.function, f.line, f.column]), [['main', 34, 10]]);
});

test('every mapped offset lands in a function and names crash.c or a libc source', () => {
  const module = new WasmModule(bytesOf(MODULE));
  const locations = SourceMapLocations.read(readFileSync(MAP, 'utf8'), module);
  let mapped = 0;
  for (let a = 0; a < module.codeSectionSize; a++) {
    const found = locations.locate(codeOffset(a));
    if (!found) continue;
    mapped++;
    assert.ok(module.functionIndexAt(codeOffset(a)) !== null);
    assert.ok(found.file === SOURCE || found.file.startsWith('system/lib/'), found.file);
    assert.ok(found.line > 0 && found.column > 0);
  }
  assert.ok(mapped > 100, `${mapped} offsets mapped`);
  // Before a function's first mapping nothing is known, not the previous function's last line.
  const firstBody = module.bodyCodeStarts[0];
  assert.equal(locations.locate(codeOffset(firstBody)), null);
});

test('emcc\'s own layout: the map beside the module, by sourceMappingURL or by <module>.map', () => {
  const beside = layout({ 'crash.wasm': MODULE, 'crash.wasm.map': MAP });
  const byUrl = resolveDebugInfoForFileSync(join(beside, 'crash.wasm'), { useEnvironment: false });
  assert.equal(byUrl.source, 'source-map');
  assert.equal(byUrl.location, join(beside, 'crash.wasm.map'));

  const unnamed = layout({ 'crash.wasm': withoutSection(bytesOf(MODULE), 'sourceMappingURL'), 'crash.wasm.map': MAP });
  const byName = resolveDebugInfoForFileSync(join(unnamed, 'crash.wasm'), { useEnvironment: false });
  assert.equal(byName.source, 'source-map');
  assert.ok(byName.diagnostics.some((d) => d.startsWith('source map ')));
});

test('a data: URL source map', () => {
  const base64 = Buffer.from(readFileSync(MAP)).toString('base64');
  const module = withStringSection(withoutSection(bytesOf(MODULE), 'sourceMappingURL'), 'sourceMappingURL', 'data:application/json;base64,' + base64);
  const { loader, asked } = memoryLoader({});
  const info = resolveDebugInfoSync(module, {}, loader);
  assert.equal(info.source, 'source-map');
  assert.equal(info.location, 'data: URL');
  assert.deepEqual(asked, []);
  assert.equal(info.symbolizer.symbolizeModuleOffset(SOURCE_MAP_TRAP)[0].line, 15);
});

test('a map that does not belong to the module, or is not a map, is skipped with a reason', () => {
  const map = readFileSync(MAP);
  // The Emscripten map against a module whose Code section ends before the map's offsets.
  const other = withoutSection(bytesOf(fixturePath('dwarf-versions', 'tiny.dwarf5.wasm')), '.debug_info');
  const otherModule = new WasmModule(other);
  assert.ok(otherModule.codeSectionOffset! + otherModule.codeSectionSize < 0x150);
  const { loader } = memoryLoader({
    '/app/tiny.wasm.map': map,
    '/d1/tiny.wasm.map': new TextEncoder().encode('<!doctype html>'),
    '/d2/tiny.wasm.map': new TextEncoder().encode(JSON.stringify({ version: 3, sources: ['a.c'], names: [], mappings: ';AAAA' })),
  });
  const info = resolveDebugInfoSync(other, { moduleUrl: '/app/tiny.wasm', debugPath: ['/d1', '/d2'] }, loader);
  assert.equal(info.source, 'names');
  assert.equal(info.warnings.length, 3, info.warnings.join('\n'));
  assert.match(info.warnings[0], /\/app\/tiny.wasm.map: maps module offset 0x[0-9a-f]+, outside the module's Code section \[0x54, 0xcb\); skipped/);
  assert.match(info.warnings[1], /\/d1\/tiny.wasm.map: not a source map \(Unexpected token/);
  assert.match(info.warnings[2], /\/d2\/tiny.wasm.map: maps generated line 2; a wasm source map has only line 1; skipped/);
});

test('crosstrace symbolize says that a source map has no inlined frames', async () => {
  const token = `wasm-function[1]:0x${SOURCE_MAP_TRAP.toString(16)}`;
  const plain = await runCli(['symbolize', '--obj', MODULE, '--debug-file-directory', EMSCRIPTEN('source-map', 'debug'), token]);
  assert.equal(plain.code, 0);
  assert.equal(plain.stdout, `run_batch\n${SOURCE}:15:5\n\n`);
  assert.equal(plain.stderr, `crosstrace symbolize: ${MODULE}: locations from the source map ${MAP}: no inlined frames available\n`);
  const verbose = await runCli(['symbolize', '--obj', MODULE, '--debug-file-directory', EMSCRIPTEN('source-map', 'debug'), '--verbose', token]);
  assert.match(verbose.stderr, /no inlined frames \(a source map has one location per address\)/);
  const json = await runCli(['symbolize', '--obj', MODULE, '--debug-file-directory', EMSCRIPTEN('source-map', 'debug'), '--output-style=JSON', token]);
  assert.equal(JSON.parse(json.stdout)[0].Symbol.length, 1);
});
