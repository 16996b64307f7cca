import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { WasmModule } from '../src/wasm/module.js';
import { WasmFormatError } from '../src/errors.js';
import { codeOffset, moduleOffset } from '../src/wasm/addresses.js';
import { allFixtures, fixturePath } from './support/fixtures.js';
import { requireTool, run } from './support/reference-tools.js';

test('sections, custom sections and function bodies agree with llvm-objdump', (t) => {
  const objdump = requireTool(['llvm-objdump-14', 'llvm-objdump'], t);
  if (!objdump) return;
  for (const file of allFixtures()) {
    const module = new WasmModule(readFileSync(file));
    // `-h` lists every section with its payload size (custom sections: after the name).
    const listed: { name: string; size: number }[] = run(objdump, ['-h', file]).split('\n')
      .map((l) => /^\s*\d+ (\S+)\s+([0-9a-f]+) /.exec(l)).filter((m) => m !== null)
      .map((m): { name: string; size: number } => ({ name: m![1], size: parseInt(m![2], 16) }));
    const ours = module.sections.map((s) => {
      if (s.id !== 0) return { name: STANDARD[s.id], size: s.size };
      const custom = module.customSections.find((c) => c.offset >= s.offset && c.offset <= s.offset + s.size)!;
      return { name: custom.name, size: custom.data.length };
    });
    assert.deepEqual(ours, listed, file);
    // `-d` labels each function body (its size field, in code offsets for LLVM 14).
    const starts: number[] = [...run(objdump, ['-d', file]).matchAll(/^([0-9a-f]+) <(.*)>:$/gm)]
      .filter((m) => m[2] !== 'CODE').map((m): number => parseInt(m[1], 16));
    assert.deepEqual(starts, [...module.bodyStarts], `${file}: function body starts`);
  }
});

const STANDARD = ['', 'TYPE', 'IMPORT', 'FUNCTION', 'TABLE', 'MEMORY', 'GLOBAL', 'EXPORT', 'START', 'ELEM', 'CODE', 'DATA', 'DATACOUNT', 'TAG'];

test('the Code payload offset is where llvm-objdump 19 puts <CODE> in module offsets', (t) => {
  const objdump19 = requireTool(['llvm-objdump-19'], t);
  if (!objdump19) return;
  for (const file of allFixtures()) {
    const module = new WasmModule(readFileSync(file));
    const header = /^([0-9a-f]+) <CODE>:$/m.exec(run(objdump19, ['-d', file]));
    assert.ok(header, file);
    assert.equal(module.codeSectionOffset, parseInt(header[1], 16), file);
  }
});

test('function indices count imports, and both address spaces convert both ways', () => {
  const module = new WasmModule(readFileSync(fixturePath('c-inline', 'inventory.O2.dwarf5.wasm')));
  assert.equal(module.importedFunctionCount, 1); // env.report
  assert.equal(module.moduleName(), 'inventory.O2.dwarf5.wasm', 'wasm-ld names the module after its output');
  const first = module.functionBody(1)!;
  assert.equal(module.functionIndexAt(first.codeStart), 1);
  assert.equal(module.functionIndexAt(codeOffset(first.end - 1)), 1);
  assert.equal(module.functionIndexAt(first.end), 2);
  assert.equal(module.functionBody(0), null, 'an import has no body');
  const m = module.toModuleOffset(first.codeStart)!;
  assert.equal(module.toCodeOffset(m), first.codeStart);
  assert.equal(module.toCodeOffset(moduleOffset(0)), null, 'the header is not code');
  assert.equal(module.functionName(1), 'sum_inventory', 'from the name section');
});

test('names come from the name section even without DWARF', () => {
  const module = new WasmModule(readFileSync(fixturePath('c-inline', 'inventory.O2.names.wasm')));
  assert.equal(module.customSection('.debug_info'), null);
  assert.equal(module.functionName(1), 'sum_inventory');
  const bare = new WasmModule(readFileSync(fixturePath('c-inline', 'inventory.O2.bare.wasm')));
  assert.equal(bare.nameSection, null);
  assert.equal(bare.functionName(1), null);
});

test('every truncation of a module is a WasmFormatError naming an offset inside the input', () => {
  const bytes = readFileSync(fixturePath('c-inline', 'inventory.O2.dwarf5.wasm'));
  const sectionEnds = new Set(new WasmModule(bytes).sections.map((s) => s.offset + s.size));
  for (let length = 0; length < bytes.length; length++) {
    const prefix = bytes.subarray(0, length);
    // Cutting exactly between sections leaves a valid (shorter) module.
    if (length === 8 || sectionEnds.has(length)) {
      assert.doesNotThrow(() => new WasmModule(prefix));
      continue;
    }
    assert.throws(() => new WasmModule(prefix), (error: unknown) => {
      assert.ok(error instanceof WasmFormatError, `length ${length}: ${String(error)}`);
      assert.ok(error.offset >= 0 && error.offset <= length, `length ${length}: offset ${error.offset}`);
      return true;
    });
  }
});

test('malformed headers and sizes are typed errors that say what and where', () => {
  const bad = (bytes: number[], message: RegExp, offset: number): void => {
    assert.throws(() => new WasmModule(Uint8Array.from(bytes)), (error: unknown) => {
      assert.ok(error instanceof WasmFormatError);
      assert.match(error.message, message);
      assert.equal(error.offset, offset);
      return true;
    });
  };
  const header = [0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00];
  bad([0x7f, 0x45, 0x4c, 0x46, 1, 0, 0, 0], /bad magic/, 0);
  bad([0x00, 0x61, 0x73, 0x6d, 0x0d, 0x00, 0x01, 0x00], /unsupported binary version/, 4);
  bad([...header, 10, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01], /section size does not fit in 32 bits/, 9);
  bad([...header, 10, 5, 1], /section 10 runs past the end/, 10);
  bad([...header, 10, 2, 0xff, 0x7f], /function count \d+ exceeds the section size/, 10);
  bad([...header, 10, 3, 1, 5, 0], /function body runs past the end/, 12);
  bad([...header, 10, 1, 0, 10, 1, 0], /second Code section/, 13);
});
