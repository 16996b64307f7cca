import { Cursor } from '../wasm/cursor.js';
import { DW_FORM_implicit_const } from './constants.js';

export interface Abbrev {
  tag: number;
  hasChildren: boolean;
  /** attribute, form pairs, flattened. */
  specs: Uint32Array;
  /** implicit_const values, parallel to the pairs (0 elsewhere). */
  implicitConsts: Float64Array | null;
}

const DENSE_CODES = 100_000;

/**
 * One abbreviation table, indexed by code. Codes are almost always small and dense, so a plain
 * array beats a Map; sparse codes fall back to the map.
 *
 * The constructor only checks the table and notes where each entry starts; an entry becomes an
 * `Abbrev` when first asked for. Finding a unit's extent needs only its root DIE's entry, and
 * most units are never walked, so most entries are never built.
 */
export class AbbrevTable {
  private readonly dense: (Abbrev | undefined)[] = [];
  private readonly sparse = new Map<number, Abbrev>();
  /** Where each code's entry (its tag) starts, for codes not built yet; the later entry wins a duplicate. */
  private readonly denseAt: number[] = [];
  private readonly sparseAt = new Map<number, number>();
  /** Where each code's entry ends (past its terminating pair), as `denseAt` and `sparseAt`. */
  private readonly denseEnd: number[] = [];
  private readonly sparseEnd = new Map<number, number>();
  private readonly data: Uint8Array;
  private readonly limit: number;

  /** Reads the table at `offset`; it must end before `limit` (the next known table). */
  constructor(data: Uint8Array, offset: number, limit = data.length) {
    this.data = data;
    this.limit = Math.min(limit, data.length);
    const cursor = new Cursor(data, 0, this.limit, '.debug_abbrev');
    cursor.seek(offset, 'abbreviation table offset');
    // Numbers of one byte are nearly all of them: those are stepped over here, anything else (and
    // every error) is left to the cursor. Kept lean: this runs for every unit's table, cold.
    const bytes = data;
    const end = this.limit;
    const last = end - 1;
    let p = cursor.pos;
    for (;;) {
      let code = bytes[p];
      if (p < end && code < 0x80) {
        p++;
      } else {
        cursor.pos = p;
        code = cursor.uleb();
        p = cursor.pos;
      }
      if (code === 0) break;
      const entry = p;
      // The tag, then the children flag.
      if (p + 1 < end && bytes[p] < 0x80) {
        p += 2;
      } else {
        cursor.pos = p;
        cursor.uleb();
        cursor.u8();
        p = cursor.pos;
      }
      for (;;) {
        // An attribute and form of one byte each, neither implicit_const (whose value follows);
        // both 0 end the entry.
        const form = bytes[p + 1];
        const either = bytes[p] | form;
        if (either < 0x80 && p < last && form !== DW_FORM_implicit_const) {
          p += 2;
          if (either === 0) break;
        } else {
          cursor.pos = p;
          const at = cursor.uleb();
          const f = cursor.uleb();
          if (at === 0 && f === 0) {
            p = cursor.pos;
            break;
          }
          if (f === DW_FORM_implicit_const) cursor.sleb();
          p = cursor.pos;
        }
      }
      if (code < DENSE_CODES) {
        this.denseAt[code] = entry;
        this.denseEnd[code] = p;
      } else {
        this.sparseAt.set(code, entry);
        this.sparseEnd.set(code, p);
      }
    }
    this.end = p;
  }

  /**
   * The bytes of `code`'s entry after its code (tag, children flag, attributes and forms, implicit
   * constants) as a string of byte values: entries with the same bytes describe the same DIEs,
   * in whichever table and under whichever code. Undefined for an unknown code.
   */
  entryKey(code: number): string | undefined {
    const start = code < DENSE_CODES ? this.denseAt[code] : this.sparseAt.get(code);
    const end = code < DENSE_CODES ? this.denseEnd[code] : this.sparseEnd.get(code);
    if (start === undefined || end === undefined) return undefined;
    // A decoder, not String.fromCharCode.apply: a hostile entry of ~100k bytes would be as many
    // arguments, and overflow the stack. Windows-1252 gives each byte a character of its own.
    return byteText.decode(this.data.subarray(start, end));
  }

  /** Offset one past the table's terminating 0. */
  readonly end: number;

  /** One past the largest code, when every code is below DENSE_CODES; else -1. */
  get denseCodes(): number {
    return this.sparseAt.size === 0 ? this.denseAt.length : -1;
  }

  get(code: number): Abbrev | undefined {
    if (code < DENSE_CODES) return this.dense[code] ?? this.build(code);
    return this.sparse.get(code) ?? this.build(code);
  }

  private build(code: number): Abbrev | undefined {
    const at = code < DENSE_CODES ? this.denseAt[code] : this.sparseAt.get(code);
    if (at === undefined) return undefined;
    // The constructor read these bytes without error, so this cannot fail.
    const cursor = new Cursor(this.data, at, this.limit, '.debug_abbrev');
    const tag = cursor.uleb();
    const hasChildren = cursor.u8() !== 0;
    const specs: number[] = [];
    let implicitConsts: Float64Array | null = null;
    let consts: number[] | null = null;
    for (;;) {
      const attribute = cursor.uleb();
      const form = cursor.uleb();
      if (attribute === 0 && form === 0) break;
      if (form === DW_FORM_implicit_const) {
        consts ??= [];
        consts[specs.length >> 1] = cursor.sleb();
      }
      specs.push(attribute, form);
    }
    if (consts) {
      implicitConsts = new Float64Array(specs.length >> 1);
      for (let i = 0; i < consts.length; i++) implicitConsts[i] = consts[i] ?? 0;
    }
    const abbrev: Abbrev = { tag, hasChildren, specs: Uint32Array.from(specs), implicitConsts };
    if (code < DENSE_CODES) this.dense[code] = abbrev;
    else this.sparse.set(code, abbrev);
    return abbrev;
  }
}

const byteText = new TextDecoder('latin1');
