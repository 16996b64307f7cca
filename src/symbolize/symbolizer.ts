import { codeOffset, type CodeOffset, type ModuleOffset } from '../wasm/addresses.js';
import { WasmModule } from '../wasm/module.js';
import { DwarfContext, type NameKind } from '../dwarf/context.js';
import { dwarfSections, type DwarfSections } from '../dwarf/sections.js';
import type { Unit } from '../dwarf/unit.js';
import { demangle } from './demangle/index.js';
import type { SourceFrame } from './frame.js';

export type FunctionNameKind = 'linkage' | 'short' | 'none';

export interface LookupOptions {
  /** Expand inlined frames (default true), as llvm-symbolizer's `--inlines`. */
  inlines?: boolean;
  /** Which DWARF name to report (default 'linkage', then demangled), as `--functions`. */
  functionNames?: FunctionNameKind;
  demangle?: boolean;
}

export interface SymbolizerOptions {
  /**
   * DWARF to use instead of the module's own sections, e.g. from a separate debug file. Its
   * addresses are code offsets of this module's Code section.
   */
  debugSections?: DwarfSections | null;
}

/**
 * Address → source frames for one wasm module. Construction reads the module's section list;
 * DWARF is parsed on the first lookup and then only the compile unit that lookup needs.
 *
 * The frame rules are llvm-symbolizer's (`DWARFContext::getInliningInfoForAddress`): the
 * innermost frame takes file/line/column from the line table, each outer frame from the
 * DW_AT_call_* of the frame inside it, and names come from DW_AT_linkage_name or DW_AT_name
 * through abstract_origin/specification chains.
 */
export class WasmSymbolizer {
  readonly module: WasmModule;
  private dwarf: DwarfContext | null | undefined;
  private readonly debugSections: DwarfSections | null | undefined;
  private readonly nameCache = new Map<number, string | null>();
  private readonly demangled = new Map<string, string>();

  constructor(module: Uint8Array | WasmModule, options: SymbolizerOptions = {}) {
    this.module = module instanceof WasmModule ? module : new WasmModule(module);
    this.debugSections = options.debugSections;
  }

  /** The DWARF reader, or null when the module carries no DWARF. */
  get dwarfContext(): DwarfContext | null {
    if (this.dwarf === undefined) {
      const sections = this.debugSections !== undefined
        ? this.debugSections
        : dwarfSections((name) => this.module.customSection(name));
      this.dwarf = sections ? new DwarfContext(sections) : null;
    }
    return this.dwarf;
  }

  get hasDwarf(): boolean {
    return this.dwarfContext !== null;
  }

  toCodeOffset(offset: ModuleOffset): CodeOffset | null {
    return this.module.toCodeOffset(offset);
  }

  functionName(functionIndex: number): string | null {
    return this.module.functionName(functionIndex);
  }

  symbolizeModuleOffset(offset: ModuleOffset, options?: LookupOptions): SourceFrame[] {
    const code = this.module.toCodeOffset(offset);
    return code === null ? [] : this.symbolizeCodeOffset(code, options);
  }

  /** Frames at a code offset, innermost first; empty when nothing at all is known. */
  symbolizeCodeOffset(address: CodeOffset, options: LookupOptions = {}): SourceFrame[] {
    const inlines = options.inlines ?? true;
    const kind = options.functionNames ?? 'linkage';
    const wantDemangle = options.demangle ?? true;
    const dwarf = this.dwarfContext;
    const unit = dwarf ? dwarf.unitForAddress(address) : null;
    const frames = dwarf && unit ? this.dwarfFrames(dwarf, unit, address, inlines, kind) : [];
    if (kind !== 'none') {
      for (const frame of frames) {
        if (frame.linkageName !== null && wantDemangle) frame.function = this.demangle(frame.linkageName);
      }
      this.fillFromNameSection(frames, address, wantDemangle);
    }
    return frames;
  }

  private dwarfFrames(dwarf: DwarfContext, unit: Unit, address: number, inlines: boolean, kind: FunctionNameKind): SourceFrame[] {
    const lineTable = dwarf.lineTable(unit);
    const compDir = dwarf.compDir(unit);
    const index = dwarf.subroutines(unit);
    const leaf = index ? index.find(address) : -1;
    const chain = index && leaf >= 0 ? index.chain(leaf) : [];
    const row = lineTable ? lineTable.lookup(address) : -1;
    const frames: SourceFrame[] = [];
    if (chain.length === 0) {
      if (row < 0 || !lineTable) return frames;
      const frame = emptyFrame();
      frame.file = lineTable.filePath(lineTable.fileIndices[row], compDir);
      if (frame.file === null) return frames;
      frame.line = lineTable.lines[row];
      frame.column = lineTable.columns[row];
      frame.discriminator = lineTable.discriminators[row];
      frames.push(frame);
      return frames;
    }
    const depth = inlines ? chain.length : 1;
    let call = { file: 0, line: 0, column: 0, discriminator: 0 };
    for (let i = 0; i < depth; i++) {
      const dieOffset = index!.dieOffsets[chain[i]];
      const frame = emptyFrame();
      if (kind !== 'none') {
        const name = this.subroutineName(dwarf, dieOffset, kind);
        frame.function = name;
        frame.linkageName = name;
      }
      frame.startLine = dwarf.declLine(dieOffset);
      const decl = dwarf.declFile(dieOffset);
      if (decl) {
        const declTable = dwarf.lineTable(decl.unit);
        frame.startFile = declTable ? declTable.filePath(decl.file, dwarf.compDir(decl.unit)) : null;
      }
      const low = index!.lowPcs[chain[i]];
      frame.startAddress = low >= 0 ? low : null;
      if (i === 0) {
        if (lineTable && row >= 0) {
          const file = lineTable.filePath(lineTable.fileIndices[row], compDir);
          if (file !== null) {
            frame.file = file;
            frame.line = lineTable.lines[row];
            frame.column = lineTable.columns[row];
            frame.discriminator = lineTable.discriminators[row];
          }
        }
      } else {
        frame.file = lineTable ? lineTable.filePath(call.file, compDir) : null;
        frame.line = call.line;
        frame.column = call.column;
        frame.discriminator = call.discriminator;
      }
      if (i + 1 < depth) call = dwarf.callSite(dieOffset);
      frame.inlined = i + 1 < chain.length && inlines;
      frames.push(frame);
    }
    return frames;
  }

  private subroutineName(dwarf: DwarfContext, dieOffset: number, kind: NameKind): string | null {
    const key = kind === 'linkage' ? dieOffset : -dieOffset - 1;
    let name = this.nameCache.get(key);
    if (name === undefined) {
      name = dwarf.subroutineName(dieOffset, kind);
      this.nameCache.set(key, name);
    }
    return name;
  }

  private demangle(name: string): string {
    let result = this.demangled.get(name);
    if (result === undefined) {
      result = demangle(name) ?? name;
      this.demangled.set(name, result);
    }
    return result;
  }

  /**
   * Where DWARF names no function (no DWARF, or code it does not describe), the name section
   * still does. llvm-symbolizer 14 reads no symbols from a linked wasm module and prints `??`.
   */
  private fillFromNameSection(frames: SourceFrame[], address: CodeOffset, wantDemangle: boolean): void {
    const outer = frames[frames.length - 1];
    if (outer && outer.function !== null) return;
    const index = this.module.functionIndexAt(codeOffset(address));
    if (index === null) return;
    const name = this.module.functionName(index);
    if (name === null) return;
    const frame = outer ?? emptyFrame();
    frame.linkageName = name;
    frame.function = wantDemangle ? this.demangle(name) : name;
    const body = this.module.functionBody(index);
    if (frame.startAddress === null && body) frame.startAddress = body.start;
    if (!outer) frames.push(frame);
  }
}

function emptyFrame(): SourceFrame {
  return {
    function: null, linkageName: null, file: null, line: 0, column: 0, discriminator: 0,
    inlined: false, startFile: null, startLine: 0, startAddress: null,
  };
}
