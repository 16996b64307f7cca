// Transcodes the 32-bit DWARF of a linked wasm module into 64-bit DWARF (DWARF 5 §7.4), so the
// reader can be tested on a format no wasm compiler emits. Written independently of src/dwarf/:
// a transcoder that shared the reader's code would share its bugs.
//
// What grows: every unit header (unit_length 4 → 12 bytes, section offsets 4 → 8), every
// attribute of an offset-sized form, the entries of the DWARF 5 offset tables. What moves
// therefore: every DIE, list, line table and table base, so every offset pointing into a
// rewritten section is remapped through an exact old → new map (an offset that is not the start
// of something the transcoder laid out is an error, never a guess). Unit-relative references
// encoded as LEB128 (DW_FORM_ref_udata, DW_OP_convert and friends) can change size when their
// target moves, so each unit is laid out to a fixed point. Code and every non-DWARF section stay
// byte-identical, so code offsets in the DWARF stay valid.
//
// Handled: DWARF 3–5 units (compile, partial, type, skeleton, split), .debug_line (v3–5, with
// offset-sized forms in v5 headers), .debug_str_offsets/.debug_addr/.debug_rnglists/.debug_loclists
// (contribution headers, offset tables, bases), .debug_loc and .debug_ranges (no offsets of their
// own: unchanged unless an expression refers to a DIE), .debug_aranges, .debug_pubnames/pubtypes
// and their GNU variants, DWARF 3's data4 section offsets (become data8), DWARF expressions whose
// operands refer to DIEs (DW_OP_call*, DW_OP_convert and the other typed operations,
// DW_OP_implicit_pointer, ...), and DWARF 5 split-DWARF objects (.dwo, with the sections'
// .dwo names; transcode them first and hand their `splitUnits` to the skeleton module).
// Optional, for coverage of encodings no fixture has: unit-relative references rewritten as
// DW_FORM_ref_addr (`refAddr`), and a .debug_aranges added to a 32-bit module (`withAranges`).
//
// Refused (throws): DWARF 2 (64-bit DWARF starts with version 3), units that are already 64-bit,
// DWARF 4 (GNU) split DWARF and .dwp packages, .debug_types / .debug_names / .debug_macro and
// other sections holding offsets this does not remap, section-offset attributes of unknown
// meaning, DW_FORM_ref8, unknown forms and expression opcodes.

/** Sections this transcoder rewrites or knows hold no offset that changes. */
const KNOWN_SECTIONS = new Set([
  '.debug_info', '.debug_abbrev', '.debug_line', '.debug_str', '.debug_line_str', '.debug_str_offsets',
  '.debug_addr', '.debug_ranges', '.debug_rnglists', '.debug_loc', '.debug_loclists', '.debug_aranges',
  '.debug_pubnames', '.debug_pubtypes', '.debug_gnu_pubnames', '.debug_gnu_pubtypes', '.debug_macinfo',
]);

// ---------------------------------------------------------------------------------------------
// Constants (DWARF 5 §7, plus the GNU and WebAssembly extensions LLVM emits)

const FORM = {
  addr: 0x01, block2: 0x03, block4: 0x04, data2: 0x05, data4: 0x06, data8: 0x07, string: 0x08,
  block: 0x09, block1: 0x0a, data1: 0x0b, flag: 0x0c, sdata: 0x0d, strp: 0x0e, udata: 0x0f,
  ref_addr: 0x10, ref1: 0x11, ref2: 0x12, ref4: 0x13, ref8: 0x14, ref_udata: 0x15, indirect: 0x16,
  sec_offset: 0x17, exprloc: 0x18, flag_present: 0x19, strx: 0x1a, addrx: 0x1b, ref_sup4: 0x1c,
  strp_sup: 0x1d, data16: 0x1e, line_strp: 0x1f, ref_sig8: 0x20, implicit_const: 0x21, loclistx: 0x22,
  rnglistx: 0x23, ref_sup8: 0x24, strx1: 0x25, strx2: 0x26, strx3: 0x27, strx4: 0x28, addrx1: 0x29,
  addrx2: 0x2a, addrx3: 0x2b, addrx4: 0x2c, GNU_addr_index: 0x1f01, GNU_str_index: 0x1f02,
  GNU_ref_alt: 0x1f20, GNU_strp_alt: 0x1f21,
} as const;

const AT = {
  location: 0x02, stmt_list: 0x10, low_pc: 0x11, high_pc: 0x12, string_length: 0x19, lower_bound: 0x22,
  return_addr: 0x2a, start_scope: 0x2c, bit_stride: 0x2e, upper_bound: 0x2f, count: 0x37, data_member_location: 0x38,
  frame_base: 0x40, macro_info: 0x43, segment: 0x46, static_link: 0x48, use_location: 0x4a,
  vtable_elem_location: 0x4d, allocated: 0x4e, associated: 0x4f, data_location: 0x50, byte_stride: 0x51,
  ranges: 0x55, str_offsets_base: 0x72, addr_base: 0x73, rnglists_base: 0x74, loclists_base: 0x8c,
} as const;

/** Attributes whose section-offset value points at a location list (class loclistptr/loclist). */
const LOCLIST_ATTRIBUTES = new Set<number>([
  AT.location, AT.string_length, AT.return_addr, AT.data_member_location, AT.frame_base, AT.segment,
  AT.static_link, AT.use_location, AT.vtable_elem_location,
]);

/** Attributes whose block value is a DWARF expression in DWARF 3 (which has no exprloc form). */
const EXPRESSION_ATTRIBUTES = new Set<number>([
  ...LOCLIST_ATTRIBUTES, AT.lower_bound, AT.upper_bound, AT.count, AT.bit_stride, AT.byte_stride,
  AT.allocated, AT.associated, AT.data_location,
]);

const AT_GNU_dwo_id = 0x2131;
const UT_skeleton = 0x04;
const UT_split_compile = 0x05;
const UT_type = 0x02;
const UT_split_type = 0x06;

const LNCT_forms_offset_sized = new Set<number>([FORM.strp, FORM.line_strp, FORM.strp_sup, FORM.GNU_strp_alt]);

// ---------------------------------------------------------------------------------------------
// Byte reading and writing

class Reader {
  pos: number;
  constructor(readonly bytes: Uint8Array, start: number, public end: number, readonly what: string) {
    this.pos = start;
  }
  fail(message: string, at = this.pos): never {
    throw new Error(`dwarf64: ${this.what} at 0x${at.toString(16)}: ${message}`);
  }
  need(n: number): void {
    if (n < 0 || this.pos + n > this.end) this.fail(`needs ${n} bytes, ${this.end - this.pos} left`);
  }
  u8(): number {
    this.need(1);
    return this.bytes[this.pos++];
  }
  u16(): number {
    this.need(2);
    const p = this.pos;
    this.pos += 2;
    return this.bytes[p] | (this.bytes[p + 1] << 8);
  }
  u32(): number {
    this.need(4);
    const b = this.bytes;
    const p = this.pos;
    this.pos += 4;
    return (b[p] | (b[p + 1] << 8) | (b[p + 2] << 16)) + b[p + 3] * 0x1000000;
  }
  u64(): number {
    const lo = this.u32();
    const hi = this.u32();
    if (hi >= 0x200000) this.fail('64-bit value too large for this transcoder');
    return hi * 0x100000000 + lo;
  }
  uN(size: number): number {
    switch (size) {
      case 1: return this.u8();
      case 2: return this.u16();
      case 4: return this.u32();
      case 8: return this.u64();
      default: return this.fail(`unsupported size ${size}`);
    }
  }
  uleb(): number {
    let result = 0;
    let scale = 1;
    for (;;) {
      const byte = this.u8();
      result += (byte & 0x7f) * scale;
      scale *= 128;
      if (byte < 0x80) return result;
    }
  }
  sleb(): void {
    while (this.u8() >= 0x80) { /* skip */ }
  }
  skip(n: number): void {
    this.need(n);
    this.pos += n;
  }
  cstring(): void {
    const nul = this.bytes.indexOf(0, this.pos);
    if (nul < 0 || nul >= this.end) this.fail('unterminated string');
    this.pos = nul + 1;
  }
  slice(start: number, end: number): Uint8Array {
    return this.bytes.subarray(start, end);
  }
  /** A 32-bit DWARF unit_length; refuses the 64-bit escape and reserved values. */
  unitLength32(): number {
    const at = this.pos;
    const length = this.u32();
    if (length === 0xffffffff) this.fail('already 64-bit DWARF', at);
    if (length >= 0xfffffff0) this.fail(`reserved unit length 0x${length.toString(16)}`, at);
    this.need(length);
    return length;
  }
}

class Writer {
  private buf = new Uint8Array(1024);
  length = 0;
  private room(n: number): void {
    if (this.length + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.length + n) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.buf.subarray(0, this.length));
    this.buf = next;
  }
  u8(v: number): void {
    this.room(1);
    this.buf[this.length++] = v & 0xff;
  }
  u16(v: number): void {
    if (!(v >= 0 && v <= 0xffff)) throw new Error(`dwarf64: ${v} does not fit in 16 bits`);
    this.u8(v);
    this.u8(v >>> 8);
  }
  u32(v: number): void {
    if (!(v >= 0 && v <= 0xffffffff)) throw new Error(`dwarf64: ${v} does not fit in 32 bits`);
    this.room(4);
    for (let i = 0; i < 4; i++) this.buf[this.length++] = (v >>> (8 * i)) & 0xff;
  }
  u64(v: number): void {
    if (!(v >= 0 && Number.isSafeInteger(v))) throw new Error(`dwarf64: bad 64-bit value ${v}`);
    this.u32(v % 0x100000000);
    this.u32(Math.floor(v / 0x100000000));
  }
  uN(size: number, v: number): void {
    switch (size) {
      case 1:
        if (v > 0xff) throw new Error(`dwarf64: ${v} does not fit in 8 bits`);
        return this.u8(v);
      case 2: return this.u16(v);
      case 4: return this.u32(v);
      case 8: return this.u64(v);
      default: throw new Error(`dwarf64: unsupported size ${size}`);
    }
  }
  uleb(v: number): void {
    if (!(v >= 0 && Number.isSafeInteger(v))) throw new Error(`dwarf64: bad ULEB128 value ${v}`);
    do {
      let byte = v % 128;
      v = Math.floor(v / 128);
      if (v > 0) byte |= 0x80;
      this.u8(byte);
    } while (v > 0);
  }
  bytes(b: Uint8Array): void {
    this.room(b.length);
    this.buf.set(b, this.length);
    this.length += b.length;
  }
  /** Writes `size` bytes of zeros and returns where, for a later `patch64`. */
  reserve(size: number): number {
    const at = this.length;
    this.room(size);
    this.buf.fill(0, at, at + size);
    this.length += size;
    return at;
  }
  patch64(at: number, v: number): void {
    const saved = this.length;
    this.length = at;
    this.u64(v);
    this.length = saved;
  }
  finish(): Uint8Array {
    return this.buf.slice(0, this.length);
  }
}

function ulebSize(v: number): number {
  let n = 1;
  while (v >= 128) {
    v = Math.floor(v / 128);
    n++;
  }
  return n;
}

/** An exact old → new offset map; a lookup of an offset that was not laid out is an error. */
class OffsetMap {
  private readonly map = new Map<number, number>();
  constructor(readonly what: string) {}
  set(oldOffset: number, newOffset: number): void {
    this.map.set(oldOffset, newOffset);
  }
  get(oldOffset: number, from: string): number {
    const v = this.map.get(oldOffset);
    if (v === undefined) throw new Error(`dwarf64: ${from} points at 0x${oldOffset.toString(16)} in ${this.what}, not the start of anything laid out there`);
    return v;
  }
}

// ---------------------------------------------------------------------------------------------
// Abbreviations

interface AttrSpec {
  at: number;
  form: number;
  /** Position of the form's ULEB in .debug_abbrev (for DWARF 3's data4 → data8 rewrite). */
  formPos: number;
}

interface Abbrev {
  tag: number;
  specs: AttrSpec[];
}

function readAbbrevTable(section: Uint8Array, offset: number): Map<number, Abbrev> {
  const r = new Reader(section, offset, section.length, '.debug_abbrev');
  const table = new Map<number, Abbrev>();
  for (;;) {
    const code = r.uleb();
    if (code === 0) return table;
    const tag = r.uleb();
    r.u8(); // children
    const specs: AttrSpec[] = [];
    for (;;) {
      const at = r.uleb();
      const formPos = r.pos;
      const form = r.uleb();
      if (at === 0 && form === 0) break;
      if (form === FORM.implicit_const) r.sleb();
      specs.push({ at, form, formPos });
    }
    table.set(code, { tag, specs });
  }
}

// ---------------------------------------------------------------------------------------------
// DWARF expressions (§7.7.1): only operands that hold DIE or section offsets change.

const enum OpKind {
  /** Copied as is. */
  Plain,
  /** ULEB128 unit-relative DIE offset (0 meaning "generic type" stays 0). */
  TypeUleb,
  /** u16 / u32 unit-relative DIE offset. */
  UnitRef2,
  UnitRef4,
  /** Offset-sized absolute .debug_info offset, possibly followed by an SLEB128 (copied). */
  InfoRef,
  /** s16 branch displacement. */
  Branch,
  /** ULEB128 length + nested expression. */
  Nested,
}

interface Op {
  start: number;
  end: number;
  opcode: number;
  kind: OpKind;
  /** Bytes before the reference (opcode and leading operands), after it, and the old reference. */
  prefixEnd: number;
  suffixStart: number;
  ref: number;
  nested?: Op[];
}

interface ExprContext {
  /** New unit-relative offset of an old unit-relative DIE offset. */
  unitRef(oldRelative: number): number;
  /** New .debug_info offset of an old one (only valid once every unit is laid out). */
  infoRef(oldAbsolute: number): number;
}

function parseExpression(bytes: Uint8Array, start: number, end: number, addressSize: number, what: string): Op[] {
  const r = new Reader(bytes, start, end, what);
  const ops: Op[] = [];
  while (r.pos < end) {
    const opStart = r.pos;
    const opcode = r.u8();
    const op: Op = { start: opStart, end: 0, opcode, kind: OpKind.Plain, prefixEnd: 0, suffixStart: 0, ref: 0 };
    const typeRef = (): void => {
      op.kind = OpKind.TypeUleb;
      op.prefixEnd = r.pos;
      op.ref = r.uleb();
      op.suffixStart = r.pos;
    };
    if (opcode >= 0x30 && opcode <= 0x6f) {
      // lit0..31, reg0..31
    } else if (opcode >= 0x70 && opcode <= 0x8f) {
      r.sleb(); // breg0..31
    } else {
      switch (opcode) {
        case 0x03: r.skip(addressSize); break; // addr
        case 0x06: case 0x12: case 0x13: case 0x14: case 0x16: case 0x17: case 0x18: case 0x19: case 0x1a:
        case 0x1b: case 0x1c: case 0x1d: case 0x1e: case 0x1f: case 0x20: case 0x21: case 0x22: case 0x24:
        case 0x25: case 0x26: case 0x27: case 0x29: case 0x2a: case 0x2b: case 0x2c: case 0x2d: case 0x2e:
        case 0x96: case 0x97: case 0x9b: case 0x9c: case 0x9f: case 0xe0: case 0xf0:
          break; // no operands
        case 0x08: case 0x09: case 0x15: case 0x94: case 0x95: r.skip(1); break;
        case 0x0a: case 0x0b: r.skip(2); break;
        case 0x0c: case 0x0d: r.skip(4); break;
        case 0x0e: case 0x0f: r.skip(8); break;
        case 0x10: case 0x23: case 0x90: case 0x93: case 0xa1: case 0xa2: case 0xfb: case 0xfc: r.uleb(); break;
        case 0x11: case 0x91: r.sleb(); break;
        case 0x92: r.uleb(); r.sleb(); break; // bregx
        case 0x9d: r.uleb(); r.uleb(); break; // bit_piece
        case 0x9e: r.skip(r.uleb()); break; // implicit_value
        case 0x28: case 0x2f: // bra, skip
          op.kind = OpKind.Branch;
          op.prefixEnd = r.pos;
          op.ref = (r.u16() << 16) >> 16;
          op.suffixStart = r.pos;
          break;
        case 0x98: // call2
          op.kind = OpKind.UnitRef2;
          op.prefixEnd = r.pos;
          op.ref = r.u16();
          op.suffixStart = r.pos;
          break;
        case 0x99: case 0xfa: // call4, GNU_parameter_ref
          op.kind = OpKind.UnitRef4;
          op.prefixEnd = r.pos;
          op.ref = r.u32();
          op.suffixStart = r.pos;
          break;
        case 0x9a: case 0xfd: // call_ref, GNU_variable_value
          op.kind = OpKind.InfoRef;
          op.prefixEnd = r.pos;
          op.ref = r.u32();
          op.suffixStart = r.pos;
          break;
        case 0xa0: case 0xf2: // implicit_pointer, GNU_implicit_pointer
          op.kind = OpKind.InfoRef;
          op.prefixEnd = r.pos;
          op.ref = r.u32();
          op.suffixStart = r.pos;
          r.sleb();
          break;
        case 0xa3: case 0xf3: { // entry_value, GNU_entry_value
          const length = r.uleb();
          const inner = r.pos;
          r.skip(length);
          op.kind = OpKind.Nested;
          op.prefixEnd = inner;
          op.nested = parseExpression(bytes, inner, inner + length, addressSize, what);
          break;
        }
        case 0xa4: case 0xf4: // const_type: type, size, bytes
          typeRef();
          r.skip(r.u8());
          break;
        case 0xa5: case 0xf5: // regval_type: register, type
          r.uleb();
          typeRef();
          break;
        case 0xa6: case 0xa7: case 0xf6: // deref_type, xderef_type: size, type
          r.u8();
          typeRef();
          break;
        case 0xa8: case 0xa9: case 0xf7: case 0xf9: // convert, reinterpret (and GNU_)
          typeRef();
          break;
        case 0xed: { // WASM_location: kind, index (u32 for kind 3, ULEB128 otherwise)
          const kind = r.u8();
          if (kind === 3) r.skip(4);
          else r.uleb();
          break;
        }
        default:
          r.fail(`unsupported DWARF expression opcode 0x${opcode.toString(16)}`, opStart);
      }
    }
    op.end = r.pos;
    ops.push(op);
  }
  return ops;
}

function expressionNeedsRewrite(ops: Op[]): boolean {
  return ops.some((op) => op.kind === OpKind.Nested
    ? expressionNeedsRewrite(op.nested!)
    : op.kind !== OpKind.Plain && op.kind !== OpKind.Branch);
}

/** Re-encodes an expression with remapped references; branch displacements follow their targets. */
function rewriteExpression(bytes: Uint8Array, ops: Op[], ctx: ExprContext): Uint8Array {
  const w = new Writer();
  const newStarts: number[] = [];
  const branches: { index: number; at: number }[] = [];
  ops.forEach((op, index) => {
    newStarts.push(w.length);
    switch (op.kind) {
      case OpKind.Plain:
        w.bytes(bytes.subarray(op.start, op.end));
        break;
      case OpKind.TypeUleb:
        w.bytes(bytes.subarray(op.start, op.prefixEnd));
        w.uleb(op.ref === 0 ? 0 : ctx.unitRef(op.ref));
        w.bytes(bytes.subarray(op.suffixStart, op.end));
        break;
      case OpKind.UnitRef2: case OpKind.UnitRef4:
        w.bytes(bytes.subarray(op.start, op.prefixEnd));
        w.uN(op.kind === OpKind.UnitRef2 ? 2 : 4, ctx.unitRef(op.ref));
        break;
      case OpKind.InfoRef:
        w.bytes(bytes.subarray(op.start, op.prefixEnd));
        w.u64(ctx.infoRef(op.ref));
        w.bytes(bytes.subarray(op.suffixStart, op.end));
        break;
      case OpKind.Branch:
        w.u8(op.opcode);
        branches.push({ index, at: w.reserve(2) });
        break;
      case OpKind.Nested: {
        const inner = rewriteExpression(bytes, op.nested!, ctx);
        w.u8(op.opcode);
        w.uleb(inner.length);
        w.bytes(inner);
        break;
      }
    }
  });
  newStarts.push(w.length);
  const out = w.finish();
  for (const { index, at } of branches) {
    const op = ops[index];
    const target = op.end + op.ref;
    const targetIndex = target === (ops.length ? ops[ops.length - 1].end : 0) ? ops.length : ops.findIndex((o) => o.start === target);
    if (targetIndex < 0) throw new Error(`dwarf64: branch into the middle of an operation at 0x${op.start.toString(16)}`);
    const displacement = newStarts[targetIndex] - newStarts[index + 1];
    if (displacement < -0x8000 || displacement > 0x7fff) throw new Error('dwarf64: branch displacement overflows');
    out[at] = displacement & 0xff;
    out[at + 1] = (displacement >> 8) & 0xff;
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// .debug_info

const enum Action {
  /** Value bytes copied. */
  Copy,
  /** Offset-sized value kept, written as 8 bytes. */
  Widen,
  /** Offset-sized (or DWARF 3 data4) section offset, remapped through `target`, written as 8 bytes. */
  SectionOffset,
  /** ref1/2/4/8: unit-relative, same size. */
  UnitRef,
  /** ref_udata: unit-relative, ULEB128. */
  UnitRefUleb,
  /** ref_addr: absolute .debug_info offset, 8 bytes. */
  InfoRef,
  /** exprloc / block holding an expression with references. */
  Expression,
}

type Target = 'line' | 'loc' | 'loclists' | 'rnglists' | 'identity' | 'strOffsetsBase' | 'addrBase' | 'rnglistsBase' | 'loclistsBase';

interface Attr {
  at: number;
  /** The form after DW_FORM_indirect resolution. */
  form: number;
  /** The form code to write when the DIE used DW_FORM_indirect, else -1. */
  indirect: number;
  /** Value bytes in the old .debug_info. */
  start: number;
  end: number;
  action: Action;
  value: number;
  target?: Target;
  ops?: Op[];
  /** For InfoRef: the old absolute .debug_info offset of the target. */
  refTarget?: number;
}

interface Entry {
  /** Unit-relative offset in the old unit. */
  rel: number;
  /** Bytes of the abbreviation code. */
  codeStart: number;
  codeEnd: number;
  attrs: Attr[];
  /** Size of everything whose size does not depend on the layout. */
  fixedSize: number;
  /** Attributes whose size depends on where their targets land. */
  dynamic: Attr[];
}

interface Unit {
  offset: number;
  end: number;
  version: number;
  unitType: number;
  addressSize: number;
  abbrevOffset: number;
  /** v5 header extras copied as is (dwo_id / type signature). */
  extra: Uint8Array;
  /** Type units: the old unit-relative type_offset. */
  typeOffset: number;
  oldHeaderSize: number;
  newHeaderSize: number;
  entries: Entry[];
  /** Old unit-relative DIE offset → new one, for every entry and the unit's end. */
  rel: Map<number, number>;
  newOffset: number;
  newSize: number;
  loclistsBase: number;
}

function sectionOffsetTarget(at: number, version: number): Target | null {
  if (at === AT.stmt_list) return 'line';
  if (at === AT.ranges || at === AT.start_scope) return version >= 5 ? 'rnglists' : 'identity';
  if (LOCLIST_ATTRIBUTES.has(at)) return version >= 5 ? 'loclists' : 'loc';
  if (at === AT.macro_info) return 'identity';
  if (version >= 5) {
    if (at === AT.str_offsets_base) return 'strOffsetsBase';
    if (at === AT.addr_base) return 'addrBase';
    if (at === AT.rnglists_base) return 'rnglistsBase';
    if (at === AT.loclists_base) return 'loclistsBase';
  }
  return null;
}

/** Size of a fixed-size form in DWARF32 (`old`) or DWARF64; -1 if variable. */
function formSize(form: number, addressSize: number, offsetSize: number, version: number): number {
  switch (form) {
    case FORM.flag_present: case FORM.implicit_const: return 0;
    case FORM.data1: case FORM.ref1: case FORM.flag: case FORM.strx1: case FORM.addrx1: return 1;
    case FORM.data2: case FORM.ref2: case FORM.strx2: case FORM.addrx2: return 2;
    case FORM.strx3: case FORM.addrx3: return 3;
    case FORM.data4: case FORM.ref4: case FORM.ref_sup4: case FORM.strx4: case FORM.addrx4: return 4;
    case FORM.data8: case FORM.ref8: case FORM.ref_sig8: case FORM.ref_sup8: return 8;
    case FORM.data16: return 16;
    case FORM.addr: return addressSize;
    case FORM.strp: case FORM.line_strp: case FORM.sec_offset: case FORM.strp_sup:
    case FORM.GNU_ref_alt: case FORM.GNU_strp_alt:
      return offsetSize;
    case FORM.ref_addr: return version <= 2 ? addressSize : offsetSize;
    default: return -1;
  }
}

/** Skips one value of a variable-size form; returns the block length for block forms, else -1. */
function skipVariableForm(r: Reader, form: number): number {
  switch (form) {
    case FORM.string: r.cstring(); return -1;
    case FORM.udata: case FORM.ref_udata: case FORM.strx: case FORM.addrx: case FORM.loclistx: case FORM.rnglistx:
    case FORM.GNU_addr_index: case FORM.GNU_str_index:
      r.uleb();
      return -1;
    case FORM.sdata: r.sleb(); return -1;
    case FORM.block1: { const n = r.u8(); r.skip(n); return n; }
    case FORM.block2: { const n = r.u16(); r.skip(n); return n; }
    case FORM.block4: { const n = r.u32(); r.skip(n); return n; }
    case FORM.block: case FORM.exprloc: { const n = r.uleb(); r.skip(n); return n; }
    default: return r.fail(`unsupported form 0x${form.toString(16)}`);
  }
}

const OFFSET_SIZED_FORMS = new Set<number>([FORM.strp, FORM.line_strp, FORM.sec_offset, FORM.strp_sup, FORM.GNU_ref_alt, FORM.GNU_strp_alt]);

function readAttr(r: Reader, spec: AttrSpec, unit: Unit, formPatches: Map<number, number>, options: Dwarf64Options): Attr {
  let form = spec.form;
  let indirect = -1;
  if (form === FORM.indirect) {
    form = r.uleb();
    indirect = form;
    if (form === FORM.indirect || form === FORM.implicit_const) r.fail('DW_FORM_indirect to an impossible form');
  }
  const start = r.pos;
  const attr: Attr = { at: spec.at, form, indirect, start, end: 0, action: Action.Copy, value: 0 };
  const where = `DW_AT 0x${spec.at.toString(16)} at .debug_info 0x${start.toString(16)}`;
  const fixed = formSize(form, unit.addressSize, 4, unit.version);
  let blockLength = -1;
  if (fixed >= 0) {
    if (fixed === 1 || fixed === 2 || fixed === 4) attr.value = r.uN(fixed);
    else r.skip(fixed);
  } else {
    blockLength = skipVariableForm(r, form);
  }
  attr.end = r.pos;
  if (OFFSET_SIZED_FORMS.has(form) || (form === FORM.ref_addr && unit.version >= 3)) {
    if (form === FORM.sec_offset) {
      const target = sectionOffsetTarget(spec.at, unit.version);
      if (!target) throw new Error(`dwarf64: section offset of unknown meaning: ${where}`);
      attr.action = Action.SectionOffset;
      attr.target = target;
    } else if (form === FORM.ref_addr) {
      attr.action = Action.InfoRef;
      attr.refTarget = new Reader(r.bytes, start, attr.end, '.debug_info').u32();
    } else {
      attr.action = Action.Widen;
    }
  } else if (form === FORM.data4 && unit.version <= 3 && sectionOffsetTarget(spec.at, unit.version) !== null) {
    // DWARF 3 section offsets are data4 in the 32-bit format and data8 in the 64-bit one.
    attr.action = Action.SectionOffset;
    attr.target = sectionOffsetTarget(spec.at, unit.version)!;
    patchForm(attr, spec, FORM.data8, formPatches);
  } else if (options.refAddr && (form === FORM.ref1 || form === FORM.ref2 || form === FORM.ref4 || form === FORM.ref_udata)) {
    // The same reference, as an offset from the start of .debug_info.
    const value = form === FORM.ref_udata ? new Reader(r.bytes, start, attr.end, '.debug_info').uleb() : attr.value;
    attr.action = Action.InfoRef;
    attr.refTarget = unit.offset + value;
    patchForm(attr, spec, FORM.ref_addr, formPatches);
  } else if (form === FORM.ref1 || form === FORM.ref2 || form === FORM.ref4) {
    attr.action = Action.UnitRef;
  } else if (form === FORM.ref8) {
    throw new Error(`dwarf64: DW_FORM_ref8 is not supported: ${where}`);
  } else if (form === FORM.ref_udata) {
    attr.action = Action.UnitRefUleb;
    attr.value = new Reader(r.bytes, start, attr.end, '.debug_info').uleb();
  } else if (form === FORM.exprloc || (blockLength >= 0 && unit.version <= 3 && EXPRESSION_ATTRIBUTES.has(spec.at))) {
    const exprStart = attr.end - blockLength;
    let ops: Op[] | null = null;
    try {
      ops = parseExpression(r.bytes, exprStart, attr.end, unit.addressSize, '.debug_info expression');
    } catch (error) {
      if (form === FORM.exprloc) throw error;
      // A DWARF 3 block that is not an expression after all (a constant, say): bytes as they are.
    }
    if (ops && expressionNeedsRewrite(ops)) {
      attr.action = Action.Expression;
      attr.ops = ops;
    }
  }
  return attr;
}

function readUnits(info: Uint8Array, abbrevSection: Uint8Array, formPatches: Map<number, number>, options: Dwarf64Options): Unit[] {
  const units: Unit[] = [];
  const tables = new Map<number, Map<number, Abbrev>>();
  const r = new Reader(info, 0, info.length, '.debug_info');
  while (r.pos < info.length) {
    const offset = r.pos;
    const length = r.unitLength32();
    const end = r.pos + length;
    const version = r.u16();
    if (version === 2) r.fail('DWARF 2 has no 64-bit format', offset);
    if (version < 3 || version > 5) r.fail(`unsupported DWARF version ${version}`, offset);
    let unitType = 0x01;
    let addressSize: number;
    let abbrevOffset: number;
    let extra: Uint8Array = new Uint8Array(0);
    let typeOffset = -1;
    let extraNew = 0;
    if (version >= 5) {
      unitType = r.u8();
      addressSize = r.u8();
      abbrevOffset = r.u32();
      if (unitType === UT_skeleton || unitType === UT_split_compile) {
        extra = r.slice(r.pos, r.pos + 8);
        r.skip(8);
      } else if (unitType === UT_type || unitType === UT_split_type) {
        extra = r.slice(r.pos, r.pos + 8);
        r.skip(8);
        typeOffset = r.u32();
        extraNew = 8;
      }
    } else {
      abbrevOffset = r.u32();
      addressSize = r.u8();
    }
    const oldHeaderSize = r.pos - offset;
    const newHeaderSize = 12 + (version >= 5 ? 2 + 1 + 1 + 8 + extra.length + extraNew : 2 + 8 + 1);
    let table = tables.get(abbrevOffset);
    if (!table) {
      table = readAbbrevTable(abbrevSection, abbrevOffset);
      tables.set(abbrevOffset, table);
    }
    const unit: Unit = {
      offset, end, version, unitType, addressSize, abbrevOffset, extra, typeOffset, oldHeaderSize, newHeaderSize,
      entries: [], rel: new Map(), newOffset: 0, newSize: 0, loclistsBase: -1,
    };
    r.end = end;
    while (r.pos < end) {
      const codeStart = r.pos;
      const code = r.uleb();
      const entry: Entry = { rel: codeStart - offset, codeStart, codeEnd: r.pos, attrs: [], fixedSize: r.pos - codeStart, dynamic: [] };
      if (code !== 0) {
        const abbrev = table.get(code) ?? r.fail(`unknown abbreviation code ${code}`, codeStart);
        for (const spec of abbrev.specs) {
          const attr = readAttr(r, spec, unit, formPatches, options);
          entry.attrs.push(attr);
          if (attr.action === Action.UnitRefUleb || attr.action === Action.Expression) entry.dynamic.push(attr);
          else entry.fixedSize += newAttrSize(attr);
          if (attr.at === AT.loclists_base && attr.action === Action.SectionOffset) unit.loclistsBase = attr.value;
        }
      }
      unit.entries.push(entry);
    }
    r.end = info.length;
    units.push(unit);
  }
  return units;
}

/** New size of an attribute whose size does not depend on the layout. */
function newAttrSize(attr: Attr): number {
  const prefix = attr.indirect >= 0 ? ulebSize(attr.indirect) : 0;
  switch (attr.action) {
    case Action.Widen: case Action.SectionOffset: case Action.InfoRef: return prefix + 8;
    default: return prefix + attr.end - attr.start;
  }
}

function unitExprContext(unit: Unit, rel: Map<number, number>, infoRef: (old: number) => number): ExprContext {
  return {
    unitRef: (old) => lookupRel(unit, rel, old),
    infoRef,
  };
}

function lookupRel(unit: Unit, rel: Map<number, number>, old: number): number {
  const v = rel.get(old);
  if (v === undefined) {
    throw new Error(`dwarf64: reference to unit offset 0x${old.toString(16)} of the unit at 0x${unit.offset.toString(16)}, which is not a DIE`);
  }
  return v;
}

/** Size of a layout-dependent attribute under a given estimate of the unit's DIE offsets. */
function dynamicAttrSize(info: Uint8Array, unit: Unit, attr: Attr, rel: Map<number, number>): number {
  const prefix = attr.indirect >= 0 ? ulebSize(attr.indirect) : 0;
  if (attr.action === Action.UnitRefUleb) return prefix + ulebSize(lookupRel(unit, rel, attr.value));
  // The cross-unit references in an expression are fixed-size; their values do not matter yet.
  const expr = rewriteExpression(info, attr.ops!, unitExprContext(unit, rel, () => 0));
  return prefix + blockPrefixSize(attr.form, expr.length) + expr.length;
}

function blockPrefixSize(form: number, length: number): number {
  switch (form) {
    case FORM.block1: if (length > 0xff) throw new Error('dwarf64: block1 overflows'); return 1;
    case FORM.block2: if (length > 0xffff) throw new Error('dwarf64: block2 overflows'); return 2;
    case FORM.block4: return 4;
    default: return ulebSize(length);
  }
}

/** Lays a unit out until every unit-relative LEB128 reference has settled. */
function layoutUnit(info: Uint8Array, unit: Unit): void {
  const growth = unit.newHeaderSize - unit.oldHeaderSize;
  let rel = new Map<number, number>();
  for (const e of unit.entries) rel.set(e.rel, e.rel + growth);
  rel.set(unit.end - unit.offset, unit.end - unit.offset + growth);
  for (let round = 0; ; round++) {
    if (round > 64) throw new Error(`dwarf64: layout of the unit at 0x${unit.offset.toString(16)} does not settle`);
    const next = new Map<number, number>();
    let pos = unit.newHeaderSize;
    for (const e of unit.entries) {
      next.set(e.rel, pos);
      pos += e.fixedSize;
      for (const a of e.dynamic) pos += dynamicAttrSize(info, unit, a, rel);
    }
    next.set(unit.end - unit.offset, pos);
    let same = true;
    for (const [k, v] of next) {
      if (rel.get(k) !== v) {
        same = false;
        break;
      }
    }
    rel = next;
    if (same) break;
  }
  unit.rel = rel;
  unit.newSize = rel.get(unit.end - unit.offset)!;
}

interface Maps {
  line: OffsetMap;
  loc: OffsetMap;
  loclists: OffsetMap;
  rnglists: OffsetMap;
  strOffsetsBase: OffsetMap;
  addrBase: OffsetMap;
  rnglistsBase: OffsetMap;
  loclistsBase: OffsetMap;
}

function writeUnits(info: Uint8Array, units: Unit[], maps: Maps, infoRef: (old: number) => number): Uint8Array {
  const w = new Writer();
  for (const unit of units) {
    const start = w.length;
    if (start !== unit.newOffset) throw new Error('dwarf64: internal error: unit offset');
    w.u32(0xffffffff);
    w.u64(unit.newSize - 12);
    w.u16(unit.version);
    if (unit.version >= 5) {
      w.u8(unit.unitType);
      w.u8(unit.addressSize);
      w.u64(unit.abbrevOffset);
      w.bytes(unit.extra);
      if (unit.typeOffset >= 0) w.u64(lookupRel(unit, unit.rel, unit.typeOffset));
    } else {
      w.u64(unit.abbrevOffset);
      w.u8(unit.addressSize);
    }
    const ctx = unitExprContext(unit, unit.rel, infoRef);
    for (const e of unit.entries) {
      if (w.length - start !== unit.rel.get(e.rel)) throw new Error('dwarf64: internal error: DIE offset');
      w.bytes(info.subarray(e.codeStart, e.codeEnd));
      for (const a of e.attrs) writeAttr(w, info, a, maps, ctx);
    }
    if (w.length - start !== unit.newSize) throw new Error('dwarf64: internal error: unit size');
  }
  return w.finish();
}

function writeAttr(w: Writer, info: Uint8Array, a: Attr, maps: Maps, ctx: ExprContext): void {
  if (a.indirect >= 0) w.uleb(a.indirect);
  const where = `DW_AT 0x${a.at.toString(16)} at .debug_info 0x${a.start.toString(16)}`;
  switch (a.action) {
    case Action.Copy:
      w.bytes(info.subarray(a.start, a.end));
      return;
    case Action.Widen:
      w.u64(new Reader(info, a.start, a.end, '.debug_info').u32());
      return;
    case Action.SectionOffset: {
      const old = new Reader(info, a.start, a.end, '.debug_info').u32();
      w.u64(a.target === 'identity' ? old : maps[a.target!].get(old, where));
      return;
    }
    case Action.UnitRef:
      w.uN(a.end - a.start, ctx.unitRef(a.value));
      return;
    case Action.UnitRefUleb:
      w.uleb(ctx.unitRef(a.value));
      return;
    case Action.InfoRef:
      w.u64(ctx.infoRef(a.refTarget!));
      return;
    case Action.Expression: {
      const expr = rewriteExpression(info, a.ops!, ctx);
      switch (a.form) {
        case FORM.block1: w.u8(expr.length); break;
        case FORM.block2: w.u16(expr.length); break;
        case FORM.block4: w.u32(expr.length); break;
        default: w.uleb(expr.length);
      }
      w.bytes(expr);
    }
  }
}

// ---------------------------------------------------------------------------------------------
// .debug_line

/** Reads one form value in a line table header and writes it in the 64-bit format. */
function copyLineForm(r: Reader, w: Writer, form: number, addressSize: number): void {
  const start = r.pos;
  if (LNCT_forms_offset_sized.has(form) || form === FORM.sec_offset) {
    w.u64(r.u32());
    return;
  }
  const fixed = formSize(form, addressSize, 4, 5);
  if (fixed >= 0) r.skip(fixed);
  else skipVariableForm(r, form);
  w.bytes(r.slice(start, r.pos));
}

function transcodeLine(section: Uint8Array, map: OffsetMap): Uint8Array {
  const w = new Writer();
  const r = new Reader(section, 0, section.length, '.debug_line');
  while (r.pos < section.length) {
    const offset = r.pos;
    map.set(offset, w.length);
    const length = r.unitLength32();
    const end = r.pos + length;
    r.end = end;
    const version = r.u16();
    if (version < 3 || version > 5) r.fail(`unsupported line table version ${version}`, offset);
    const lengthAt = w.length + 4;
    w.u32(0xffffffff);
    w.reserve(8);
    const contentStart = w.length;
    w.u16(version);
    let addressSize = 4;
    if (version >= 5) {
      addressSize = r.u8();
      w.u8(addressSize);
      w.u8(r.u8());
    }
    const headerLength = r.u32();
    const programStart = r.pos + headerLength;
    if (programStart > end) r.fail('header longer than the table', offset);
    const headerLengthAt = w.reserve(8);
    const headerStart = w.length;
    if (version >= 5) {
      const fixedStart = r.pos;
      r.skip(5); // min_inst_length, max_ops, default_is_stmt, line_base, line_range
      const opcodeBase = r.u8();
      r.skip(Math.max(opcodeBase - 1, 0));
      w.bytes(r.slice(fixedStart, r.pos));
      for (let table = 0; table < 2; table++) {
        const formatCount = r.u8();
        w.u8(formatCount);
        const forms: number[] = [];
        for (let i = 0; i < formatCount; i++) {
          const content = r.uleb();
          const form = r.uleb();
          w.uleb(content);
          w.uleb(form);
          forms.push(form);
        }
        const count = r.uleb();
        w.uleb(count);
        for (let i = 0; i < count; i++) for (const form of forms) copyLineForm(r, w, form, addressSize);
      }
      if (r.pos > programStart) r.fail('header fields run past header_length', offset);
    }
    // DWARF 3/4 header fields hold no offsets; whatever remains of a v5 header is copied too.
    w.bytes(r.slice(r.pos, programStart));
    w.patch64(headerLengthAt, w.length - headerStart);
    w.bytes(r.slice(programStart, end));
    w.patch64(lengthAt, w.length - contentStart);
    r.pos = end;
    r.end = section.length;
  }
  map.set(section.length, w.length);
  return w.finish();
}

// ---------------------------------------------------------------------------------------------
// .debug_str_offsets and .debug_addr (DWARF 5 contributions: header + entries)

function transcodeStrOffsets(section: Uint8Array, baseMap: OffsetMap): Uint8Array {
  const w = new Writer();
  const r = new Reader(section, 0, section.length, '.debug_str_offsets');
  while (r.pos < section.length) {
    const offset = r.pos;
    const length = r.unitLength32();
    const end = r.pos + length;
    const version = r.u16();
    if (version !== 5) r.fail(`unsupported .debug_str_offsets version ${version}`, offset);
    const padding = r.u16();
    if ((end - r.pos) % 4 !== 0) r.fail('contribution is not a whole number of entries', offset);
    const count = (end - r.pos) / 4;
    w.u32(0xffffffff);
    w.u64(4 + 8 * count);
    w.u16(version);
    w.u16(padding);
    baseMap.set(r.pos, w.length);
    for (let i = 0; i < count; i++) w.u64(r.u32());
  }
  return w.finish();
}

function transcodeAddr(section: Uint8Array, baseMap: OffsetMap): Uint8Array {
  const w = new Writer();
  const r = new Reader(section, 0, section.length, '.debug_addr');
  while (r.pos < section.length) {
    const offset = r.pos;
    const length = r.unitLength32();
    const end = r.pos + length;
    const version = r.u16();
    if (version !== 5) r.fail(`unsupported .debug_addr version ${version}`, offset);
    w.u32(0xffffffff);
    w.u64(length);
    w.u16(version);
    w.u8(r.u8());
    w.u8(r.u8());
    baseMap.set(r.pos, w.length);
    w.bytes(r.slice(r.pos, end));
    r.pos = end;
  }
  return w.finish();
}

// ---------------------------------------------------------------------------------------------
// Range and location lists

/** Which unit each location list belongs to (for unit-relative references in expressions). */
type ListOwners = Map<number, Unit>;

interface ListContext {
  owners: ListOwners;
  fallbackOwner: Unit | null;
  infoRef: (old: number) => number;
  where: string;
}

function listExpression(
  w: Writer,
  r: Reader,
  length: number,
  owner: Unit | null,
  addressSize: number,
  ctx: ListContext,
  writeLength: (w: Writer, n: number) => void,
): void {
  const start = r.pos;
  r.skip(length);
  const ops = parseExpression(r.bytes, start, r.pos, addressSize, ctx.where + ' expression');
  if (!expressionNeedsRewrite(ops)) {
    writeLength(w, length);
    w.bytes(r.slice(start, r.pos));
    return;
  }
  if (!owner) throw new Error(`dwarf64: expression at ${ctx.where} 0x${start.toString(16)} refers to DIEs, but no unit owns its list`);
  const expr = rewriteExpression(r.bytes, ops, unitExprContext(owner, owner.rel, ctx.infoRef));
  writeLength(w, expr.length);
  w.bytes(expr);
}

/** DWARF 5 list entries of one contribution, from `r.pos` to `end`; maps every entry start. */
function transcodeListBodies(
  r: Reader,
  w: Writer,
  end: number,
  addressSize: number,
  locations: boolean,
  map: OffsetMap,
  ctx: ListContext,
): void {
  let listStart = true;
  let owner: Unit | null = null;
  while (r.pos < end) {
    const at = r.pos;
    map.set(at, w.length);
    if (listStart) owner = ctx.owners.get(at) ?? ctx.fallbackOwner;
    listStart = false;
    const kind = r.u8();
    w.u8(kind);
    const copy = (n: () => void): void => {
      const s = r.pos;
      n();
      w.bytes(r.slice(s, r.pos));
    };
    const uleb = (): void => copy(() => r.uleb());
    const addr = (): void => copy(() => r.skip(addressSize));
    const expr = (): void => {
      const length = r.uleb();
      listExpression(w, r, length, owner, addressSize, ctx, (out, n) => out.uleb(n));
    };
    if (locations) {
      switch (kind) {
        case 0x00: listStart = true; break; // end_of_list
        case 0x01: uleb(); break; // base_addressx
        case 0x02: uleb(); uleb(); expr(); break; // startx_endx
        case 0x03: uleb(); uleb(); expr(); break; // startx_length
        case 0x04: uleb(); uleb(); expr(); break; // offset_pair
        case 0x05: expr(); break; // default_location
        case 0x06: addr(); break; // base_address
        case 0x07: addr(); addr(); expr(); break; // start_end
        case 0x08: addr(); uleb(); expr(); break; // start_length
        default: r.fail(`unknown location list entry 0x${kind.toString(16)}`, at);
      }
    } else {
      switch (kind) {
        case 0x00: listStart = true; break;
        case 0x01: uleb(); break; // base_addressx
        case 0x02: case 0x03: case 0x04: uleb(); uleb(); break; // startx_endx, startx_length, offset_pair
        case 0x05: addr(); break; // base_address
        case 0x06: addr(); addr(); break; // start_end
        case 0x07: addr(); uleb(); break; // start_length
        default: r.fail(`unknown range list entry 0x${kind.toString(16)}`, at);
      }
    }
  }
}

/** .debug_rnglists / .debug_loclists: 64-bit headers, 8-byte offset tables, bodies re-laid. */
function transcodeLists(
  section: Uint8Array,
  name: string,
  locations: boolean,
  map: OffsetMap,
  baseMap: OffsetMap,
  owners: ListOwners,
  ownerByBase: Map<number, Unit>,
  infoRef: (old: number) => number,
): Uint8Array {
  const w = new Writer();
  const r = new Reader(section, 0, section.length, name);
  while (r.pos < section.length) {
    const offset = r.pos;
    map.set(offset, w.length);
    const length = r.unitLength32();
    const end = r.pos + length;
    r.end = end;
    const version = r.u16();
    if (version !== 5) r.fail(`unsupported ${name} version ${version}`, offset);
    const addressSize = r.u8();
    const segmentSize = r.u8();
    const count = r.u32();
    const base = r.pos;
    const oldTable: number[] = [];
    for (let i = 0; i < count; i++) oldTable.push(r.u32());
    w.u32(0xffffffff);
    const lengthAt = w.reserve(8);
    const contentStart = w.length;
    w.u16(version);
    w.u8(addressSize);
    w.u8(segmentSize);
    w.u32(count);
    const newBase = w.length;
    baseMap.set(base, newBase);
    map.set(base, newBase);
    const tableAt = w.reserve(8 * count);
    transcodeListBodies(r, w, end, addressSize, locations, map, {
      owners, fallbackOwner: ownerByBase.get(base) ?? null, infoRef, where: name,
    });
    map.set(end, w.length);
    oldTable.forEach((entry, i) => {
      w.patch64(tableAt + 8 * i, map.get(base + entry, `${name} offset table entry ${i}`) - newBase);
    });
    w.patch64(lengthAt, w.length - contentStart);
    r.pos = end;
    r.end = section.length;
  }
  return w.finish();
}

/** DWARF 2–4 .debug_loc: no headers, so only expressions with references change anything. */
function transcodeLoc(section: Uint8Array, map: OffsetMap, owners: ListOwners, addressSize: number, infoRef: (old: number) => number): Uint8Array {
  const w = new Writer();
  const r = new Reader(section, 0, section.length, '.debug_loc');
  const ctx: ListContext = { owners, fallbackOwner: null, infoRef, where: '.debug_loc' };
  const max = addressSize === 8 ? Number.MAX_SAFE_INTEGER : 2 ** (8 * addressSize) - 1;
  let owner: Unit | null = null;
  let listStart = true;
  while (r.pos < section.length) {
    const at = r.pos;
    map.set(at, w.length);
    if (listStart) owner = owners.get(at) ?? null;
    listStart = false;
    const startAddress = addressSize === 8 ? readU64Loose(r) : r.uN(addressSize);
    const endAddress = addressSize === 8 ? readU64Loose(r) : r.uN(addressSize);
    w.bytes(r.slice(at, r.pos));
    if (startAddress === 0 && endAddress === 0) {
      listStart = true;
      continue;
    }
    if (startAddress === max) continue; // base address selection
    const length = r.u16();
    listExpression(w, r, length, owner, addressSize, ctx, (out, n) => out.u16(n));
  }
  map.set(section.length, w.length);
  return w.finish();
}

/** A 64-bit address compared only against 0 and all-ones. */
function readU64Loose(r: Reader): number {
  const lo = r.u32();
  const hi = r.u32();
  if (lo === 0xffffffff && hi === 0xffffffff) return Number.MAX_SAFE_INTEGER;
  return hi === 0 ? lo : -1;
}

// ---------------------------------------------------------------------------------------------
// .debug_aranges, .debug_pubnames, .debug_pubtypes

function transcodeAranges(section: Uint8Array, unitAt: (old: number) => Unit): Uint8Array {
  const w = new Writer();
  const r = new Reader(section, 0, section.length, '.debug_aranges');
  while (r.pos < section.length) {
    const offset = r.pos;
    const length = r.unitLength32();
    const end = r.pos + length;
    const version = r.u16();
    const unit = unitAt(r.u32());
    const addressSize = r.u8();
    const segmentSize = r.u8();
    const tuple = 2 * addressSize + segmentSize;
    // Tuples start at a multiple of the tuple size from the set's start; skip the old padding.
    r.pos = offset + Math.ceil((r.pos - offset) / tuple) * tuple;
    const setStart = w.length;
    w.u32(0xffffffff);
    const lengthAt = w.reserve(8);
    const contentStart = w.length;
    w.u16(version);
    w.u64(unit.newOffset);
    w.u8(addressSize);
    w.u8(segmentSize);
    while ((w.length - setStart) % tuple !== 0) w.u8(0);
    w.bytes(r.slice(r.pos, end));
    w.patch64(lengthAt, w.length - contentStart);
    r.pos = end;
  }
  return w.finish();
}

/**
 * .debug_pubnames/.debug_pubtypes, and the GNU variants (a flags byte after each DIE offset).
 * `dieOffset` maps a DIE offset relative to a set's unit: for a split-DWARF skeleton, the DIE is
 * in the split unit, in the .dwo.
 */
function transcodePubnames(section: Uint8Array, name: string, unitAt: (old: number) => Unit, dieOffset: (unit: Unit, old: number) => number): Uint8Array {
  const gnu = name.startsWith('.debug_gnu_');
  const w = new Writer();
  const r = new Reader(section, 0, section.length, name);
  while (r.pos < section.length) {
    const offset = r.pos;
    const length = r.unitLength32();
    const end = r.pos + length;
    r.end = end;
    const version = r.u16();
    const unit = unitAt(r.u32());
    const infoLength = r.u32();
    const oldSize = unit.end - unit.offset;
    let newInfoLength = 0;
    if (infoLength === oldSize) newInfoLength = unit.newSize;
    else if (infoLength === oldSize - 4) newInfoLength = unit.newSize - 12;
    else r.fail(`debug_info_length 0x${infoLength.toString(16)} matches neither size of its unit`, offset);
    w.u32(0xffffffff);
    const lengthAt = w.reserve(8);
    const contentStart = w.length;
    w.u16(version);
    w.u64(unit.newOffset);
    w.u64(newInfoLength);
    for (;;) {
      const die = r.u32();
      if (die === 0) {
        w.u64(0);
        break;
      }
      w.u64(dieOffset(unit, die));
      const s = r.pos;
      if (gnu) r.u8();
      r.cstring();
      w.bytes(r.slice(s, r.pos));
    }
    w.bytes(r.slice(r.pos, end));
    w.patch64(lengthAt, w.length - contentStart);
    r.pos = end;
    r.end = section.length;
  }
  return w.finish();
}

/** A root-DIE attribute's integer value (constants, addresses, indices, section offsets). */
function attrInteger(info: Uint8Array, a: Attr): number {
  const r = new Reader(info, a.start, a.end, '.debug_info');
  switch (a.form) {
    case FORM.udata: case FORM.addrx: case FORM.rnglistx: case FORM.GNU_addr_index: return r.uleb();
    case FORM.data8: return r.u64();
    default: return r.uN(a.end - a.start);
  }
}

/**
 * Each compile unit's ranges, found as LLVM 14 finds them (`DWARFDie::getAddressRanges`): low_pc
 * with high_pc if both are there, else DW_AT_ranges with low_pc as the base address. Entries are
 * taken as they are (no tombstone filtering); empty ones are dropped, as consumers drop them.
 */
function unitRanges(info: Uint8Array, unit: Unit, dwarf: Map<string, Uint8Array>): [number, number][] {
  const root = unit.entries[0];
  if (!root || root.attrs.length === 0) return [];
  const find = (at: number): Attr | undefined => root.attrs.find((a) => a.at === at);
  const section = (name: string): Uint8Array => dwarf.get(name) ?? new Uint8Array(0);
  const size = unit.addressSize;
  const addrBaseAttr = find(AT.addr_base);
  const addrBase = addrBaseAttr ? attrInteger(info, addrBaseAttr) : 8;
  const pooled = (index: number): number => {
    const r = new Reader(section('.debug_addr'), addrBase + index * size, section('.debug_addr').length, '.debug_addr');
    return r.uN(size);
  };
  const address = (a: Attr): number => (a.form === FORM.addr ? attrInteger(info, a) : pooled(attrInteger(info, a)));
  const low = find(AT.low_pc);
  const high = find(AT.high_pc);
  const result: [number, number][] = [];
  const push = (lo: number, hi: number): void => {
    if (lo < hi && hi <= 2 ** (8 * size)) result.push([lo, hi]);
  };
  if (low && high) {
    const lo = address(low);
    const constant = high.form === FORM.data1 || high.form === FORM.data2 || high.form === FORM.data4 ||
      high.form === FORM.data8 || high.form === FORM.udata;
    push(lo, constant ? lo + attrInteger(info, high) : address(high));
    return result;
  }
  const ranges = find(AT.ranges);
  if (!ranges) return result;
  let base = low ? address(low) : 0;
  const max = 2 ** (8 * size) - 1;
  if (unit.version < 5) {
    const s = section('.debug_ranges');
    const r = new Reader(s, attrInteger(info, ranges), s.length, '.debug_ranges');
    for (;;) {
      const start = r.uN(size);
      const end = r.uN(size);
      if (start === 0 && end === 0) return result;
      if (start === max) base = end;
      else push(start + base, end + base);
    }
  }
  const s = section('.debug_rnglists');
  let offset = attrInteger(info, ranges);
  if (ranges.form === FORM.rnglistx) {
    const baseAttr = find(AT.rnglists_base);
    const listsBase = baseAttr ? attrInteger(info, baseAttr) : 12;
    offset = listsBase + new Reader(s, listsBase + 4 * offset, s.length, '.debug_rnglists').u32();
  }
  const r = new Reader(s, offset, s.length, '.debug_rnglists');
  for (;;) {
    const kind = r.u8();
    switch (kind) {
      case 0x00: return result;
      case 0x01: base = pooled(r.uleb()); break;
      case 0x02: { const lo = pooled(r.uleb()); push(lo, pooled(r.uleb())); break; }
      case 0x03: { const lo = pooled(r.uleb()); push(lo, lo + r.uleb()); break; }
      case 0x04: { const lo = r.uleb(); push(base + lo, base + r.uleb()); break; }
      case 0x05: base = r.uN(size); break;
      case 0x06: { const lo = r.uN(size); push(lo, r.uN(size)); break; }
      case 0x07: { const lo = r.uN(size); push(lo, lo + r.uleb()); break; }
      default: r.fail(`unknown range list entry 0x${kind.toString(16)}`);
    }
  }
}

/** A .debug_aranges with one set per compile unit that has ranges, in either format. */
function synthesizeAranges(info: Uint8Array, units: Unit[], dwarf: Map<string, Uint8Array>, dwarf64: boolean): Uint8Array {
  const w = new Writer();
  for (const unit of units) {
    if (unit.unitType !== 0x01 && unit.unitType !== 0x03) continue; // compile and partial units
    const ranges = unitRanges(info, unit, dwarf);
    if (ranges.length === 0) continue;
    const size = unit.addressSize;
    const setStart = w.length;
    if (dwarf64) w.u32(0xffffffff);
    const lengthAt = w.reserve(dwarf64 ? 8 : 4);
    const contentStart = w.length;
    w.u16(2);
    if (dwarf64) w.u64(unit.newOffset);
    else w.u32(unit.offset);
    w.u8(size);
    w.u8(0);
    while ((w.length - setStart) % (2 * size) !== 0) w.u8(0);
    for (const [lo, hi] of ranges) {
      w.uN(size, lo);
      w.uN(size, hi - lo);
    }
    w.uN(size, 0);
    w.uN(size, 0);
    const length = w.length - contentStart;
    if (dwarf64) {
      w.patch64(lengthAt, length);
    } else {
      const out = w.length;
      w.length = lengthAt;
      w.u32(length);
      w.length = out;
    }
  }
  return w.finish();
}

// ---------------------------------------------------------------------------------------------
// The wasm container

interface WasmSection {
  id: number;
  /** The whole section, id byte included. */
  start: number;
  end: number;
  name: string | null;
  contentStart: number;
}

function readWasmSections(bytes: Uint8Array): WasmSection[] {
  const r = new Reader(bytes, 0, bytes.length, 'wasm module');
  if (r.u32() !== 0x6d736100) r.fail('not a wasm module', 0);
  if (r.u32() !== 1) r.fail('unsupported wasm version', 4);
  const sections: WasmSection[] = [];
  while (r.pos < bytes.length) {
    const start = r.pos;
    const id = r.u8();
    const size = r.uleb();
    const payload = r.pos;
    r.need(size);
    let name: string | null = null;
    let contentStart = payload;
    if (id === 0) {
      const nameLength = r.uleb();
      r.need(nameLength);
      name = new TextDecoder().decode(bytes.subarray(r.pos, r.pos + nameLength));
      contentStart = r.pos + nameLength;
    }
    r.pos = payload + size;
    sections.push({ id, start, end: r.pos, name, contentStart });
  }
  return sections;
}

/** The module with some custom sections' contents replaced, and new ones appended. */
function rebuildModule(bytes: Uint8Array, sections: WasmSection[], replaced: Map<string, Uint8Array>, added: Map<string, Uint8Array>): Uint8Array {
  const w = new Writer();
  const custom = (nameText: string, content: Uint8Array): void => {
    const name = new TextEncoder().encode(nameText);
    w.u8(0);
    w.uleb(ulebSize(name.length) + name.length + content.length);
    w.uleb(name.length);
    w.bytes(name);
    w.bytes(content);
  };
  w.bytes(bytes.subarray(0, 8));
  for (const s of sections) {
    const content = s.name !== null ? replaced.get(s.name) : undefined;
    if (content) custom(s.name!, content);
    else w.bytes(bytes.subarray(s.start, s.end));
  }
  for (const [name, content] of added) custom(name, content);
  return w.finish();
}

// ---------------------------------------------------------------------------------------------

export interface Dwarf64Options {
  /**
   * Also turn every unit-relative reference (ref1/2/4/udata) into DW_FORM_ref_addr, an offset
   * from the start of .debug_info (8 bytes in DWARF64). Same meaning, other encoding.
   */
  refAddr?: boolean;
  /** For a module with split-DWARF skeletons: the `splitUnits` of its transcoded .dwo files. */
  splitUnits?: Map<string, (oldRelative: number) => number>;
}

/** A unit's DWO id as text (the 8 bytes of a DWARF 5 skeleton or split unit header). */
function dwoId(unit: Unit): string {
  return Buffer.from(unit.extra).toString('hex');
}

export interface Dwarf64Report {
  module: Uint8Array;
  /** Names of the custom sections whose contents changed. */
  rewritten: string[];
  units: number;
  /**
   * For a .dwo: each split unit's old → new unit-relative DIE offsets, by DWO id, which the
   * skeleton module's transcoding needs (`Dwarf64Options.splitUnits`) for .debug_gnu_pubnames.
   */
  splitUnits: Map<string, (oldRelative: number) => number>;
}

/** The module with its DWARF re-encoded in the 64-bit format; everything else byte-identical. */
export function toDwarf64(moduleBytes: Uint8Array, options: Dwarf64Options = {}): Uint8Array {
  return transcodeModule(moduleBytes, options).module;
}

/**
 * The module (32-bit DWARF, unchanged) with a .debug_aranges added that holds each compile
 * unit's own ranges, which is what a consumer derives without one: a way to give fixtures that
 * lack the section one, so that the transcoding of .debug_aranges is exercised too.
 */
export function withAranges(moduleBytes: Uint8Array): Uint8Array {
  const sections = readWasmSections(moduleBytes);
  const dwarf = new Map<string, Uint8Array>();
  for (const s of sections) if (s.name?.startsWith('.debug_')) dwarf.set(s.name, moduleBytes.subarray(s.contentStart, s.end));
  if (dwarf.has('.debug_aranges')) throw new Error('dwarf64: the module already has .debug_aranges');
  const info = dwarf.get('.debug_info') ?? new Uint8Array(0);
  const units = readUnits(info, dwarf.get('.debug_abbrev') ?? new Uint8Array(0), new Map(), {});
  const aranges = synthesizeAranges(info, units, dwarf, false);
  return rebuildModule(moduleBytes, sections, new Map(), new Map([['.debug_aranges', aranges]]));
}

export function transcodeModule(moduleBytes: Uint8Array, options: Dwarf64Options = {}): Dwarf64Report {
  const sections = readWasmSections(moduleBytes);
  const dwarf = new Map<string, Uint8Array>();
  // A split-DWARF object (.dwo) has the same sections with a .dwo suffix; within this function
  // every section goes by its plain name.
  const suffix = sections.some((s) => s.name === '.debug_info.dwo') ? '.dwo' : '';
  for (const s of sections) {
    if (s.name === null || !s.name.startsWith('.debug_')) continue;
    if (!s.name.endsWith(suffix) || (suffix === '' && s.name.endsWith('.dwo'))) throw new Error(`dwarf64: section ${s.name} in a ${suffix ? '.dwo' : 'module'}`);
    const name = s.name.slice(0, s.name.length - suffix.length);
    if (!KNOWN_SECTIONS.has(name) || (suffix && name.includes('pub'))) throw new Error(`dwarf64: section ${s.name} is not supported`);
    if (dwarf.has(name)) throw new Error(`dwarf64: section ${s.name} appears twice`);
    dwarf.set(name, moduleBytes.subarray(s.contentStart, s.end));
  }
  const section = (name: string): Uint8Array => dwarf.get(name) ?? new Uint8Array(0);
  const info = section('.debug_info');
  if (info.length === 0) throw new Error('dwarf64: the module has no .debug_info');
  const abbrev = section('.debug_abbrev');

  // Parse every unit, then lay each out (sizes depend only on the unit's own references).
  const formPatches = new Map<number, number>();
  const units = readUnits(info, abbrev, formPatches, options);
  if (suffix && units.some((u) => u.version < 5)) {
    // DWARF 4 split units are a GNU extension with their own .dwo formats (str_offsets without
    // headers, DW_LLE_GNU_* location lists).
    throw new Error('dwarf64: DWARF 4 (GNU) split units are not supported');
  }
  let newOffset = 0;
  for (const unit of units) {
    layoutUnit(info, unit);
    unit.newOffset = newOffset;
    newOffset += unit.newSize;
  }
  const byOffset = new Map(units.map((u) => [u.offset, u]));
  const unitAt = (old: number): Unit => {
    const u = byOffset.get(old);
    if (!u) throw new Error(`dwarf64: 0x${old.toString(16)} is not the offset of a unit`);
    return u;
  };
  const unitContaining = (old: number): Unit => {
    for (const u of units) if (old >= u.offset && old < u.end) return u;
    throw new Error(`dwarf64: .debug_info offset 0x${old.toString(16)} is outside every unit`);
  };
  const infoRef = (old: number): number => {
    const u = unitContaining(old);
    return u.newOffset + lookupRel(u, u.rel, old - u.offset);
  };

  // Which unit owns which location list: sec_offset references and loclists_base contributions.
  const locOwners: ListOwners = new Map();
  const loclistsOwners: ListOwners = new Map();
  const loclistsOwnerByBase = new Map<number, Unit>();
  for (const unit of units) {
    if (unit.loclistsBase >= 0) loclistsOwnerByBase.set(unit.loclistsBase, unit);
    for (const e of unit.entries) {
      for (const a of e.attrs) {
        if (a.action !== Action.SectionOffset || (a.target !== 'loc' && a.target !== 'loclists')) continue;
        const old = new Reader(info, a.start, a.end, '.debug_info').u32();
        (a.target === 'loc' ? locOwners : loclistsOwners).set(old, unit);
      }
    }
  }

  const maps: Maps = {
    line: new OffsetMap('.debug_line'),
    loc: new OffsetMap('.debug_loc'),
    loclists: new OffsetMap('.debug_loclists'),
    rnglists: new OffsetMap('.debug_rnglists'),
    strOffsetsBase: new OffsetMap('.debug_str_offsets'),
    addrBase: new OffsetMap('.debug_addr'),
    rnglistsBase: new OffsetMap('.debug_rnglists'),
    loclistsBase: new OffsetMap('.debug_loclists'),
  };
  const replaced = new Map<string, Uint8Array>();
  const rewrite = (name: string, f: (s: Uint8Array) => Uint8Array): void => {
    if (dwarf.has(name)) replaced.set(name, f(section(name)));
  };
  rewrite('.debug_line', (s) => transcodeLine(s, maps.line));
  rewrite('.debug_str_offsets', (s) => transcodeStrOffsets(s, maps.strOffsetsBase));
  rewrite('.debug_addr', (s) => transcodeAddr(s, maps.addrBase));
  rewrite('.debug_rnglists', (s) =>
    transcodeLists(s, '.debug_rnglists', false, maps.rnglists, maps.rnglistsBase, new Map(), new Map(), infoRef));
  rewrite('.debug_loclists', (s) =>
    transcodeLists(s, '.debug_loclists', true, maps.loclists, maps.loclistsBase, loclistsOwners, loclistsOwnerByBase, infoRef));
  rewrite('.debug_loc', (s) => {
    const sizes = new Set(units.filter((u) => u.version < 5).map((u) => u.addressSize));
    if (sizes.size > 1) throw new Error('dwarf64: .debug_loc used by units of different address sizes');
    return transcodeLoc(s, maps.loc, locOwners, sizes.size ? [...sizes][0] : 4, infoRef);
  });
  replaced.set('.debug_info', writeUnits(info, units, maps, infoRef));
  rewrite('.debug_aranges', (s) => transcodeAranges(s, unitAt));
  const dieOffset = (unit: Unit, old: number): number => {
    if (unit.version < 5 && unit.entries[0]?.attrs.some((a) => a.at === AT_GNU_dwo_id)) {
      throw new Error('dwarf64: DWARF 4 (GNU) split-DWARF skeletons are not supported');
    }
    if (unit.unitType !== UT_skeleton) return lookupRel(unit, unit.rel, old);
    const split = options.splitUnits?.get(dwoId(unit));
    if (!split) throw new Error(`dwarf64: the skeleton unit at 0x${unit.offset.toString(16)} needs its split unit's layout: transcode its .dwo first and pass splitUnits`);
    return split(old);
  };
  for (const name of ['.debug_pubnames', '.debug_pubtypes', '.debug_gnu_pubnames', '.debug_gnu_pubtypes']) {
    rewrite(name, (s) => transcodePubnames(s, name, unitAt, dieOffset));
  }
  if (formPatches.size > 0) {
    // Form codes changed in place (data4 → data8, refN → ref_addr: all one-byte codes), so no
    // abbreviation moves. Tables shared between units that need different forms are refused.
    if ([...formPatches.values()].includes(FORM.data8)) checkSharedAbbrevs(units);
    const patched = new Uint8Array(abbrev); // a copy (Buffer#slice would be a view)
    for (const [at, form] of formPatches) patched[at] = form;
    replaced.set('.debug_abbrev', patched);
  }
  const rewritten: string[] = [];
  for (const [name, bytes] of replaced) {
    const old = section(name);
    if (old.length !== bytes.length || old.some((b, i) => b !== bytes[i])) rewritten.push(name);
    else replaced.delete(name);
  }
  const splitUnits = new Map<string, (oldRelative: number) => number>();
  for (const u of units) if (u.unitType === UT_split_compile) splitUnits.set(dwoId(u), (old) => lookupRel(u, u.rel, old));
  const named = <T>(m: Map<string, T>): Map<string, T> => new Map([...m].map(([k, v]) => [k + suffix, v]));
  return {
    module: rebuildModule(moduleBytes, sections, named(replaced), new Map()),
    rewritten: rewritten.map((name) => name + suffix),
    units: units.length,
    splitUnits,
  };
}

/**
 * An abbreviation table whose forms were patched must not also serve a unit that needs the old
 * forms: DWARF 3 data4 section offsets become data8, which in DWARF 4+ would change a constant.
 */
function checkSharedAbbrevs(units: Unit[]): void {
  const versions = new Map<number, Set<number>>();
  for (const u of units) {
    const v = versions.get(u.abbrevOffset) ?? new Set<number>();
    v.add(u.version <= 3 ? 3 : 4);
    versions.set(u.abbrevOffset, v);
  }
  for (const [offset, v] of versions) {
    if (v.size > 1) throw new Error(`dwarf64: abbreviation table 0x${offset.toString(16)} is shared by DWARF 3 and later units`);
  }
}

/** Records that an attribute's form code changes; DW_FORM_indirect carries it in the DIE. */
function patchForm(attr: Attr, spec: AttrSpec, form: number, patches: Map<number, number>): void {
  if (attr.indirect >= 0) {
    attr.indirect = form;
    return;
  }
  const previous = patches.get(spec.formPos);
  if (previous !== undefined && previous !== form) throw new Error('dwarf64: conflicting form patches');
  patches.set(spec.formPos, form);
}
