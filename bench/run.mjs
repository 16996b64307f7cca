#!/usr/bin/env node
// `npm run bench`: crosstrace against llvm-symbolizer on a real, large module, in the same run.
//
// Builds the sqlite3 amalgamation (shipped inside the npm package better-sqlite3) to
// wasm32-wasi with clang-19 -g -O2, then symbolizes 100k seeded random code addresses with
// both tools. Reports wall time and peak memory ratios, checks the outputs agree, and measures
// one-address cold runs and in-process warm lookups. Inputs are built under bench/work/ (not
// committed). Prints a markdown table; docs/benchmarks.md records a run.
import { execFileSync, spawnSync } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, writeFileSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const work = join(root, 'bench', 'work');
mkdirSync(work, { recursive: true });
const ADDRESS_COUNT = 100_000;
const RUNS = Number(process.env.BENCH_RUNS ?? 5);

function need(tool, hint) {
  if (spawnSync(tool, ['--version'], { stdio: 'ignore' }).status !== 0) {
    console.error(`bench: '${tool}' not found. ${hint}`);
    process.exit(1);
  }
}
need('clang-19', 'apt-get install clang-19 lld-19 wasi-libc libclang-rt-19-dev-wasm32');
need('wasm-ld-19', 'apt-get install lld-19');
const llvmSymbolizer = spawnSync('llvm-symbolizer-14', ['--version']).status === 0 ? 'llvm-symbolizer-14' : 'llvm-symbolizer';
need(llvmSymbolizer, 'apt-get install llvm-14');

function sqliteSource() {
  const source = join(work, 'package', 'deps', 'sqlite3', 'sqlite3.c');
  if (existsSync(source)) return source;
  console.error('bench: fetching sqlite3.c from the better-sqlite3 npm package (npm pack)…');
  execFileSync('npm', ['pack', 'better-sqlite3@12', '--pack-destination', work, '--silent'], { stdio: ['ignore', 'ignore', 'inherit'] });
  const tarball = readdirSync(work).find((f) => /^better-sqlite3-.*\.tgz$/.test(f));
  execFileSync('tar', ['xzf', join(work, tarball), '-C', work, 'package/deps/sqlite3']);
  return source;
}

function sqliteModule() {
  const wasm = join(work, 'sqlite3.wasm');
  if (existsSync(wasm)) return wasm;
  const source = sqliteSource();
  const object = join(work, 'sqlite3.o');
  console.error('bench: compiling sqlite3.c with clang-19 -g -O2 (about half a minute)…');
  // -c then wasm-ld: the clang driver would run wasm-opt, which drops the line tables.
  execFileSync('clang-19', ['--target=wasm32-wasi', '--sysroot=/usr', '-g', '-O2', '-c', source, '-o', object,
    '-DSQLITE_THREADSAFE=0', '-DSQLITE_OMIT_LOAD_EXTENSION', `-fdebug-prefix-map=${dirname(source)}=/bench/sqlite`], { stdio: 'inherit' });
  const builtins = execFileSync('clang-19', ['--target=wasm32-wasi', '--sysroot=/usr', '-print-libgcc-file-name', '-rtlib=compiler-rt'], { encoding: 'utf8' }).trim();
  execFileSync('wasm-ld-19', ['--no-entry', '--export-dynamic', '-o', wasm, object, '-L/usr/lib/wasm32-wasi', '-lc', builtins,
    '--export=sqlite3_open', '--export=sqlite3_exec'], { stdio: 'inherit' });
  return wasm;
}

/** Code-section size, from the module's own bytes. */
function codeSize(wasm) {
  const bytes = readFileSync(wasm);
  let pos = 8;
  const leb = () => {
    let result = 0, shift = 0, byte;
    do { byte = bytes[pos++]; result += (byte & 0x7f) * 2 ** shift; shift += 7; } while (byte & 0x80);
    return result;
  };
  while (pos < bytes.length) {
    const id = bytes[pos++];
    const size = leb();
    if (id === 10) return size;
    pos += size;
  }
  throw new Error('no Code section');
}

function addresses(wasm) {
  const file = join(work, 'addresses.txt');
  let seed = 12345;
  const next = () => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0);
  const size = codeSize(wasm);
  const lines = [];
  for (let i = 0; i < ADDRESS_COUNT; i++) lines.push('0x' + (next() % size).toString(16));
  writeFileSync(file, lines.join('\n') + '\n');
  return file;
}

const timeTool = existsSync('/usr/bin/time') ? '/usr/bin/time' : null;

/**
 * Wall seconds and peak RSS (MB, via GNU time when present) of one run, stdin from a file, stdout
 * into a pipe this process reads, or into the file `outputFile`.
 */
function measure(argv, inputFile, outputFile) {
  const command = timeTool ? [timeTool, '-f', '%M', ...argv] : argv;
  const input = inputFile ? readFileSync(inputFile) : undefined;
  const output = outputFile ? openSync(outputFile, 'w') : 'pipe';
  const start = process.hrtime.bigint();
  const result = spawnSync(command[0], command.slice(1), { input, maxBuffer: 1 << 30, stdio: ['pipe', output, 'pipe'] });
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  if (outputFile) closeSync(output);
  if (result.status !== 0) throw new Error(`${argv.join(' ')} failed: ${result.stderr}`);
  const rss = timeTool ? Number(result.stderr.toString().trim().split('\n').pop()) / 1024 : NaN;
  return { seconds, rss, stdout: outputFile ? readFileSync(outputFile, 'utf8') : result.stdout.toString() };
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

function compareOutputs(reference, ours) {
  const a = reference.split('\n');
  const b = ours.split('\n');
  if (a.length !== b.length) return { identical: false, nameSection: 0, other: Math.abs(a.length - b.length) };
  let nameSection = 0;
  let other = 0;
  for (let i = 0; i < a.length; i++) {
    if (a[i] === b[i]) continue;
    // llvm-symbolizer 14 names no function where DWARF has none; crosstrace uses the name section.
    if (a[i] === '??' && b[i] !== '' && !b[i].includes(':')) nameSection++;
    else other++;
  }
  return { identical: other === 0, nameSection, other };
}

/** Addresses per second of in-process warm lookups (bench/warm-lookups.mjs, in a process of its own). */
function warmLookups(wasm, addressFile) {
  const result = spawnSync(process.execPath, [join(root, 'bench', 'warm-lookups.mjs'), wasm, addressFile], { encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`warm lookups failed: ${result.stderr}`);
  return Number(result.stdout.trim());
}

const wasm = sqliteModule();
const addressFile = addresses(wasm);
const crosstrace = [process.execPath, join(root, 'bin', 'crosstrace.cjs'), 'symbolize', '--obj', wasm];
const llvm = [llvmSymbolizer, '--obj=' + wasm, '--inlines'];

console.error(`bench: ${ADDRESS_COUNT} addresses, ${RUNS} runs each (alternating)…`);
const ours = [], theirs = [];
let agreement = null;
for (let r = 0; r < RUNS; r++) {
  const a = measure(llvm, addressFile);
  const b = measure(crosstrace, addressFile);
  theirs.push(a);
  ours.push(b);
  if (r === 0) agreement = compareOutputs(a.stdout, b.stdout);
}
// Into a file too: llvm-symbolizer flushes after every answer, which into a pipe means a write
// and a wake-up of the reader per address, so where the output goes moves its time by half.
const oursToFile = [], theirsToFile = [];
const outputFile = join(work, 'output.txt');
for (let r = 0; r < RUNS; r++) {
  const a = measure(llvm, addressFile, outputFile);
  const b = measure(crosstrace, addressFile, outputFile);
  theirsToFile.push(a);
  oursToFile.push(b);
  if (r === 0 && !compareOutputs(a.stdout, b.stdout).identical) agreement = { ...agreement, identical: false };
}
const one = join(work, 'one-address.txt');
writeFileSync(one, '0x1234\n');
const coldOurs = [], coldTheirs = [];
for (let r = 0; r < RUNS * 2; r++) {
  coldTheirs.push(measure(llvm, one).seconds);
  coldOurs.push(measure(crosstrace, one).seconds);
}
const nodeAlone = median(Array.from({ length: RUNS }, () => measure([process.execPath, '-e', '0']).seconds));
const warm = warmLookups(wasm, addressFile);

const wall = (xs) => median(xs.map((x) => x.seconds));
const peak = (xs) => Math.max(...xs.map((x) => x.rss));
const rows = [
  ['100k addresses into a pipe, wall (median)', `${wall(theirs).toFixed(3)} s`, `${wall(ours).toFixed(3)} s`, `${(wall(theirs) / wall(ours)).toFixed(2)}× faster`],
  ['100k addresses into a file, wall (median)', `${wall(theirsToFile).toFixed(3)} s`, `${wall(oursToFile).toFixed(3)} s`, `${(wall(theirsToFile) / wall(oursToFile)).toFixed(2)}× faster`],
  ['100k addresses, peak RSS', `${peak(theirs).toFixed(0)} MB`, `${peak(ours).toFixed(0)} MB`, `${(peak(ours) / peak(theirs)).toFixed(2)}× of llvm`],
  ['1 address, cold wall (median)', `${median(coldTheirs).toFixed(3)} s`, `${median(coldOurs).toFixed(3)} s`, `${(median(coldOurs) / median(coldTheirs)).toFixed(2)}× of llvm`],
  ['in-process warm lookups', '—', `${(warm / 1e6).toFixed(2)} M/s`, ''],
  ['`node -e 0` alone', '', `${nodeAlone.toFixed(3)} s`, ''],
];
const table = [
  `| measure | ${llvmSymbolizer} | crosstrace | ratio |`,
  '|---|---|---|---|',
  ...rows.map((r) => `| ${r.join(' | ')} |`),
].join('\n');
console.log(table);
console.log(`\noutputs: ${agreement.identical ? 'identical' : 'DIFFER'} apart from ${agreement.nameSection} '??' lines that crosstrace names from the name section` +
  (agreement.other ? `; ${agreement.other} other differing lines` : ''));
const traceBench = join(root, 'bench', 'trace-bench.mjs');
if (existsSync(traceBench)) {
  console.log('');
  execFileSync(process.execPath, [traceBench], { stdio: 'inherit' });
}
const stackBench = join(root, 'bench', 'stack-bench.mjs');
if (existsSync(stackBench)) {
  console.log('');
  execFileSync(process.execPath, [stackBench], { stdio: 'inherit' });
}
if (!agreement.identical) process.exitCode = 1;
