// Compares the batch run of two or more crosstrace trees (and llvm-symbolizer as a yardstick) on
// the bench input, in alternating rounds: on these machines a change of a few percent is
// invisible in a single bench run, whose numbers move 30 % with the machine's state.
//
//   node bench/ab.mjs [--runs N] [--null | --file] [--llvm] TREE...
//
// Each TREE is a checkout with a built dist/ (a git worktree of another commit does). Output goes
// into a pipe that this process collects, as in `npm run bench` (`--null`: to /dev/null;
// `--file`: into a file under bench/work, as the bench's file rows).
// Reports per tree the median wall time, main-thread and total CPU and page faults, and the
// median over rounds of its wall time relative to the first tree's in the same round.
import { spawnSync } from 'node:child_process';
import { closeSync, existsSync, mkdtempSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const work = join(root, 'bench', 'work');
const args = process.argv.slice(2);
let runs = 20;
let toNull = false;
let toFile = false;
let withLlvm = false;
const trees = [];
for (let i = 0; i < args.length; i++) {
  if (args[i] === '--runs') runs = Number(args[++i]);
  else if (args[i] === '--null') toNull = true;
  else if (args[i] === '--file') toFile = true;
  else if (args[i] === '--llvm') withLlvm = true;
  else trees.push(resolve(args[i]));
}
const wasm = join(work, 'sqlite3.wasm');
const addressFile = join(work, 'addresses.txt');
if (trees.length === 0 || !existsSync(wasm) || !existsSync(addressFile)) {
  console.error('usage: node bench/ab.mjs [--runs N] [--null | --file] [--llvm] TREE...  (run `npm run bench` once first: it builds bench/work)');
  process.exit(2);
}
const input = readFileSync(addressFile);

// Main-thread CPU is read from /proc at exit: the child's resource usage counts every thread.
const probe = join(mkdtempSync(join(tmpdir(), 'crosstrace-ab-')), 'probe.cjs');
writeFileSync(probe, `process.on('exit', () => {
  const fs = require('fs');
  const stat = fs.readFileSync('/proc/self/task/' + process.pid + '/stat', 'utf8').split(') ')[1].split(' ');
  const usage = process.resourceUsage();
  fs.writeSync(2, 'AB ' + (Number(stat[11]) + Number(stat[12])) * 10 + ' ' + (usage.userCPUTime + usage.systemCPUTime) / 1000 + ' ' + usage.minorPageFault + '\\n');
});\n`);

const cases = trees.map((tree) => ({
  name: tree,
  argv: [process.execPath, '-r', probe, join(tree, 'bin', 'crosstrace.cjs'), 'symbolize', '--obj', wasm],
}));
const llvmSymbolizer = spawnSync('llvm-symbolizer-14', ['--version']).status === 0 ? 'llvm-symbolizer-14' : 'llvm-symbolizer';
if (withLlvm) cases.push({ name: llvmSymbolizer, argv: [llvmSymbolizer, '--obj=' + wasm, '--inlines'] });

const samples = cases.map(() => ({ wall: [], main: [], cpu: [], faults: [], relative: [] }));
for (let round = 0; round < runs; round++) {
  const walls = cases.map((c, i) => {
    const output = toFile ? openSync(join(work, 'ab-output.txt'), 'w') : toNull ? 'ignore' : 'pipe';
    const start = process.hrtime.bigint();
    const result = spawnSync(c.argv[0], c.argv.slice(1), {
      input,
      maxBuffer: 1 << 30,
      stdio: ['pipe', output, 'pipe'],
    });
    const wall = Number(process.hrtime.bigint() - start) / 1e6;
    if (toFile) closeSync(output);
    if (result.status !== 0) throw new Error(`${c.name} failed: ${result.stderr}`);
    const s = samples[i];
    s.wall.push(wall);
    const probed = /AB (\S+) (\S+) (\S+)/.exec(result.stderr.toString());
    if (probed) {
      s.main.push(Number(probed[1]));
      s.cpu.push(Number(probed[2]));
      s.faults.push(Number(probed[3]));
    }
    return wall;
  });
  walls.forEach((wall, i) => samples[i].relative.push(wall / walls[0]));
}

const median = (xs) => (xs.length === 0 ? NaN : [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]);
const cell = (xs, digits = 0) => (xs.length === 0 ? '—' : median(xs).toFixed(digits));
console.log(`${runs} alternating rounds, output ${toFile ? 'into a file' : toNull ? 'to /dev/null' : 'into a pipe'}; medians\n`);
console.log('| tree | wall ms | main-thread CPU ms | total CPU ms | page faults | wall vs first tree (median of rounds) |');
console.log('|---|---:|---:|---:|---:|---:|');
cases.forEach((c, i) => {
  const s = samples[i];
  console.log(`| ${c.name} | ${cell(s.wall)} | ${cell(s.main)} | ${cell(s.cpu)} | ${cell(s.faults)} | ${cell(s.relative, 3)} |`);
});
