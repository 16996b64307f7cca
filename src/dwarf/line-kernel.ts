/**
 * Large line programs decoded by a WebAssembly kernel (kernel/line-program.c).
 *
 * A unit's line program is decoded once per process, and for a large one (a C amalgamation's
 * is ~1 MB) that happens before V8 has optimized the JavaScript decoder: measured on sqlite3,
 * 25–45 ms of mostly interpreted work, and ~35 ms of optimizing-compiler time on V8's worker
 * threads, which on a 2-core machine compete with the decoding itself. V8 runs wasm at full
 * speed from its first instruction. The kernel decodes the shapes compilers write for wasm32 and
 * gives up on anything else, and the JavaScript decoder (`runProgram`, which it matches row
 * for row: test/line-kernel.test.ts) then decodes the whole program.
 *
 * In a kernel arena (the CLI's) rows stay where the kernel wrote them and the table's arrays are
 * views of them, and programs of every size go through the kernel (line.ts); elsewhere rows are
 * copied out of the kernel's scratch memory (kernel-module.ts), and small programs are left to
 * JavaScript, which decodes them quickly enough.
 */
import { copyIn, inPlace, kept, KernelLayout, KernelModule } from './kernel-module.js';
import { WASM_BASE64 } from './kernel/line-program.wasm.js';

/** Programs shorter than this are decoded in JavaScript outside an arena, where the kernel's rows are copied out. */
export const KERNEL_MIN_PROGRAM = 1 << 16;

export interface KernelParams {
  minInstLength: number;
  lineBase: number;
  lineRange: number;
  opcodeBase: number;
  standardLengths: Uint8Array;
}

export interface KernelRows {
  rowCount: number;
  addresses: Uint32Array<ArrayBuffer>;
  /** Two entries a row, as `LineTable.rowPayload`. */
  payload: Uint32Array<ArrayBuffer>;
  discriminators: Uint32Array<ArrayBuffer>;
  /** As `LineTable.wideRows` and `wideAddresses`. */
  wideRows: Uint32Array<ArrayBuffer>;
  wideAddresses: Float64Array<ArrayBuffer>;
  /** Kept sequences in program order: low, high, first row, one past the last row. */
  sequences: Float64Array<ArrayBuffer>;
}

type Run = (
  program: number, length: number, standardLengths: number,
  minInstLength: number, lineBase: number, lineRange: number, opcodeBase: number,
  addresses: number, payload: number, discriminators: number, wide: number, sequences: number, counts: number,
  zeroed: number,
) => number;

const kernel = new KernelModule(WASM_BASE64);

/**
 * The rows of the program `bytes[start, end)`, or null when the kernel gave up or cannot run
 * (the caller then decodes in JavaScript).
 */
export function decodeInKernel(bytes: Uint8Array, start: number, end: number, params: KernelParams): KernelRows | null {
  const length = end - start;
  // Every row takes at least one program byte, and a kept sequence at least two rows.
  const capacity = length + 1;
  const layout = new KernelLayout();
  const standardAt = layout.place(256);
  const programAt = layout.place(length);
  const addressesAt = layout.place(4 * capacity);
  const payloadAt = layout.place(8 * capacity);
  const discriminatorsAt = layout.place(4 * capacity);
  const wideAt = layout.place(12 * capacity);
  const sequencesAt = layout.place(24 * ((capacity >> 1) + 1));
  const countsAt = layout.place(8);
  const run = kernel.instantiate(layout.size, bytes);
  if (run === null) return null;
  const at = (offset: number): number => run.base + offset;
  const buffer = run.buffer;
  const heap = new Uint8Array(buffer);
  heap.set(params.standardLengths.subarray(0, 256), at(standardAt));
  const program = inPlace(run, bytes, start) ?? copyIn(heap, bytes.subarray(start, end), at(programAt));
  const rowCount = (run.exports.run as Run)(
    program, length, at(standardAt),
    params.minInstLength, params.lineBase, params.lineRange, params.opcodeBase,
    at(addressesAt), at(payloadAt), at(discriminatorsAt), at(wideAt), at(sequencesAt), at(countsAt),
    run.scratch ? 0 : 1,
  );
  if (rowCount < 0) return null;
  const [sequenceCount, cappedCount] = new Uint32Array(buffer, at(countsAt), 2);
  // Addresses as exact doubles (the kernel gives up on any from 2^53 on).
  const words = new Uint32Array(buffer, at(sequencesAt), 6 * sequenceCount);
  const sequences = new Float64Array(4 * sequenceCount);
  for (let i = 0; i < sequenceCount; i++) {
    sequences[4 * i] = exact(words[6 * i], words[6 * i + 1]);
    sequences[4 * i + 1] = exact(words[6 * i + 2], words[6 * i + 3]);
    sequences[4 * i + 2] = words[6 * i + 4];
    sequences[4 * i + 3] = words[6 * i + 5];
  }
  const capped = new Uint32Array(buffer, at(wideAt), 3 * cappedCount);
  const wideRows = new Uint32Array(cappedCount);
  const wideAddresses = new Float64Array(cappedCount);
  for (let i = 0; i < cappedCount; i++) {
    wideRows[i] = capped[3 * i];
    wideAddresses[i] = exact(capped[3 * i + 1], capped[3 * i + 2]);
  }
  return {
    rowCount,
    addresses: kept(run, new Uint32Array(buffer, at(addressesAt), rowCount)),
    payload: kept(run, new Uint32Array(buffer, at(payloadAt), 2 * rowCount)),
    discriminators: kept(run, new Uint32Array(buffer, at(discriminatorsAt), rowCount)),
    wideRows,
    wideAddresses,
    sequences,
  };
}

/**
 * The number whose low and high 32 bits these are. The high word is nearly always 0: then the
 * low one as it is, which cold code keeps a small integer instead of a new heap number each.
 */
function exact(low: number, high: number): number {
  return high === 0 ? low : low + high * 2 ** 32;
}
