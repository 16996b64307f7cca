#!/usr/bin/env node
// Cost of the foreign traceback protocol (src/trace). Prints a markdown table.
//
//   node bench/trace-bench.mjs            # after `node scripts/build.mjs dist`
//   CROSSTRACE_TRACE=/path/to/trace/index.js node bench/trace-bench.mjs
//
// Part 1: a wasm → JS import call. A wasm loop calls an import N times; the same loop with the
// plain JS function as import is the baseline, measured in the same process, interleaved with
// the case. Hooks can be set once per realm, and the wrappers' JIT feedback should not mix
// cases, so every case runs in its own child process (this script with --case).
// Part 2: one traceback in the seed's program (C1 → G1 → C2 → G2; callers + callersFrames at G2).
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { fileURLToPath, pathToFileURL } from 'node:url';

const here = fileURLToPath(new URL('.', import.meta.url));
const fixture = readFileSync(new URL('../fixtures/tracebackctxt/tracebackctxt.wasm', import.meta.url));

async function loadTrace() {
  const candidates = [
    process.env.CROSSTRACE_TRACE && pathToFileURL(process.env.CROSSTRACE_TRACE).href,
    new URL('../dist/esm/index.js', import.meta.url).href,
    new URL('../dist/esm/trace/index.js', import.meta.url).href,
  ].filter(Boolean);
  for (const url of candidates) {
    try {
      const m = await import(url);
      if (typeof m.setForeignTraceback === 'function') return m;
    } catch {
      // try the next
    }
  }
  throw new Error('crosstrace is not built: run `node scripts/build.mjs dist` (or set CROSSTRACE_TRACE)');
}

// (module (import "env" "g" (func (param i32) (result i32)))
//   (func (export "run") (param $n i32) (result i32) (local $acc i32)
//     loop: while n != 0 { acc += g(n); n -= 1 }  acc))
const LOOP = new Uint8Array([
  0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
  0x01, 0x06, 0x01, 0x60, 0x01, 0x7f, 0x01, 0x7f,
  0x02, 0x09, 0x01, 0x03, 0x65, 0x6e, 0x76, 0x01, 0x67, 0x00, 0x00,
  0x03, 0x02, 0x01, 0x00,
  0x07, 0x07, 0x01, 0x03, 0x72, 0x75, 0x6e, 0x00, 0x01,
  0x0a, 0x25, 0x01, 0x23, 0x01, 0x01, 0x7f,
  0x02, 0x40, 0x03, 0x40,
  0x20, 0x00, 0x45, 0x0d, 0x01,
  0x20, 0x01, 0x20, 0x00, 0x10, 0x00, 0x6a, 0x21, 0x01,
  0x20, 0x00, 0x41, 0x01, 0x6b, 0x21, 0x00,
  0x0c, 0x00, 0x0b, 0x0b,
  0x20, 0x01, 0x0b,
]);

const CALLS = 1_000_000;
const REPS = 31;

function g(x) {
  return x & 7;
}

const median = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];

function nsPerCall(run) {
  const t0 = process.hrtime.bigint();
  run(CALLS);
  return Number(process.hrtime.bigint() - t0) / CALLS;
}

/** Per-call ns of the case and of the plain import, interleaved in this process. */
async function measureImport(kind) {
  const t = await loadTrace();
  const WA = globalThis.WebAssembly;
  const plain = (await WA.instantiate(LOOP, { env: { g } })).instance.exports.run;
  let run;
  if (kind === 'exact' || kind === 'js-hook' || kind === 'c-hook') {
    run = (await t.instantiate(LOOP, { env: { g } })).instance.exports.run;
  } else if (kind === 'generic') {
    run = (await WA.instantiate(LOOP, t.instrumentImports({ env: { g } }))).instance.exports.run;
  }
  if (kind === 'js-hook') {
    t.setForeignTraceback(0, null, (arg) => {
      if (arg.context === 0) arg.context = 1;
    });
  } else if (kind === 'c-hook') {
    const seed = await t.instantiate(fixture, { env: { G1() {}, G2() {}, G3() {} } });
    const hooks = t.wasmHooks(seed.instance, { traceback: 'tcTraceback', context: 'tcContext', symbolizer: 'tcSymbolizer' });
    t.setForeignTraceback(0, hooks.traceback, hooks.context, hooks.symbolizer);
  }
  const base = [];
  const cost = [];
  for (let i = 0; i < 3; i++) nsPerCall(plain), nsPerCall(run); // warm-up
  for (let i = 0; i < REPS; i++) {
    base.push(nsPerCall(plain));
    cost.push(nsPerCall(run));
  }
  const ratios = base.map((b, i) => cost[i] / b);
  return { base: median(base), cost: median(cost), ratio: median(ratios) };
}

/** µs per traceback (callers + callersFrames, all frames) at the bottom of the seed's program. */
async function measureTraceback(kind) {
  const t = await loadTrace();
  const TRACEBACKS = 2000;
  let exports;
  let frames = 0;
  let time = 0n;
  const env = {
    G1() {
      exports.C2();
    },
    G2() {
      const t0 = process.hrtime.bigint();
      for (let i = 0; i < TRACEBACKS; i++) {
        const pcs = new Array(32).fill(0);
        const n = t.callers(0, pcs);
        frames = [...t.callersFrames(pcs.slice(0, n))].length;
      }
      time += process.hrtime.bigint() - t0;
    },
    G3() {},
  };
  const { instance } = await t.instantiate(fixture, { env });
  exports = instance.exports;
  if (kind === 'js-hooks') {
    let count = 0;
    t.setForeignTraceback(
      0,
      (arg) => {
        const base = arg.context << 8;
        for (let i = 0; i < arg.context && i < arg.max; i++) arg.buf[i] = base + i;
      },
      (arg) => {
        if (arg.context === 0) arg.context = ++count;
        else count--;
      },
      (arg) => {
        if (arg.pc === 0) return;
        arg.more = arg.file === null ? 1 : 0;
        arg.file = 'tracebackctxt.go';
        arg.func = 'cFunction';
        arg.lineno = arg.pc + (arg.more << 16);
      },
    );
  } else if (kind === 'c-hooks') {
    const hooks = t.wasmHooks(instance, { traceback: 'tcTraceback', context: 'tcContext', symbolizer: 'tcSymbolizer' });
    t.setForeignTraceback(0, hooks.traceback, hooks.context, hooks.symbolizer);
  }
  exports.C1(); // warm-up
  const reps = [];
  for (let i = 0; i < 7; i++) {
    time = 0n;
    exports.C1();
    reps.push(Number(time) / TRACEBACKS / 1000);
  }
  return { us: median(reps), frames };
}

const caseArg = process.argv.find((a) => a.startsWith('--case='));
if (caseArg) {
  const [part, kind] = caseArg.slice('--case='.length).split(':');
  const result = part === 'import' ? await measureImport(kind) : await measureTraceback(kind);
  process.stdout.write(JSON.stringify(result));
} else {
  const child = (c) => JSON.parse(execFileSync(process.execPath, [fileURLToPath(import.meta.url), `--case=${c}`], { cwd: here, env: process.env }).toString());
  const imports = [
    ['exact', 'instrumented (`instantiate`, exact-arity wrapper), no hook', '≤ 1.2×'],
    ['generic', 'instrumented (`instrumentImports`, arity unknown), no hook', '≤ 1.2×'],
    ['js-hook', 'instrumented, trivial JS context hook', '≤ 2×'],
    ['c-hook', "instrumented, the seed's C hooks (`wasmHooks`: tcContext in wasm)", '—'],
  ];
  const lines = [];
  lines.push(`Node ${process.version}, ${cpus().length} CPUs, load average ${loadavg()[0].toFixed(1)} at the start. Each case runs in its own process; its samples (${CALLS.toLocaleString('en-US')} calls each) alternate with samples of the same loop calling the plain import. ns/call: medians of ${REPS} samples; ratio: median of the ${REPS} paired ratios.`);
  lines.push('');
  lines.push('| wasm → JS import call | ns/call | uninstrumented, same process | ratio | target |');
  lines.push('| --- | ---: | ---: | ---: | --- |');
  for (const [kind, label, target] of imports) {
    const r = child(`import:${kind}`);
    lines.push(`| ${label} | ${r.cost.toFixed(2)} | ${r.base.toFixed(2)} | ${r.ratio.toFixed(2)}× | ${target} |`);
  }
  lines.push('');
  lines.push("| one traceback at G2 in the seed's program (`callers` + `callersFrames`) | µs | frames |");
  lines.push('| --- | ---: | ---: |');
  for (const [kind, label] of [
    ['none', 'no hooks (JS and wasm frames, DWARF-symbolized)'],
    ['js-hooks', "the seed's hooks in JavaScript"],
    ['c-hooks', "the seed's C hooks in wasm (`wasmHooks`)"],
  ]) {
    const r = child(`traceback:${kind}`);
    lines.push(`| ${label} | ${r.us.toFixed(1)} | ${r.frames} |`);
  }
  console.log(lines.join('\n'));
}
