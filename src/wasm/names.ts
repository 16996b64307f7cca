import { Cursor } from './cursor.js';

export interface NameSection {
  moduleName: string | null;
  functionNames: FunctionNames;
}

/**
 * Function names by function index, each decoded on first use: a module names thousands of
 * functions and a trace asks for a few. The section's structure is checked when it is read,
 * so decoding later cannot fail (invalid UTF-8 decodes with replacement characters).
 */
export class FunctionNames implements Iterable<[number, string]> {
  /** Function index → where its name (length, then bytes) starts in `data`; later entries win. */
  private readonly starts = new Map<number, number>();
  private readonly decoded = new Map<number, string>();

  constructor(private readonly data: Uint8Array) {}

  get size(): number {
    return this.starts.size;
  }

  /** Records a name read at `start` (checked by the caller). */
  set(index: number, start: number): void {
    this.starts.set(index, start);
    // Names are decoded after the section is read; only a later duplicate entry finds one.
    if (this.decoded.size !== 0) this.decoded.delete(index);
  }

  get(index: number): string | undefined {
    let name = this.decoded.get(index);
    if (name === undefined) {
      const start = this.starts.get(index);
      if (start === undefined) return undefined;
      name = new Cursor(this.data, start).name('function name');
      this.decoded.set(index, name);
    }
    return name;
  }

  *[Symbol.iterator](): Iterator<[number, string]> {
    for (const index of this.starts.keys()) yield [index, this.get(index)!];
  }
}

const MODULE_NAME = 0;
const FUNCTION_NAMES = 1;

/**
 * Reads the `name` custom section. Engines treat a broken name section as absent rather than
 * rejecting the module, and so do we: names are a convenience, never a reason to fail.
 */
export function readNameSection(data: Uint8Array): NameSection {
  const result: NameSection = { moduleName: null, functionNames: new FunctionNames(data) };
  const cursor = new Cursor(data);
  try {
    while (cursor.remaining > 0) {
      const id = cursor.u8();
      const size = cursor.u32leb('name subsection size');
      cursor.need(size, 'name subsection');
      const end = cursor.pos + size;
      const sub = new Cursor(data, cursor.pos, end);
      if (id === MODULE_NAME) {
        result.moduleName = sub.name('module name');
      } else if (id === FUNCTION_NAMES) {
        const count = sub.u32leb('function name count');
        for (let i = 0; i < count; i++) {
          const index = sub.u32leb('function index');
          const start = sub.pos;
          sub.skip(sub.u32leb('function name length'), 'function name');
          result.functionNames.set(index, start);
        }
      }
      cursor.pos = end;
    }
  } catch {
    // Keep whatever was read before the damage.
  }
  return result;
}
