// ChunkWriter's buffers from a source (the answer kernel's memory): written in place by another
// writer, handed out in order with the writer's own text, reused only when they are the
// source's, and a source that runs out is reported, not papered over.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ChunkWriter, type BufferSource } from '../src/format/byte-output.js';

function concat(chunks: Uint8Array[]): string {
  return Buffer.concat(chunks).toString('latin1');
}

/** A source of at most `count` buffers carved out of one memory. */
function source(count: number): BufferSource & { made: number } {
  const memory = new ArrayBuffer(4 << 20);
  const made = {
    memory,
    made: 0,
    make(bytes: number): Uint8Array | null {
      if (made.made >= count || (made.made + 1) * bytes > memory.byteLength) return null;
      return new Uint8Array(memory, bytes * made.made++, bytes);
    },
  };
  return made;
}

/** Writes `text` into the writer's current buffer in place, as the kernel does. */
function writeInPlace(out: ChunkWriter, text: string): void {
  out.buffer.set(Buffer.from(text, 'latin1'), out.used);
  out.used += text.length;
}

test('buffers from a source are written in place, in order with the writer\'s own text', () => {
  const out = new ChunkWriter();
  const from = source(4);
  assert.equal(out.reserveInSource(16), false, 'no source yet');
  out.writeText('before;');
  out.takeBuffersFrom(from);
  assert.equal(out.reserveInSource(4096), true);
  assert.equal(out.buffer.buffer, from.memory);
  writeInPlace(out, 'kernel;');
  out.writeText('script;');
  assert.equal(out.reserveInSource(4096), true);
  writeInPlace(out, 'kernel again;');
  assert.equal(from.made, 1, 'one buffer from the source served all of it');
  assert.equal(concat(out.takeBatch().chunks), 'before;kernel;script;kernel again;');
});

test('only the source\'s buffers are reused once it is set', () => {
  const out = new ChunkWriter();
  out.writeText('x'.repeat(5000)); // past the small first buffer: a plain one follows
  const plain = out.takeBatch();
  const from = source(8);
  out.takeBuffersFrom(from);
  out.recycle(plain.buffers);
  assert.equal(out.reserveInSource(4096), true, 'a buffer from the source, not a recycled plain one');
  assert.equal(out.buffer.buffer, from.memory);
  writeInPlace(out, 'a');
  const first = out.takeBatch(); // its buffer goes out; the next one comes from the source
  assert.equal(out.reserveInSource(4096), true);
  writeInPlace(out, 'b');
  out.recycle(first.buffers); // written: free again
  const made = from.made;
  const second = out.takeBatch();
  assert.equal(out.buffer.byteOffset, first.buffers[0].byteOffset, 'the written buffer is the next one');
  assert.equal(from.made, made, 'and no new one was made');
  assert.equal(concat(first.chunks) + concat(second.chunks), 'ab');
});

test('a source that runs out is reported, and writing goes on in plain buffers', () => {
  const out = new ChunkWriter();
  const from = source(1);
  out.takeBuffersFrom(from);
  assert.equal(out.reserveInSource(4096), true);
  writeInPlace(out, 'in place;');
  const kept = out.takeBatch(); // its buffer is in flight: not recycled
  assert.equal(out.reserveInSource(4096), false, 'no buffer left in the source');
  out.writeText('plain;');
  assert.equal(concat([...kept.chunks, ...out.takeBatch().chunks]), 'in place;plain;');
});
