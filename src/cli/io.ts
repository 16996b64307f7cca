/** The process streams, behind an interface so tests can drive the CLI in-process. */
export interface CliIO {
  stdout(text: string): void;
  /**
   * Resolves once the stream has written the output (so bytes may then be reused), honouring
   * back-pressure. Bytes are UTF-8.
   */
  stdoutAsync(output: string | Uint8Array): Promise<void>;
  stderr(text: string): void;
  /** Standard input as it arrives (UTF-8 bytes); `linesOf` splits it into lines. */
  stdinChunks(): AsyncIterable<Uint8Array | string>;
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
    stdinChunks: () => process.stdin,
  };
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
