// Source maps for WebAssembly (the `sourceMappingURL` convention): one generated "line", whose
// columns are module offsets. Decoding is @jridgewell/trace-mapping's; this file only maps code
// offsets to its segments and checks that a map can belong to the module.
import { TraceMap, decodedMappings, traceSegment } from '@jridgewell/trace-mapping';
import { CrosstraceError } from '../errors.js';
import { codeOffset, type CodeOffset } from '../wasm/addresses.js';
import type { WasmModule } from '../wasm/module.js';
import type { LocationSource } from './symbolizer.js';

/** The source map is unreadable, or does not describe this module. */
export class SourceMapError extends CrosstraceError {
  override name = 'SourceMapError';
}

/**
 * File, line and column per code offset from a source map. A source map has one location per
 * address: frames from it are never inlined, and the function name comes from the map's `names`
 * when a segment has one (Emscripten writes none), else from the module's name section.
 */
export class SourceMapLocations implements LocationSource {
  private constructor(
    private readonly map: TraceMap,
    private readonly module: WasmModule,
    /** Number of mapped segments, for diagnostics. */
    readonly segmentCount: number,
  ) {}

  /**
   * Reads a source map (JSON text or an already parsed object) for `module`. Throws
   * SourceMapError when it is not a source map, maps nothing, or maps offsets outside the
   * module's Code section (then it belongs to another module).
   */
  static read(source: string | object, module: WasmModule): SourceMapLocations {
    if (module.codeSectionOffset === null) throw new SourceMapError('the module has no Code section');
    let map: TraceMap;
    try {
      map = new TraceMap(source as ConstructorParameters<typeof TraceMap>[0]);
    } catch (error) {
      throw new SourceMapError(`not a source map (${(error as Error).message})`);
    }
    let lines: ReturnType<typeof decodedMappings>;
    try {
      lines = decodedMappings(map);
    } catch (error) {
      throw new SourceMapError(`unreadable mappings (${(error as Error).message})`);
    }
    const start = module.codeSectionOffset;
    const end = start + module.codeSectionSize;
    let count = 0;
    for (let line = 0; line < lines.length; line++) {
      for (const segment of lines[line]) {
        if (line > 0) throw new SourceMapError(`maps generated line ${line + 1}; a wasm source map has only line 1`);
        const column = segment[0];
        if (column < start || column > end) {
          throw new SourceMapError(`maps module offset 0x${column.toString(16)}, outside the module's Code section [0x${start.toString(16)}, 0x${end.toString(16)})`);
        }
        if (segment.length > 1) count++;
      }
    }
    if (count === 0) throw new SourceMapError('maps no offset to a source');
    return new SourceMapLocations(map, module, count);
  }

  locate(address: CodeOffset): { file: string; line: number; column: number; name: string | null } | null {
    const start = this.module.codeSectionOffset;
    if (start === null || address < 0 || address >= this.module.codeSectionSize) return null;
    const segment = traceSegment(this.map, 0, start + address);
    if (!segment || segment.length === 1) return null;
    // The nearest mapping before the address may belong to an earlier function; then this
    // function's code has no mapping at or before the address.
    const fn = this.module.functionIndexAt(address);
    if (fn === null || this.module.functionIndexAt(codeOffset(segment[0] - start)) !== fn) return null;
    const file = this.map.resolvedSources[segment[1]] ?? this.map.sources[segment[1]] ?? null;
    if (file === null) return null;
    return {
      file,
      line: segment[2] + 1,
      // Source map columns count from 0, DWARF's (and llvm-symbolizer's) from 1.
      column: segment[3] + 1,
      name: segment.length === 5 ? this.map.names[segment[4]] ?? null : null,
    };
  }
}
