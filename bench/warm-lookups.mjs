// In-process warm lookups: `symbolizeCodeOffset` over the bench's addresses, after a first pass
// has parsed what they need. Run by bench/run.mjs in a process of its own, so that the heap the
// parent accumulates (the outputs it compares) does not weigh on this loop's collections.
// Prints the best of five rounds, in addresses per second.
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const [wasm, addressFile] = process.argv.slice(2);
const { WasmSymbolizer } = await import(pathToFileURL(join(root, 'dist', 'esm', 'index.js')).href);
const list = readFileSync(addressFile, 'utf8').trim().split('\n').map(Number);
const symbolizer = new WasmSymbolizer(readFileSync(wasm));
for (const a of list) symbolizer.symbolizeCodeOffset(a);
let best = 0;
for (let r = 0; r < 5; r++) {
  const start = process.hrtime.bigint();
  for (let k = 0; k < 5; k++) for (const a of list) symbolizer.symbolizeCodeOffset(a);
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  best = Math.max(best, (list.length * 5) / seconds);
}
console.log(best);
