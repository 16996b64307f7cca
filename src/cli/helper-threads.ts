import { readdirSync } from 'node:fs';
import { getPriority, setPriority } from 'node:os';

/**
 * Lets V8's helper threads yield to the CLI's main thread.
 *
 * A batch run's critical path is its main thread: it reads the module, builds the indexes and
 * answers. Meanwhile V8's platform workers compile hot functions (~270 ms of optimizing-compiler
 * time in a 100k-address run, for ~100 functions) and help the collector. On a 2-core machine
 * whose other core also serves the process reading our output, a woken worker often lands on
 * the main thread's core and preempts it: `perf sched` showed the main thread runnable but off
 * its core for 36–58 ms of a ~450 ms run, most of it right after queueing an optimization job.
 * Ten steps lower the workers run when a core is idle and rarely preempt (4–19 ms); with the other
 * changes of its commit the batch run into a pipe was ~2.5 % faster over 40 alternating rounds
 * (docs/benchmarks.md).
 *
 * Only the threads that exist when the CLI starts are lowered: Node's platform workers and its
 * delayed-task thread (all threads before the first asynchronous file operation, which starts
 * libuv's pool; those threads inherit the main thread's priority, so the writer feeding a pipe
 * keeps it). Linux only: there `setpriority` on a thread id changes that one thread, and
 * /proc/self/task lists them. Raising a nice value needs no privilege; a failure changes
 * nothing. The library never does this: a host process's threads are the host's business.
 */
export function letHelperThreadsYield(): void {
  if (process.platform !== 'linux') return;
  let threads: string[];
  try {
    threads = readdirSync('/proc/self/task');
  } catch {
    return;
  }
  for (const thread of threads) {
    const id = Number(thread);
    if (!Number.isInteger(id) || id === process.pid) continue;
    try {
      // Relative to where it is: a run started under `nice` keeps its helpers below its main thread.
      setPriority(id, Math.min(LOWEST, getPriority(id) + HELPER_NICE));
    } catch {
      // A thread that has ended, or a system that refuses: it keeps its priority.
    }
  }
}

/** Low enough that a helper waits for an idle core, not so low that optimized code arrives late (19 measured no better). */
const HELPER_NICE = 10;
const LOWEST = 19;
