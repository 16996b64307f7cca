import { read, writev } from 'node:fs';

/** The process streams, behind an interface so tests can drive the CLI in-process. */
export interface CliIO {
  stdout(text: string): void;
  /**
   * Resolves once the stream has written the output (so bytes may then be reused), honouring
   * back-pressure. Bytes are UTF-8.
   */
  stdoutAsync(output: string | Uint8Array): Promise<void>;
  /**
   * Writes `chunks` in order and resolves once they are written, without needing the calling
   * thread meanwhile; where absent, `stdoutAsync` writes them one by one.
   */
  stdoutChunks?(chunks: readonly Uint8Array[]): Promise<void>;
  stderr(text: string): void;
  /**
   * Standard input as it arrives (UTF-8 bytes); `linesOf` splits it into lines. A chunk may be
   * overwritten once the next one is asked for.
   */
  stdinChunks(): AsyncIterable<Uint8Array | string>;
}

export function processIO(): CliIO {
  return {
    stdout: (text) => {
      stdoutStream().write(text);
    },
    stdoutAsync: writeThroughStream,
    stdoutChunks: process.platform === 'win32' ? undefined : writeStdoutOffThread,
    stderr: (text) => {
      process.stderr.write(text);
    },
    stdinChunks: () => (process.platform === 'win32' ? process.stdin : readStdinOffThread()),
  };
}

/**
 * Standard input read by libuv worker threads (`fs.read` on descriptor 0), into one reused
 * buffer. `process.stdin` would load Node's stream and socket modules first (~5 ms of a
 * sub-second batch run's start) and hand out a fresh 64 KB buffer per chunk, whose pages are
 * faulted in one by one. If the descriptor is non-blocking (EAGAIN), the stream reads the rest.
 */
async function* readStdinOffThread(): AsyncIterable<Uint8Array> {
  const buffer = new Uint8Array(STDIN_CHUNK);
  for (;;) {
    let length: number;
    try {
      length = await readStdin(buffer);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EAGAIN') throw error;
      yield* process.stdin;
      return;
    }
    if (length === 0) return;
    yield buffer.subarray(0, length);
  }
}

function readStdin(buffer: Uint8Array): Promise<number> {
  return new Promise((resolve, reject) => {
    // position null: read on from where the descriptor is (a file given with `<` included).
    read(0, buffer, 0, buffer.length, null, (error, bytesRead) => (error ? reject(error) : resolve(bytesRead)));
  });
}

/**
 * What one read may bring: the answer kernel looks up a read's lines together, in address order
 * (plain-answer-kernel.ts), and larger windows share more of their search paths (sorted in
 * windows of 16k lines, sqlite3's lookups took ~20 % less time than in windows of 4k).
 */
const STDIN_CHUNK = 1 << 18;

/**
 * Standard output written by a libuv worker thread (`fs.writev` on descriptor 1), which blocks
 * there while a pipe's reader catches up. `process.stdout` writes a pipe from the event loop,
 * which runs only between batches of answers: the pipe would sit full or empty while the next
 * batch is worked out, and a batch run into a pipe took ~20 % longer than into a file. If the
 * descriptor turns out non-blocking (EAGAIN), the stream writes the rest.
 */
function writeStdoutOffThread(chunks: readonly Uint8Array[]): Promise<void> {
  if (stdoutIsNonBlocking) return Promise.all(chunks.map(writeThroughStream)).then(() => undefined);
  return new Promise((resolve, reject) => {
    writev(1, chunks as Uint8Array[], (error, written) => {
      if (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EAGAIN') return reject(error);
        stdoutIsNonBlocking = true;
        written = 0;
      }
      const rest = after(chunks, written);
      if (rest.length === 0) return resolve();
      // A signal can cut a write short; the rest follows in order.
      writeStdoutOffThread(rest).then(resolve, reject);
    });
  });
}

let stdoutIsNonBlocking = false;

/**
 * `process.stdout`, made on first use (making it turns a pipe's descriptor non-blocking, which
 * `writeStdoutOffThread` would then meet as EAGAIN). A write error reaches the write's caller;
 * the stream's own 'error' event would otherwise end the process with a stack trace.
 */
function stdoutStream(): NodeJS.WriteStream {
  if (!stdoutWatched) {
    stdoutWatched = true;
    process.stdout.on('error', () => {});
  }
  return process.stdout;
}

let stdoutWatched = false;

/** Whether `error` says the reader of standard output has gone (`… | head`). */
export function isBrokenPipe(error: unknown): boolean {
  return (error as NodeJS.ErrnoException | null)?.code === 'EPIPE';
}

/** Writes through `process.stdout`; resolves once the stream has written `output`. */
function writeThroughStream(output: string | Uint8Array): Promise<void> {
  return new Promise((resolve, reject) => {
    if (output.length === 0) return resolve();
    stdoutStream().write(output, (error) => (error ? reject(error) : resolve()));
  });
}

/** The bytes of `chunks` after the first `skip`. */
function after(chunks: readonly Uint8Array[], skip: number): Uint8Array[] {
  const rest: Uint8Array[] = [];
  for (const chunk of chunks) {
    if (skip >= chunk.length) {
      skip -= chunk.length;
      continue;
    }
    rest.push(skip > 0 ? chunk.subarray(skip) : chunk);
    skip = 0;
  }
  return rest;
}

/**
 * Splits a byte stream into lines at LF, batch by batch. A CR before the LF is dropped unless
 * `keepCR` (a pasted trace is passed through byte for byte).
 */
export async function* linesOf(stream: AsyncIterable<Uint8Array | string>, keepCR = false): AsyncIterable<string[]> {
  let pending = '';
  const decoder = new TextDecoder();
  for await (const chunk of stream) {
    const text = pending + (typeof chunk === 'string' ? chunk : decoder.decode(chunk, { stream: true }));
    const lines = text.split('\n');
    pending = lines.pop()!;
    if (lines.length > 0) yield keepCR ? lines : lines.map(stripCR);
  }
  pending += decoder.decode();
  if (pending !== '') yield [keepCR ? pending : stripCR(pending)];
}

function stripCR(line: string): string {
  return line.endsWith('\r') ? line.slice(0, -1) : line;
}
