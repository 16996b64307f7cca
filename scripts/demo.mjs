#!/usr/bin/env node
// `npm run demo`: a real wasm program fails, run twice as a user runs it: first plain Node, then
// with crosstrace's register hook (`node --import crosstrace/register`), nothing else changed.
//
// The program is this file with the argument `shop`: a small shop written in C, the committed
// fixture fixtures/c-inline/inventory.O2.dwarf5.wasm (-O2: checked_qty and line_total are
// inlined into sum_inventory, itself inlined into checkout). A negative quantity makes
// checked_qty call the JS import report(), which throws.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

if (process.argv[2] === 'shop') {
  const bytes = readFileSync(join(root, 'fixtures', 'c-inline', 'inventory.O2.dwarf5.wasm'));
  const { instance } = await WebAssembly.instantiate(bytes, {
    env: {
      report(code, sku, value) {
        throw new Error(`inventory check failed: code ${code}, sku ${sku}, value ${value}`);
      },
    },
  });
  const { add_item, checkout } = instance.exports;
  add_item(101, 3, 250);
  add_item(102, -2, 999); // a negative quantity
  console.log('total:', checkout(10_000));
} else {
  const bold = (s) => (process.stdout.isTTY ? `\x1b[1m${s}\x1b[0m` : s);
  const self = relative(root, fileURLToPath(import.meta.url));
  const run = (title, args) => {
    console.log(bold(`${title}\n$ node ${[...args, self, 'shop'].join(' ')}`));
    // From the package root, where `crosstrace/register` resolves to this checkout's build.
    const result = spawnSync(process.execPath, [...args, self, 'shop'], { cwd: root, encoding: 'utf8' });
    process.stdout.write(result.stdout + result.stderr.replace(/\n*Node\.js v[\d.]+\n*$/, '\n'));
    console.log(`(exit status ${result.status})\n`);
  };
  run('What Node prints:', []);
  run('The same program with crosstrace:', ['--import', 'crosstrace/register']);
}
