import { openSync, createReadStream } from 'node:fs';
import { WasmModule } from '../wasm/module.js';
import { resolveDebugInfo, resolveDebugInfoSync, type ResolvedDebugInfo } from '../symbolize/debug-info/discover.js';
import { debugPathFromEnv, nodeLoader, nodeSyncLoader, readFileForKernels } from '../symbolize/debug-info/node-loader.js';
import { TraceRewriter, lineToJson, type LineResult, type TraceModule } from '../format/pasted-trace.js';
import { parseOptions, UsageError, type OptionSpec } from './options.js';
import { linesOf, type CliIO } from './io.js';
import { CrosstraceError } from '../errors.js';

const SPECS: OptionSpec[] = [
  { names: ['obj', 'exe', 'e'], takesValue: true, repeatable: true },
  { names: ['inlines', 'inlining', 'i'], takesValue: false },
  { names: ['demangle', 'C'], takesValue: false },
  { names: ['output-style'], takesValue: true },
  { names: ['debug-file-directory'], takesValue: true, repeatable: true },
  { names: ['verbose'], takesValue: false },
  { names: ['help', 'h'], takesValue: false },
];

export const STACK_HELP = `Usage: crosstrace stack --obj FILE [--obj FILE...] [options] [TRACE]

Rewrites a stack trace copied from a log: every WebAssembly frame line becomes its source
frames, innermost first, in the line's own syntax; every other line is printed unchanged.
Reads TRACE, or standard input when TRACE is absent or '-', and answers line by line as the
input arrives.

Frames read:
  V8 (Node, Chrome)   at NAME (URL:wasm-function[N]:0xOFF)     at URL:wasm-function[N]:0xOFF
                      at NAME (wasm://wasm/NAME-HASH:1:COL)    (source-map-support; COL = offset + 1)
  Firefox             NAME@URL:wasm-function[N]:0xOFF
  Safari              <?>.wasm-function[NAME or N]@[wasm code]     NAME@wasm-function[N]
Safari prints no offset: such a frame becomes the declaration (file and line) of its function.

Which --obj a frame belongs to: the one whose basename is the URL's; else the one whose name
section names the module V8 printed (wasm://wasm/NAME-HASH); else any. Among those, only a
module whose function N holds the offset can be chosen; a frame that fits none, or several
equally, or whose address has no debug information, is printed unchanged.

Options:
  --obj=FILE                 a .wasm module the trace may come from (repeatable; also --exe, -e)
  --inlines / --no-inlines   expand inlined frames (default on); inlined frames are marked
                             'NAME [inlined]'
  --demangle / --no-demangle demangle C++ and Rust names (default on)
  --output-style=TRACE|JSON  TRACE (default): the rewritten trace; JSON: one JSON object per
                             input line (see docs/stack-command.md)
  --debug-file-directory=DIR look for separate debug files in DIR (repeatable; searched before
                             the directories in CROSSTRACE_DEBUG_PATH), as 'crosstrace symbolize'
  --verbose                  print where each module's debug information was found

Exit status: 0; 1 when an --obj or TRACE file cannot be read or an --obj is not wasm; 2 on
usage errors.
`;

/** `crosstrace stack`: rewrites the wasm frames of a pasted trace. */
export async function stackCommand(argv: string[], io: CliIO): Promise<number> {
  let parsed;
  try {
    parsed = parseOptions(argv, SPECS);
  } catch (error) {
    if (error instanceof UsageError) {
      io.stderr(`crosstrace stack: ${error.message}\n`);
      return 2;
    }
    throw error;
  }
  if (parsed.flags.get('help')) {
    io.stdout(STACK_HELP);
    return 0;
  }
  const objs = parsed.values.get('obj') ?? [];
  if (objs.length === 0) {
    io.stderr('crosstrace stack: --obj FILE is required\n');
    return 2;
  }
  const style = (parsed.values.get('output-style')?.[0] ?? 'TRACE').toUpperCase();
  if (style !== 'TRACE' && style !== 'JSON') {
    io.stderr(`crosstrace stack: unknown --output-style '${style}' (TRACE or JSON)\n`);
    return 2;
  }
  if (parsed.positional.length > 1) {
    io.stderr('crosstrace stack: one TRACE file at most\n');
    return 2;
  }
  const verbose = parsed.flags.get('verbose') ?? false;
  const loading: ModuleLoadOptions = {
    debugPath: [...(parsed.values.get('debug-file-directory') ?? []), ...debugPathFromEnv()],
    allowRemote: process.env.CROSSTRACE_ALLOW_REMOTE === '1',
  };
  const modules: TraceModule[] = [];
  for (const obj of objs) {
    const loaded = await loadTraceModule(obj, loading);
    if ('error' in loaded) {
      io.stderr(`crosstrace stack: ${obj}: ${loaded.error}\n`);
      return 1;
    }
    for (const line of verbose ? loaded.resolved.diagnostics : loaded.resolved.warnings) io.stderr(`crosstrace stack: ${obj}: ${line}\n`);
    modules.push(loaded.module);
  }

  let input: AsyncIterable<string[]>;
  const file = parsed.positional[0];
  if (file === undefined || file === '-') {
    input = linesOf(io.stdinChunks(), true);
  } else {
    let fd: number;
    try {
      fd = openSync(file, 'r');
    } catch (error) {
      io.stderr(`crosstrace stack: ${file}: ${fsReason(error)}\n`);
      return 1;
    }
    input = linesOf(createReadStream('', { fd }), true);
  }

  const rewriter = new TraceRewriter(modules, {
    inlines: parsed.flags.get('inlines') ?? true,
    demangle: parsed.flags.get('demangle') ?? true,
  });
  const json = style === 'JSON';
  let lineNumber = 0;
  try {
    for await (const lines of input) {
      const out = new Array<string>(lines.length);
      for (let i = 0; i < lines.length; i++) {
        lineNumber++;
        const result = rewriter.rewrite(lines[i]);
        if (result.kind === 'ambiguous') {
          io.stderr(`crosstrace stack: line ${lineNumber}: the frame fits ${result.candidates.map((m) => m.location).join(' and ')}: left unchanged\n`);
        }
        out[i] = json ? lineToJson(lines[i], result) : textOf(result);
      }
      await io.stdoutAsync(out.join('\n') + '\n');
    }
  } catch (error) {
    if (file === undefined || file === '-' || (error as NodeJS.ErrnoException).code === undefined) throw error;
    io.stderr(`crosstrace stack: ${file}: ${fsReason(error)}\n`);
    return 1;
  }
  // As `crosstrace symbolize`: what could be read was printed; damaged DWARF still fails the run.
  let status = 0;
  for (const m of modules) {
    const diagnostics = m.symbolizer.dwarfContext?.diagnostics ?? [];
    if (diagnostics.length === 0) continue;
    io.stderr(`crosstrace stack: ${m.location}: ${diagnostics[0]}${diagnostics.length > 1 ? ` (and ${diagnostics.length - 1} more)` : ''}\n`);
    status = 1;
  }
  return status;
}

function textOf(result: LineResult): string {
  return result.kind === 'rewritten' ? result.lines.join('\n') : result.text;
}

export interface ModuleLoadOptions {
  debugPath: string[];
  allowRemote: boolean;
}

/**
 * Reads one --obj and finds its debug information as `crosstrace symbolize` does (a separate
 * debug file, split DWARF, the module's own DWARF, a source map, the name section).
 */
export async function loadTraceModule(
  path: string,
  options: ModuleLoadOptions,
): Promise<{ module: TraceModule; resolved: ResolvedDebugInfo } | { error: string }> {
  let module: WasmModule;
  try {
    module = new WasmModule(await readFileForKernels(path));
  } catch (error) {
    return { error: error instanceof CrosstraceError ? error.message : fsReason(error) };
  }
  const discovery = { moduleUrl: path, debugPath: options.debugPath, allowRemote: options.allowRemote };
  const resolved = options.allowRemote
    ? await resolveDebugInfo(module, discovery, nodeLoader)
    : resolveDebugInfoSync(module, discovery, nodeSyncLoader);
  return { module: { location: path, symbolizer: resolved.symbolizer }, resolved };
}

function fsReason(error: unknown): string {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') return 'no such file';
  if (code === 'EISDIR') return 'is a directory';
  if (code === 'EACCES') return 'permission denied';
  return (error as Error).message;
}
