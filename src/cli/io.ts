/** The process streams, behind an interface so tests can drive the CLI in-process. */
export interface CliIO {
  stdout(text: string): void;
  /**
   * Resolves once the stream has written the output (so bytes may then be reused), honouring
   * back-pressure. Bytes are UTF-8.
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
        process.stdout.write(output, (error) => (error ? reject(error) : resolve()));
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
