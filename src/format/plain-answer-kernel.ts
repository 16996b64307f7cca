/**
 * Plain LLVM answers worked out by a WebAssembly kernel (kernel/plain-answers.c) straight from
 * the units' indexes in the CLI's arena.
 *
 * A batch run's answers were JavaScript that V8 runs as baseline code until it has optimized it:
 * in a 100k-address run ~110 ms of the ~200 spent answering went to that warm-up. The kernel
 * answers the common case (DIE-covered code of the units added to it, names in `.debug_str` that
 * are plain ASCII and not mangled, files in the line table) and stops at any other line, which
 * `PlainAnswerWriter` answers; its bytes are that writer's (test/plain-answer-kernel.test.ts
 * compares the two on every fixture address). It looks up a window of lines at a time in
 * address order and writes their answers in input order (kernel/plain-answers.c: `fillWindow`).
 *
 * It runs only in an arena (the module's sections are there, and the large units' indexes the
 * DWARF kernels made); a unit's arrays that JavaScript made elsewhere are copied in when it is
 * added. Without an arena there is nothing to run it on, and the caller answers in JavaScript.
 */
import { KernelLayout, KernelModule, type KernelRun } from '../dwarf/kernel-module.js';
import type { DwarfContext } from '../dwarf/context.js';
import type { Unit } from '../dwarf/unit.js';
import type { SubroutineIndex } from '../dwarf/subroutines.js';
import type { LineTable } from '../dwarf/line.js';
import type { BufferSource, ChunkWriter } from './byte-output.js';
import { WASM_BASE64 } from './kernel/plain-answers.wasm.js';

const kernel = new KernelModule(WASM_BASE64);

/** The kernel's `Unit`, field by field (32-bit words). */
const UNIT = [
  'keys', 'highs', 'owners', 'entryCount', 'mapShift', 'mapLimit', 'mapStarts',
  'isInlined', 'parents', 'callFiles', 'callLines', 'callColumns', 'dieCount', 'names', 'nameLengths',
  'rowAddresses', 'rowPayload', 'seqLows', 'seqHighs', 'seqFirstRows', 'seqLastRows', 'seqCount',
  'filePieces', 'fileCount',
] as const;
const U = Object.fromEntries(UNIT.map((name, i) => [name, i])) as Record<(typeof UNIT)[number], number>;

/** The kernel's `NameSources` after its first field (a double), field by field (32-bit words). */
const NAME_SOURCES = [
  'dieOffsets', 'origins', 'specifications', 'namesItself', 'nameForms', 'nameValues', 'linkageForms', 'linkageValues',
  'str', 'strLength', 'strOffsets', 'strOffsetsLength', 'offsetSize',
] as const;
const N = Object.fromEntries(NAME_SOURCES.map((name, i) => [name, i])) as Record<(typeof NAME_SOURCES)[number], number>;

/** The kernel's `Batch`. */
const BATCH = [
  'input', 'inputEnd', 'output', 'outputEnd', 'lineBudget',
  'rangeLows', 'rangeHighs', 'rangeUnits', 'rangeCount', 'consumed', 'written', 'answered',
  'window', 'windowCapacity', 'windowCount', 'windowCursor',
] as const;
const B = Object.fromEntries(BATCH.map((name, i) => [name, i])) as Record<(typeof BATCH)[number], number>;

const DONE = 0;
const OUTPUT_FULL = 1;
const NO_FILE = 0xffffffff;
/** Input copied in per call. */
const INPUT_BYTES = 1 << 18;
/** Room for answers a call needs (the kernel stops, OUTPUT_FULL, when less than this is left). */
const OUTPUT_ROOM = 4096;
/**
 * Lines the kernel looks up together, in address order (`fillWindow` in the C says why): at most
 * 2^16 (the C keeps a line's index in 16 bits of its sort key); a 256 KB read of standard input
 * is ~28,000 lines of sqlite3's addresses.
 */
const WINDOW_LINES = 1 << 15;
/** The window's region: line starts, sort keys, lookups, and the sort's digit counts (plain-answers.c). */
const WINDOW_BYTES = 4 * (WINDOW_LINES + 1) + 8 + 24 * WINDOW_LINES + 4 * 2048;

/** What `answerLines` did: where the first line it left starts, and how many it answered. */
export interface KernelAnswers {
  next: number;
  answered: number;
  /** The line at `next` is for JavaScript to answer (else: input used up, or budget spent). */
  stopped: boolean;
}

/** A unit's indexes, as the kernel reads them. */
export interface UnitTables {
  dwarf: DwarfContext;
  unit: Unit;
  index: SubroutineIndex;
  lineTable: LineTable | null;
  compDir: string;
}

export class PlainAnswerKernel {
  /** Set when a run trapped: the caller stops using the kernel. */
  failed = false;
  private readonly batch: Uint32Array;
  private readonly heap: Uint8Array;
  /**
   * The added units' ranges, by low address, in the arena: lows, highs, and where each one's
   * `Unit` is (the first `rangeCount` of each array's length used).
   */
  private rangeLows = new Uint32Array(0);
  private rangeHighs = new Uint32Array(0);
  private rangeUnits = new Uint32Array(0);
  private rangeCount = 0;
  /** What the input region holds: `copiedLength` bytes of `copied` from `copiedFrom`. */
  private copied: Uint8Array | null = null;
  private copiedFrom = 0;
  private copiedLength = 0;

  private constructor(
    private readonly run: KernelRun,
    private readonly str: Uint8Array,
    private readonly batchAt: number,
    private readonly inputAt: number,
  ) {
    this.batch = new Uint32Array(run.buffer, batchAt, BATCH.length);
    this.heap = new Uint8Array(run.buffer);
    this.outputBuffers = {
      memory: run.buffer,
      make: (bytes) => {
        const region = kernel.instantiate(bytes, str);
        return region === null || region.buffer !== run.buffer ? null : new Uint8Array(region.buffer, region.base, bytes);
      },
    };
  }

  /** A kernel for the module whose `.debug_str` is `str`, or null where it cannot run (see above). */
  static create(str: Uint8Array): PlainAnswerKernel | null {
    // Every name offset then has its NUL before the section's end.
    if (str.length === 0 || str[str.length - 1] !== 0) return null;
    const layout = new KernelLayout();
    const batchAt = layout.place(4 * BATCH.length);
    const inputAt = layout.place(INPUT_BYTES);
    const windowAt = layout.place(WINDOW_BYTES);
    const run = kernel.instantiate(layout.size, str);
    if (run === null || run.scratch || run.buffer !== str.buffer) return null;
    const answers = new PlainAnswerKernel(run, str, run.base + batchAt, run.base + inputAt);
    answers.batch[B.window] = run.base + windowAt;
    answers.batch[B.windowCapacity] = WINDOW_LINES;
    return answers;
  }

  /**
   * Output buffers in the kernel's memory, for the ChunkWriter that `answerLines` writes to
   * (`ChunkWriter.takeBuffersFrom`): the kernel writes its answers where they are written out from.
   */
  readonly outputBuffers: BufferSource;

  /** Adds a unit whose lines the kernel answers from now on; false if it cannot. */
  addUnit(tables: UnitTables): boolean {
    const { dwarf, unit, index, lineTable } = tables;
    if (dwarf.info.sections.str !== this.str) return false;
    const stringForms = dwarf.stringForms(unit);
    if (stringForms === null) return false;
    const map = index.mapArrays();
    const buffer = this.run.buffer;
    const sequences = lineTable === null ? 0 : lineTable.sequenceLow.length;
    const files = lineTable === null ? [] : filePieces(lineTable, tables.compDir);
    const pieceBytes = files.reduce((sum, piece) => sum + (piece === null ? 0 : piece.length), 0);

    // Arrays JavaScript made (a small unit's index) are copied in; the kernels' are read in place.
    // (The JavaScript walk's arrays have room past the DIEs it found: only those are copied.)
    const dies = index.count;
    const arrays: [(typeof UNIT)[number], ArrayBufferView][] = [
      ['keys', map.keys], ['highs', map.highs], ['owners', map.owners], ['mapStarts', map.starts],
      ['isInlined', index.isInlined.subarray(0, dies)], ['parents', index.parents.subarray(0, dies)],
      ['callFiles', index.callFiles.subarray(0, dies)], ['callLines', index.callLines.subarray(0, dies)],
      ['callColumns', index.callColumns.subarray(0, dies)],
    ];
    if (lineTable !== null) {
      const rows = lineTable.rowCount;
      arrays.push(['rowAddresses', lineTable.rowAddresses.subarray(0, rows)], ['rowPayload', lineTable.rowPayload.subarray(0, 2 * rows)]);
    }
    const nameArrays: [(typeof NAME_SOURCES)[number], ArrayBufferView][] = [
      ['dieOffsets', index.dieOffsets.subarray(0, dies)], ['origins', index.origins.subarray(0, dies)],
      ['specifications', index.specifications.subarray(0, dies)], ['namesItself', index.namesItself.subarray(0, dies)],
      ['nameForms', index.nameForms.subarray(0, dies)], ['nameValues', index.nameValues.subarray(0, dies)],
      ['linkageForms', index.linkageForms.subarray(0, dies)], ['linkageValues', index.linkageValues.subarray(0, dies)],
    ];
    const layout = new KernelLayout();
    const unitAt = layout.place(4 * UNIT.length);
    const sourcesAt = layout.place(8 + 4 * NAME_SOURCES.length);
    const copies = arrays.map(([, view]) => (view.buffer === buffer ? -1 : layout.place(view.byteLength)));
    const nameCopies = nameArrays.map(([, view]) => (view.buffer === buffer ? -1 : layout.place(view.byteLength)));
    const namesAt = layout.place(4 * index.count);
    const nameLengthsAt = layout.place(4 * index.count);
    const sequencesAt = layout.place(16 * sequences);
    const piecesAt = layout.place(8 * files.length);
    const pieceBytesAt = layout.place(pieceBytes);
    const run = kernel.instantiate(layout.size, this.str);
    if (run === null || run.scratch || run.buffer !== buffer) return false;
    const at = (offset: number): number => run.base + offset;
    const heap = this.heap;
    const fields = new Uint32Array(buffer, at(unitAt), UNIT.length);

    // Where each array is for the kernel: in place, or copied in.
    const place = (view: ArrayBufferView, copy: number): number => {
      if (copy < 0) return view.byteOffset;
      heap.set(new Uint8Array(view.buffer, view.byteOffset, view.byteLength), at(copy));
      return at(copy);
    };
    arrays.forEach(([field, view], i) => {
      fields[U[field]] = place(view, copies[i]);
    });
    const sources = new Uint32Array(buffer, at(sourcesAt) + 8, NAME_SOURCES.length);
    new Float64Array(buffer, at(sourcesAt), 1)[0] = stringForms.strOffsetsBase;
    nameArrays.forEach(([field, view], i) => {
      sources[N[field]] = place(view, nameCopies[i]);
    });
    const strOffsets = dwarf.info.sections.strOffsets;
    sources[N.str] = this.str.byteOffset;
    sources[N.strLength] = this.str.length;
    // (Where the module is in the arena its sections are; else strx names are left to JavaScript.)
    sources[N.strOffsets] = strOffsets.buffer === buffer ? strOffsets.byteOffset : 0;
    sources[N.strOffsetsLength] = strOffsets.buffer === buffer ? strOffsets.length : 0;
    sources[N.offsetSize] = stringForms.offsetSize;
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
    }
    const pieces = new Uint32Array(buffer, at(piecesAt), 2 * files.length);
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
    fields[U.entryCount] = map.keys.length;
    fields[U.mapShift] = map.shift;
    fields[U.mapLimit] = map.limit;
    fields[U.dieCount] = index.count;
    fields[U.names] = at(namesAt);
    fields[U.nameLengths] = at(nameLengthsAt);
    fields[U.seqLows] = at(sequencesAt);
    fields[U.seqHighs] = at(sequencesAt) + 4 * sequences;
    fields[U.seqFirstRows] = at(sequencesAt) + 8 * sequences;
    fields[U.seqLastRows] = at(sequencesAt) + 12 * sequences;
    fields[U.seqCount] = sequences;
    fields[U.filePieces] = pieces.byteOffset;
    fields[U.fileCount] = files.length;

    try {
      (this.run.exports.prepareNames as (unit: number, sources: number) => void)(at(unitAt), at(sourcesAt));
    } catch {
      return false;
    }
    if (!this.addRanges(dwarf.unitRanges(unit), at(unitAt))) return false;
    // Lines of the window no unit covered may be this one's.
    try {
      (this.run.exports.relocate as (batch: number) => void)(this.batchAt);
    } catch {
      this.failed = true;
    }
    return true;
  }

  /**
   * Merges a unit's ranges (low, high pairs in address order, as `DwarfContext.unitRanges` gives
   * them) into the sorted ones the kernel reads, after those with the same low (as a stable sort
   * would). The arrays move to a region twice the size when full: ~60 units are added in a run,
   * and a fresh region each time was fresh pages each time.
   */
  private addRanges(ranges: Float64Array, unitAt: number): boolean {
    const lows: number[] = [];
    const highs: number[] = [];
    for (let r = 0; r < ranges.length; r += 2) {
      // Ranges past 32 bits are left to JavaScript (a high at 2^32 exactly is capped: no u32 address reaches it).
      if (ranges[r] <= 0xffffffff) {
        lows.push(ranges[r]);
        highs.push(Math.min(ranges[r + 1], 0xffffffff));
      }
    }
    const count = this.rangeCount + lows.length;
    if (count > this.rangeLows.length) {
      const capacity = Math.max(64, 2 * count);
      const run = kernel.instantiate(12 * capacity, this.str);
      if (run === null || run.scratch || run.buffer !== this.run.buffer) return false;
      const grown = [0, 1, 2].map((i) => new Uint32Array(run.buffer, run.base + 4 * capacity * i, capacity));
      grown[0].set(this.rangeLows.subarray(0, this.rangeCount));
      grown[1].set(this.rangeHighs.subarray(0, this.rangeCount));
      grown[2].set(this.rangeUnits.subarray(0, this.rangeCount));
      [this.rangeLows, this.rangeHighs, this.rangeUnits] = grown;
    }
    const { rangeLows, rangeHighs, rangeUnits } = this;
    // From the back: each old range moves up past the new ones that sort before it.
    let old = this.rangeCount - 1;
    for (let k = count - 1, n = lows.length - 1; n >= 0; k--) {
      if (old >= 0 && rangeLows[old] > lows[n]) {
        rangeLows[k] = rangeLows[old];
        rangeHighs[k] = rangeHighs[old];
        rangeUnits[k] = rangeUnits[old];
        old--;
      } else {
        rangeLows[k] = lows[n];
        rangeHighs[k] = highs[n];
        rangeUnits[k] = unitAt;
        n--;
      }
    }
    this.rangeCount = count;
    const batch = this.batch;
    batch[B.rangeLows] = rangeLows.byteOffset;
    batch[B.rangeHighs] = rangeHighs.byteOffset;
    batch[B.rangeUnits] = rangeUnits.byteOffset;
    batch[B.rangeCount] = count;
    return true;
  }

  /**
   * Answers lines of `bytes` from `from` into `out`, at most `limit` of them, until one that is
   * JavaScript's (`stopped`), the input's last complete line, or the limit.
   */
  answerLines(bytes: Uint8Array, from: number, limit: number, out: ChunkWriter): KernelAnswers {
    const batch = this.batch;
    const heap = this.heap;
    const answer = this.run.exports.answer as (batch: number) => number;
    let next = from;
    let answered = 0;
    for (;;) {
      // Input is copied in once: calls that go on in the same bytes (after a line JavaScript
      // answered, or a send) start where the last copy has them.
      if (bytes !== this.copied || next < this.copiedFrom || next >= this.copiedFrom + this.copiedLength) {
        this.copied = bytes;
        this.copiedFrom = next;
        this.copiedLength = Math.min(INPUT_BYTES, bytes.length - next);
        heap.set(bytes.subarray(next, next + this.copiedLength), this.inputAt);
        batch[B.windowCount] = 0;
      }
      if (!out.reserveInSource(OUTPUT_ROOM)) {
        // The memory is full: JavaScript answers from this line on.
        this.failed = true;
        return { next, answered, stopped: true };
      }
      const output = out.buffer.byteOffset + out.used;
      batch[B.input] = this.inputAt + (next - this.copiedFrom);
      batch[B.inputEnd] = this.inputAt + this.copiedLength;
      batch[B.output] = output;
      batch[B.outputEnd] = out.buffer.byteOffset + out.buffer.length;
      batch[B.lineBudget] = limit - answered;
      let status: number;
      try {
        status = answer(this.batchAt);
      } catch {
        // A trap would be a bug here: JavaScript answers from this line on.
        this.failed = true;
        return { next, answered, stopped: true };
      }
      const consumed = batch[B.consumed] - batch[B.input];
      out.used += batch[B.written] - output;
      next += consumed;
      answered += batch[B.answered];
      kernelAnswers += batch[B.answered];
      if (answered >= limit) return { next, answered, stopped: false };
      if (status === OUTPUT_FULL) continue;
      if (status !== DONE) return { next, answered, stopped: true };
      // No complete line left in what was copied: the input's end, or more to copy.
      if (this.copiedFrom + this.copiedLength === bytes.length) return { next, answered, stopped: false };
      // (A line longer than the input region is JavaScript's.)
      if (next === this.copiedFrom) return { next, answered, stopped: true };
      this.copied = null;
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
