import { readFileSync } from 'node:fs';
import { moduleOffset, codeOffset } from '../wasm/addresses.js';
import { WasmSymbolizer, type FunctionNameKind, type LookupOptions } from '../symbolize/symbolizer.js';
import { SymbolizerPrinter, type OutputStyle } from '../format/symbolizer-output.js';
import { parseRequest } from './address-input.js';
import { parseOptions, UsageError, type OptionSpec } from './options.js';
import { CrosstraceError } from '../errors.js';
import type { CliIO } from './io.js';
import type { SourceFrame } from '../symbolize/frame.js';

const NO_FRAMES: readonly SourceFrame[] = [];

const SPECS: OptionSpec[] = [
  { names: ['obj', 'exe', 'e'], takesValue: true },
  { names: ['inlines', 'inlining', 'i'], takesValue: false },
  { names: ['demangle', 'C'], takesValue: false },
  { names: ['functions', 'f'], takesValue: true },
  { names: ['output-style'], takesValue: true },
  { names: ['verbose'], takesValue: false },
  { names: ['pretty-print', 'p'], takesValue: false },
  { names: ['print-address', 'addresses', 'a'], takesValue: false },
  { names: ['module-offsets'], takesValue: false },
  { names: ['help', 'h'], takesValue: false },
];

export const SYMBOLIZE_HELP = `Usage: crosstrace symbolize --obj FILE [options] [ADDRESS...]

Symbolizes code addresses of a WebAssembly module from its DWARF, like llvm-symbolizer --obj.
Addresses are code-section offsets (DWARF addresses) unless --module-offsets is given; V8's
wasm-function[N]:0xOFF tokens are always read as module offsets. Without ADDRESS arguments,
addresses are read from standard input, one per line, and answered as they arrive.

Options:
  --obj=FILE                 the .wasm module (also --exe, -e)
  --inlines / --no-inlines   report inlined frames (default on)
  --demangle / --no-demangle demangle C++ and Rust names (default on)
  --functions=none|short|linkage   function names to print (default linkage)
  --output-style=LLVM|GNU|JSON     output format (default LLVM, byte-identical to llvm-symbolizer)
  --verbose                  also print each function's start file, line and address
  --pretty-print, -p         one line per frame
  --print-address, -a        print the address before its frames
  --module-offsets           addresses are module offsets (what V8 prints after wasm-function[N]:)
`;

/** `crosstrace symbolize`: exit code 0 on success, 1 when the module or its DWARF is unusable, 2 on usage errors. */
export async function symbolizeCommand(argv: string[], io: CliIO): Promise<number> {
  let parsed;
  try {
    parsed = parseOptions(argv, SPECS);
  } catch (error) {
    if (error instanceof UsageError) {
      io.stderr(`crosstrace symbolize: ${error.message}\n`);
      return 2;
    }
    throw error;
  }
  if (parsed.flags.get('help')) {
    io.stdout(SYMBOLIZE_HELP);
    return 0;
  }
  const obj = parsed.values.get('obj')?.[0];
  if (!obj) {
    io.stderr('crosstrace symbolize: --obj FILE is required\n');
    return 2;
  }
  const style = (parsed.values.get('output-style')?.[0] ?? 'LLVM').toUpperCase();
  if (style !== 'LLVM' && style !== 'GNU' && style !== 'JSON') {
    io.stderr(`crosstrace symbolize: unknown --output-style '${style}'\n`);
    return 2;
  }
  const functions = parsed.values.get('functions')?.[0] ?? 'linkage';
  if (functions !== 'none' && functions !== 'short' && functions !== 'linkage') {
    io.stderr(`crosstrace symbolize: unknown --functions '${functions}'\n`);
    return 2;
  }

  let symbolizer: WasmSymbolizer;
  try {
    symbolizer = new WasmSymbolizer(readFileSync(obj));
  } catch (error) {
    const reason = error instanceof CrosstraceError ? error.message : (error as NodeJS.ErrnoException).code === 'ENOENT'
      ? 'no such file' : (error as Error).message;
    io.stderr(`crosstrace symbolize: ${obj}: ${reason}\n`);
    return 1;
  }

  const lookup: LookupOptions = {
    inlines: parsed.flags.get('inlines') ?? true,
    demangle: parsed.flags.get('demangle') ?? true,
    functionNames: functions as FunctionNameKind,
  };
  const printer = new SymbolizerPrinter({
    style: style as OutputStyle,
    printFunctions: functions !== 'none',
    verbose: parsed.flags.get('verbose') ?? false,
    pretty: parsed.flags.get('pretty-print') ?? false,
    printAddress: parsed.flags.get('print-address') ?? false,
  });
  const moduleOffsets = parsed.flags.get('module-offsets') ?? false;

  // Lookups that land on the same row share one frames array; print each array once. Without
  // the address echoed (-a) or JSON (which carries the address), the text depends on nothing else.
  const addressFree = !(printer.config.printAddress || style === 'JSON');
  const printed = new WeakMap<readonly SourceFrame[], string>();
  const answer = (line: string): string => {
    const request = parseRequest(line);
    if (request.kind === 'invalid') return printer.invalid(obj, line);
    if (request.kind === 'data') return printer.data(obj, request.address);
    let code: number | null = request.address;
    if (moduleOffsets || request.functionIndex !== null) code = symbolizer.toCodeOffset(moduleOffset(request.address));
    const frames = code === null ? NO_FRAMES : symbolizer.symbolizeCodeOffset(codeOffset(code), lookup);
    if (!addressFree) return printer.code(obj, request.address, frames);
    let text = printed.get(frames);
    if (text === undefined) {
      text = printer.code(obj, request.address, frames);
      printed.set(frames, text);
    }
    return text;
  };

  if (parsed.positional.length > 0) {
    const answers = parsed.positional.map(answer);
    // llvm-symbolizer gathers command-line requests into one JSON array.
    io.stdout(style === 'JSON' ? '[' + answers.join(',') + ']\n' : answers.join(''));
  } else {
    const sep = style === 'JSON' ? '\n' : '';
    for await (const lines of io.stdinLines()) {
      // One join per batch: building the output with += makes ropes that are flattened at write time.
      const answers = new Array<string>(lines.length);
      for (let i = 0; i < lines.length; i++) answers[i] = answer(lines[i]);
      await io.stdoutAsync(answers.join(sep) + sep);
    }
  }

  const diagnostics = symbolizer.dwarfContext?.diagnostics ?? [];
  if (diagnostics.length > 0) {
    io.stderr(`crosstrace symbolize: ${obj}: ${diagnostics[0]}${diagnostics.length > 1 ? ` (and ${diagnostics.length - 1} more)` : ''}\n`);
    return 1;
  }
  return 0;
}
