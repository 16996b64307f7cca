/**
 * Output bytes gathered in large chunks. Printers either copy encoded pieces in (`writeRange`) or
 * reserve room and write digits straight into `buffer` at `used`; a whole batch of answers is
 * then handed to the stream in a few large writes (`takeBatch`).
 */
export class ChunkWriter {
  /** What the current batch holds: the written part of each filled buffer, and the buffers. */
  private readonly chunks = bufferList();
  private readonly filled = bufferList();
  /** Buffers whose bytes were written out (`recycle`): reused before new ones are made. */
  private readonly spare = bufferList();
  /**
   * Small at first, so the first few answers already take the path that starts a new buffer:
   * V8 then optimizes the writer with that path seen, instead of discarding the optimized code
   * when the first full buffer comes.
   */
  buffer: Uint8Array = new Uint8Array(FIRST_CHUNK);
  used = 0;
  private source: BufferSource | null = null;

  /** Makes room for `n` more bytes in `buffer` (starting a new chunk if needed). */
  reserve(n: number): void {
    if (this.used + n <= this.buffer.length) return;
    if (this.used > 0) this.retireBuffer();
    this.buffer = this.freshBuffer(n);
    this.used = 0;
  }

  /**
   * Buffers made from now on come from `source`, which a writer that fills them in place can ask
   * for (`reserveInSource`): a WebAssembly kernel writing straight into the chunks that are
   * written out, instead of into its own memory to be copied here. Buffers made before are
   * not reused.
   */
  takeBuffersFrom(source: BufferSource): void {
    this.source = source;
    this.spare.length = 0;
  }

  /**
   * Makes room for `n` more bytes in a buffer from the source (see `takeBuffersFrom`); false when
   * there is no source or it has no buffer left to give.
   */
  reserveInSource(n: number): boolean {
    const source = this.source;
    if (source === null) return false;
    if (this.buffer.buffer !== source.memory || this.used + n > this.buffer.length) {
      if (this.used > 0) this.retireBuffer();
      this.buffer = this.freshBuffer(n);
      this.used = 0;
    }
    return this.buffer.buffer === source.memory && this.used + n <= this.buffer.length;
  }

  /**
   * A spare buffer, or a new one. Both come off the spare list, so the code that reuses one has
   * run before V8 optimizes the writer (code first met in optimized code would throw it away).
   */
  private freshBuffer(n: number): Uint8Array {
    if (n > OUTPUT_CHUNK) return new Uint8Array(n);
    if (this.spare.length === 0) this.spare.push(this.source?.make(OUTPUT_CHUNK) ?? new Uint8Array(OUTPUT_CHUNK));
    return this.spare.pop()!;
  }

  private retireBuffer(): void {
    this.chunks.push(this.buffer.subarray(0, this.used));
    this.filled.push(this.buffer);
  }

  /** Copies bytes [start, end) of `source`. */
  writeRange(source: Uint8Array, start: number, end: number): void {
    const n = end - start;
    if (this.used + n > this.buffer.length) this.reserve(n);
    const buffer = this.buffer;
    let at = this.used;
    // Pieces are names, paths and callers' frames, mostly under a few hundred bytes: a plain
    // loop beats `TypedArray#set`, which calls into the runtime and allocates a subarray.
    for (let i = start; i < end; i++) buffer[at++] = source[i];
    this.used = at;
  }

  writeText(text: string): void {
    // UTF-8 needs at most 3 bytes per UTF-16 unit.
    this.reserve(text.length * 3);
    this.used += encoder.encodeInto(text, this.buffer.subarray(this.used)).written;
  }

  /** Writes a non-negative integer in decimal; room must have been reserved (at most 16 digits). */
  decimal(value: number): void {
    const buffer = this.buffer;
    let at = this.used;
    if (value < 10) {
      buffer[at] = 0x30 + value;
      this.used = at + 1;
      return;
    }
    let digits = 1;
    for (let v = value; v >= 10; v = Math.floor(v / 10)) digits++;
    at += digits;
    this.used = at;
    for (let v = value; digits > 0; digits--) {
      const q = Math.floor(v / 10);
      buffer[--at] = 0x30 + (v - q * 10);
      v = q;
    }
  }

  /**
   * For a writer that is never reset, an arena: the index of the buffer written now. Bytes stay
   * where they were written, in `bufferAt(index)`.
   */
  get bufferIndex(): number {
    return this.filled.length;
  }

  bufferAt(index: number): Uint8Array {
    return index < this.filled.length ? this.filled[index] : this.buffer;
  }

  /**
   * Hands over what was written since the last batch: the chunks to write out, and the buffers
   * holding them, for `recycle` once written. Writing goes on in other buffers meanwhile.
   */
  takeBatch(): OutputBatch {
    if (this.used > 0) {
      this.retireBuffer();
      this.buffer = this.freshBuffer(0);
      this.used = 0;
    }
    const batch = { chunks: this.chunks.slice(), buffers: this.filled.slice() };
    this.chunks.length = 0;
    this.filled.length = 0;
    return batch;
  }

  /**
   * A written batch's buffers are free again: a batch run thus allocates its output space once
   * instead of leaving a trail of written buffers for the collector.
   */
  recycle(buffers: readonly Uint8Array[]): void {
    const source = this.source;
    for (const buffer of buffers) {
      if (buffer.length === OUTPUT_CHUNK && (source === null || buffer.buffer === source.memory)) this.spare.push(buffer);
    }
  }
}

/** Where a ChunkWriter's buffers come from (`takeBuffersFrom`). */
export interface BufferSource {
  /** The memory its buffers are views of. */
  readonly memory: ArrayBufferLike;
  /** A buffer of `bytes` bytes in `memory`, or null when there is no more room. */
  make(bytes: number): Uint8Array | null;
}

export interface OutputBatch {
  readonly chunks: Uint8Array[];
  readonly buffers: Uint8Array[];
}

/**
 * An empty list that already has the element kind of a list of objects: an empty array literal
 * changes kind at its first push, which throws away optimized code that inlined the list.
 */
function bufferList(): Uint8Array[] {
  const list = [EMPTY];
  list.length = 0;
  return list;
}

const EMPTY = new Uint8Array(0);
const encoder = new TextEncoder();
const OUTPUT_CHUNK = 1 << 18;
const FIRST_CHUNK = 1 << 10;
