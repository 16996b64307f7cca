#!/usr/bin/env node
// `npm run demo`: a real wasm program fails; first what Node prints, then the same stack read
// through crosstrace. The module is the committed fixture fixtures/c-inline/inventory.O2.dwarf5.wasm
// (C at -O2: checked_qty and line_total are inlined into sum_inventory).
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const { WasmSymbolizer, moduleOffset } = await import(pathToFileURL(join(root, 'dist', 'esm', 'index.js')).href);
const file = join(root, 'fixtures', 'c-inline', 'inventory.O2.dwarf5.wasm');
const bytes = readFileSync(file);

const { instance } = await WebAssembly.instantiate(bytes, {
  env: {
    report(code, sku, value) {
      throw new Error(`inventory check failed: code ${code}, sku ${sku}, value ${value}`);
    },
  },
});
const { add_item, checkout } = instance.exports;
add_item(101, 3, 250);
add_item(102, -2, 999); // a negative quantity: checked_qty calls report(), which throws

let stack = '';
try {
  checkout(10_000);
} catch (error) {
  stack = error.stack;
}

const bold = (s) => (process.stdout.isTTY ? `\x1b[1m${s}\x1b[0m` : s);
console.log(bold('What Node prints:'));
console.log(stack);

// Each wasm frame V8 prints carries its module offset; crosstrace maps it to source frames,
// inlined ones included.
const symbolizer = new WasmSymbolizer(bytes);
console.log('\n' + bold('The same stack through crosstrace:'));
for (const line of stack.split('\n')) {
  const match = /^(\s+at )(.*)\(wasm:\/\/wasm\/[^:]+:wasm-function\[(\d+)\]:0x([0-9a-f]+)\)$/.exec(line);
  if (!match) {
    console.log(line);
    continue;
  }
  const frames = symbolizer.symbolizeModuleOffset(moduleOffset(parseInt(match[4], 16)));
  if (frames.length === 0) {
    console.log(line);
    continue;
  }
  for (const frame of frames) {
    const where = `${frame.file ?? '??'}:${frame.line}:${frame.column}`;
    console.log(`${match[1]}${frame.function ?? '??'} (${where})${frame.inlined ? ' [inlined]' : ''}`);
  }
}
