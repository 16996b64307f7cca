/**
 * Large units' DIEs walked by a WebAssembly kernel (kernel/subroutine-walk.c) into a subroutine
 * index: its arrays and its address map.
 *
 * A unit is walked once per process, and for a large one (sqlite3's 940 KB unit has 75,000
 * DIEs and 30,000 map entries) that happens before V8 has optimized the JavaScript walk and map:
 * ~50 ms, mostly interpreted, and ~100 ms of optimizing-compiler time on V8's worker threads,
 * which on a 2-core machine compete with the walk. V8 runs wasm at full speed from its first
 * instruction. The kernel follows the plans subroutines.ts makes and builds the map as
 * range-map.ts does (LLVM's algorithm); where the JavaScript walk would need its generic reader or
 * would throw, it gives up and that walk redoes the unit (test/subroutine-kernel.test.ts checks
 * that the two agree).
 *
 * In a kernel arena (the CLI's) the arrays are views of what the kernel wrote; elsewhere they are
 * copied out of its scratch memory (kernel-module.ts).
 */
import { copyIn, inKernelArena, inPlace, kept, KernelLayout, KernelModule } from './kernel-module.js';
import { WASM_BASE64 } from './kernel/subroutine-walk.wasm.js';

/**
 * Units with fewer DIE bytes than this are walked in JavaScript: a kernel run lays out ~15 fresh
 * pages of arrays and map, more than a small unit's walk costs there (measured on libc's units).
 */
export const KERNEL_MIN_UNIT = 1 << 16;

/** Words per abbreviation code in `KernelWalkInput.plans` (the kernel's `Plan`). */
export const PLAN_WORDS = 9;

export interface KernelWalkInput {
  /** `.debug_info`, and the unit's DIEs in it. */
  info: Uint8Array;
  start: number;
  end: number;
  unitOffset: number;
  version: number;
  /** `encodePlans`' tables (subroutines.ts). */
  plans: Int32Array;
  ops: Int32Array;
  consts: Float64Array;
  addr: Uint8Array;
  ranges: Uint8Array;
  rnglists: Uint8Array;
  /** The unit root's values (`UnitRoot`): bases in their sections, -1 for no base address. */
  addrBase: number;
  rangesBase: number;
  rnglistsBase: number;
  baseAddress: number;
  /** Ranges the unit may claim before it counts as damaged (subroutines.ts explains). */
  rangeBudget: number;
}

export interface KernelWalk {
  count: number;
  dieOffsets: Uint32Array<ArrayBuffer>;
  isInlined: Uint8Array<ArrayBuffer>;
  parents: Int32Array<ArrayBuffer>;
  lowPcs: Float64Array<ArrayBuffer>;
  origins: Float64Array<ArrayBuffer>;
  specifications: Float64Array<ArrayBuffer>;
  namesItself: Uint8Array<ArrayBuffer>;
  callFiles: Uint32Array<ArrayBuffer>;
  callLines: Uint32Array<ArrayBuffer>;
  callColumns: Uint32Array<ArrayBuffer>;
  callDiscriminators: Uint32Array<ArrayBuffer>;
  nameForms: Uint16Array<ArrayBuffer>;
  nameValues: Uint32Array<ArrayBuffer>;
  linkageForms: Uint16Array<ArrayBuffer>;
  linkageValues: Uint32Array<ArrayBuffer>;
  /** The address map, flattened (`RangeMap`), and its bucket index (`BucketIndex.fromParts`). */
  keys: Float64Array<ArrayBuffer>;
  highs: Float64Array<ArrayBuffer>;
  owners: Int32Array<ArrayBuffer>;
  bucketShift: number;
  bucketLimit: number;
  bucketStarts: Uint32Array<ArrayBuffer>;
}

/** The walk went over the range budget at this DIE (the caller throws what the JavaScript walk throws). */
export class KernelOverBudget {
  constructor(readonly dieOffset: number) {}
}

const kernel = new KernelModule(WASM_BASE64);

/** The kernel's `Frame`, field by field (32-bit words). */
const FRAME = [
  'info', 'infoOffset', 'infoLength', 'unitOffset', 'plans', 'planCount', 'ops', 'consts',
  'addr', 'addrLength', 'addrBase', 'ranges', 'rangesLength', 'rnglists', 'rnglistsLength', 'version',
  'doubles', 'capacity', 'enclosing', 'values',
  ...['dieOffsets', 'isInlined', 'parents', 'lowPcs', 'origins', 'specifications', 'namesItself',
    'callFiles', 'callLines', 'callColumns', 'callDiscriminators',
    'nameForms', 'nameValues', 'linkageForms', 'linkageValues'],
  'pool', 'poolBlocks', 'directory', 'sizes', 'keys', 'highs', 'owners', 'starts', 'rangePairs',
  'count', 'entryCount', 'bucketShift', 'bucketLimit', 'bucketCount', 'failedDie',
] as const;
const F = Object.fromEntries(FRAME.map((name, i) => [name, i])) as Record<(typeof FRAME)[number], number>;
/** Byte size of one element of each per-DIE output array, in `FRAME`'s order. */
const DIE_ARRAYS = [4, 1, 4, 8, 8, 8, 1, 4, 4, 4, 4, 2, 4, 2, 4];
const SLOTS = 11;
/** The kernel's map blocks: entries of three doubles. */
const BLOCK = 512;
const ENTRY_BYTES = 24;
const MAX_BUCKETS = 1 << 20;

const GIVE_UP = -1;
const OVER_BUDGET = -2;

/**
 * The unit's subroutine index, or null (the caller walks in JavaScript); a `KernelOverBudget`
 * when the unit claims more ranges than its budget.
 */
export function walkInKernel(input: KernelWalkInput): KernelWalk | KernelOverBudget | null {
  const length = input.end - input.start;
  for (const value of [input.addrBase, input.rangesBase, input.rnglistsBase, input.rangeBudget]) {
    if (!Number.isSafeInteger(value) || value < 0) return null;
  }
  if (input.addrBase > 0xffffffff || !(input.baseAddress === -1 || Number.isSafeInteger(input.baseAddress))) return null;
  // Every DIE takes at least one byte: room for that many subroutines, and as deep a nesting.
  const capacity = length + 1;
  // Each claimed range adds at most two entries to the map, and the budget bounds the ranges;
  // real units stay far below (sqlite3's: 30,000 entries for 895 KB of DIEs), and a unit that
  // does not (the kernel runs out of blocks) is left to JavaScript. Sized by the unit, a small
  // unit's map takes a page or two of memory, not the module's worth of address space.
  const entries = Math.min(2 * (input.rangeBudget + 1), Math.floor(length / 4) + 1024);
  const poolBlocks = Math.ceil(entries / (BLOCK / 2)) + 2;
  // The flattened map holds what the blocks can.
  const mapCapacity = poolBlocks * BLOCK;
  const buckets = Math.min(MAX_BUCKETS, 2 * mapCapacity + 16) + 2;
  // One list at a time: an entry adding a range takes at least 2 bytes of .debug_rnglists, 8 of .debug_ranges.
  const rangePairs = (input.ranges.length >> 3) + (input.rnglists.length >> 1) + 1;

  const layout = new KernelLayout();
  const frameAt = layout.place(4 * FRAME.length);
  const doublesAt = layout.place(8 * 4);
  const valuesAt = layout.place(8 * SLOTS);
  const plansAt = layout.place(4 * input.plans.length);
  const opsAt = layout.place(4 * input.ops.length);
  const constsAt = layout.place(8 * input.consts.length);
  const infoAt = layout.place(length);
  const addrAt = layout.place(input.addr.length);
  const rangesAt = layout.place(input.ranges.length);
  const rnglistsAt = layout.place(input.rnglists.length);
  const enclosingAt = layout.place(4 * (capacity + 1));
  const dieArraysAt = DIE_ARRAYS.map((size) => layout.place(size * capacity));
  const poolAt = layout.place(poolBlocks * BLOCK * ENTRY_BYTES);
  const directoryAt = layout.place(4 * poolBlocks);
  const sizesAt = layout.place(4 * poolBlocks);
  const keysAt = layout.place(8 * mapCapacity);
  const highsAt = layout.place(8 * mapCapacity);
  const ownersAt = layout.place(4 * mapCapacity);
  const startsAt = layout.place(4 * buckets);
  const rangePairsAt = layout.place(16 * rangePairs);
  // Outside an arena a run copies the unit's DIEs and the address and range sections into the
  // scratch memory: worth it only while those sections are not much larger than the unit (a
  // module of many units would otherwise copy them once per unit).
  const copyTooLarge = input.addr.length + input.ranges.length + input.rnglists.length > 2 * length;
  if (copyTooLarge && !inKernelArena(input.info)) return null;
  const run = kernel.instantiate(layout.size, input.info);
  // (An arena without room left runs in scratch memory too.)
  if (run === null || (copyTooLarge && run.scratch)) return null;
  const buffer = run.buffer;
  const at = (offset: number): number => run.base + offset;
  const heap = new Uint8Array(buffer);
  // Sections where they are (an arena), or copied into the region.
  const section = (bytes: Uint8Array, start: number, end: number, offset: number): number =>
    inPlace(run, bytes, start) ?? copyIn(heap, bytes.subarray(start, end), at(offset));

  const frame = new Uint32Array(buffer, at(frameAt), FRAME.length);
  frame[F.info] = section(input.info, input.start, input.end, infoAt);
  frame[F.infoOffset] = input.start;
  frame[F.infoLength] = length;
  frame[F.unitOffset] = input.unitOffset;
  frame[F.plans] = at(plansAt);
  frame[F.planCount] = input.plans.length / PLAN_WORDS;
  frame[F.ops] = at(opsAt);
  frame[F.consts] = at(constsAt);
  frame[F.addr] = section(input.addr, 0, input.addr.length, addrAt);
  frame[F.addrLength] = input.addr.length;
  frame[F.addrBase] = input.addrBase;
  frame[F.ranges] = section(input.ranges, 0, input.ranges.length, rangesAt);
  frame[F.rangesLength] = input.ranges.length;
  frame[F.rnglists] = section(input.rnglists, 0, input.rnglists.length, rnglistsAt);
  frame[F.rnglistsLength] = input.rnglists.length;
  frame[F.version] = input.version;
  frame[F.doubles] = at(doublesAt);
  frame[F.capacity] = capacity;
  frame[F.enclosing] = at(enclosingAt);
  frame[F.values] = at(valuesAt);
  for (let i = 0; i < DIE_ARRAYS.length; i++) frame[F.dieOffsets + i] = at(dieArraysAt[i]);
  frame[F.pool] = at(poolAt);
  frame[F.poolBlocks] = poolBlocks;
  frame[F.directory] = at(directoryAt);
  frame[F.sizes] = at(sizesAt);
  frame[F.keys] = at(keysAt);
  frame[F.highs] = at(highsAt);
  frame[F.owners] = at(ownersAt);
  frame[F.starts] = at(startsAt);
  frame[F.rangePairs] = at(rangePairsAt);
  new Float64Array(buffer, at(doublesAt), 4).set([input.rangesBase, input.rnglistsBase, input.baseAddress, input.rangeBudget]);
  new Int32Array(buffer, at(plansAt), input.plans.length).set(input.plans);
  new Int32Array(buffer, at(opsAt), input.ops.length).set(input.ops);
  new Float64Array(buffer, at(constsAt), input.consts.length).set(input.consts);

  const result = (run.exports.walk as (frame: number) => number)(at(frameAt));
  if (result === OVER_BUDGET) return new KernelOverBudget(frame[F.failedDie]);
  if (result === GIVE_UP || result < 0) return null;
  const count = frame[F.count];
  const entryCount = frame[F.entryCount];
  const [dieOffsets, isInlined, parents, lowPcs, origins, specifications, namesItself, callFiles, callLines,
    callColumns, callDiscriminators, nameForms, nameValues, linkageForms, linkageValues] = dieArraysAt.map(at);
  return {
    count,
    dieOffsets: kept(run, new Uint32Array(buffer, dieOffsets, count)),
    isInlined: kept(run, new Uint8Array(buffer, isInlined, count)),
    parents: kept(run, new Int32Array(buffer, parents, count)),
    lowPcs: kept(run, new Float64Array(buffer, lowPcs, count)),
    origins: kept(run, new Float64Array(buffer, origins, count)),
    specifications: kept(run, new Float64Array(buffer, specifications, count)),
    namesItself: kept(run, new Uint8Array(buffer, namesItself, count)),
    callFiles: kept(run, new Uint32Array(buffer, callFiles, count)),
    callLines: kept(run, new Uint32Array(buffer, callLines, count)),
    callColumns: kept(run, new Uint32Array(buffer, callColumns, count)),
    callDiscriminators: kept(run, new Uint32Array(buffer, callDiscriminators, count)),
    nameForms: kept(run, new Uint16Array(buffer, nameForms, count)),
    nameValues: kept(run, new Uint32Array(buffer, nameValues, count)),
    linkageForms: kept(run, new Uint16Array(buffer, linkageForms, count)),
    linkageValues: kept(run, new Uint32Array(buffer, linkageValues, count)),
    keys: kept(run, new Float64Array(buffer, at(keysAt), entryCount)),
    highs: kept(run, new Float64Array(buffer, at(highsAt), entryCount)),
    owners: kept(run, new Int32Array(buffer, at(ownersAt), entryCount)),
    bucketShift: frame[F.bucketShift],
    bucketLimit: frame[F.bucketLimit],
    bucketStarts: kept(run, new Uint32Array(buffer, at(startsAt), frame[F.bucketCount] + 1)),
  };
}
