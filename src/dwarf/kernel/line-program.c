// The DWARF line-number state machine (DWARF 2–5, section 6.2) over the opcodes of one line
// program, compiled to WebAssembly (scripts/build-kernels.sh) and run by line-kernel.ts.
//
// Why: a large unit's program is decoded once per process, before V8 has optimized the
// JavaScript decoder, so most of it ran interpreted; V8 runs this at full speed from its first
// instruction (Liftoff) and spends no optimizing-compiler time on it.
//
// It decodes only what compilers write for wasm: row addresses below 2^53 (those of 2^32 and
// more are tombstoned code, listed apart as the JavaScript decoder lists them), operands that fit
// their usual few bytes, no DW_LNE_define_file. Anything else — including any damage — makes it
// give up (-1), and the JavaScript decoder, which it must match row for row, decodes the whole
// program instead and words the error. It reads and writes only the regions line-kernel.ts lays
// out, and never past `length` bytes of program.

typedef unsigned int u32;
typedef unsigned long long u64;

#define GIVE_UP (-1)
#define DW_LNE_end_sequence 1
#define DW_LNE_set_address 2
#define DW_LNE_define_file 3
#define DW_LNE_set_discriminator 4

// A LEB128 of at most 4 bytes (28 bits: all a wasm32 producer needs), sign-extended when
// `isSigned`, or GIVE_UP through `*ok`. Values are exact, so the JavaScript decoder's doubles
// agree with them.
static inline u32 leb(const unsigned char **at, const unsigned char *end, int *ok, int isSigned) {
  const unsigned char *p = *at;
  u32 value = 0;
  for (u32 shift = 0; shift < 28; shift += 7) {
    if (p >= end) break;
    u32 byte = *p++;
    value |= (byte & 0x7f) << shift;
    if (byte < 0x80) {
      *at = p;
      u32 unused = 32 - (shift + 7);
      return isSigned ? (u32)((int)(value << unused) >> unused) : value;
    }
  }
  *ok = 0;
  return 0;
}

static inline u32 uleb(const unsigned char **at, const unsigned char *end, int *ok) {
  return leb(at, end, ok, 0);
}

static inline int sleb(const unsigned char **at, const unsigned char *end, int *ok) {
  return (int)leb(at, end, ok, 1);
}

// Steps over an unsigned LEB128 of any length (an operand whose value nothing uses).
static inline int skipLeb(const unsigned char **at, const unsigned char *end) {
  const unsigned char *p = *at;
  while (p < end && *p >= 0x80) p++;
  if (p >= end) return 0;
  *at = p + 1;
  return 1;
}

// Appends rows (address capped at 2^32 - 1; file << 16 | column, line; discriminator), the rows
// whose address was capped (row, exact address as low and high words) and the kept sequences
// (exact low and high as two words each, first row, one past the last row), as the JavaScript
// `runProgram` does; returns the row count, or GIVE_UP. `addresses` and `discriminators` have
// room for `length + 1` entries, `payload` twice that, `wide` three words a row, `sequences` six
// words per two rows (a kept sequence has at least two). Rows without a discriminator get none
// written where `discriminators` starts `zeroed` (fresh memory, whose pages then stay untouched),
// a 0 elsewhere. `counts` receives the number of sequences, then of capped rows.
__attribute__((export_name("run"))) int run(
    const unsigned char *program, u32 length, const unsigned char *standardLengths,
    u32 minInstLength, int lineBase, u32 lineRange, u32 opcodeBase,
    u32 *addresses, u32 *payload, u32 *discriminators, u32 *wide, u32 *sequences, u32 *counts, u32 zeroed) {
  const unsigned char *p = program;
  const unsigned char *end = program + length;
  // With no standard opcodes every byte would be a special opcode and no sequence could end.
  if (opcodeBase == 0) return GIVE_UP;
  u64 address = 0;
  u32 line = 1, file = 1, column = 0;
  u32 rows = 0, sequenceStart = 0, kept = 0, capped = 0;
  // Whether the row about to be appended has its discriminator written.
  int discriminated = 0;
  // The exact address of the current sequence's first row.
  u64 sequenceLow = 0;
  int ok = 1;

  while (p < end) {
    u32 opcode = *p++;
    int endsSequence = 0;
    if (opcode >= opcodeBase) {
      if (lineRange == 0) return GIVE_UP;
      u32 adjusted = opcode - opcodeBase;
      address += (u64)(adjusted / lineRange) * minInstLength;
      line += (u32)(lineBase + (int)(adjusted % lineRange));
    } else if (opcode >= 2 && opcode <= 5) {
      if (opcode == 3) {
        line += (u32)sleb(&p, end, &ok);
      } else {
        u32 operand = uleb(&p, end, &ok);
        if (opcode == 2) address += (u64)operand * minInstLength;
        else if (opcode == 4) file = operand;
        else column = operand;
      }
      if (!ok) return GIVE_UP;
      continue;
    } else if (opcode == 6 || opcode == 7 || opcode == 10 || opcode == 11) {
      continue;
    } else if (opcode == 0) {
      u32 size = uleb(&p, end, &ok);
      if (!ok || size > (u32)(end - p)) return GIVE_UP;
      if (size == 0) continue;
      const unsigned char *next = p + size;
      u32 kind = *p++;
      if (kind == DW_LNE_end_sequence) {
        p = next;
        endsSequence = 1;
      } else if (kind == DW_LNE_set_address) {
        u32 width = size - 1;
        if (width == 1 || width == 2 || width == 4 || width == 8) {
          u64 value = 0;
          for (u32 i = 0; i < width; i++) value |= (u64)p[i] << (8 * i);
          address = value;
        }
        p = next;
        continue;
      } else if (kind == DW_LNE_set_discriminator) {
        // It belongs to the next row.
        discriminators[rows] = uleb(&p, end, &ok);
        if (!ok) return GIVE_UP;
        discriminated = 1;
        p = next;
        continue;
      } else if (kind == DW_LNE_define_file) {
        return GIVE_UP;
      } else {
        p = next;
        continue;
      }
    } else if (opcode == 8) {
      // DW_LNS_const_add_pc
      if (lineRange == 0) return GIVE_UP;
      address += (u64)((255 - opcodeBase) / lineRange) * minInstLength;
      continue;
    } else if (opcode == 9) {
      // DW_LNS_fixed_advance_pc
      if (end - p < 2) return GIVE_UP;
      address += (u32)p[0] | ((u32)p[1] << 8);
      p += 2;
      continue;
    } else if (opcode != 1) {
      // DW_LNS_set_isa and opcodes this decoder does not know: step over their operands.
      for (u32 i = opcode == 12 ? 1 : standardLengths[opcode]; i > 0; i--) {
        if (!skipLeb(&p, end)) return GIVE_UP;
      }
      continue;
    }
    // A special opcode, DW_LNS_copy or DW_LNE_end_sequence: append a row.
    // Past 2^53 JavaScript's sums round, and the two decoders could disagree.
    if (address >= (1ull << 53)) return GIVE_UP;
    if (address > 0xffffffffull) {
      addresses[rows] = 0xffffffff;
      wide[3 * capped] = rows;
      wide[3 * capped + 1] = (u32)address;
      wide[3 * capped + 2] = (u32)(address >> 32);
      capped++;
    } else {
      addresses[rows] = (u32)address;
    }
    payload[2 * rows] = ((file & 0xffff) << 16) | (column & 0xffff);
    payload[2 * rows + 1] = line;
    if (!discriminated && !zeroed) discriminators[rows] = 0;
    discriminated = 0;
    if (rows == sequenceStart) sequenceLow = address;
    rows++;
    if (endsSequence) {
      // Kept when it covers bytes and has a row besides the end marker, as LLVM keeps them.
      if (sequenceLow < address && sequenceStart < rows - 1) {
        sequences[6 * kept] = (u32)sequenceLow;
        sequences[6 * kept + 1] = (u32)(sequenceLow >> 32);
        sequences[6 * kept + 2] = (u32)address;
        sequences[6 * kept + 3] = (u32)(address >> 32);
        sequences[6 * kept + 4] = sequenceStart;
        sequences[6 * kept + 5] = rows;
        kept++;
      }
      sequenceStart = rows;
      address = 0;
      file = 1;
      line = 1;
      column = 0;
    }
  }
  counts[0] = kept;
  counts[1] = capped;
  return (int)rows;
}
