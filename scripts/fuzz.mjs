#!/usr/bin/env node
// The long fuzz campaign over the wasm and DWARF readers (docs/fuzzing.md).
//
// It runs the compiled test tree: build it first with `node scripts/build.mjs test`, which puts
// the library in build/src and the mutation engine (test/support/mutate.ts) in
// build/test/support/mutate.js. `--build DIR` points at another tree with the same layout.
//
//   nice -n 19 node scripts/fuzz.mjs --inputs 1000000 --seed 1
//   node scripts/fuzz.mjs --seed 1 --replay 123456     # rebuild, save and run one input, with its stack
//   node scripts/fuzz.mjs --file /tmp/x.wasm [--guard]  # run a saved input (addresses from x.json)
//   node scripts/fuzz.mjs --crafted                    # the hand-built hostile shapes, each in a limited worker
//   node scripts/fuzz.mjs --inputs 600 --self-test hang@50,oom@321,throw@450   # check the harness itself
//
// Inputs run in worker threads, a batch at a time. Each worker publishes the iteration it is
// running and when it started in shared memory; the parent kills a worker whose input runs past
// --hang-ms, records that input as a hang and carries on after it. Workers run with a 512 MB old
// generation, so an unbounded allocation crashes the worker and is attributed to the running
// input; RSS growth past --rss-mb is flagged per input too. Every finding is rerun alone in a fresh
// worker to confirm it, and saved as <out>/<kind>-<seed>-<iteration>.wasm with a .json beside it.
// Exit status: 0 when nothing was found, 1 on findings, 2 on bad usage.

import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';
import { readFileSync, readdirSync, mkdirSync, writeFileSync, existsSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { tmpdir } from 'node:os';
import { performance } from 'node:perf_hooks';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

function fixtureFiles() {
  const found = [];
  const walk = (dir) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (entry.name.endsWith('.wasm')) found.push(path);
    }
  };
  walk(join(root, 'fixtures'));
  return found.sort().map((path) => ({ path: relative(root, path), bytes: new Uint8Array(readFileSync(path)) }));
}

async function loadEngine(buildDir) {
  const file = join(buildDir, 'test/support/mutate.js');
  if (!existsSync(file)) {
    throw new Error(`${file} not found: build the test tree first (node scripts/build.mjs test)`);
  }
  const engine = await import(pathToFileURL(file).href);
  if (process.env.CROSSTRACE_FUZZ_KERNELS === '1') {
    // The WebAssembly kernels for every line program and unit, not only large ones (the fixtures' are small).
    (await import(pathToFileURL(join(buildDir, 'src/dwarf/line.js')).href)).setKernelMinProgram(0);
    (await import(pathToFileURL(join(buildDir, 'src/dwarf/subroutines.js')).href)).setKernelMinUnit(0);
  }
  return engine;
}

// ---------------------------------------------------------------------------------------------
// Worker: runs batches of iterations, reports aggregated statistics per batch.

if (!isMainThread && workerData.single) {
  // One crafted or saved input in a fresh worker: the parent enforces time and heap limits.
  const { buildDir, single, sweepUnits } = workerData;
  const engine = await loadEngine(buildDir);
  const corpus = engine.loadCorpus(fixtureFiles());
  const input = single.file
    ? { bytes: new Uint8Array(readFileSync(single.file)), addresses: single.addresses }
    : engine.craftedInput(corpus, single.shape, single.size);
  const rss0 = process.memoryUsage.rss();
  const t0 = performance.now();
  const result = engine.exercise(input.bytes, input.addresses, { sweep: true, maxSweepUnits: sweepUnits });
  const ms = performance.now() - t0;
  const { used_heap_size: heap } = (await import('node:v8')).getHeapStatistics();
  parentPort.postMessage({ ms, size: input.bytes.length, rssGrowth: process.memoryUsage.rss() - rss0, heap, result });
} else if (!isMainThread) {
  const { buildDir, seed, sweepUnits, slowMs, rssMb, base } = workerData;
  // --self-test plants failures at given iterations to check that they are caught and attributed.
  const selfTest = new Map((workerData.selfTest ?? []).map(({ kind, iteration }) => [iteration, kind]));
  const engine = await loadEngine(buildDir);
  const corpus = engine.loadCorpus(fixtureFiles());
  // [0] iteration running, [1] 1 while busy, [2] its start (ms since `base`), [3] inputs done.
  const state = new Int32Array(workerData.shared);
  let rssMark = process.memoryUsage.rss();
  // Checked after every input when the Rust demangler works here at all (see rustDemanglerWorks).
  const rustCanary = engine.rustDemanglerWorks();
  const demanglerWasm = rustCanary ? readFileSync(join(root, 'node_modules/gecko-profiler-demangle/index_bg.wasm')) : null;

  parentPort.on('message', ({ from, to }) => {
    const stats = newStats();
    for (let i = from; i < to; i++) {
      Atomics.store(state, 0, i);
      Atomics.store(state, 2, Math.round(Date.now() - base));
      Atomics.store(state, 1, 1);
      const g0 = performance.now();
      const input = engine.generateInput(corpus, seed, i);
      const t0 = performance.now();
      const planted = selfTest.get(i);
      if (planted === 'hang') for (;;);
      if (planted === 'oom') for (const hog = []; ; ) hog.push(new Array(1 << 20).fill(i));
      const result = planted === 'throw'
        ? { ...engine.exercise(new Uint8Array(0), [], {}), outcome: 'finding', finding: engine.findingOf('lookup', new TypeError('planted by --self-test')) }
        : engine.exercise(input.bytes, input.addresses, { sweep: true, maxSweepUnits: sweepUnits, rustCanary });
      const t1 = performance.now();
      if (result.finding?.stage === 'invariant' && demanglerWasm && !engine.rustDemanglerWorks()) engine.resetRustDemangler(demanglerWasm);
      Atomics.store(state, 1, 0);
      Atomics.add(state, 3, 1);
      record(stats, input, result, t1 - t0, t0 - g0);
      const rss = process.memoryUsage.rss();
      if (rss > stats.maxRss) stats.maxRss = rss;
      if (rss - rssMark > rssMb * 1024 * 1024) {
        // Flag the input that pushed RSS up by more than the budget, then measure from here.
        stats.findings.push(describe(input, 'memory', {
          stage: 'memory', errorName: 'RssGrowth', message: `RSS grew by ${mb(rss - rssMark)} MB (to ${mb(rss)} MB) during this input`,
          stack: '', signature: 'memory RssGrowth',
        }));
        rssMark = rss;
      }
      if (t1 - t0 > slowMs) stats.slow.push({ iteration: i, ms: t1 - t0, strategy: input.strategy, seedIndex: input.seedIndex, ops: input.ops });
    }
    parentPort.postMessage({ type: 'batch', from, to, stats });
  });
  parentPort.postMessage({ type: 'ready' });
}

function newStats() {
  return {
    inputs: 0, outcomes: {}, typedErrors: {}, strategies: {}, reachedDwarf: 0, dwarfParsed: 0, unitHit: 0,
    degraded: 0, frames: 0, exerciseMs: 0, generateMs: 0, slowest: { ms: 0, iteration: -1 }, maxRss: 0,
    findings: [], slow: [],
  };
}

function bump(map, key, n = 1) {
  map[key] = (map[key] ?? 0) + n;
}

function record(stats, input, result, ms, genMs) {
  stats.inputs++;
  bump(stats.outcomes, result.outcome);
  bump(stats.strategies, input.strategy);
  for (const t of new Set(result.typedErrors)) bump(stats.typedErrors, t);
  if (result.reachedDwarf) stats.reachedDwarf++;
  if (result.dwarfParsed) stats.dwarfParsed++;
  if (result.unitHit) stats.unitHit++;
  if (result.diagnostics > 0) stats.degraded++;
  stats.frames += result.frames;
  stats.exerciseMs += ms;
  stats.generateMs += genMs;
  if (ms > stats.slowest.ms) stats.slowest = { ms, iteration: input.iteration };
  if (result.finding) stats.findings.push(describe(input, 'exception', result.finding));
}

function describe(input, kind, finding) {
  return {
    kind, iteration: input.iteration, strategy: input.strategy, seedIndex: input.seedIndex, ops: input.ops,
    addresses: input.addresses.map(String), size: input.bytes.length, finding,
  };
}

function merge(total, s) {
  total.inputs += s.inputs;
  for (const key of ['outcomes', 'typedErrors', 'strategies']) for (const [k, v] of Object.entries(s[key])) bump(total[key], k, v);
  for (const key of ['reachedDwarf', 'dwarfParsed', 'unitHit', 'degraded', 'frames', 'exerciseMs', 'generateMs']) total[key] += s[key];
  if (s.slowest.ms > total.slowest.ms) total.slowest = s.slowest;
  total.maxRss = Math.max(total.maxRss, s.maxRss);
  total.slow.push(...s.slow);
  total.slow.sort((a, b) => b.ms - a.ms);
  total.slow.length = Math.min(total.slow.length, 10);
}

const mb = (bytes) => Math.round(bytes / (1024 * 1024));

// ---------------------------------------------------------------------------------------------
// Parent

function parseArgs(argv) {
  const args = {
    inputs: 1_000_000, seed: null, workers: 1, batch: 2000, hangMs: 10_000, slowMs: 1000, rssMb: 256, heapMb: 512,
    out: null, build: join(root, 'build'), start: 0, replay: null, file: null, sweepUnits: 64, progress: 30,
    crafted: false, craftedSize: 256 * 1024, guard: false, selfTest: [],
  };
  const numeric = { '--inputs': 'inputs', '--seed': 'seed', '--workers': 'workers', '--batch': 'batch', '--hang-ms': 'hangMs',
    '--slow-ms': 'slowMs', '--rss-mb': 'rssMb', '--heap-mb': 'heapMb', '--start': 'start', '--replay': 'replay',
    '--sweep-units': 'sweepUnits', '--progress': 'progress', '--crafted-size': 'craftedSize' };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const value = argv[i + 1];
    if (a in numeric) {
      const n = Number(value);
      if (value === undefined || !Number.isFinite(n) || n < 0) usage(`${a} needs a non-negative number`);
      args[numeric[a]] = n;
      i++;
    } else if (a === '--out' || a === '--build' || a === '--file') {
      if (value === undefined) usage(`${a} needs a path`);
      args[a.slice(2)] = resolve(value);
      i++;
    } else if (a === '--self-test') {
      // e.g. hang@50,oom@120,throw@200
      if (value === undefined || !/^((hang|oom|throw)@\d+,?)+$/.test(value)) usage('--self-test needs KIND@ITERATION[,...] with KIND hang, oom or throw');
      args.selfTest = value.split(',').filter(Boolean).map((p) => ({ kind: p.split('@')[0], iteration: Number(p.split('@')[1]) }));
      i++;
    } else if (a === '--crafted' || a === '--guard') {
      args[a.slice(2)] = true;
    } else if (a === '--help' || a === '-h') {
      usage(null);
    } else {
      usage(`unknown argument ${a}`);
    }
  }
  if (args.seed === null) args.seed = (Date.now() ^ (process.pid << 16)) >>> 0;
  args.seed >>>= 0;
  args.out ??= join(tmpdir(), `crosstrace-fuzz-${args.seed}`);
  return args;
}

function usage(error) {
  const text = `usage: node scripts/fuzz.mjs [--inputs N] [--seed S] [--workers W] [--batch B] [--start I]
       [--hang-ms MS] [--slow-ms MS] [--rss-mb MB] [--heap-mb MB] [--sweep-units N] [--progress SECONDS]
       [--out DIR] [--build DIR] [--self-test KIND@ITERATION,...]
   or: node scripts/fuzz.mjs --seed S --replay ITERATION [--out DIR]
   or: node scripts/fuzz.mjs --file INPUT.wasm [--guard]   (addresses from INPUT.json when present;
                                                         --guard: in a worker with the time/heap limits)
   or: node scripts/fuzz.mjs --crafted [--crafted-size BYTES] [--hang-ms MS] [--slow-ms MS]
CROSSTRACE_FUZZ_KERNELS=1 runs every line program and unit through the WebAssembly kernels.
Build first: node scripts/build.mjs test`;
  if (error) console.error(`fuzz: ${error}\n${text}`);
  else console.log(text);
  process.exit(error ? 2 : 0);
}

function saveInput(args, name, bytes, meta) {
  mkdirSync(args.out, { recursive: true });
  const base = join(args.out, name);
  writeFileSync(`${base}.wasm`, bytes);
  writeFileSync(`${base}.json`, JSON.stringify(meta, null, 2) + '\n');
  return `${base}.wasm`;
}

function printResult(result) {
  console.log(`outcome: ${result.outcome}; reached DWARF: ${result.reachedDwarf}; unit headers parsed: ${result.dwarfParsed}; ` +
    `unit hit: ${result.unitHit}; diagnostics: ${result.diagnostics}; frames: ${result.frames}`);
  if (result.typedErrors.length > 0) console.log(`typed errors: ${result.typedErrors.join(', ')}`);
  if (result.finding) console.log(`FINDING (${result.finding.stage}): ${result.finding.stack || result.finding.message}`);
}

/** Runs one input in a fresh worker under the time and heap limits; resolves with what happened. */
function runGuarded(args, single) {
  return new Promise((resolveRun) => {
    let done = false;
    const finish = (value) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      worker.terminate();
      resolveRun(value);
    };
    const worker = new Worker(new URL(import.meta.url), {
      workerData: { single, buildDir: args.build, sweepUnits: args.sweepUnits },
      resourceLimits: { maxOldGenerationSizeMb: args.heapMb },
    });
    const started = performance.now();
    const timer = setTimeout(() => finish({ kind: 'hang', ms: performance.now() - started }), args.hangMs);
    worker.on('message', (m) => finish({ kind: 'done', ...m }));
    worker.on('error', (e) => finish({ kind: 'crash', ms: performance.now() - started, message: `${e.code ?? e.name}: ${e.message}` }));
    worker.on('exit', (code) => finish({ kind: 'crash', ms: performance.now() - started, message: `worker exited with code ${code}` }));
  });
}

/** Verdict on a guarded run: null when accepted. */
function verdict(args, run) {
  if (run.kind === 'hang') return `hang: still running after ${Math.round(run.ms)} ms`;
  if (run.kind === 'crash') return `crash after ${Math.round(run.ms)} ms (${run.message})`;
  if (run.result.finding) return `${run.result.finding.errorName}: ${run.result.finding.message} @ ${run.result.finding.signature.split(' @ ')[1]}`;
  if (run.rssGrowth > args.rssMb * 1024 * 1024) return `memory: RSS grew by ${mb(run.rssGrowth)} MB`;
  if (run.ms > args.slowMs) return `slow: ${Math.round(run.ms)} ms for a ${Math.round(run.size / 1024)} KB input`;
  return null;
}

async function crafted(args) {
  const engine = await loadEngine(args.build);
  console.log(`crafted shapes at ${Math.round(args.craftedSize / 1024)} KB each; limits: hang ${args.hangMs} ms, slow ${args.slowMs} ms, ` +
    `heap ${args.heapMb} MB, RSS ${args.rssMb} MB`);
  let failures = 0;
  for (const shape of engine.CRAFTED_SHAPES) {
    const run = await runGuarded(args, { shape: shape.name, size: args.craftedSize });
    const problem = verdict(args, run);
    if (problem) failures++;
    const detail = run.kind === 'done'
      ? `${Math.round(run.size / 1024)} KB, ${Math.round(run.ms)} ms, heap ${mb(run.heap)} MB, outcome ${run.result.outcome}`
      : `${Math.round(run.ms)} ms`;
    console.log(`${problem ? 'FAIL' : 'ok  '} ${shape.name.padEnd(26)} ${detail}${problem ? `\n       ${problem}` : ''}\n       (${shape.stresses})`);
  }
  console.log(failures === 0 ? 'all crafted shapes accepted' : `${failures} of ${engine.CRAFTED_SHAPES.length} crafted shapes failed`);
  return failures > 0 ? 1 : 0;
}

async function replay(args) {
  const engine = await loadEngine(args.build);
  if (args.file) {
    const bytes = new Uint8Array(readFileSync(args.file));
    const sidecar = args.file.replace(/\.wasm$/, '') + '.json';
    const addresses = existsSync(sidecar) ? JSON.parse(readFileSync(sidecar, 'utf8')).addresses.map(Number) : [0, 1, 16, 64, 256, -1, NaN];
    console.log(`${args.file}: ${bytes.length} bytes; addresses ${addresses.join(', ')}`);
    if (args.guard) {
      const run = await runGuarded(args, { file: args.file, addresses });
      const problem = verdict(args, run);
      if (run.kind === 'done') printResult(run.result);
      console.log(problem ?? `accepted (${Math.round(run.ms)} ms)`);
      return problem ? 1 : 0;
    }
    const t0 = performance.now();
    const result = engine.exercise(bytes, addresses, { sweep: true, maxSweepUnits: args.sweepUnits, rustCanary: engine.rustDemanglerWorks() });
    console.log(`ran in ${(performance.now() - t0).toFixed(1)} ms`);
    printResult(result);
    return result.finding ? 1 : 0;
  }
  const corpus = engine.loadCorpus(fixtureFiles());
  const input = engine.generateInput(corpus, args.seed, args.replay);
  const path = saveInput(args, `input-${args.seed}-${args.replay}`, input.bytes, {
    seed: args.seed, iteration: args.replay, strategy: input.strategy, fixture: corpus.seeds[input.seedIndex].path,
    ops: input.ops, addresses: input.addresses.map(String),
  });
  console.log(`seed ${args.seed} iteration ${args.replay}: ${input.strategy} mutation of ${corpus.seeds[input.seedIndex].path}`);
  console.log(`ops: ${input.ops.join('; ') || '(none)'}`);
  console.log(`addresses: ${input.addresses.join(', ')}`);
  console.log(`saved ${input.bytes.length} bytes to ${path}`);
  const t0 = performance.now();
  const result = engine.exercise(input.bytes, input.addresses, { sweep: true, maxSweepUnits: args.sweepUnits, rustCanary: engine.rustDemanglerWorks() });
  console.log(`ran in ${(performance.now() - t0).toFixed(1)} ms`);
  printResult(result);
  return result.finding ? 1 : 0;
}

async function campaign(args) {
  const engine = await loadEngine(args.build);
  const corpus = engine.loadCorpus(fixtureFiles());
  const end = args.start + args.inputs;
  console.log(`crosstrace fuzz: seed ${args.seed}, inputs ${args.start}..${end - 1} (${args.inputs}), ${args.workers} worker(s), ` +
    `batch ${args.batch}, hang ${args.hangMs} ms, heap ${args.heapMb} MB, RSS budget ${args.rssMb} MB/input`);
  console.log(`corpus: ${corpus.seeds.length} fixtures (${corpus.withDwarf.length} with DWARF); findings go to ${args.out}`);
  console.log(`reproduce one input: node scripts/fuzz.mjs --seed ${args.seed} --replay ITERATION`);

  const base = Date.now();
  const started = performance.now();
  const total = newStats();
  const findings = new Map(); // signature -> { count, first: [...] }
  const queue = [];
  for (let from = args.start; from < end; from += args.batch) queue.push({ from, to: Math.min(end, from + args.batch) });
  const confirmQueue = [];
  let lastProgress = performance.now();
  let parentMaxRss = process.memoryUsage.rss();
  let unattributedDeaths = 0;

  function addFinding(f, confirmed) {
    const sig = f.finding.signature;
    let entry = findings.get(sig);
    if (!entry) findings.set(sig, (entry = { count: 0, examples: [] }));
    entry.count++;
    if (entry.examples.length < 3) {
      const input = engine.generateInput(corpus, args.seed, f.iteration);
      const file = saveInput(args, `${f.kind}-${args.seed}-${f.iteration}`, input.bytes, {
        seed: args.seed, iteration: f.iteration, kind: f.kind, strategy: f.strategy,
        fixture: corpus.seeds[f.seedIndex].path, ops: f.ops, addresses: f.addresses, confirmed, finding: f.finding,
      });
      entry.examples.push({ ...f, file, confirmed });
      console.log(`\nFINDING ${f.kind} at iteration ${f.iteration} (${f.strategy}, ${corpus.seeds[f.seedIndex].path}): ${f.finding.signature}\n  saved ${file}`);
    }
  }

  // Hangs and worker crashes are rerun alone in a fresh worker before being reported as confirmed.
  function pendingOrConfirm(f) {
    if (f.kind === 'hang' || f.kind === 'crash') confirmQueue.push(f);
    else addFinding(f, true);
  }

  await new Promise((resolveAll) => {
    const slots = [];
    let running = 0;

    function spawn() {
      const shared = new SharedArrayBuffer(16);
      const worker = new Worker(new URL(import.meta.url), {
        workerData: {
          buildDir: args.build, seed: args.seed, sweepUnits: args.sweepUnits, slowMs: args.slowMs, rssMb: args.rssMb, base, shared,
          selfTest: args.selfTest,
        },
        resourceLimits: { maxOldGenerationSizeMb: args.heapMb },
      });
      const slot = { worker, state: new Int32Array(shared), batch: null, ready: false, dead: false, confirming: null };
      worker.on('message', (m) => {
        if (m.type === 'ready') {
          slot.ready = true;
          feed(slot);
        } else if (m.type === 'batch') {
          if (slot.confirming) {
            const f = slot.confirming;
            slot.confirming = null;
            addFinding(f, false);
          } else {
            merge(total, m.stats);
            for (const f of m.stats.findings) pendingOrConfirm(f);
          }
          slot.batch = null;
          running--;
          progress();
          feed(slot);
        }
      });
      const die = (why) => {
        if (slot.dead) return;
        slot.dead = true;
        const batch = slot.batch;
        if (batch) {
          running--;
          const iteration = Atomics.load(slot.state, 0);
          const busy = Atomics.load(slot.state, 1) === 1;
          const at = iteration;
          if (slot.confirming) {
            addFinding(slot.confirming, true);
          } else if (!busy) {
            // Died between inputs: nothing to blame, so run the whole batch again (a few times at most).
            console.log(`\nworker died between inputs (${why.name}: ${why.message}); rerunning ${batch.from}..${batch.to - 1}`);
            if (++unattributedDeaths > 5) {
              console.error('fuzz: workers keep dying outside any input; giving up');
              process.exit(1);
            }
            queue.unshift({ from: batch.from, to: batch.to });
          } else {
            // Inputs before the failing one completed but their statistics died with the worker:
            // rerun them; the failing input is recorded and skipped.
            if (batch.from < at) queue.unshift({ from: batch.from, to: at });
            if (at + 1 < batch.to) queue.unshift({ from: at + 1, to: batch.to });
            const input = engine.generateInput(corpus, args.seed, at);
            const kind = why.kind;
            pendingOrConfirm({
              kind, iteration: at, strategy: input.strategy, seedIndex: input.seedIndex, ops: input.ops,
              addresses: input.addresses.map(String), size: input.bytes.length,
              finding: { stage: kind, errorName: why.name, message: why.message, stack: why.stack ?? '', signature: `${kind} ${why.name}` },
            });
            total.inputs++;
            bump(total.outcomes, 'finding');
            bump(total.strategies, input.strategy);
          }
        }
        slots.splice(slots.indexOf(slot), 1);
        if (queue.length > 0 || confirmQueue.length > 0) slots.push(spawn());
        else maybeDone();
      };
      worker.on('error', (error) => die({ kind: 'crash', name: error.code ?? error.name, message: String(error.message), stack: error.stack }));
      worker.on('exit', (code) => die({ kind: 'crash', name: `exit ${code}`, message: `worker exited with code ${code}` }));
      slot.kill = (why) => {
        die(why);
        worker.terminate();
      };
      return slot;
    }

    function feed(slot) {
      if (!slot.ready || slot.batch || slot.dead) return;
      const confirm = confirmQueue.shift();
      if (confirm) {
        slot.confirming = confirm;
        slot.batch = { from: confirm.iteration, to: confirm.iteration + 1 };
      } else {
        slot.batch = queue.shift() ?? null;
      }
      if (!slot.batch) return maybeDone();
      Atomics.store(slot.state, 3, 0);
      Atomics.store(slot.state, 1, 0);
      running++;
      slot.batch.sent = Date.now();
      slot.worker.postMessage({ from: slot.batch.from, to: slot.batch.to });
    }

    function maybeDone() {
      if (running === 0 && queue.length === 0 && confirmQueue.length === 0) {
        clearInterval(monitor);
        for (const s of slots) {
          s.dead = true;
          s.worker.terminate();
        }
        resolveAll();
      }
    }

    const monitor = setInterval(() => {
      const rss = process.memoryUsage.rss();
      parentMaxRss = Math.max(parentMaxRss, rss);
      const now = Date.now() - base;
      for (const slot of [...slots]) {
        if (!slot.batch || Atomics.load(slot.state, 1) !== 1) continue;
        const elapsed = now - Atomics.load(slot.state, 2);
        if (elapsed > args.hangMs) {
          slot.kill({ kind: 'hang', name: 'Timeout', message: `input still running after ${elapsed} ms (limit ${args.hangMs} ms)` });
        }
      }
      progress();
    }, 200);

    for (let i = 0; i < Math.max(1, args.workers); i++) slots.push(spawn());
  });

  function progress(force = false) {
    const now = performance.now();
    if (!force && now - lastProgress < args.progress * 1000) return;
    lastProgress = now;
    const seconds = (now - started) / 1000;
    const rate = total.inputs / seconds;
    const left = end - args.start - total.inputs;
    const findingCount = [...findings.values()].reduce((n, e) => n + e.count, 0);
    console.log(`[${new Date().toISOString()}] ${total.inputs} inputs, ${rate.toFixed(0)}/s, findings ${findingCount}, ` +
      `ETA ${left > 0 && rate > 0 ? Math.round(left / rate) : 0} s`);
  }

  const seconds = (performance.now() - started) / 1000;
  const findingList = [...findings.entries()].map(([signature, e]) => ({ signature, count: e.count, examples: e.examples }));
  const summary = {
    date: new Date().toISOString(), seed: args.seed, start: args.start, inputs: total.inputs, seconds: Math.round(seconds),
    inputsPerSecond: Math.round(total.inputs / seconds), workers: args.workers, node: process.version,
    outcomes: total.outcomes, strategies: total.strategies, typedErrors: total.typedErrors,
    reachedDwarf: total.reachedDwarf, dwarfParsed: total.dwarfParsed, unitHit: total.unitHit, degraded: total.degraded,
    slowest: { ms: Math.round(total.slowest.ms * 10) / 10, iteration: total.slowest.iteration },
    slow: total.slow.map((s) => ({ ...s, ms: Math.round(s.ms) })),
    meanExerciseMs: Math.round((total.exerciseMs / Math.max(1, total.inputs)) * 1000) / 1000,
    maxRssMb: mb(Math.max(total.maxRss, parentMaxRss)),
    findings: findingList,
  };
  mkdirSync(args.out, { recursive: true });
  writeFileSync(join(args.out, 'summary.json'), JSON.stringify(summary, null, 2) + '\n');

  const pct = (n) => `${((100 * n) / Math.max(1, total.inputs)).toFixed(1)}%`;
  console.log(`\n=== crosstrace fuzz summary (seed ${args.seed}) ===`);
  console.log(`inputs:          ${total.inputs} in ${Math.round(seconds)} s (${summary.inputsPerSecond}/s, mean ${summary.meanExerciseMs} ms/input)`);
  console.log(`strategies:      ${Object.entries(total.strategies).map(([k, v]) => `${k} ${v}`).join(', ')}`);
  console.log(`outcomes:        ${Object.entries(total.outcomes).map(([k, v]) => `${k} ${v} (${pct(v)})`).join(', ')}`);
  console.log(`reached DWARF:   ${total.reachedDwarf} (${pct(total.reachedDwarf)}); unit headers parsed ${total.dwarfParsed}; ` +
    `lookup hit a unit ${total.unitHit}; degraded with diagnostics ${total.degraded}`);
  console.log('typed errors (inputs, by stage:type):');
  for (const [k, v] of Object.entries(total.typedErrors).sort((a, b) => b[1] - a[1])) console.log(`  ${k.padEnd(36)} ${v}`);
  console.log(`slowest input:   ${summary.slowest.ms} ms (iteration ${summary.slowest.iteration})`);
  console.log(`max RSS:         ${summary.maxRssMb} MB`);
  if (findingList.length === 0) {
    console.log('findings:        none');
  } else {
    console.log(`findings:        ${findingList.length} distinct`);
    for (const f of findingList) {
      console.log(`  ${f.count} x ${f.signature}`);
      for (const e of f.examples) console.log(`      iteration ${e.iteration}${e.confirmed ? '' : ' (not reproduced alone)'}: ${e.file}`);
    }
  }
  console.log(`summary written to ${join(args.out, 'summary.json')}`);
  return findingList.length > 0 ? 1 : 0;
}

if (isMainThread) {
  const args = parseArgs(process.argv.slice(2));
  const code = args.crafted ? await crafted(args) : args.replay !== null || args.file ? await replay(args) : await campaign(args);
  process.exit(code);
}
