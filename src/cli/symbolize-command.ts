import { moduleOffset, codeOffset } from '../wasm/addresses.js';
import { WasmModule } from '../wasm/module.js';
import { LocatedAddress, type WasmSymbolizer, type FunctionNameKind, type LookupOptions } from '../symbolize/symbolizer.js';
import { resolveDebugInfo, resolveDebugInfoSync, type ResolvedDebugInfo } from '../symbolize/debug-info/discover.js';
import { debugPathFromEnv, nodeLoader, nodeSyncLoader, readFileForKernels } from '../symbolize/debug-info/node-loader.js';
import { SymbolizerPrinter, type OutputStyle } from '../format/symbolizer-output.js';
import { PlainAnswerWriter } from '../format/plain-answer-bytes.js';
import { PlainAnswerKernel } from '../format/plain-answer-kernel.js';
import type { SubroutineIndex } from '../dwarf/subroutines.js';
import { ChunkWriter } from '../format/byte-output.js';
import { parseRequest, plainHexBytes } from './address-input.js';
import { parseOptions, UsageError, type OptionSpec } from './options.js';
import { CrosstraceError } from '../errors.js';
import { linesOf, type CliIO } from './io.js';
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
  { names: ['debug-file-directory'], takesValue: true, repeatable: true },
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
  --debug-file-directory=DIR look for separate debug files in DIR (repeatable; searched before
                             the directories in CROSSTRACE_DEBUG_PATH, which is separated like PATH)

Debug information is taken from, in order: the file named by the module's external_debug_info
section (relative to the module), the debug directories (that name, .build-id/xx/rest.debug.wasm,
NAME.debug.wasm), the module's own DWARF, a source map (sourceMappingURL, or FILE.map), and the
name section. Split DWARF is read from FILE.dwp or the .dwo files. --verbose also prints every
lookup on standard error. http(s) debug URLs are fetched only with CROSSTRACE_ALLOW_REMOTE=1.
`;

/**
 * The batch path: requests are read and answers written as bytes. A plain-hex request whose
 * answer has the common shape (see `WasmSymbolizer.locate`) is parsed from the input bytes and
 * answered from shared encoded parts; every other line is decoded and takes the general path.
 */
async function answerStream(
  io: CliIO,
  symbolizer: WasmSymbolizer,
  lookup: LookupOptions,
  moduleOffsets: boolean,
  slowAnswer: (line: string) => string,
  printer: SymbolizerPrinter,
): Promise<void> {
  const output = new ChunkWriter();
  // The answer kernel writes what the default options print (plain-answer-kernel.ts).
  const kernelOptions = printer.config.style === 'LLVM' && printer.config.printFunctions && lookup.functionNames === 'linkage'
    && lookup.demangle !== false && lookup.inlines !== false && !moduleOffsets;
  const answerer = new LineAnswerer(symbolizer, lookup, moduleOffsets, slowAnswer, new PlainAnswerWriter(printer, output), output, kernelOptions);
  // Each batch of answers is written while the next one is worked out: a pipe drains only as
  // fast as its reader reads, and waiting for that would leave the answering idle. One batch is
  // in flight at a time; its buffers come back for later batches once it is written.
  let inFlight: Promise<void> = Promise.resolve();
  let inFlightBuffers: readonly Uint8Array[] = [];
  const write = io.stdoutChunks
    ? (chunks: Uint8Array[]) => io.stdoutChunks!(chunks)
    : (chunks: Uint8Array[]) => Promise.all(chunks.map((chunk) => io.stdoutAsync(chunk))).then(() => undefined);
  const send = async (): Promise<void> => {
    const batch = output.takeBatch();
    await inFlight;
    output.recycle(inFlightBuffers);
    inFlightBuffers = batch.buffers;
    inFlight = batch.chunks.length > 0 ? write(batch.chunks) : Promise.resolve();
    // Observed when awaited; until then a failed write must not count as unhandled.
    inFlight.catch(() => {});
  };
  let pending: Uint8Array | null = null;
  for await (const input of io.stdinChunks()) {
    // One array shape for every chunk and joined line (stdin hands out Buffers, joins make plain
    // arrays): a second shape would throw the optimized answer loop back to the interpreter.
    const raw = typeof input === 'string' ? Buffer.from(input) : input;
    const bytes = new Uint8Array(raw.buffer, raw.byteOffset, raw.byteLength);
    let at = 0;
    if (pending) {
      // The line cut by the chunk's start is joined on its own, not the whole chunk to it: a
      // fresh chunk-sized array per read would be fresh pages to fault in.
      const end = bytes.indexOf(LF);
      if (end < 0) {
        pending = concatBytes(pending, bytes);
        continue;
      }
      const line = concatBytes(pending, bytes.subarray(0, end));
      pending = null;
      answerer.answerLine(line, 0, line.length);
      at = end + 1;
    }
    // Sent every LINES_PER_SEND answers, so answers flow while input is still arriving, and the
    // first go out while later ones are still slow to work out (code not yet optimized, names
    // encoded on first use): a reader draining a pipe then has most of the run to do it.
    for (;;) {
      const next = answerer.answerLines(bytes, at, LINES_PER_SEND);
      if (next === at) break;
      at = next;
      await send();
    }
    if (at < bytes.length) pending = bytes.slice(at);
  }
  if (pending) answerer.answerLine(pending, 0, pending.length);
  await send();
  await inFlight;
}

/**
 * The synchronous core of the batch path, apart from the async stream loop so that V8 optimizes
 * it as plain code: finds lines in a chunk of input bytes and answers each.
 */
class LineAnswerer {
  private readonly located = new LocatedAddress();
  private readonly decoder = new TextDecoder();
  /** Answers the common lines of the units added to it (see `noteUnit`); null until the first. */
  private kernel: PlainAnswerKernel | null = null;
  private kernelUnavailable = false;
  private kernelAnswers = 0;
  private kernelStops = 0;
  /** What the last `answerLinesHere` answered. */
  private answeredHere = 0;
  /** Per unit's index: lines answered here so far, -Infinity once given to the kernel. */
  private readonly unitLines = new Map<SubroutineIndex, number>();

  constructor(
    private readonly symbolizer: WasmSymbolizer,
    private readonly lookup: LookupOptions,
    private readonly moduleOffsets: boolean,
    private readonly slowAnswer: (line: string) => string,
    private readonly writer: PlainAnswerWriter,
    private readonly output: ChunkWriter,
    /** Whether the answer kernel prints what these options ask for. */
    private readonly kernelOptions: boolean,
  ) {}

  /**
   * Answers up to `limit` complete lines of `bytes` from `from`; returns where the first line
   * not answered starts (`from` when there was no complete line).
   */
  answerLines(bytes: Uint8Array, from: number, limit: number): number {
    let start = from;
    let answered = 0;
    while (answered < limit) {
      if (this.kernel === null) {
        // Here until a line gives the kernel its first unit (`noteUnit`), if one ever does.
        start = this.answerLinesHere(bytes, start, limit - answered);
        answered += this.answeredHere;
        if (this.kernel === null || this.answeredHere === 0) break;
        continue;
      }
      const done = this.kernel.answerLines(bytes, start, limit - answered, this.output);
      start = done.next;
      answered += done.answered;
      this.kernelAnswers += done.answered;
      if (done.stopped) this.kernelStops++;
      // A module whose names mostly need demangling stops the kernel at most lines: each stop
      // costs a call for nothing, so past a few hundred of them it has to earn its keep.
      const unprofitable = answerKernelUnits === 'default' && this.kernelStops >= 256 && this.kernelAnswers < 4 * this.kernelStops;
      if (this.kernel.failed || unprofitable) {
        this.kernel = null;
        this.kernelUnavailable = true;
      }
      if (!done.stopped || answered >= limit) break;
      // The line the kernel left.
      const end = bytes.indexOf(LF, start);
      if (end < 0) break;
      this.answerLine(bytes, start, end);
      start = end + 1;
      answered++;
    }
    return start;
  }

  /**
   * `answerLines` without the kernel, until the kernel has a unit: the lines answered go to
   * `answeredHere`.
   */
  private answerLinesHere(bytes: Uint8Array, from: number, limit: number): number {
    let start = from;
    let answered = 0;
    // Lines are a few bytes: a loop finds their ends sooner than a call into indexOf per line.
    for (let at = from; at < bytes.length && answered < limit; at++) {
      if (bytes[at] !== LF) continue;
      this.answerLine(bytes, start, at);
      start = at + 1;
      answered++;
      if (this.kernel !== null) break;
    }
    this.answeredHere = answered;
    return start;
  }

  answerLine(bytes: Uint8Array, start: number, end: number): void {
    if (end > start && bytes[end - 1] === CR) end--;
    let address = plainHexBytes(bytes, start, end);
    if (address >= 0 && this.moduleOffsets) address = this.symbolizer.toCodeOffset(moduleOffset(address)) ?? -1;
    if (address >= 0 && this.symbolizer.locate(codeOffset(address), this.lookup, this.located)) {
      this.writer.write(this.located);
      if (this.located.index !== null && this.kernelOptions && !this.kernelUnavailable) this.noteUnit(this.located.index);
    } else {
      this.output.writeText(this.slowAnswer(this.decoder.decode(bytes.subarray(start, end))));
    }
  }

  /**
   * Gives the unit just located to the kernel: a large one at once, a small one at its
   * SMALL_UNIT_LINES-th line (adding one costs more than a few lines answered here).
   */
  private noteUnit(index: SubroutineIndex): void {
    const lines = (this.unitLines.get(index) ?? 0) + 1;
    this.unitLines.set(index, lines);
    if (lines < 0 || answerKernelUnits === 'none') return;
    if (answerKernelUnits === 'default' && index.count < LARGE_UNIT_DIES && lines < SMALL_UNIT_LINES) return;
    this.unitLines.set(index, -Infinity);
    const dwarf = this.symbolizer.dwarfContext;
    const located = this.located;
    if (dwarf === null || located.unit === null) return;
    if (this.kernel === null) {
      this.kernel = PlainAnswerKernel.create(dwarf.info.sections.str);
      if (this.kernel === null) {
        this.kernelUnavailable = true;
        return;
      }
      this.output.takeBuffersFrom(this.kernel.outputBuffers);
    }
    this.kernel.addUnit({ dwarf, unit: located.unit, index, lineTable: located.lineTable, compDir: located.compDir });
  }
}

const LF = 0x0a;
const CR = 0x0d;

/** Units with this many subroutine DIEs go to the answer kernel at their first line. */
const LARGE_UNIT_DIES = 4096;
/** Smaller units at their this-many-th line, when it is clear that more will come. */
const SMALL_UNIT_LINES = 16;

let answerKernelUnits: 'default' | 'all' | 'none' = 'default';

/** For tests: every unit to the answer kernel at its first line (and kept however often it stops), or none ever. */
export function setAnswerKernelUnits(units: 'default' | 'all' | 'none'): void {
  answerKernelUnits = units;
}
/** About 140 KB of answers: small enough to start a pipe early, large enough to write in one go. */
const LINES_PER_SEND = 1024;

function concatBytes(a: Uint8Array, b: Uint8Array): Uint8Array {
  const joined = new Uint8Array(a.length + b.length);
  joined.set(a);
  joined.set(b, a.length);
  return joined;
}

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

  let module: WasmModule;
  try {
    module = new WasmModule(await readFileForKernels(obj));
  } catch (error) {
    const reason = error instanceof CrosstraceError ? error.message : (error as NodeJS.ErrnoException).code === 'ENOENT'
      ? 'no such file' : (error as Error).message;
    io.stderr(`crosstrace symbolize: ${obj}: ${reason}\n`);
    return 1;
  }
  // Where the debug information is: a separate file, split DWARF, a source map, or the module.
  const debugPath = [...(parsed.values.get('debug-file-directory') ?? []), ...debugPathFromEnv()];
  const allowRemote = process.env.CROSSTRACE_ALLOW_REMOTE === '1';
  const discovery = { moduleUrl: obj, debugPath, allowRemote };
  const resolved: ResolvedDebugInfo = allowRemote
    ? await resolveDebugInfo(module, discovery, nodeLoader)
    : resolveDebugInfoSync(module, discovery, nodeSyncLoader);
  const symbolizer: WasmSymbolizer = resolved.symbolizer;
  const verbose = parsed.flags.get('verbose') ?? false;
  for (const line of verbose ? resolved.diagnostics : resolved.warnings) io.stderr(`crosstrace symbolize: ${obj}: ${line}\n`);
  if (!verbose && resolved.source === 'source-map') {
    io.stderr(`crosstrace symbolize: ${obj}: locations from the source map ${resolved.location}: no inlined frames available\n`);
  }

  const lookup: LookupOptions = {
    inlines: parsed.flags.get('inlines') ?? true,
    demangle: parsed.flags.get('demangle') ?? true,
    functionNames: functions as FunctionNameKind,
    // One pass over addresses that rarely repeat: keeping answers would only cost memory.
    remember: false,
  };
  const printer = new SymbolizerPrinter({
    style: style as OutputStyle,
    printFunctions: functions !== 'none',
    verbose,
    pretty: parsed.flags.get('pretty-print') ?? false,
    printAddress: parsed.flags.get('print-address') ?? false,
  });
  const moduleOffsets = parsed.flags.get('module-offsets') ?? false;

  const answer = (line: string): string => {
    const request = parseRequest(line);
    if (request.kind === 'invalid') return printer.invalid(obj, line);
    if (request.kind === 'data') return printer.data(obj, request.address);
    let code: number | null = request.address;
    if (moduleOffsets || request.functionIndex !== null) code = symbolizer.toCodeOffset(moduleOffset(request.address));
    const frames = code === null ? NO_FRAMES : symbolizer.symbolizeCodeOffset(codeOffset(code), lookup);
    return printer.code(obj, request.address, frames);
  };

  if (parsed.positional.length > 0) {
    const answers = parsed.positional.map(answer);
    // llvm-symbolizer gathers command-line requests into one JSON array.
    io.stdout(style === 'JSON' ? '[' + answers.join(',') + ']\n' : answers.join(''));
  } else if (PlainAnswerWriter.handles(printer)) {
    await answerStream(io, symbolizer, lookup, moduleOffsets, answer, printer);
  } else {
    const sep = style === 'JSON' ? '\n' : '';
    for await (const lines of linesOf(io.stdinChunks())) {
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
