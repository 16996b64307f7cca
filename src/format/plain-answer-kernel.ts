/**
 * Plain LLVM answers for one large unit worked out by a WebAssembly kernel
 * (kernel/plain-answers.c), straight from the indexes the DWARF kernels left in the CLI's arena.
 *
 * A batch run's answers were JavaScript that V8 runs as baseline code until it has optimized it:
 * in a 100k-address run ~110 ms of the ~200 spent answering went to that warm-up. The kernel
 * answers the common case (a unit's DIE-covered code, names that are plain ASCII in
 * `.debug_str`, files in the line table) and stops at any other line, which
 * `PlainAnswerWriter` answers; its bytes are that writer's (test/plain-answer-kernel.test.ts
 * compares the two on every fixture address).
 *
 * It runs only where the unit's subroutine index and line table are views of the arena (the
 * DWARF kernels made them there) and `.debug_str` is in it too; elsewhere there is nothing to run
 * it on without copying, and the caller answers everything in JavaScript.
 */
import { KernelLayout, KernelModule, type KernelRun } from '../dwarf/kernel-module.js';
import { NAME_ELSEWHERE, NAME_NONE, type DwarfContext } from '../dwarf/context.js';
import type { Unit } from '../dwarf/unit.js';
import type { SubroutineIndex } from '../dwarf/subroutines.js';
import type { LineTable } from '../dwarf/line.js';
import type { ChunkWriter } from './byte-output.js';
import { WASM_BASE64 } from './kernel/plain-answers.wasm.js';

const kernel = new KernelModule(WASM_BASE64);

/** The kernel's `Frame`, field by field (32-bit words). */
const FRAME = [
  'input', 'inputEnd', 'output', 'outputEnd', 'unitLows', 'unitHighs', 'unitRangeCount',
  'keys', 'highs', 'owners', 'entryCount', 'mapShift', 'mapLimit', 'mapStarts',
  'isInlined', 'parents', 'callFiles', 'callLines', 'callColumns', 'dieCount', 'names',
  'rowAddresses', 'rowPayload', 'seqLows', 'seqHighs', 'seqFirstRows', 'seqLastRows', 'seqCount',
  'filePieces', 'fileCount', 'lineBudget', 'consumed', 'written', 'answered',
] as const;
const F = Object.fromEntries(FRAME.map((name, i) => [name, i])) as Record<(typeof FRAME)[number], number>;

const DONE = 0;
const OUTPUT_FULL = 1;
const NO_FILE = 0xffffffff;
/** Input copied in per call, and room for answers (a call stops when less than 4 KB is left). */
const INPUT_BYTES = 1 << 17;
const OUTPUT_BYTES = 1 << 18;

/** What `answerLines` did: where the first line it left starts, and how many it answered. */
export interface KernelAnswers {
  next: number;
  answered: number;
  /** The line at `next` is for JavaScript to answer (else: input used up, or budget spent). */
  stopped: boolean;
}

/** The indexes of a unit's DIE-covered code in the arena, as the kernel reads them. */
export interface UnitTables {
  dwarf: DwarfContext;
  unit: Unit;
  index: SubroutineIndex;
  lineTable: LineTable | null;
  compDir: string;
}

export class PlainAnswerKernel {
  /** Set when a run trapped: the caller stops using this kernel. */
  failed = false;
  private readonly frame: Uint32Array;
  private readonly heap: Uint8Array;

  private constructor(
    private readonly run: KernelRun,
    private readonly frameAt: number,
    private readonly inputAt: number,
    private readonly outputAt: number,
  ) {
    this.frame = new Uint32Array(run.buffer, frameAt, FRAME.length);
    this.heap = new Uint8Array(run.buffer);
  }

  /** A kernel for `tables`' unit, or null where it cannot run (see above). */
  static prepare(tables: UnitTables): PlainAnswerKernel | null {
    const { dwarf, unit, index, lineTable } = tables;
    const str = dwarf.info.sections.str;
    const map = index.mapArrays();
    const buffer = str.buffer;
    const inArena = (view: ArrayBufferView): boolean => view.buffer === buffer;
    if (!inArena(map.keys) || !inArena(map.highs) || !inArena(map.owners) || !inArena(map.starts)) return null;
    if (![index.isInlined, index.parents, index.callFiles, index.callLines, index.callColumns].every(inArena)) return null;
    // Every name offset then has its NUL before the section's end.
    if (str.length === 0 || str[str.length - 1] !== 0) return null;
    if (lineTable !== null && (!inArena(lineTable.rowAddresses) || !inArena(lineTable.rowPayload))) return null;
    const ranges = dwarf.unitRanges(unit);
    const nameOffsets = dwarf.linkageNameOffsets(unit, index);
    if (nameOffsets === null) return null;
    const sequences = lineTable === null ? 0 : lineTable.sequenceLow.length;
    const files = lineTable === null ? [] : filePieces(lineTable, tables.compDir);
    const pieceBytes = files.reduce((sum, piece) => sum + (piece === null ? 0 : piece.length), 0);

    const layout = new KernelLayout();
    const frameAt = layout.place(4 * FRAME.length);
    const unitAt = layout.place(8 * (ranges.length / 2));
    const namesAt = layout.place(4 * index.count);
    const sequencesAt = layout.place(16 * sequences);
    const piecesAt = layout.place(8 * files.length);
    const pieceBytesAt = layout.place(pieceBytes);
    const inputAt = layout.place(INPUT_BYTES);
    const outputAt = layout.place(OUTPUT_BYTES);
    const run = kernel.instantiate(layout.size, str);
    if (run === null) return null;
    if (run.scratch || run.buffer !== buffer) return null;
    const at = (offset: number): number => run.base + offset;
    const frame = new Uint32Array(buffer, at(frameAt), FRAME.length);

    const rangeCount = ranges.length / 2;
    const lows = new Uint32Array(buffer, at(unitAt), rangeCount);
    const highs = new Uint32Array(buffer, at(unitAt) + 4 * rangeCount, rangeCount);
    let kept = 0;
    for (let r = 0; r < rangeCount; r++) {
      // Ranges past 32 bits are left to JavaScript (a high at 2^32 exactly is capped: no u32 address reaches it).
      if (ranges[2 * r] > 0xffffffff) continue;
      lows[kept] = ranges[2 * r];
      highs[kept] = Math.min(ranges[2 * r + 1], 0xffffffff);
      kept++;
    }
    const names = new Int32Array(buffer, at(namesAt), index.count);
    const strAt = str.byteOffset;
    for (let i = 0; i < index.count; i++) {
      const offset = nameOffsets[i];
      names[i] = offset === NAME_NONE ? NAME_NONE : offset === NAME_ELSEWHERE ? NAME_ELSEWHERE : strAt + offset;
    }
    if (lineTable !== null) {
      const seq = new Uint32Array(buffer, at(sequencesAt), 4 * sequences);
      for (let s = 0; s < sequences; s++) {
        // Capped as the row addresses are: the kernel answers addresses below the cap, which
        // compare with a capped bound as with the exact one (tombstoned code lies above).
        seq[s] = Math.min(lineTable.sequenceLow[s], 0xffffffff);
        seq[sequences + s] = Math.min(lineTable.sequenceHigh[s], 0xffffffff);
        seq[2 * sequences + s] = lineTable.sequenceFirstRow[s];
        seq[3 * sequences + s] = lineTable.sequenceLastRow[s];
      }
      frame[F.rowAddresses] = lineTable.rowAddresses.byteOffset;
      frame[F.rowPayload] = lineTable.rowPayload.byteOffset;
    }
    const pieces = new Uint32Array(buffer, at(piecesAt), 2 * files.length);
    const heap = new Uint8Array(buffer);
    let byte = at(pieceBytesAt);
    for (let file = 0; file < files.length; file++) {
      const piece = files[file];
      if (piece === null) {
        pieces[2 * file] = NO_FILE;
        pieces[2 * file + 1] = NO_FILE;
        continue;
      }
      heap.set(piece, byte);
      pieces[2 * file] = byte;
      pieces[2 * file + 1] = byte + piece.length;
      byte += piece.length;
    }

    // Arrays by where they are in the memory, counts and numbers as they are.
    const arrays: [(typeof FRAME)[number], ArrayBufferView][] = [
      ['unitLows', lows], ['unitHighs', highs], ['keys', map.keys], ['highs', map.highs], ['owners', map.owners],
      ['mapStarts', map.starts], ['isInlined', index.isInlined], ['parents', index.parents],
      ['callFiles', index.callFiles], ['callLines', index.callLines], ['callColumns', index.callColumns],
      ['names', names], ['filePieces', pieces],
    ];
    for (const [field, view] of arrays) frame[F[field]] = view.byteOffset;
    frame[F.unitRangeCount] = kept;
    frame[F.entryCount] = map.keys.length;
    frame[F.mapShift] = map.shift;
    frame[F.mapLimit] = map.limit;
    frame[F.dieCount] = index.count;
    frame[F.seqLows] = at(sequencesAt);
    frame[F.seqHighs] = at(sequencesAt) + 4 * sequences;
    frame[F.seqFirstRows] = at(sequencesAt) + 8 * sequences;
    frame[F.seqLastRows] = at(sequencesAt) + 12 * sequences;
    frame[F.seqCount] = sequences;
    frame[F.fileCount] = files.length;
    return new PlainAnswerKernel(run, at(frameAt), at(inputAt), at(outputAt));
  }

  /**
   * Answers lines of `bytes` from `from` into `out`, at most `limit` of them, until one that is
   * JavaScript's (`stopped`), the input's last complete line, or the limit.
   */
  answerLines(bytes: Uint8Array, from: number, limit: number, out: ChunkWriter): KernelAnswers {
    const frame = this.frame;
    const heap = this.heap;
    const walk = this.run.exports.answer as (frame: number) => number;
    let next = from;
    let answered = 0;
    for (;;) {
      const length = Math.min(INPUT_BYTES, bytes.length - next);
      heap.set(bytes.subarray(next, next + length), this.inputAt);
      frame[F.input] = this.inputAt;
      frame[F.inputEnd] = this.inputAt + length;
      frame[F.output] = this.outputAt;
      frame[F.outputEnd] = this.outputAt + OUTPUT_BYTES;
      frame[F.lineBudget] = limit - answered;
      let status: number;
      try {
        status = walk(this.frameAt);
      } catch {
        // A trap would be a bug here: JavaScript answers from this line on.
        this.failed = true;
        return { next, answered, stopped: true };
      }
      const consumed = frame[F.consumed] - this.inputAt;
      out.writeBlock(heap, this.outputAt, frame[F.written]);
      next += consumed;
      answered += frame[F.answered];
      kernelAnswers += frame[F.answered];
      if (answered >= limit) return { next, answered, stopped: false };
      if (status === OUTPUT_FULL) continue;
      if (status !== DONE) return { next, answered, stopped: true };
      // No complete line left in what was copied: the input's end, or more to copy.
      if (next - consumed + length === bytes.length) return { next, answered, stopped: false };
      // (A line longer than the input region is JavaScript's.)
      if (consumed === 0) return { next, answered, stopped: true };
    }
  }
}

let kernelAnswers = 0;

/** Lines answered by kernels in this process (tests check that the kernel ran). */
export function answeredByKernels(): number {
  return kernelAnswers;
}

/** "path:" per file index of the line table (null where it names no file), as PlainAnswerWriter encodes it. */
function filePieces(lineTable: LineTable, compDir: string): (Uint8Array | null)[] {
  const count = lineTable.files.length + (lineTable.version >= 5 ? 0 : 1);
  const pieces: (Uint8Array | null)[] = [];
  for (let file = 0; file < count; file++) {
    const path = lineTable.filePath(file, compDir);
    pieces.push(path === null ? null : encoder.encode(path + ':'));
  }
  return pieces;
}

const encoder = new TextEncoder();
