/** The process streams, behind an interface so tests can drive the CLI in-process. */
export interface CliIO {
  stdout(text: string): void;
  /**
   * Resolves when the output has been handed to the stream (honours back-pressure). Bytes are
   * UTF-8; the caller must not reuse them afterwards.
   */
  stdoutAsync(output: string | Uint8Array): Promise<void>;
  stderr(text: string): void;
  /** Standard input in batches of complete lines, each batch as soon as it has arrived. */
  stdinLines(): AsyncIterable<string[]>;
}

export function processIO(): CliIO {
  return {
    stdout: (text) => {
      process.stdout.write(text);
    },
    stdoutAsync: (output) =>
      new Promise((resolve, reject) => {
        if (output.length === 0) return resolve();
        if (process.stdout.write(output)) return resolve();
        const done = (error?: Error): void => {
          process.stdout.off('drain', done).off('error', done);
          if (error) reject(error);
          else resolve();
        };
        process.stdout.on('drain', done).on('error', done);
      }),
    stderr: (text) => {
      process.stderr.write(text);
    },
    stdinLines: () => linesOf(process.stdin),
  };
}

/** Splits a byte stream into lines (LF, with a CR before it dropped), batch by batch. */
export async function* linesOf(stream: AsyncIterable<Buffer | string>): AsyncIterable<string[]> {
  let pending = '';
  for await (const chunk of stream) {
    const text = pending + (typeof chunk === 'string' ? chunk : chunk.toString('utf8'));
    const lines = text.split('\n');
    pending = lines.pop()!;
    if (lines.length > 0) yield lines.map(stripCR);
  }
  if (pending !== '') yield [stripCR(pending)];
}

function stripCR(line: string): string {
  return line.endsWith('\r') ? line.slice(0, -1) : line;
}
