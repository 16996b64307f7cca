import { Cursor } from './cursor.js';

export interface NameSection {
  moduleName: string | null;
  functionNames: Map<number, string>;
}

const MODULE_NAME = 0;
const FUNCTION_NAMES = 1;

/**
 * Reads the `name` custom section. Engines treat a broken name section as absent rather than
 * rejecting the module, and so do we: names are a convenience, never a reason to fail.
 */
export function readNameSection(data: Uint8Array): NameSection {
  const result: NameSection = { moduleName: null, functionNames: new Map() };
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
          result.functionNames.set(index, sub.name('function name'));
        }
      }
      cursor.pos = end;
    }
  } catch {
    // Keep whatever was read before the damage.
  }
  return result;
}
