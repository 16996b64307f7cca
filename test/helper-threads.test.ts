import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fixturePath, repoRoot } from './support/fixtures.js';

/** Nice value of each thread of process `pid` (field 19 of /proc/PID/task/TID/stat), by thread id. */
function nicesOf(pid: number): Map<number, number> {
  const nices = new Map<number, number>();
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    try {
      const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
      nices.set(Number(tid), Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[16]));
    } catch {
      // The thread ended meanwhile.
    }
  }
  return nices;
}

test('the installed command lowers the threads V8 has at start, not its main thread or the I/O pool it starts later', { skip: process.platform !== 'linux' && 'Linux only' }, async () => {
  const child = spawn(process.execPath, [join(repoRoot, 'bin', 'crosstrace.cjs'), 'symbolize', '--obj', fixturePath('c-inline', 'inventory.O2.dwarf5.wasm')]);
  const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
  try {
    // Once waiting on standard input, the command has lowered its workers and started libuv's
    // pool (its reads run there): threads at the main thread's priority with later ids.
    const settled = (nices: Map<number, number>): boolean => {
      const main = nices.get(child.pid!);
      const lowered = [...nices].filter(([, nice]) => nice !== main).map(([tid]) => tid);
      return lowered.length > 0 && [...nices].some(([tid, nice]) => nice === main && tid > Math.max(...lowered));
    };
    let nices = nicesOf(child.pid!);
    for (let waited = 0; waited < 10_000 && !settled(nices); waited += 20) {
      await sleep(20);
      nices = nicesOf(child.pid!);
    }
    const main = nices.get(child.pid!)!;
    const others = [...nices].filter(([tid]) => tid !== child.pid);
    const lowered = others.filter(([, nice]) => nice === Math.min(19, main + 10)).map(([tid]) => tid);
    const level = others.filter(([, nice]) => nice === main).map(([tid]) => tid);
    assert.ok(lowered.length >= 4, `V8's workers ten steps below the main thread: ${JSON.stringify([...nices])}`);
    assert.ok(level.length >= 1, `the I/O pool at the main thread's priority: ${JSON.stringify([...nices])}`);
    assert.equal(lowered.length + level.length, others.length, 'no thread at another priority');
    // Thread ids ascend with creation: the lowered threads are those that existed first.
    assert.ok(Math.max(...lowered) < Math.min(...level), 'the pool started after the workers were lowered');
  } finally {
    child.stdin.end('0x10\n');
  }
  assert.equal(await exited, 0);
});
