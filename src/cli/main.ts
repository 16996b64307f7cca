import { isBrokenPipe, processIO, type CliIO } from './io.js';
import { symbolizeCommand } from './symbolize-command.js';
import { stackCommand } from './stack-command.js';
import { keepFreedMemoryForReuse } from './allocator.js';
import { letHelperThreadsYield } from './helper-threads.js';

const HELP = `Usage: crosstrace <command> [options]

Commands:
  symbolize --obj FILE [ADDRESS...]   code addresses of a wasm module → source frames (llvm-symbolizer compatible)
  stack --obj FILE [TRACE]            a stack trace copied from a log, with its wasm frames rewritten to source frames

Run 'crosstrace <command> --help' for a command's options.
`;

export async function main(argv: string[], io: CliIO = processIO()): Promise<number> {
  const [command, ...rest] = argv;
  switch (command) {
    case 'symbolize':
      return symbolizeCommand(rest, io);
    case 'stack':
      return stackCommand(rest, io);
    case undefined: case '--help': case '-h': case 'help':
      io.stdout(HELP);
      return command === undefined ? 2 : 0;
    default:
      io.stderr(`crosstrace: unknown command '${command}'\n${HELP}`);
      return 2;
  }
}

/** The `crosstrace` executable: `main` on the process's own streams, tuned as a batch process. */
export function runProcess(argv: string[]): Promise<number> {
  keepFreedMemoryForReuse();
  letHelperThreadsYield();
  // A reader that stops reading (`crosstrace symbolize … | head`) ends the job, quietly, with
  // the status of a tool that SIGPIPE stopped (128 + 13), as llvm-symbolizer's would be.
  return main(argv).catch((error: unknown) => {
    if (isBrokenPipe(error)) return BROKEN_PIPE_STATUS;
    throw error;
  });
}

const BROKEN_PIPE_STATUS = 141;
