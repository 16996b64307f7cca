import { Cursor } from '../wasm/cursor.js';
import { DW_FORM_implicit_const } from './constants.js';

export interface Abbrev {
  tag: number;
  hasChildren: boolean;
  /** attribute, form pairs, flattened. */
  specs: Uint32Array;
  /** implicit_const values, parallel to the pairs (0 elsewhere). */
  implicitConsts: Float64Array | null;
  /** Byte size of all attributes when every form is fixed-size, else -1; valid for `fixedSizeKey`. */
  fixedSize: number;
  fixedSizeKey: number;
}

/**
 * One abbreviation table, indexed by code. Codes are almost always small and dense, so a plain
 * array beats a Map; sparse codes fall back to the map.
 */
export class AbbrevTable {
  private readonly dense: (Abbrev | undefined)[] = [];
  private readonly sparse = new Map<number, Abbrev>();

  /** Reads the table at `offset`; it must end before `limit` (the next known table). */
  constructor(data: Uint8Array, offset: number, limit = data.length) {
    const cursor = new Cursor(data, 0, Math.min(limit, data.length), '.debug_abbrev');
    cursor.seek(offset, 'abbreviation table offset');
    for (;;) {
      const code = cursor.uleb();
      if (code === 0) break;
      const tag = cursor.uleb();
      const hasChildren = cursor.u8() !== 0;
      const specs: number[] = [];
      let consts: number[] | null = null;
      for (;;) {
        const attribute = cursor.uleb();
        const form = cursor.uleb();
        if (attribute === 0 && form === 0) break;
        if (form === DW_FORM_implicit_const) {
          consts ??= [];
          consts[specs.length / 2] = cursor.sleb();
        }
        specs.push(attribute, form);
      }
      let implicitConsts: Float64Array | null = null;
      if (consts) {
        implicitConsts = new Float64Array(specs.length / 2);
        consts.forEach((v, i) => (implicitConsts![i] = v ?? 0));
      }
      const abbrev: Abbrev = { tag, hasChildren, specs: Uint32Array.from(specs), implicitConsts, fixedSize: -1, fixedSizeKey: -1 };
      if (code < 100_000) this.dense[code] = abbrev;
      else this.sparse.set(code, abbrev);
    }
    this.end = cursor.pos;
  }

  /** Offset one past the table's terminating 0. */
  readonly end: number;

  get(code: number): Abbrev | undefined {
    return code < 100_000 ? this.dense[code] : this.sparse.get(code);
  }
}
