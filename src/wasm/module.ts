import { Cursor, decodeUtf8 } from './cursor.js';
import { codeOffset, moduleOffset, type CodeOffset, type ModuleOffset } from './addresses.js';
import { readNameSection, type NameSection } from './names.js';

/** A custom section: its name and a view (not a copy) of its payload. */
export interface CustomSection {
  name: string;
  /** Module offset of the first payload byte after the name. */
  offset: ModuleOffset;
  data: Uint8Array;
}

export interface SectionHeader {
  id: number;
  /** Module offset of the section's payload (after id and size). */
  offset: ModuleOffset;
  size: number;
}

const SECTION_CUSTOM = 0;
const SECTION_IMPORT = 2;
const SECTION_CODE = 10;
const IMPORT_FUNC = 0;
const IMPORT_TABLE = 1;
const IMPORT_MEMORY = 2;
const IMPORT_GLOBAL = 3;
const IMPORT_TAG = 4;

/**
 * The parts of a module a symbolizer needs, read in one pass over the bytes. Function bodies are
 * kept as parallel typed arrays of code offsets: a module can have 100k functions.
 */
export class WasmModule {
  readonly sections: SectionHeader[] = [];
  readonly customSections: CustomSection[] = [];
  /** Module offset of the Code section's payload: DWARF address 0. Null without a Code section. */
  codeSectionOffset: ModuleOffset | null = null;
  codeSectionSize = 0;
  importedFunctionCount = 0;
  /** Per defined function: code offset of its body's size field, its locals, and its end. */
  bodyStarts: Uint32Array = new Uint32Array(0);
  bodyCodeStarts: Uint32Array = new Uint32Array(0);
  bodyEnds: Uint32Array = new Uint32Array(0);
  private names: NameSection | null | undefined;

  constructor(readonly bytes: Uint8Array) {
    const cursor = new Cursor(bytes);
    cursor.need(8, 'module header');
    if (cursor.u32() !== 0x6d736100) cursor.fail('not a WebAssembly module (bad magic)', 0);
    const version = cursor.u32();
    if (version !== 1) cursor.fail(`unsupported binary version ${version}`, 4);
    while (cursor.remaining > 0) {
      const id = cursor.u8();
      const size = cursor.u32leb('section size');
      const start = cursor.pos;
      cursor.need(size, `section ${id}`);
      this.sections.push({ id, offset: moduleOffset(start), size });
      const section = new Cursor(bytes, start, start + size);
      if (id === SECTION_CUSTOM) this.readCustom(section);
      else if (id === SECTION_IMPORT) this.readImports(section);
      else if (id === SECTION_CODE) this.readCode(section);
      cursor.pos = start + size;
    }
  }

  private readCustom(section: Cursor): void {
    const name = section.name('custom section name');
    this.customSections.push({ name, offset: moduleOffset(section.pos), data: section.bytes.subarray(section.pos, section.end) });
  }

  private readImports(section: Cursor): void {
    const count = section.u32leb('import count');
    for (let i = 0; i < count; i++) {
      section.name('import module name');
      section.name('import field name');
      const kind = section.u8();
      switch (kind) {
        case IMPORT_FUNC:
          section.u32leb('import type index');
          this.importedFunctionCount++;
          break;
        case IMPORT_TABLE:
          section.u8();
          readLimits(section);
          break;
        case IMPORT_MEMORY:
          readLimits(section);
          break;
        case IMPORT_GLOBAL:
          skipValueType(section);
          section.u8();
          break;
        case IMPORT_TAG:
          section.u8();
          section.u32leb('tag type index');
          break;
        default:
          section.fail(`unknown import kind ${kind}`, section.pos - 1);
      }
    }
  }

  private readCode(section: Cursor): void {
    if (this.codeSectionOffset !== null) section.fail('second Code section');
    this.codeSectionOffset = moduleOffset(section.pos);
    this.codeSectionSize = section.end - section.pos;
    const base = section.pos;
    const countAt = section.pos;
    const count = section.u32leb('function count');
    // Each body takes at least one byte, which bounds the allocation for hostile counts.
    if (count > section.remaining) section.fail(`function count ${count} exceeds the section size`, countAt);
    this.bodyStarts = new Uint32Array(count);
    this.bodyCodeStarts = new Uint32Array(count);
    this.bodyEnds = new Uint32Array(count);
    for (let i = 0; i < count; i++) {
      const sizeField = section.pos;
      const size = section.u32leb('function body size');
      section.need(size, 'function body');
      this.bodyStarts[i] = sizeField - base;
      this.bodyCodeStarts[i] = section.pos - base;
      section.pos += size;
      this.bodyEnds[i] = section.pos - base;
    }
    if (section.remaining !== 0) section.fail('Code section has bytes after its last body');
  }

  get definedFunctionCount(): number {
    return this.bodyStarts.length;
  }

  /** All custom sections with this name, in module order (a name may repeat). */
  customSectionsNamed(name: string): CustomSection[] {
    return this.customSections.filter((s) => s.name === name);
  }

  customSection(name: string): Uint8Array | null {
    for (const s of this.customSections) if (s.name === name) return s.data;
    return null;
  }

  /** The `name` section, read on first use; a malformed one is ignored, as engines do. */
  get nameSection(): NameSection | null {
    if (this.names === undefined) {
      const data = this.customSection('name');
      this.names = data ? readNameSection(data) : null;
    }
    return this.names;
  }

  moduleName(): string | null {
    return this.nameSection?.moduleName ?? null;
  }

  functionName(functionIndex: number): string | null {
    return this.nameSection?.functionNames.get(functionIndex) ?? null;
  }

  toCodeOffset(offset: ModuleOffset): CodeOffset | null {
    if (this.codeSectionOffset === null) return null;
    const relative = offset - this.codeSectionOffset;
    if (relative < 0 || relative >= this.codeSectionSize) return null;
    return codeOffset(relative);
  }

  toModuleOffset(offset: CodeOffset): ModuleOffset | null {
    if (this.codeSectionOffset === null) return null;
    return moduleOffset(this.codeSectionOffset + offset);
  }

  /** Index (imports counted, as in `wasm-function[N]`) of the function whose body holds `offset`. */
  functionIndexAt(offset: CodeOffset): number | null {
    const ends = this.bodyEnds;
    let lo = 0;
    let hi = ends.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (ends[mid] <= offset) lo = mid + 1;
      else hi = mid;
    }
    if (lo >= ends.length || offset < this.bodyStarts[lo]) return null;
    return lo + this.importedFunctionCount;
  }

  /** Code-offset range of a function's body (size field to end), or null for imports and bad indices. */
  functionBody(functionIndex: number): { start: CodeOffset; codeStart: CodeOffset; end: CodeOffset } | null {
    const i = functionIndex - this.importedFunctionCount;
    if (!Number.isInteger(i) || i < 0 || i >= this.bodyStarts.length) return null;
    return { start: codeOffset(this.bodyStarts[i]), codeStart: codeOffset(this.bodyCodeStarts[i]), end: codeOffset(this.bodyEnds[i]) };
  }

  /** `sourceMappingURL`, `external_debug_info`: a custom section holding one wasm `name` string. */
  stringSection(name: string): string | null {
    const all = this.customSectionsNamed(name);
    const last = all[all.length - 1];
    if (!last) return null;
    const cursor = new Cursor(last.data);
    try {
      return cursor.name(name);
    } catch {
      return decodeUtf8(last.data, 0, last.data.length);
    }
  }

  /** The `build_id` section's bytes as lowercase hex; null when absent or malformed (like names). */
  buildId(): string | null {
    const data = this.customSection('build_id');
    if (!data) return null;
    const cursor = new Cursor(data);
    try {
      const length = cursor.u32leb('build_id length');
      cursor.need(length, 'build_id');
      let hex = '';
      for (let i = 0; i < length; i++) hex += data[cursor.pos + i].toString(16).padStart(2, '0');
      return hex;
    } catch {
      return null;
    }
  }
}

function readLimits(cursor: Cursor): void {
  const flags = cursor.u8();
  cursor.uleb();
  if (flags & 1) cursor.uleb();
}

function skipValueType(cursor: Cursor): void {
  const type = cursor.u8();
  // Typed function references carry a heap type after the prefix.
  if (type === 0x63 || type === 0x64) cursor.sleb();
}

export function parseWasm(bytes: Uint8Array): WasmModule {
  return new WasmModule(bytes);
}
