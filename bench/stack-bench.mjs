#!/usr/bin/env node
// `npm run bench` (after bench/trace-bench.mjs): the cost of reading `err.stack` with crosstrace's
// register hook installed, against V8's own formatting (Node's default prepareStackTrace), in the
// same process, alternating rounds (install / uninstall between them).
//
//   steady state: errors whose wasm frames were symbolized before (the usual case: the same
//     code failing again), 10 frames (Error.stackTraceLimit's default) with wasm frames in them.
//     Target ≤ 1.5× V8.
//   first use: the first error of a module never symbolized: discovery, the module's section
//     list, and the DWARF of the compile units the frames need, parsed on demand. The big
//     module is bench/work/sqlite3.wasm (built by bench/run.mjs), else the largest fixture.
//
// Each error is made before the timer starts; only the `.stack` read is timed.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const { install, uninstall } = await import(pathToFileURL(join(root, 'dist', 'esm', 'register.js')).href);
uninstall(); // measured rounds install and uninstall it themselves

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 15);
const PER_ROUND = 2000;
const FIRST_USE_RUNS = Number(process.env.BENCH_FIRST_RUNS ?? 5);

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const now = () => process.hrtime.bigint();
const micros = (t0, t1) => Number(t1 - t0) / 1e3;

/** Appends a custom section: same code and offsets, but new bytes (V8 and crosstrace cache by bytes). */
function unique(bytes, tag) {
  const name = new TextEncoder().encode('bench');
  const data = new TextEncoder().encode(tag);
  const payload = [name.length, ...name, ...data];
  return new Uint8Array([...bytes, 0, payload.length, ...payload]);
}

// Errors are made inside a wasm → JS import that then returns normally (throwing would unwind
// through C code and leave the program's state behind), many per call.

// ---- the inventory fixture: JS ⇄ wasm, inlined C, JS callers --------------------------------

const inventoryBytes = new Uint8Array(readFileSync(join(root, 'fixtures', 'c-inline', 'inventory.O2.dwarf5.wasm')));

/** batch(n): n errors made in report(), called from checked_qty inlined into checkout, below 8 JS frames. */
async function inventory() {
  let wanted = 0;
  let made = [];
  const { instance } = await WebAssembly.instantiate(inventoryBytes, {
    env: { report(code) { for (let i = 0; i < wanted; i++) made.push(new Error(`inventory check failed (code ${code})`)); } },
  });
  const shop = instance.exports;
  shop.add_item(101, 3, 250);
  shop.add_item(102, -2, 999);
  const depth = (n) => (n === 0 ? shop.checkout(10_000) : depth(n - 1) + 1);
  return (n) => {
    wanted = n;
    made = [];
    depth(12);
    return made;
  };
}

// ---- sqlite3: a 4 MB module, errors made deep inside it ----------------------------------------

function bigModule() {
  const sqlite = join(root, 'bench', 'work', 'sqlite3.wasm');
  if (existsSync(sqlite)) return { name: 'sqlite3.wasm (bench/work)', path: sqlite, kind: 'sqlite' };
  return { name: 'fixtures/rust/crosstrace_fixture.wasm (no bench/work/sqlite3.wasm)', path: join(root, 'fixtures', 'rust', 'crosstrace_fixture.wasm'), kind: 'rust' };
}

/** batch(n) for the big module: n errors made in an import it calls deep down. */
async function big(bytes, kind) {
  let wanted = 0;
  let made = [];
  const makeErrors = (what) => { for (let i = 0; i < wanted; i++) made.push(new Error(what)); };
  if (kind === 'rust') {
    const { instance } = await WebAssembly.instantiate(bytes, { env: { observe() { makeErrors('observed'); wanted = 0; } } });
    return (n) => {
      wanted = n;
      made = [];
      instance.exports.run(3);
      return made;
    };
  }
  // A WASI with nothing in it (no preopens, no environment, every call EBADF) but a clock, which
  // SQLite asks for julianday('now').
  let memory;
  const EBADF = 8;
  const wasiImports = new Proxy({}, {
    get(_, name) {
      if (name === 'environ_sizes_get') return (count, size) => (new Uint32Array(memory.buffer).set([0], count >>> 2), new Uint32Array(memory.buffer).set([0], size >>> 2), 0);
      if (name === 'environ_get') return () => 0;
      if (name === 'clock_time_get') {
        return (_id, _precision, out) => {
          makeErrors('clock read');
          new BigUint64Array(memory.buffer, out, 1)[0] = 1_700_000_000_000_000_000n;
          return 0;
        };
      }
      if (name === 'proc_exit') return (code) => { throw new Error(`proc_exit(${code})`); };
      return () => EBADF;
    },
  });
  const { instance } = await WebAssembly.instantiate(bytes, { wasi_snapshot_preview1: wasiImports });
  memory = instance.exports.memory;
  const { sqlite3_open, sqlite3_exec } = instance.exports;
  // Strings in a page of our own at the end of memory (malloc grows past it).
  const base = memory.grow(1) * 65536;
  const put = (at, text) => {
    const encoded = new TextEncoder().encode(text + '\0');
    new Uint8Array(memory.buffer, at, encoded.length).set(encoded);
    return at;
  };
  const name = put(base, ':memory:');
  const dbp = base + 64;
  if (sqlite3_open(name, dbp) !== 0) throw new Error('sqlite3_open failed');
  const db = new Uint32Array(memory.buffer, dbp, 1)[0];
  const sql = put(base + 128, "SELECT julianday('now');");
  return (n) => {
    wanted = n;
    made = [];
    if (sqlite3_exec(db, sql, 0, 0, 0) !== 0) throw new Error('sqlite3_exec failed');
    if (made.length !== n) throw new Error(`made ${made.length} errors, not ${n}`);
    return made;
  };
}

// ---- measuring -------------------------------------------------------------------------------

/** Median µs per `.stack` read, crosstrace and V8, alternating rounds. */
function steady(make) {
  const ours = [];
  const v8 = [];
  const time = () => {
    const errors = make(PER_ROUND);
    const t0 = now();
    let chars = 0;
    for (const e of errors) chars += e.stack.length;
    const t1 = now();
    if (chars === 0) throw new Error('empty stacks');
    return micros(t0, t1) / PER_ROUND;
  };
  for (let r = 0; r < ROUNDS; r++) {
    install();
    time(); // warm: symbolized once, then cached
    ours.push(time());
    uninstall();
    time();
    v8.push(time());
  }
  return { ours: median(ours), v8: median(v8) };
}

/** The first `.stack` read of an error from a module crosstrace has not symbolized yet. */
async function firstUse(bytes, kind) {
  const ours = [];
  const v8 = [];
  for (let r = 0; r < FIRST_USE_RUNS; r++) {
    install();
    const make = await big(unique(bytes, `first-${r}`), kind);
    let error = make(1)[0];
    let t0 = now();
    void error.stack;
    ours.push(micros(t0, now()));
    uninstall();
    const plain = await big(unique(bytes, `plain-${r}`), kind);
    error = plain(1)[0];
    t0 = now();
    void error.stack;
    v8.push(micros(t0, now()));
  }
  return { ours: median(ours), v8: median(v8) };
}

// JS only: what every other error in the program pays while the hook is installed.
const jsOnly = steady((n) => {
  const made = [];
  const depth = (k) => (k === 0 ? made.push(new Error('no wasm here')) : depth(k - 1));
  for (let i = 0; i < n; i++) depth(12);
  return made;
});
const inv = steady(await inventory());
const { name, path, kind } = bigModule();
const bigBytes = new Uint8Array(readFileSync(path));
install();
const bigMake = await big(bigBytes, kind);
const sample = bigMake(1)[0].stack.split('\n');
uninstall();
const bigSteady = steady(bigMake);
const first = await firstUse(bigBytes, kind);

const f = (x) => (x >= 1000 ? `${(x / 1000).toFixed(2)} ms` : `${x.toFixed(2)} µs`);
console.log('### Reading err.stack with the register hook (crosstrace) vs V8 alone\n');
console.log(`${ROUNDS} alternating rounds of ${PER_ROUND} errors (medians); first use: ${FIRST_USE_RUNS} fresh modules.\n`);
console.log('| stack | V8 | crosstrace | ratio |');
console.log('|---|---|---|---|');
console.log(`| JS only, 10 frames (no wasm: the cost every other error pays) | ${f(jsOnly.v8)} | ${f(jsOnly.ours)} | ${(jsOnly.ours / jsOnly.v8).toFixed(2)}× |`);
console.log(`| inventory fixture, 10 frames (1 wasm frame → 4 inlined source frames), steady state | ${f(inv.v8)} | ${f(inv.ours)} | ${(inv.ours / inv.v8).toFixed(2)}× |`);
console.log(`| ${name}, 10 frames (${sample.length - 1} lines with crosstrace), steady state | ${f(bigSteady.v8)} | ${f(bigSteady.ours)} | ${(bigSteady.ours / bigSteady.v8).toFixed(2)}× |`);
console.log(`| ${name}, first use (${(bigBytes.length / 1048576).toFixed(1)} MB module, DWARF parsed on demand) | ${f(first.v8)} | ${f(first.ours)} | ${(first.ours / first.v8).toFixed(0)}× |`);
const worst = Math.max(jsOnly.ours / jsOnly.v8, inv.ours / inv.v8, bigSteady.ours / bigSteady.v8);
console.log(`\nsteady state: ${worst <= 1.5 ? 'within' : 'OVER'} the 1.5× target (worst ${worst.toFixed(2)}×)`);
