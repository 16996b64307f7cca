/**
 * How the CLI process keeps freed memory for reuse.
 *
 * A batch run allocates and frees many blocks of a few hundred kilobytes: line-table and index
 * arrays, output buffers, and the compile zones of V8's optimizing compiler on its worker
 * threads. glibc's malloc hands such blocks back to the kernel when they are freed (blocks above
 * M_MMAP_THRESHOLD are unmapped, heap tops above M_TRIM_THRESHOLD are trimmed), so each reuse
 * faults its pages in again; on the 2-core VMs measured here a fresh page costs ~12 µs, and a
 * 100k-address run took ~1.8k such faults more than it needs (docs/benchmarks.md).
 *
 * glibc raises both thresholds when a block larger than the current mmap threshold is freed
 * ("dynamic mmap threshold", mallopt(3)). Node offers no mallopt, so the CLI frees one such
 * block: an ArrayBuffer, allocated as fresh zero pages that are never touched, and dropped; the
 * collector frees it at its next scavenge, early in the run. Other allocators are unaffected.
 * The library never does this: a host process's allocator is the host's business.
 */
export function keepFreedMemoryForReuse(): void {
  void new ArrayBuffer(RAISED_THRESHOLD);
}

/** Blocks up to this size are then served from the heap, and heap tops up to twice it kept. */
const RAISED_THRESHOLD = 4 << 20;
