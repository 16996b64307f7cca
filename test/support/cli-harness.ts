import { main } from '../../src/cli/main.js';
import type { CliIO } from '../../src/cli/io.js';

/** Runs the crosstrace CLI in-process with the given stdin text; returns what it printed. */
export async function runCli(argv: string[], stdin = ''): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const io: CliIO = {
    stdout: (t) => void (stdout += t),
    stdoutAsync: async (t) => void (stdout += typeof t === 'string' ? t : Buffer.from(t).toString('utf8')),
    stderr: (t) => void (stderr += t),
    async *stdinChunks() {
      if (stdin !== '') yield stdin;
    },
  };
  const code = await main(argv, io);
  return { code, stdout, stderr };
}
