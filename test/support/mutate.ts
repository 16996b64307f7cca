// Mutation fuzzing support, shared by the short run in test/fuzz.test.ts and the long campaign in
// scripts/fuzz.mjs (which imports the compiled copy, build/test/support/mutate.js).
//
// Every input is a pure function of (campaign seed, iteration): `generateInput` derives its own
// PRNG from the pair, so any input can be rebuilt alone, in any process, in any order.
//
// Seeds are the committed fixtures. Most inputs mutate only the payload of `.debug_*` custom
// sections and re-encode the module with corrected section sizes, so the wasm structure stays
// valid and the damage reaches the DWARF reader; the rest damage the module itself or the
// other custom sections the library reads (`name`, `build_id`, `sourceMappingURL`).
//
// `exercise` drives one input through the public API and classifies the outcome: success, a
// typed error (`CrosstraceError`), or a finding (anything else thrown, or a broken result).

import { CrosstraceError } from '../../src/errors.js';
import { codeOffset, moduleOffset } from '../../src/wasm/addresses.js';
import { WasmModule } from '../../src/wasm/module.js';
import { WasmSymbolizer, type LookupOptions } from '../../src/symbolize/symbolizer.js';
import type { SourceFrame } from '../../src/symbolize/frame.js';
import { demangle, setRustDemanglerWasm } from '../../src/symbolize/demangle/index.js';

// ---------------------------------------------------------------------------------------------
// Deterministic randomness

/** murmur3's finalizer: a good 32-bit mix, used to derive one PRNG seed per iteration. */
function fmix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** The PRNG seed of one input: depends on nothing but the campaign seed and the iteration. */
export function inputSeed(seed: number, iteration: number): number {
  return fmix32(fmix32(seed >>> 0) ^ Math.imul(iteration >>> 0, 0x9e3779b1) ^ fmix32(Math.floor(iteration / 0x100000000)));
}

/** mulberry32: tiny, fast, and good enough to pick mutations. */
export class Rng {
  private state: number;

  constructor(seed: number) {
    this.state = seed >>> 0;
  }

  u32(): number {
    let t = (this.state = (this.state + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  }

  /** Uniform integer in [0, n); 0 when n <= 0. */
  int(n: number): number {
    return n <= 0 ? 0 : Math.floor((this.u32() / 0x100000000) * n);
  }

  /** Uniform integer in [lo, hi]. */
  range(lo: number, hi: number): number {
    return lo + this.int(hi - lo + 1);
  }

  chance(p: number): boolean {
    return this.u32() / 0x100000000 < p;
  }

  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)];
  }

  /** Index into `weights`, chosen with probability proportional to the weight. */
  weighted(weights: readonly number[]): number {
    let total = 0;
    for (const w of weights) total += w;
    let r = (this.u32() / 0x100000000) * total;
    for (let i = 0; i < weights.length; i++) {
      r -= weights[i];
      if (r < 0) return i;
    }
    return weights.length - 1;
  }

  /** Small counts, mostly 1: 1 (1/2), 2 (1/4), ... capped at `max`. */
  geometric(max: number): number {
    let n = 1;
    while (n < max && this.chance(0.5)) n++;
    return n;
  }

  bytes(n: number): Uint8Array {
    const out = new Uint8Array(n);
    for (let i = 0; i < n; i++) out[i] = this.u32() & 0xff;
    return out;
  }
}

// ---------------------------------------------------------------------------------------------
// Wasm encoding: a module as a list of sections, re-encoded with correct sizes

/** Unsigned LEB128, optionally padded with continuation bytes to `minBytes` (still valid wasm). */
export function encodeUleb(value: number, minBytes = 0): number[] {
  const out: number[] = [];
  let v = value;
  do {
    let byte = v % 128;
    v = Math.floor(v / 128);
    if (v > 0 || out.length + 1 < minBytes) byte |= 0x80;
    out.push(byte);
  } while (v > 0 || out.length < minBytes);
  return out;
}

/**
 * One section. Custom sections keep their name apart from their data so the data can be
 * mutated and the section re-encoded around it; for other sections `data` is the payload.
 */
export interface Section {
  id: number;
  /** The custom section's name, null for other sections. */
  name: string | null;
  data: Uint8Array;
}

const MAGIC_AND_VERSION = [0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00];
const utf8Encoder = new TextEncoder();
const utf8Decoder = new TextDecoder();

/** Splits a well-formed module (a fixture) into sections; throws a plain Error on anything else. */
export function splitModule(bytes: Uint8Array): Section[] {
  const readLeb = (at: { p: number }): number => {
    let result = 0;
    let scale = 1;
    for (;;) {
      if (at.p >= bytes.length) throw new Error('splitModule: truncated LEB');
      const b = bytes[at.p++];
      result += (b & 0x7f) * scale;
      scale *= 128;
      if (b < 0x80) return result;
    }
  };
  for (let i = 0; i < 8; i++) if (bytes[i] !== MAGIC_AND_VERSION[i]) throw new Error('splitModule: not a wasm module');
  const sections: Section[] = [];
  const at = { p: 8 };
  while (at.p < bytes.length) {
    const id = bytes[at.p++];
    const size = readLeb(at);
    const start = at.p;
    const end = start + size;
    if (end > bytes.length) throw new Error('splitModule: section runs past the end');
    if (id === 0) {
      const nameLength = readLeb(at);
      const name = utf8Decoder.decode(bytes.subarray(at.p, at.p + nameLength));
      sections.push({ id, name, data: bytes.subarray(at.p + nameLength, end) });
    } else {
      sections.push({ id, name: null, data: bytes.subarray(start, end) });
    }
    at.p = end;
  }
  return sections;
}

/** A section's bytes: id, size LEB (fixed up to the payload), custom name, data. */
export function encodeSection(section: Section): Uint8Array {
  let head: number[] = [];
  if (section.id === 0 && section.name !== null) {
    const name = utf8Encoder.encode(section.name);
    head = [...encodeUleb(name.length), ...name];
  }
  const size = encodeUleb(head.length + section.data.length);
  const out = new Uint8Array(1 + size.length + head.length + section.data.length);
  out[0] = section.id;
  out.set(size, 1);
  out.set(head, 1 + size.length);
  out.set(section.data, 1 + size.length + head.length);
  return out;
}

/** Re-encodes a module from its sections, each with a size that matches its (mutated) payload. */
export function encodeModule(sections: readonly Section[]): Uint8Array {
  const parts = sections.map(encodeSection);
  let total = 8;
  for (const p of parts) total += p.length;
  const out = new Uint8Array(total);
  out.set(MAGIC_AND_VERSION, 0);
  let at = 8;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// The corpus

export const DWARF_SECTION_WEIGHTS: Record<string, number> = {
  '.debug_info': 30,
  '.debug_abbrev': 16,
  '.debug_line': 24,
  '.debug_str': 4,
  '.debug_line_str': 3,
  '.debug_str_offsets': 6,
  '.debug_addr': 6,
  '.debug_ranges': 7,
  '.debug_rnglists': 7,
  '.debug_aranges': 6,
};

/** Sections whose contents are a chain of DWARF initial-length headers. */
const CHAINED_SECTIONS = new Set(['.debug_info', '.debug_line', '.debug_aranges', '.debug_rnglists', '.debug_addr', '.debug_str_offsets', '.debug_loclists']);

export interface Seed {
  path: string;
  bytes: Uint8Array;
  sections: Section[];
  /** Names of the DWARF sections the reader uses that this seed has. */
  dwarfSections: string[];
  /** Per DWARF section: offsets worth aiming at (unit/table headers, first DIEs, abbrev tables). */
  hotspots: Map<string, number[]>;
  /** `.debug_info` offsets of the unit headers (for synthesizing `.debug_aranges`). */
  unitOffsets: number[];
  codeSize: number;
  importedFunctionCount: number;
  /** Code-offset ranges of the function bodies, flattened [start, end, ...]. */
  bodies: number[];
  /** Addresses that land in line-table rows and subprograms of the intact seed. */
  interesting: number[];
  /** Relative cost of one input from this seed (bigger modules mutate less densely and run longer). */
  weight: number;
}

export interface Corpus {
  seeds: Seed[];
  withDwarf: number[];
  /** Every DWARF section of every seed, by name, for splicing across fixtures. */
  donors: Map<string, Uint8Array[]>;
  /** Mangled names (Itanium, Rust legacy and v0) found in the fixtures, for the demanglers. */
  mangledNames: Uint8Array[];
  /** Files that could not be used as seeds, with the reason. */
  skipped: string[];
}

function readU32(data: Uint8Array, at: number): number {
  return (data[at] | (data[at + 1] << 8) | (data[at + 2] << 16)) + data[at + 3] * 0x1000000;
}

/** Offsets of the headers in a section made of initial-length-prefixed contributions. */
function headerChain(data: Uint8Array): number[] {
  const out: number[] = [];
  let at = 0;
  while (at + 4 <= data.length && out.length < 4096) {
    out.push(at);
    let length = readU32(data, at);
    let next = at + 4 + length;
    if (length === 0xffffffff) {
      if (at + 12 > data.length) break;
      length = readU32(data, at + 4) + readU32(data, at + 8) * 0x100000000;
      next = at + 12 + length;
    }
    if (next <= at || next > data.length) break;
    at = next;
  }
  return out;
}

/** Offsets of the NUL-terminated strings in a string table that look mangled (`_Z`, `_R`). */
function mangledNameStarts(table: Uint8Array): number[] {
  const out: number[] = [];
  for (let at = 0; at + 2 < table.length; at++) {
    if ((at === 0 || table[at - 1] === 0) && table[at] === 0x5f && (table[at + 1] === 0x5a || table[at + 1] === 0x52)) out.push(at);
  }
  return out;
}

/** A few Rust v0 manglings (the fixtures' rustc emits legacy names only). */
const RUST_V0_NAMES = [
  '_RNvCs1234_7mycrate3foo',
  '_RNvNtCs9ltgdHTiPiY_4core3ptr13drop_in_place',
  '_RINvNtC3std3mem8align_ofjEC3foo',
  '_RNvMNtCs9ltgdHTiPiY_4core3fmtNtB2_9Formatter3pad',
  '_RNCNCNgCs6DXkGYLi8lr_2cc5spawn00B5_',
  '_RINbNbCskIICzLVDPPb_5alloc5alloc8box_freeDINbNiB4_5boxed5FnBoxuEp6OutputuEL_ECs1iopQbuBiw2_3std',
  '_RNvXs_NtCs1234_4test1aNtB4_1BINtB4_1CjEE3foo.llvm.123',
];

function seedFrom(path: string, bytes: Uint8Array): Seed {
  const sections = splitModule(bytes);
  const module = new WasmModule(bytes);
  const byName = new Map<string, Uint8Array>();
  for (const s of sections) if (s.name !== null && !byName.has(s.name)) byName.set(s.name, s.data);
  const dwarfSections = Object.keys(DWARF_SECTION_WEIGHTS).filter((n) => (byName.get(n)?.length ?? 0) > 0);
  const hotspots = new Map<string, number[]>();
  for (const name of dwarfSections) if (CHAINED_SECTIONS.has(name)) hotspots.set(name, headerChain(byName.get(name)!));
  const info = byName.get('.debug_info');
  const unitOffsets = info ? headerChain(info) : [];
  if (info) {
    // First DIEs sit right after the header; abbreviation tables start where units point.
    const abbrevStarts = new Set<number>([0]);
    const infoSpots = hotspots.get('.debug_info') ?? [];
    for (const u of unitOffsets) {
      const version = info[u + 4] | (info[u + 5] << 8);
      const abbrevOffset = version >= 5 ? readU32(info, u + 8) : readU32(info, u + 6);
      abbrevStarts.add(abbrevOffset);
      infoSpots.push(u + (version >= 5 ? 12 : 11));
    }
    hotspots.set('.debug_info', infoSpots);
    hotspots.set('.debug_abbrev', [...abbrevStarts]);
  }
  const str = byName.get('.debug_str');
  if (str) hotspots.set('.debug_str', mangledNameStarts(str).slice(0, 4096));
  const bodies: number[] = [];
  for (let i = 0; i < module.definedFunctionCount; i++) bodies.push(module.bodyStarts[i], module.bodyEnds[i]);
  const interesting = new Set<number>();
  try {
    const symbolizer = new WasmSymbolizer(module);
    const dwarf = symbolizer.dwarfContext;
    if (dwarf) {
      for (const unit of dwarf.info.compileUnits) {
        const table = dwarf.lineTable(unit);
        if (table) {
          for (let r = 0; r < table.rowCount; r += Math.max(1, Math.floor(table.rowCount / 16))) interesting.add(table.addresses[r]);
          for (const low of table.sequenceLow) interesting.add(low);
        }
      }
    }
  } catch {
    // A seed the library cannot read still mutates; the test checks seeds separately.
  }
  const list = [...interesting].filter((a) => a >= 0 && a < module.codeSectionSize).sort((a, b) => a - b);
  // Keep the list short: spread over the code, at most 256 addresses.
  const step = Math.max(1, Math.ceil(list.length / 256));
  return {
    path, bytes, sections, dwarfSections, hotspots, unitOffsets,
    codeSize: module.codeSectionSize, importedFunctionCount: module.importedFunctionCount, bodies,
    interesting: list.filter((_, i) => i % step === 0),
    weight: bytes.length > 50_000 ? 1 : 4,
  };
}

/** Builds the corpus from the fixtures' bytes (the caller reads the files). */
export function loadCorpus(files: readonly { path: string; bytes: Uint8Array }[]): Corpus {
  const seeds: Seed[] = [];
  const skipped: string[] = [];
  for (const f of files) {
    try {
      seeds.push(seedFrom(f.path, f.bytes));
    } catch (error) {
      // Not a module this reader accepts (a future fixture of another kind): no use as a seed.
      skipped.push(`${f.path}: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
  const donors = new Map<string, Uint8Array[]>();
  for (const seed of seeds) {
    for (const s of seed.sections) {
      if (s.name === null || !s.name.startsWith('.debug_') || s.data.length === 0) continue;
      let list = donors.get(s.name);
      if (!list) donors.set(s.name, (list = []));
      list.push(s.data);
    }
  }
  const withDwarf = seeds.map((s, i) => (s.dwarfSections.includes('.debug_info') ? i : -1)).filter((i) => i >= 0);
  const names = new Set<string>(RUST_V0_NAMES);
  for (const table of donors.get('.debug_str') ?? []) {
    for (const at of mangledNameStarts(table)) {
      let end = table.indexOf(0, at);
      if (end < 0) end = table.length;
      if (end - at <= 4096) names.add(utf8Decoder.decode(table.subarray(at, end)));
    }
  }
  // Spread over the list (it is long for the big fixtures), at most 4096 names.
  const all = [...names].sort();
  const step = Math.max(1, Math.ceil(all.length / 4096));
  const mangledNames = all.filter((_, i) => i % step === 0).map((n) => utf8Encoder.encode(n));
  return { seeds, withDwarf, donors, mangledNames, skipped };
}

// ---------------------------------------------------------------------------------------------
// Byte-level mutations

const INTERESTING_BYTES = [0x00, 0x01, 0x02, 0x04, 0x05, 0x08, 0x0b, 0x0c, 0x10, 0x1f, 0x3f, 0x40, 0x7f, 0x80, 0x81, 0xfe, 0xff];
const INTERESTING_WORDS = [
  0, 1, 2, 4, 8, 0x7f, 0x80, 0xff, 0x100, 0x7fff, 0x8000, 0xffff, 0x10000,
  0x7fffffff, 0x80000000, 0xfffffff0, 0xfffffffe, 0xffffffff,
];

/** Picks a position: often just after a hotspot (a header), otherwise anywhere. */
function pickPosition(rng: Rng, length: number, hotspots: readonly number[] | undefined, allowEnd = false): number {
  const limit = allowEnd ? length + 1 : length;
  if (limit <= 0) return 0;
  if (hotspots && hotspots.length > 0 && rng.chance(0.4)) {
    const at = rng.pick(hotspots) + (rng.chance(0.5) ? rng.int(16) : rng.int(64));
    if (at < limit) return at;
  }
  return rng.int(limit);
}

function splice(data: Uint8Array, at: number, remove: number, insert: ArrayLike<number>): Uint8Array {
  const out = new Uint8Array(data.length - remove + insert.length);
  out.set(data.subarray(0, at), 0);
  out.set(insert, at);
  out.set(data.subarray(at + remove), at + insert.length);
  return out;
}

function overwrite(data: Uint8Array, at: number, bytes: ArrayLike<number>): Uint8Array {
  const out = data.slice();
  for (let i = 0; i < bytes.length && at + i < out.length; i++) out[at + i] = bytes[i];
  return out;
}

function littleEndian(value: number, size: number): number[] {
  const out: number[] = [];
  let v = value;
  for (let i = 0; i < size; i++) {
    out.push(v % 256);
    v = Math.floor(v / 256);
  }
  return out;
}

interface MutationContext {
  rng: Rng;
  hotspots?: readonly number[];
  /** Other byte arrays to take chunks from (the same section in other fixtures, say). */
  donors?: readonly Uint8Array[];
}

type ByteMutation = (data: Uint8Array, ctx: MutationContext) => Uint8Array;

const BYTE_MUTATIONS: { name: string; weight: number; apply: ByteMutation }[] = [
  {
    name: 'flip', weight: 10,
    apply(data, { rng, hotspots }) {
      if (data.length === 0) return data;
      const out = data.slice();
      const at = pickPosition(rng, data.length, hotspots);
      for (let n = rng.geometric(4); n > 0; n--) out[at] ^= 1 << rng.int(8);
      return out;
    },
  },
  {
    name: 'byte', weight: 10,
    apply(data, { rng, hotspots }) {
      if (data.length === 0) return data;
      return overwrite(data, pickPosition(rng, data.length, hotspots), [rng.pick(INTERESTING_BYTES)]);
    },
  },
  {
    name: 'arith', weight: 5,
    apply(data, { rng, hotspots }) {
      if (data.length === 0) return data;
      const out = data.slice();
      const at = pickPosition(rng, data.length, hotspots);
      out[at] = (out[at] + (rng.chance(0.5) ? 1 : -1) * rng.range(1, 35)) & 0xff;
      return out;
    },
  },
  {
    name: 'word', weight: 8,
    apply(data, { rng, hotspots }) {
      if (data.length === 0) return data;
      const size = rng.pick([2, 4, 4, 4, 8]);
      let value = rng.pick(INTERESTING_WORDS);
      if (rng.chance(0.2)) value = data.length + rng.range(-8, 8);
      if (rng.chance(0.1)) value = rng.u32();
      const bytes = size === 8 && value === 0xffffffff ? [0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff] : littleEndian(value, size);
      return overwrite(data, pickPosition(rng, data.length, hotspots), bytes);
    },
  },
  {
    name: 'leb', weight: 6,
    apply(data, { rng, hotspots }) {
      // Overlong and unterminated LEB128s: runs of continuation bytes.
      const run = rng.chance(0.9) ? rng.range(1, 12) : rng.range(13, 4096);
      const bytes: number[] = new Array(run).fill(0x80);
      if (rng.chance(0.7)) bytes.push(rng.pick([0x00, 0x01, 0x0f, 0x10, 0x7f]));
      else if (rng.chance(0.5)) bytes[bytes.length - 1] = 0xff;
      const at = pickPosition(rng, data.length, hotspots, true);
      return rng.chance(0.5) ? overwrite(data, at, bytes) : splice(data, at, 0, bytes);
    },
  },
  {
    name: 'insert', weight: 6,
    apply(data, { rng, hotspots }) {
      const n = rng.chance(0.8) ? rng.range(1, 16) : rng.range(17, 256);
      const bytes = rng.chance(0.5) ? rng.bytes(n) : new Uint8Array(n).fill(rng.pick(INTERESTING_BYTES));
      return splice(data, pickPosition(rng, data.length, hotspots, true), 0, bytes);
    },
  },
  {
    name: 'delete', weight: 6,
    apply(data, { rng, hotspots }) {
      if (data.length === 0) return data;
      const at = pickPosition(rng, data.length, hotspots);
      const n = Math.min(data.length - at, rng.chance(0.8) ? rng.range(1, 16) : rng.range(17, 512));
      return splice(data, at, n, []);
    },
  },
  {
    name: 'fill', weight: 4,
    apply(data, { rng, hotspots }) {
      if (data.length === 0) return data;
      const n = rng.range(1, 32);
      const bytes = rng.chance(0.5) ? rng.bytes(n) : new Uint8Array(n).fill(rng.pick([0x00, 0xff, 0x80, 0x7f]));
      return overwrite(data, pickPosition(rng, data.length, hotspots), bytes);
    },
  },
  {
    name: 'copy', weight: 4,
    apply(data, { rng, hotspots }) {
      // A chunk of the same section elsewhere: plausible structure in the wrong place.
      if (data.length === 0) return data;
      const from = rng.int(data.length);
      const chunk = data.slice(from, from + rng.range(1, 128));
      const at = pickPosition(rng, data.length, hotspots, true);
      return rng.chance(0.5) ? overwrite(data, at, chunk) : splice(data, at, 0, chunk);
    },
  },
  {
    name: 'splice', weight: 5,
    apply(data, { rng, hotspots, donors }) {
      // A chunk of another fixture's section: valid encodings in an inconsistent context.
      if (!donors || donors.length === 0) return data;
      const donor = rng.pick(donors);
      if (donor.length === 0) return data;
      const from = rng.chance(0.3) ? 0 : rng.int(donor.length);
      const chunk = donor.slice(from, from + rng.range(1, 256));
      const at = pickPosition(rng, data.length, hotspots, true);
      if (rng.chance(0.3)) return splice(data, at, Math.min(chunk.length, data.length - at), chunk);
      return rng.chance(0.5) ? overwrite(data, at, chunk) : splice(data, at, 0, chunk);
    },
  },
  {
    name: 'denul', weight: 1,
    apply(data, { rng }) {
      // String tables without terminators: every string read runs to the section's end.
      const out = data.slice();
      const from = rng.chance(0.5) ? 0 : rng.int(data.length);
      for (let i = from; i < out.length; i++) if (out[i] === 0) out[i] = 0x41;
      return out;
    },
  },
  {
    name: 'repeat', weight: 1,
    apply(data, { rng, hotspots }) {
      // One chunk many times over (entries, DIEs, units): finds work that grows faster than input.
      if (data.length === 0) return data;
      const from = pickPosition(rng, data.length, hotspots);
      const chunk = data.slice(from, from + rng.range(1, 64));
      const times = Math.min(rng.chance(0.8) ? rng.range(2, 64) : rng.range(65, 4096), Math.floor((256 * 1024) / chunk.length));
      const run = new Uint8Array(chunk.length * times);
      for (let i = 0; i < times; i++) run.set(chunk, i * chunk.length);
      return splice(data, rng.chance(0.5) ? from : pickPosition(rng, data.length, hotspots, true), 0, run);
    },
  },
  {
    name: 'truncate', weight: 3,
    apply(data, { rng, hotspots }) {
      if (data.length === 0) return data;
      return data.slice(0, pickPosition(rng, data.length, hotspots));
    },
  },
];

const BYTE_MUTATION_WEIGHTS = BYTE_MUTATIONS.map((m) => m.weight);

function mutateBytes(data: Uint8Array, ctx: MutationContext, ops: string[]): Uint8Array {
  const m = BYTE_MUTATIONS[ctx.rng.weighted(BYTE_MUTATION_WEIGHTS)];
  ops.push(m.name);
  return m.apply(data, ctx);
}

// ---------------------------------------------------------------------------------------------
// Input generation

export interface FuzzInput {
  seed: number;
  iteration: number;
  /** Index of the fixture it was derived from. */
  seedIndex: number;
  strategy: 'seed' | 'dwarf' | 'module' | 'custom' | 'names';
  /** Mutations applied, in order, for the report. */
  ops: string[];
  bytes: Uint8Array;
  /** Code offsets to symbolize, garbage included. */
  addresses: number[];
}

const GARBAGE_ADDRESSES = [
  -1, -0x80000000, -0.5, 0.5, -0, 2 ** 32, 2 ** 32 + 5, 0xffffffff, 0xfffffffe, 2 ** 53, 2 ** 53 + 2, 2 ** 64,
  Number.MAX_VALUE, Number.MIN_SAFE_INTEGER, NaN, Infinity, -Infinity, 1e-9,
];

const LOOKUP_VARIANTS: LookupOptions[] = [
  {},
  { inlines: false },
  { functionNames: 'short' },
  { functionNames: 'none', demangle: false },
  { demangle: false },
];

export function lookupOptions(i: number): LookupOptions {
  return LOOKUP_VARIANTS[i % LOOKUP_VARIANTS.length];
}

function pickSeed(rng: Rng, corpus: Corpus, among: readonly number[]): number {
  return among[rng.weighted(among.map((i) => corpus.seeds[i].weight))];
}

/** A `.debug_aranges` section for the seed's units (no fixture has one), covering its bodies. */
function synthesizeAranges(rng: Rng, seed: Seed): Uint8Array {
  const bytes: number[] = [];
  const units = seed.unitOffsets.length > 0 ? seed.unitOffsets : [0];
  const sets = Math.min(units.length, rng.range(1, 4));
  for (let s = 0; s < sets; s++) {
    const tuples: number[] = [];
    for (let n = rng.range(1, 6); n > 0; n--) {
      const b = rng.int(seed.bodies.length / 2) * 2;
      const low = seed.bodies[b] ?? rng.int(seed.codeSize + 1);
      const high = seed.bodies[b + 1] ?? low + rng.int(64);
      tuples.push(...littleEndian(low, 4), ...littleEndian(Math.max(0, high - low), 4));
    }
    tuples.push(0, 0, 0, 0, 0, 0, 0, 0);
    // Header: version 2, unit offset, address size 4, segment size 0, padded to 8 bytes.
    const body = [2, 0, ...littleEndian(units[rng.int(units.length)], 4), 4, 0, 0, 0, 0, 0, ...tuples];
    bytes.push(...littleEndian(body.length, 4), ...body);
  }
  return Uint8Array.from(bytes);
}

function mutateDwarf(rng: Rng, corpus: Corpus, seed: Seed, ops: string[]): Section[] {
  const sections = seed.sections.slice();
  const indexOf = (name: string): number => sections.findIndex((s) => s.name === name);
  if (rng.chance(0.12)) {
    // Structural: sections missing, swapped in from another fixture, duplicated or added.
    const kind = rng.int(4);
    const name = rng.pick(Object.keys(DWARF_SECTION_WEIGHTS));
    const at = indexOf(name);
    const donors = corpus.donors.get(name) ?? [];
    if (kind === 0 && at >= 0) {
      sections.splice(at, 1);
      ops.push(`drop ${name}`);
    } else if (kind === 1 && donors.length > 0) {
      const donor = rng.pick(donors);
      if (at >= 0) sections[at] = { id: 0, name, data: donor };
      else sections.push({ id: 0, name, data: donor });
      ops.push(`swap ${name}`);
    } else if (kind === 2 && at >= 0) {
      // The reader uses the first section of a name; put a copy of another before it.
      const other = donors.length > 0 ? rng.pick(donors) : new Uint8Array(0);
      sections.splice(at, 0, { id: 0, name, data: other });
      ops.push(`shadow ${name}`);
    } else {
      const data = synthesizeAranges(rng, seed);
      const old = indexOf('.debug_aranges');
      if (old >= 0) sections[old] = { id: 0, name: '.debug_aranges', data };
      else sections.push({ id: 0, name: '.debug_aranges', data });
      ops.push('aranges');
    }
  }
  if (rng.chance(0.15) && indexOf('.debug_aranges') < 0) {
    sections.push({ id: 0, name: '.debug_aranges', data: synthesizeAranges(rng, seed) });
    ops.push('aranges');
  }
  const present = Object.keys(DWARF_SECTION_WEIGHTS).filter((n) => indexOf(n) >= 0);
  if (present.length === 0) return sections;
  for (let n = rng.geometric(6); n > 0; n--) {
    const name = present[rng.weighted(present.map((p) => DWARF_SECTION_WEIGHTS[p]))];
    const at = indexOf(name);
    const section = sections[at];
    const hotspots = name === '.debug_aranges' ? [0] : seed.hotspots.get(name);
    const donors = corpus.donors.get(name) ?? [];
    const before = ops.length;
    const data = mutateBytes(section.data, { rng, hotspots, donors }, ops);
    ops[before] = `${name}:${ops[before]}`;
    sections[at] = { id: 0, name, data };
  }
  return sections;
}

/** Positions in an encoded module worth aiming at: section ids, sizes, counts, body sizes. */
function moduleHotspots(bytes: Uint8Array): number[] {
  const spots: number[] = [0, 4];
  let at = 8;
  while (at < bytes.length && spots.length < 4096) {
    spots.push(at);
    const id = bytes[at++];
    let size = 0;
    let scale = 1;
    while (at < bytes.length) {
      const b = bytes[at++];
      size += (b & 0x7f) * scale;
      scale *= 128;
      if (b < 0x80) break;
    }
    spots.push(at);
    if (id === 10) {
      // Code: the count, then each body's size field.
      let p = at;
      let count = 0;
      scale = 1;
      while (p < bytes.length) {
        const b = bytes[p++];
        count += (b & 0x7f) * scale;
        scale *= 128;
        if (b < 0x80) break;
      }
      for (let i = 0; i < count && p < at + size && spots.length < 4096; i++) {
        spots.push(p);
        let body = 0;
        scale = 1;
        while (p < bytes.length) {
          const b = bytes[p++];
          body += (b & 0x7f) * scale;
          scale *= 128;
          if (b < 0x80) break;
        }
        p += body;
      }
    }
    at += size;
  }
  return spots;
}

function mutateModule(rng: Rng, corpus: Corpus, seed: Seed, ops: string[]): Uint8Array {
  let sections = seed.sections.slice();
  if (rng.chance(0.4) && sections.length > 0) {
    const i = rng.int(sections.length);
    switch (rng.int(6)) {
      case 0:
        sections.splice(i, 1);
        ops.push(`drop section ${i}`);
        break;
      case 1:
        sections.splice(rng.int(sections.length + 1), 0, sections[i]);
        ops.push(`duplicate section ${i}`);
        break;
      case 2: {
        const j = rng.int(sections.length);
        [sections[i], sections[j]] = [sections[j], sections[i]];
        ops.push(`swap sections ${i} ${j}`);
        break;
      }
      case 3: {
        // Another fixture's Import or Code section: counts that disagree with everything else.
        const other = corpus.seeds[rng.int(corpus.seeds.length)];
        const id = rng.pick([2, 10, 3, 1]);
        const donor = other.sections.find((s) => s.id === id);
        const own = sections.findIndex((s) => s.id === id);
        if (donor && own >= 0) sections[own] = donor;
        ops.push(`transplant section ${id}`);
        break;
      }
      case 4: {
        const s = sections[i];
        const id = rng.pick([0, 2, 10, 11, 12, 13, 0x7f, 0xff]);
        sections[i] = { id, name: id === 0 ? s.name ?? '' : null, data: s.data };
        ops.push(`retag section ${i} as ${id}`);
        break;
      }
      default:
        sections = sections.slice(0, i);
        ops.push(`cut after section ${i}`);
    }
  }
  let bytes = encodeModule(sections);
  const hotspots = moduleHotspots(bytes);
  const donors = corpus.seeds.map((s) => s.bytes);
  for (let n = rng.geometric(4); n > 0; n--) {
    if (rng.chance(0.2)) {
      // Rewrite a size/count LEB in place: padded, huge, or past 32 bits.
      const at = rng.pick(hotspots);
      const value = rng.pick([0, 1, 0x7f, 0x80, 0xffffffff, 0x100000000, bytes.length, bytes.length - at, rng.u32()]);
      const encoded = encodeUleb(value, rng.chance(0.5) ? 5 : 0);
      let old = 0;
      while (at + old < bytes.length && bytes[at + old] >= 0x80 && old < 10) old++;
      bytes = splice(bytes, at, Math.min(old + 1, bytes.length - at), encoded);
      ops.push(`leb@${at}=${value}`);
    } else {
      bytes = mutateBytes(bytes, { rng, hotspots, donors }, ops);
    }
  }
  return bytes;
}

function mutateCustom(rng: Rng, corpus: Corpus, seed: Seed, ops: string[]): Section[] {
  const sections = seed.sections.slice();
  for (let n = rng.geometric(3); n > 0; n--) {
    const kind = rng.int(4);
    if (kind === 0) {
      const at = sections.findIndex((s) => s.name === 'name');
      const donors = corpus.seeds.flatMap((s) => s.sections.filter((x) => x.name === 'name').map((x) => x.data));
      const data = at >= 0 ? sections[at].data : rng.pick(donors);
      const mutated = mutateBytes(data, { rng, hotspots: [0], donors }, ops);
      ops[ops.length - 1] = `name:${ops[ops.length - 1]}`;
      if (at >= 0) sections[at] = { id: 0, name: 'name', data: mutated };
      else sections.push({ id: 0, name: 'name', data: mutated });
    } else {
      const name = rng.pick(['build_id', 'sourceMappingURL', 'external_debug_info']);
      const length = rng.chance(0.7) ? rng.int(40) : rng.pick([0x7f, 0x80, 0xffffffff, 0x10000000]);
      const payload = rng.chance(0.5) ? rng.bytes(rng.int(48)) : utf8Encoder.encode('https://example.test/m.wasm.map');
      const prefix = rng.chance(0.8) ? encodeUleb(length, rng.chance(0.2) ? 5 : 0) : rng.chance(0.5) ? [0x80, 0x80, 0x80] : [];
      sections.push({ id: 0, name, data: Uint8Array.from([...prefix, ...payload]) });
      ops.push(`${name} length ${length}`);
    }
  }
  return sections;
}

/**
 * The seed without DWARF and with a `name` section naming the functions the lookups land in
 * after (mutated) mangled names: the symbolizer then demangles them for its frames.
 */
function mangledNameModule(rng: Rng, corpus: Corpus, seed: Seed, ops: string[], addresses: number[]): Section[] {
  const sections = seed.sections.filter((s) => s.name === null || (s.name !== 'name' && !s.name.startsWith('.debug_')));
  const bodies = seed.bodies.length / 2;
  const entries: number[] = [];
  let count = 0;
  const used = new Set<number>();
  for (let n = rng.range(1, 4); n > 0 && bodies > 0; n--) {
    const body = rng.int(bodies);
    if (used.has(body)) continue;
    used.add(body);
    let name = rng.pick(corpus.mangledNames);
    if (rng.chance(0.8)) {
      const mutated: string[] = [];
      for (let m = rng.geometric(3); m > 0; m--) name = mutateBytes(name, { rng, hotspots: [0, 2, 3] }, mutated);
      ops.push(`name ${mutated.join('+')}`);
    } else {
      ops.push('name as is');
    }
    if (rng.chance(0.1)) {
      // Prefix swaps move a name between the three demanglers.
      const prefix = utf8Encoder.encode(rng.pick(['_ZN', '_R', '_Z', '__Z', '_RNv']));
      name = Uint8Array.from([...prefix, ...name.subarray(rng.range(2, 3))]);
      ops.push('prefix swap');
    }
    entries.push(...encodeUleb(seed.importedFunctionCount + body), ...encodeUleb(name.length), ...name);
    count++;
    addresses.unshift(rng.range(seed.bodies[2 * body], seed.bodies[2 * body + 1] - 1));
  }
  // Function-name indices must ascend, but the reader does not care: neither do we.
  const sub = [...encodeUleb(count), ...entries];
  sections.push({ id: 0, name: 'name', data: Uint8Array.from([1, ...encodeUleb(sub.length), ...sub]) });
  return sections;
}

function pickAddresses(rng: Rng, seed: Seed): number[] {
  const out: number[] = [];
  for (let n = rng.range(2, 5); n > 0; n--) {
    if (seed.interesting.length > 0 && rng.chance(0.6)) {
      out.push(rng.pick(seed.interesting) + (rng.chance(0.7) ? 0 : rng.range(-2, 2)));
    } else if (seed.bodies.length > 0) {
      const b = rng.int(seed.bodies.length / 2) * 2;
      out.push(rng.range(seed.bodies[b], seed.bodies[b + 1]));
    } else {
      out.push(rng.int(seed.codeSize + 2));
    }
  }
  out.push(rng.pick(GARBAGE_ADDRESSES));
  if (rng.chance(0.3)) out.push(rng.pick([seed.codeSize, seed.codeSize + 1, seed.codeSize - 1, 0]));
  return out;
}

/**
 * The input for one iteration: a pure function of (seed, iteration). The first iterations are
 * the unmodified fixtures, so a campaign always checks its own seeds too.
 */
export function generateInput(corpus: Corpus, seed: number, iteration: number): FuzzInput {
  const rng = new Rng(inputSeed(seed, iteration));
  const ops: string[] = [];
  const all = corpus.seeds.map((_, i) => i);
  let strategy: FuzzInput['strategy'];
  let seedIndex: number;
  let bytes: Uint8Array;
  if (iteration < corpus.seeds.length) {
    strategy = 'seed';
    seedIndex = iteration;
    bytes = corpus.seeds[seedIndex].bytes;
  } else {
    const roll = rng.int(100);
    if (roll < 65 && corpus.withDwarf.length > 0) {
      strategy = 'dwarf';
      seedIndex = pickSeed(rng, corpus, corpus.withDwarf);
      bytes = encodeModule(mutateDwarf(rng, corpus, corpus.seeds[seedIndex], ops));
    } else if (roll < 70 && corpus.mangledNames.length > 0) {
      strategy = 'names';
      seedIndex = pickSeed(rng, corpus, all.filter((i) => corpus.seeds[i].bodies.length > 0));
      const addresses: number[] = [];
      bytes = encodeModule(mangledNameModule(rng, corpus, corpus.seeds[seedIndex], ops, addresses));
      return { seed, iteration, seedIndex, strategy, ops, bytes, addresses: [...addresses, rng.pick(GARBAGE_ADDRESSES)] };
    } else if (roll < 90) {
      strategy = 'module';
      seedIndex = pickSeed(rng, corpus, all);
      bytes = mutateModule(rng, corpus, corpus.seeds[seedIndex], ops);
    } else {
      strategy = 'custom';
      seedIndex = pickSeed(rng, corpus, all);
      bytes = encodeModule(mutateCustom(rng, corpus, corpus.seeds[seedIndex], ops));
    }
  }
  return { seed, iteration, seedIndex, strategy, ops, bytes, addresses: pickAddresses(rng, corpus.seeds[seedIndex]) };
}

// ---------------------------------------------------------------------------------------------
// Running one input

export type Stage =
  | 'module' | 'nameSection' | 'buildId' | 'stringSection' | 'functionIndex'
  | 'dwarfContext' | 'lookup' | 'moduleLookup' | 'sweep' | 'invariant';

/** An outcome that is not accepted: a non-typed exception or a result that breaks the API's promises. */
export interface Finding {
  stage: Stage;
  errorName: string;
  message: string;
  stack: string;
  /** Groups findings with one cause: stage, error type, message without numbers, throwing frame. */
  signature: string;
}

export interface RunResult {
  /**
   * `rejected`: the module did not parse (a typed error, accepted); `ok`: it parsed and every
   * call returned; `typed-error`: it parsed but a later call (`buildId`, a lookup, ...) threw a
   * typed error (accepted; `typedErrors` says where, since lookups were meant to degrade
   * instead); `finding`: not accepted.
   */
  outcome: 'rejected' | 'ok' | 'typed-error' | 'finding';
  /** The module parsed and had a non-empty `.debug_info`, so the DWARF reader ran on it. */
  reachedDwarf: boolean;
  /** The DWARF unit headers parsed (a DwarfContext exists). */
  dwarfParsed: boolean;
  /** Some lookup address mapped to a compile unit, so line tables and DIEs were read. */
  unitHit: boolean;
  /** Unit-level damage the DWARF reader recorded and degraded on (its `diagnostics`). */
  diagnostics: number;
  /** `stage:ErrorName` of every typed error seen. */
  typedErrors: string[];
  frames: number;
  finding: Finding | null;
}

/** First stack frame inside the library, for grouping findings. */
function throwingFrame(stack: string): string {
  for (const line of stack.split('\n').slice(1)) {
    const m = /\/(src\/[^):]+):(\d+)/.exec(line);
    if (m) return `${m[1]}:${m[2]}`;
  }
  const first = stack.split('\n')[1];
  return first ? first.trim() : '?';
}

export function findingOf(stage: Stage, error: unknown): Finding {
  const e = error instanceof Error ? error : new Error(`non-Error thrown: ${String(error)}`);
  const name = error instanceof Error ? e.constructor.name || e.name : typeof error;
  const stack = e.stack ?? '';
  const message = String(e.message);
  const shape = message.replace(/0x[0-9a-f]+|\d+/gi, 'N').slice(0, 120);
  return { stage, errorName: name, message: message.slice(0, 500), stack, signature: `${stage} ${name}: ${shape} @ ${throwingFrame(stack)}` };
}

function checkFrames(frames: unknown): string | null {
  if (!Array.isArray(frames)) return 'lookup did not return an array';
  for (const f of frames as SourceFrame[]) {
    if (typeof f !== 'object' || f === null) return 'frame is not an object';
    if (f.function !== null && typeof f.function !== 'string') return 'frame.function is neither string nor null';
    if (f.file !== null && typeof f.file !== 'string') return 'frame.file is neither string nor null';
    if (!Number.isInteger(f.line) || f.line < 0) return `frame.line is ${f.line}`;
    if (!Number.isInteger(f.column) || f.column < 0) return `frame.column is ${f.column}`;
    if (f.startAddress !== null && !Number.isFinite(f.startAddress)) return `frame.startAddress is ${f.startAddress}`;
  }
  return null;
}

class InvariantError extends Error {
  override name = 'InvariantError';
}

export interface ExerciseOptions {
  /**
   * Also walk every compile unit (line table, subroutine map, a lookup per unit), capped at
   * `maxSweepUnits`, so damage in units no lookup address lands in is still read.
   */
  sweep?: boolean;
  maxSweepUnits?: number;
  /** Check afterwards that the Rust demangler still works (see `rustDemanglerWorks`). */
  rustCanary?: boolean;
}

let canaryCounter = 0;

/**
 * Whether the Rust demangler still answers: it runs rustc-demangle compiled to wasm and stops
 * using it for good after a trap, so one hostile name would silently end Rust demangling for
 * the whole process. Each call uses a name not seen before (the demangler caches answers).
 */
export function rustDemanglerWorks(): boolean {
  const hash = (0x10000000 + (canaryCounter++ % 0xe0000000)).toString(16).padStart(16, '0');
  const out = demangle(`_ZN4core3fmt11PostPadding5write17h${hash}E`);
  return out === `core::fmt::PostPadding::write::h${hash}`;
}

/** Re-enables the Rust demangler after a trap disabled it (`wasm`: gecko-profiler-demangle's index_bg.wasm). */
export function resetRustDemangler(wasm: Uint8Array): void {
  setRustDemanglerWasm(wasm);
}

/** Runs one input through the public API; never throws (everything is classified). */
export function exercise(bytes: Uint8Array, addresses: readonly number[], options: ExerciseOptions = {}): RunResult {
  const result: RunResult = {
    outcome: 'ok', reachedDwarf: false, dwarfParsed: false, unitHit: false,
    diagnostics: 0, typedErrors: [], frames: 0, finding: null,
  };
  /** Runs one step; false when it found something (stop: later steps would only repeat it). */
  const step = (stage: Stage, fn: () => void): boolean => {
    try {
      fn();
      return true;
    } catch (error) {
      if (error instanceof CrosstraceError) {
        result.typedErrors.push(`${stage}:${error.name}`);
        return true;
      }
      result.finding = findingOf(error instanceof InvariantError ? 'invariant' : stage, error);
      result.outcome = 'finding';
      return false;
    }
  };

  const made: { symbolizer: WasmSymbolizer | null } = { symbolizer: null };
  if (!step('module', () => { made.symbolizer = new WasmSymbolizer(bytes); })) return result;
  if (made.symbolizer === null) {
    result.outcome = 'rejected';
    return result;
  }
  const sym = made.symbolizer;
  const module = sym.module;
  result.reachedDwarf = (module.customSection('.debug_info')?.length ?? 0) > 0;

  const ok =
    step('nameSection', () => {
      const names = module.nameSection;
      if (names) {
        module.moduleName();
        for (const index of [0, 1, module.importedFunctionCount, -1, 2 ** 32]) module.functionName(index);
      }
    }) &&
    step('buildId', () => { module.buildId(); }) &&
    step('stringSection', () => {
      module.stringSection('sourceMappingURL');
      module.stringSection('external_debug_info');
    }) &&
    step('functionIndex', () => {
      for (const a of addresses) {
        const index = module.functionIndexAt(codeOffset(a));
        if (index !== null) module.functionBody(index);
      }
      module.functionBody(-1);
      module.functionBody(NaN);
    }) &&
    step('dwarfContext', () => {
      result.dwarfParsed = sym.dwarfContext !== null;
    });
  if (!ok) return result;

  const lookup = (stage: Stage, address: number, variant: number, byModuleOffset = false): boolean =>
    step(stage, () => {
      const frames = byModuleOffset
        ? sym.symbolizeModuleOffset(moduleOffset(address), lookupOptions(variant))
        : sym.symbolizeCodeOffset(codeOffset(address), lookupOptions(variant));
      const problem = checkFrames(frames);
      if (problem) throw new InvariantError(problem);
      result.frames += frames.length;
    });

  for (let i = 0; i < addresses.length; i++) {
    if (!lookup('lookup', addresses[i], i)) return result;
  }
  // The same addresses again: answers now come from the caches.
  if (!lookup('lookup', addresses[0], 0)) return result;
  const codeStart = module.codeSectionOffset;
  if (codeStart !== null && !lookup('moduleLookup', codeStart + addresses[0], 1, true)) return result;

  const dwarf = result.dwarfParsed ? sym.dwarfContext : null;
  if (dwarf) {
    if (!step('sweep', () => {
      for (const a of addresses) if (dwarf.unitForAddress(a) !== null) result.unitHit = true;
    })) return result;
    if (options.sweep) {
      const units = dwarf.info.compileUnits;
      const max = Math.min(units.length, options.maxSweepUnits ?? 64);
      for (let u = 0; u < max; u++) {
        const unit = units[u];
        const probes: number[] = [];
        if (!step('sweep', () => {
          const table = dwarf.lineTable(unit);
          const subroutines = dwarf.subroutines(unit);
          if (table && table.sequenceLow.length > 0) probes.push(table.sequenceLow[0]);
          if (subroutines) {
            for (let k = 0; k < 3 && k < subroutines.count; k++) {
              const low = subroutines.lowPcs[Math.floor((k * subroutines.count) / 3)];
              if (low >= 0) probes.push(low);
            }
          }
        })) return result;
        // Names the index read must be the names the full search finds (LLVM's findRecursively).
        if (!step('invariant', () => {
          const subroutines = dwarf.subroutines(unit);
          for (let i = 0; subroutines && i < subroutines.count && i < 256; i++) {
            const indexed = dwarf.indexedNames(unit, subroutines, i);
            if (indexed === null) continue;
            const full = dwarf.declaration(unit, subroutines, i);
            if (indexed.linkageName !== full.linkageName || indexed.shortName !== full.shortName) {
              throw new InvariantError(`DIE ${i} of unit 0x${unit.offset.toString(16)}: indexed names ${JSON.stringify(indexed)}, full search ${JSON.stringify([full.linkageName, full.shortName])}`);
            }
          }
        })) return result;
        for (let k = 0; k < probes.length; k++) if (!lookup('sweep', probes[k], u + k)) return result;
      }
    }
    result.diagnostics = dwarf.diagnostics.length;
  }
  if (options.rustCanary && !step('invariant', () => {
    if (!rustDemanglerWorks()) throw new InvariantError('the Rust demangler stopped working (a trap disabled it for the process)');
  })) return result;
  if (result.typedErrors.length > 0) result.outcome = 'typed-error';
  return result;
}

// ---------------------------------------------------------------------------------------------
// Reporting helpers

/** Base64 of an input, for pasting into a report (small inputs only make sense there). */
export function toBase64(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');
}

// ---------------------------------------------------------------------------------------------
// Crafted inputs: shapes random mutation does not find, scaled to a size

function le(value: number, size: number): number[] {
  return littleEndian(value, size);
}

function cstr(text: string): number[] {
  return [...utf8Encoder.encode(text), 0];
}

export interface CraftedShape {
  name: string;
  /** What the shape stresses, for the report. */
  stresses: string;
  /** The replacement sections at a size; `seed` is the fixture they go into. */
  build(size: number, seed: Seed): Map<string, Uint8Array>;
  /** Code offsets to look up (inside the tiny fixture's code). */
  addresses: number[];
}

/** A DWARF 5 line-table header (before the entry formats) with the usual LLVM parameters. */
const LINE_HEADER_FIXED = [1, 1, 1, 0xfb, 14, 13, 0, 1, 1, 1, 1, 0, 0, 0, 1, 0, 0, 1];

function lineTableV5(entries: number[], program: number[] = []): Uint8Array {
  const body = [5, 0, 4, 0, ...le(entries.length + LINE_HEADER_FIXED.length, 4), ...LINE_HEADER_FIXED, ...entries, ...program];
  return Uint8Array.from([...le(body.length, 4), ...body]);
}

function unitV4(dies: number[], abbrevOffset = 0): number[] {
  const body = [4, 0, ...le(abbrevOffset, 4), 4, ...dies];
  return [...le(body.length, 4), ...body];
}

/**
 * Hostile but well-formed-looking DWARF, each shape making the reader do work (or keep memory)
 * that grows faster than the input. Each is applied to dwarf-versions/tiny.dwarf5.wasm.
 */
export const CRAFTED_SHAPES: CraftedShape[] = [
  {
    name: 'line-str-fanout',
    stresses: 'DWARF 5 line table: N file entries at N offsets of one NUL-free .debug_line_str (each string runs to the end)',
    addresses: [0x10, 0x20],
    build(size) {
      const n = Math.max(1, Math.floor(size / 8));
      const files: number[] = [];
      for (let i = 0; i < n; i++) files.push(...le(i, 4));
      const entries = [1, 1, 0x1f, 1, ...le(0, 4), 1, 1, 0x1f, ...encodeUleb(n), ...files];
      return new Map([['.debug_line', lineTableV5(entries)], ['.debug_line_str', new Uint8Array(Math.floor(size / 2)).fill(0x41)]]);
    },
  },
  {
    name: 'line-form-string',
    stresses: 'DWARF 5 line table with DW_FORM_string paths, and a NUL-free tail of .debug_info',
    addresses: [0x20],
    build(size, seed) {
      const files: number[] = [];
      for (let i = 0; i < 400; i++) files.push(...cstr('f'), 0);
      const entries = [1, 1, 0x08, 1, ...cstr('/src'), 2, 1, 0x08, 2, 0x0b, ...encodeUleb(400), ...files];
      const program = [0, 5, 2, ...le(0x10, 4), 3, 9, 1, 2, 0x40, 0, 1, 1];
      const tiny = seed.sections.find((s) => s.name === '.debug_info')?.data ?? new Uint8Array(0);
      const filler = new Array<number>(size).fill(0x01);
      const info = Uint8Array.from([...tiny, ...le(size + 7, 4), 4, 0, ...le(0, 4), 4, ...filler]);
      return new Map([['.debug_line', lineTableV5(entries, program)], ['.debug_info', info]]);
    },
  },
  {
    name: 'abbrev-overlap',
    stresses: 'N units whose abbrev_offset points into the middle of one long abbreviation list',
    addresses: [0x10],
    build(size) {
      const k = Math.max(1, Math.floor(size / 10));
      const n = Math.max(1, Math.floor(size / 24));
      const abbrev: number[] = [];
      const offsets: number[] = [];
      for (let i = 1; i <= k; i++) {
        offsets.push(abbrev.length);
        abbrev.push(...encodeUleb(i), 0x11, 0, 0, 0);
      }
      abbrev.push(0);
      const info: number[] = [];
      for (let u = 0; u < n; u++) {
        const code = 1 + Math.floor((u * k) / n);
        info.push(...unitV4(encodeUleb(code), offsets[code - 1]));
      }
      return new Map([['.debug_abbrev', Uint8Array.from(abbrev)], ['.debug_info', Uint8Array.from(info)]]);
    },
  },
  {
    name: 'shared-unit-ranges',
    stresses: 'N compile units whose DW_AT_ranges all name one .debug_ranges list of R entries',
    addresses: [0x10],
    build(size) {
      const n = Math.max(1, Math.floor(size / 32));
      const r = Math.max(1, Math.floor(size / 16));
      const info: number[] = [];
      for (let u = 0; u < n; u++) info.push(...unitV4([1, ...le(0, 4)]));
      const ranges: number[] = [];
      for (let i = 0; i < r; i++) ranges.push(...le(2 * i, 4), ...le(2 * i + 1, 4));
      ranges.push(...le(0, 8));
      return new Map([
        ['.debug_info', Uint8Array.from(info)], ['.debug_abbrev', Uint8Array.from([1, 0x11, 0, 0x55, 0x17, 0, 0, 0])],
        ['.debug_ranges', Uint8Array.from(ranges)],
      ]);
    },
  },
  {
    name: 'shared-subprogram-ranges',
    stresses: 'D subprograms in one unit whose DW_AT_ranges all name one list of R entries',
    addresses: [0x10],
    build(size) {
      const d = Math.max(1, Math.floor(size / 10));
      const r = Math.max(1, Math.floor(size / 16));
      const dies = [1, ...le(0, 4), ...le(0x100000, 4)];
      for (let i = 0; i < d; i++) dies.push(2, ...le(0, 4));
      dies.push(0);
      const ranges: number[] = [];
      for (let i = 0; i < r; i++) ranges.push(...le(2 * i, 4), ...le(2 * i + 1, 4));
      ranges.push(...le(0, 8));
      return new Map([
        ['.debug_info', Uint8Array.from(unitV4(dies))],
        ['.debug_abbrev', Uint8Array.from([1, 0x11, 1, 0x11, 0x01, 0x12, 0x06, 0, 0, 2, 0x2e, 0, 0x55, 0x17, 0, 0, 0])],
        ['.debug_ranges', Uint8Array.from(ranges)],
      ]);
    },
  },
  {
    name: 'aranges-staggered',
    stresses: 'N .debug_aranges sets for N unit offsets with staggered, overlapping ranges',
    addresses: [0x10],
    build(size) {
      const n = Math.max(1, Math.floor(size / 20));
      const out: number[] = [];
      for (let k = 0; k < n; k++) {
        const body = [2, 0, ...le(1000 + k, 4), 2, 0, ...le(k % 65536, 2), ...le(n % 65536, 2)];
        out.push(...le(body.length, 4), ...body);
      }
      return new Map([['.debug_aranges', Uint8Array.from(out)]]);
    },
  },
  {
    name: 'origin-chain',
    stresses: 'a subprogram whose name is N DW_AT_abstract_origin hops away',
    addresses: [0x18],
    build(size) {
      const n = Math.max(1, Math.floor(size / 5));
      const dies = [1, ...le(0, 4), ...le(0x1000, 4)];
      const first = 11 + dies.length + 1 + 12;
      dies.push(2, ...le(0x10, 4), ...le(0x10, 4), ...le(first, 4));
      for (let i = 0; i < n; i++) dies.push(3, ...le(first + 5 * (i + 1), 4));
      dies.push(4, ...cstr('deep'), 0);
      const abbrev = [
        1, 0x11, 1, 0x11, 0x01, 0x12, 0x06, 0, 0,
        2, 0x2e, 0, 0x11, 0x01, 0x12, 0x06, 0x31, 0x13, 0, 0,
        3, 0x2e, 0, 0x31, 0x13, 0, 0,
        4, 0x2e, 0, 0x03, 0x08, 0, 0,
        0,
      ];
      return new Map([['.debug_info', Uint8Array.from(unitV4(dies))], ['.debug_abbrev', Uint8Array.from(abbrev)]]);
    },
  },
];

/** The bytes of a crafted shape at a size, applied to the corpus' tiny DWARF 5 fixture. */
export function craftedInput(corpus: Corpus, name: string, size: number): { bytes: Uint8Array; addresses: number[] } {
  const seed = corpus.seeds.find((s) => s.path.endsWith('tiny.dwarf5.wasm'));
  if (!seed) throw new Error('crafted inputs need fixtures/dwarf-versions/tiny.dwarf5.wasm');
  const shape = CRAFTED_SHAPES.find((s) => s.name === name);
  if (!shape) throw new Error(`no crafted shape ${name}`);
  const replace = shape.build(size, seed);
  const sections = seed.sections.map((s) => (s.name !== null && replace.has(s.name) ? { ...s, data: replace.get(s.name)! } : s));
  for (const [n, data] of replace) if (!sections.some((s) => s.name === n)) sections.push({ id: 0, name: n, data });
  return { bytes: encodeModule(sections), addresses: shape.addresses };
}
