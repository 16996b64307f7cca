// One pass over a unit's DIEs filling a subroutine index (see subroutines.ts, whose `Walk` this
// must match DIE for DIE), compiled to WebAssembly (scripts/build-kernels.sh) and run by
// subroutine-kernel.ts.
//
// Why: a large unit is walked once per process, before V8 has optimized the JavaScript walk:
// measured on sqlite3 (75,000 DIEs), ~50 ms of mostly interpreted work and ~100 ms of
// optimizing-compiler time, and the memory that compiler touches, on V8's worker threads.
// V8 runs wasm at full speed from its first instruction.
//
// The walk follows the per-abbreviation plans subroutines.ts makes: it steps over other DIEs by
// their plan, decodes a subroutine's attributes into the index's arrays, reads its address
// ranges (low/high_pc, or a DWARF 2–4 .debug_ranges or DWARF 5 .debug_rnglists list) and puts
// them in the address map exactly as LLVM's `DWARFUnit::updateAddressDieMap` does (range-map.ts
// explains why that matters). It handles units with 4-byte addresses, 4-byte offsets and values
// below 2^53 (so that its doubles equal JavaScript's); at anything else — any damage to the DIEs,
// a form a plan cannot step over, an unknown abbreviation — it gives up (-1) and the JavaScript
// walk redoes the unit and words the error. A damaged range list loses its DIE's ranges, as
// there (and in LLVM).

typedef unsigned char u8;
typedef unsigned short u16;
typedef unsigned int u32;
typedef int i32;
typedef unsigned long long u64;

#define GIVE_UP (-1)
#define EXACT_LIMIT (1ull << 53)

// Plan flags (subroutines.ts: `encodePlans`).
#define PLAN_VALID 1
#define PLAN_SUBROUTINE 2
#define PLAN_INLINED 4
#define PLAN_CHILDREN 8
#define PLAN_NAMES_ITSELF 16
#define PLAN_OPS 32

// Plan operations, as in subroutines.ts.
#define OP_SKIP 0
#define OP_SKIP_LEB 1
#define OP_SKIP_BLOCK1 2
#define OP_SKIP_BLOCK2 3
#define OP_SKIP_BLOCK4 4
#define OP_SKIP_BLOCK_LEB 5
#define OP_SKIP_STRING 6
#define OP_READ1 7
#define OP_READ2 8
#define OP_READ3 9
#define OP_READ4 10
#define OP_READ8 11
#define OP_READ_LEB 12
#define OP_READ_SLEB 13
#define OP_CONST 14
#define OP_READ_STRING 15

// Slots and what their forms make of them, as in subroutines.ts.
#define SLOT_LOW_PC 0
#define SLOT_HIGH_PC 1
#define SLOT_RANGES 2
#define SLOT_ORIGIN 3
#define SLOT_SPECIFICATION 4
#define SLOT_CALL_FILE 5
#define SLOT_CALL_LINE 6
#define SLOT_CALL_COLUMN 7
#define SLOT_DISCRIMINATOR 8
#define SLOT_NAME 9
#define SLOT_LINKAGE 10
#define KIND_REF_IN_UNIT 1
#define KIND_REF_IN_INFO 2
#define KIND_ADDRESS 3
#define KIND_POOLED_ADDRESS 4
#define KIND_LENGTH 5
#define NAME_UNREAD 0xffff

#define OVER_BUDGET (-2)
#define DW_FORM_rnglistx 0x23
#define DW_RLE_end_of_list 0
#define DW_RLE_base_addressx 1
#define DW_RLE_startx_endx 2
#define DW_RLE_startx_length 3
#define DW_RLE_offset_pair 4
#define DW_RLE_base_address 5
#define DW_RLE_start_end 6
#define DW_RLE_start_length 7

// Entries per block of the address map (as range-map.ts: an insertion moves at most one block).
#define BLOCK 512

// A plan: PLAN_WORDS (subroutine-kernel.ts) words per abbreviation code.
typedef struct {
  i32 flags;
  i32 fixedSize;
  i32 opsStart;
  i32 opsCount;
  i32 mask;
  i32 kinds; // origin | specification << 4 | low << 8 | high << 12
  i32 nameForm;
  i32 linkageForm;
  i32 rangesForm;
} Plan;

// Where everything is: subroutine-kernel.ts writes this at offset 0.
typedef struct {
  u32 info;           // the unit's DIE bytes
  u32 infoOffset;     // their offset in .debug_info
  u32 infoLength;
  u32 unitOffset;
  u32 plans;          // Plan[planCount]
  u32 planCount;
  u32 ops;            // i32 pairs
  u32 consts;         // double per op pair
  u32 addr;           // .debug_addr
  u32 addrLength;
  u32 addrBase;       // the unit's DW_AT_addr_base (bytes), or past the table when absent
  u32 ranges;         // .debug_ranges
  u32 rangesLength;
  u32 rnglists;       // .debug_rnglists
  u32 rnglistsLength;
  u32 version;
  u32 doubles;        // double[4]: rangesBase, rnglistsBase, base address (-1: none), range budget
  u32 capacity;       // rows of each output array
  u32 enclosing;      // i32[capacity + 1]
  u32 values;         // double[SLOTS], zeroed: the slots of the subroutine DIE being read
  // Outputs, one entry per subroutine DIE.
  u32 dieOffsets, isInlined, parents, lowPcs, origins, specifications, namesItself;
  u32 callFiles, callLines, callColumns, callDiscriminators;
  u32 nameForms, nameValues, linkageForms, linkageValues;
  // The address map: blocks of BLOCK entries (key, high as doubles, owner), in order through
  // `directory`; then flattened into keys, highs and owners, with a BucketIndex's starts.
  u32 pool;           // blocks
  u32 poolBlocks;
  u32 directory;      // u32 block numbers
  u32 sizes;          // u32 entries in each block
  u32 keys, highs, owners;
  u32 starts;         // u32 per bucket and one more
  u32 rangePairs;     // double pairs: one range list at a time
  u32 count;          // out: subroutine DIEs
  u32 entryCount;     // out
  u32 bucketShift;    // out
  u32 bucketLimit;    // out
  u32 bucketCount;    // out: buckets (starts has one more)
  u32 failedDie;      // out: the DIE that went over the range budget
} Frame;

typedef struct {
  double key, high;
  double owner;
} Entry;

// Unsigned LEB128 as JavaScript's decoder reads it, when that is exact: *ok becomes 0 when it
// runs past `end` (JavaScript throws), -1 when it is longer than 10 bytes or its value is 2^53
// or more (JavaScript's double would be rounded, or NaN).
static inline double uleb(const u8 **at, const u8 *end, int *ok) {
  const u8 *p = *at;
  u64 value = 0;
  for (u32 shift = 0; shift < 70; shift += 7) {
    if (p >= end) {
      *ok = 0;
      return 0;
    }
    u64 byte = *p++;
    u64 bits = byte & 0x7f;
    if (shift >= 63 ? bits != 0 : (bits << shift) >> shift != bits) break;
    value |= bits << shift;
    if (byte < 0x80) {
      if (value >= EXACT_LIMIT) break;
      *at = p;
      return (double)value;
    }
  }
  *ok = -1;
  return 0;
}

// Signed LEB128 of up to 7 bytes (49 bits, exact).
static inline double sleb(const u8 **at, const u8 *end, int *ok) {
  const u8 *p = *at;
  u64 value = 0;
  for (u32 shift = 0; shift < 49; shift += 7) {
    if (p >= end) break;
    u64 byte = *p++;
    value |= (byte & 0x7f) << shift;
    if (byte < 0x80) {
      *at = p;
      u32 bits = shift + 7;
      if (byte & 0x40) return (double)value - (double)(1ull << bits);
      return (double)value;
    }
  }
  *ok = 0;
  return 0;
}

// JavaScript's ToUint32 for the integers held here (|v| < 2^53): modulo 2^32.
static inline u32 toUint32(double v) {
  return (u32)(long long)v;
}

static inline u32 u32le(const u8 *p) {
  return (u32)p[0] | ((u32)p[1] << 8) | ((u32)p[2] << 16) | ((u32)p[3] << 24);
}

// Steps over one operand a plan does not keep; 0 when it runs past the end.
static inline int skip(i32 op, i32 arg, const u8 **at, const u8 *end) {
  const u8 *p = *at;
  u64 length;
  switch (op) {
    case OP_SKIP:
      if ((u32)(end - p) < (u32)arg) return 0;
      p += arg;
      break;
    case OP_SKIP_LEB:
      while (p < end && *p >= 0x80) p++;
      if (p >= end) return 0;
      p++;
      break;
    case OP_SKIP_BLOCK1:
      if (p >= end) return 0;
      length = *p++;
      if ((u64)(end - p) < length) return 0;
      p += length;
      break;
    case OP_SKIP_BLOCK2:
      if (end - p < 2) return 0;
      length = (u64)p[0] | ((u64)p[1] << 8);
      p += 2;
      if ((u64)(end - p) < length) return 0;
      p += length;
      break;
    case OP_SKIP_BLOCK4:
      if (end - p < 4) return 0;
      length = u32le(p);
      p += 4;
      if ((u64)(end - p) < length) return 0;
      p += length;
      break;
    case OP_SKIP_BLOCK_LEB: {
      int ok = 1;
      double size = uleb(&p, end, &ok);
      if (ok != 1 || (double)(end - p) < size) return 0;
      p += (u32)size;
      break;
    }
    case OP_SKIP_STRING:
      while (p < end && *p != 0) p++;
      if (p >= end) return 0;
      p++;
      break;
    default:
      return 0;
  }
  *at = p;
  return 1;
}

// The address at `index` of the unit's .debug_addr table, as `DebugInfo.pooledAddress` finds
// it; -1 when it is outside the table (JavaScript's null).
static inline double pooledAddress(const Frame *f, double index) {
  double at = (double)f->addrBase + index * 4;
  if (!(at >= 0) || at + 4 > (double)f->addrLength) return -1;
  return (double)u32le((const u8 *)f->addr + (u32)at);
}

// The address map (LLVM's `AddrDieMap`, a std::map from low address to high and owner).
typedef struct {
  Frame *f;
  Entry *pool;
  u32 *directory;
  u32 *sizes;
  u32 blocks;      // in the directory
  u32 allocated;   // of the pool
  double budget;
} Map;

static inline Entry *blockEntries(Map *m, u32 block) {
  return m->pool + (u64)block * BLOCK;
}

// The directory position of the block holding the greatest key <= `key` (0 when all are greater).
static u32 blockFor(Map *m, double key) {
  u32 lo = 0, hi = m->blocks - 1;
  if (hi == 0 || blockEntries(m, m->directory[hi])[0].key <= key) return hi;
  hi--;
  while (lo < hi) {
    u32 mid = (lo + hi + 1) >> 1;
    if (blockEntries(m, m->directory[mid])[0].key <= key) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

// Index of the first entry of a block whose key is greater than `key`.
static u32 upperBound(const Entry *entries, u32 size, double key) {
  u32 lo = 0, hi = size;
  while (lo < hi) {
    u32 mid = (lo + hi) >> 1;
    if (entries[mid].key <= key) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

static void moveEntries(Entry *to, const Entry *from, u32 n) {
  if (to < from) {
    for (u32 i = 0; i < n; i++) to[i] = from[i];
  } else {
    for (u32 i = n; i > 0; i--) to[i - 1] = from[i - 1];
  }
}

// `map[key] = (high, owner)`: overwrite or insert. 0 when the pool is exhausted.
static int set(Map *m, double key, double high, double owner) {
  u32 d = blockFor(m, key);
  u32 block = m->directory[d];
  Entry *entries = blockEntries(m, block);
  u32 size = m->sizes[block];
  u32 at = upperBound(entries, size, key);
  if (at > 0 && entries[at - 1].key == key) {
    entries[at - 1].high = high;
    entries[at - 1].owner = owner;
    return 1;
  }
  if (size == BLOCK) {
    if (m->allocated == m->f->poolBlocks) return 0;
    u32 next = m->allocated++;
    for (u32 i = m->blocks; i > d + 1; i--) m->directory[i] = m->directory[i - 1];
    m->directory[d + 1] = next;
    m->blocks++;
    Entry *fresh = blockEntries(m, next);
    if (at == BLOCK && d + 2 == m->blocks) {
      // Appending: a fresh block keeps the full ones full.
      fresh[0].key = key;
      fresh[0].high = high;
      fresh[0].owner = owner;
      m->sizes[next] = 1;
      return 1;
    }
    u32 half = BLOCK / 2;
    moveEntries(fresh, entries + half, BLOCK - half);
    m->sizes[next] = BLOCK - half;
    m->sizes[block] = half;
    return set(m, key, high, owner);
  }
  moveEntries(entries + at + 1, entries + at, size - at);
  entries[at].key = key;
  entries[at].high = high;
  entries[at].owner = owner;
  m->sizes[block] = size + 1;
  return 1;
}

// LLVM's `updateAddressDieMap` step for one range: split the entry it lands in (the one with
// the greatest key <= low, if it reaches past low), then map [low, high) to `owner`.
static int claim(Map *m, double low, double high, u32 owner) {
  if (low == high) return 1;
  u32 d = blockFor(m, low);
  u32 block = m->directory[d];
  const Entry *entries = blockEntries(m, block);
  u32 at = upperBound(entries, m->sizes[block], low);
  if (at > 0 && low < entries[at - 1].high) {
    Entry previous = entries[at - 1];
    if (high < previous.high && !set(m, high, previous.high, previous.owner)) return 0;
    if (low > previous.key && !set(m, previous.key, low, previous.owner)) return 0;
  }
  return set(m, low, high, owner);
}

// One decoded range list, as range pairs (room for as many as its section could hold).
typedef struct {
  double *pairs;
  u32 count;
} Ranges;

// A DWARF 2–4 .debug_ranges list (ranges.ts: readRangeList, 4-byte addresses); 0 when damaged.
static int readRangeList(const Frame *f, double offset, double base, int hasBase, Ranges *out) {
  const u8 *bytes = (const u8 *)f->ranges;
  double length = f->rangesLength;
  if (!(offset >= 0 && offset <= length)) return 0;
  u32 p = (u32)offset;
  for (;;) {
    if ((double)p + 8 > length) return 0;
    double start = u32le(bytes + p), end = u32le(bytes + p + 4);
    p += 8;
    if (start == 0 && end == 0) return 1;
    if (start == 4294967295.0) {
      base = end;
      hasBase = 1;
      continue;
    }
    // Linkers mark discarded entries with max - 1, since max itself selects a base address.
    if (start == 4294967294.0) continue;
    if (hasBase) {
      if (base == 4294967294.0) continue;
      start += base;
      end += base;
    }
    out->pairs[2 * out->count] = start;
    out->pairs[2 * out->count + 1] = end;
    out->count++;
  }
}

// A DWARF 5 .debug_rnglists list (ranges.ts: readRngList); 0 when damaged, GIVE_UP when a
// number is past what doubles hold exactly.
static int readRngList(const Frame *f, double offset, double base, int hasBase, Ranges *out) {
  const u8 *bytes = (const u8 *)f->rnglists;
  const u8 *end = bytes + f->rnglistsLength;
  if (!(offset >= 0) || offset > (double)f->rnglistsLength) return 0;
  const u8 *p = bytes + (u32)offset;
  const double dead = 4294967295.0;
  int ok = 1;
  for (;;) {
    if (p >= end) return 0;
    u32 kind = *p++;
    double low, high;
    switch (kind) {
      case DW_RLE_end_of_list:
        return 1;
      case DW_RLE_base_addressx: {
        double index = uleb(&p, end, &ok);
        if (ok != 1) return ok == 0 ? 0 : GIVE_UP;
        double pooled = pooledAddress(f, index);
        base = pooled >= 0 ? pooled : index;
        hasBase = 1;
        continue;
      }
      case DW_RLE_base_address:
        if (end - p < 4) return 0;
        base = u32le(p);
        p += 4;
        hasBase = 1;
        continue;
      case DW_RLE_offset_pair:
        low = uleb(&p, end, &ok);
        if (ok == 1) high = uleb(&p, end, &ok);
        if (ok != 1) return ok == 0 ? 0 : GIVE_UP;
        if (hasBase) {
          if (base == dead) continue;
          low += base;
          high += base;
        }
        break;
      case DW_RLE_start_end:
        if (end - p < 8) return 0;
        low = u32le(p);
        high = u32le(p + 4);
        p += 8;
        break;
      case DW_RLE_start_length:
        if (end - p < 4) return 0;
        low = u32le(p);
        p += 4;
        high = low + uleb(&p, end, &ok);
        if (ok != 1) return ok == 0 ? 0 : GIVE_UP;
        break;
      case DW_RLE_startx_length: {
        double index = uleb(&p, end, &ok);
        double length = ok == 1 ? uleb(&p, end, &ok) : 0;
        if (ok != 1) return ok == 0 ? 0 : GIVE_UP;
        double pooled = pooledAddress(f, index);
        low = pooled >= 0 ? pooled : 0;
        high = low + length;
        break;
      }
      case DW_RLE_startx_endx: {
        double first = uleb(&p, end, &ok);
        double second = ok == 1 ? uleb(&p, end, &ok) : 0;
        if (ok != 1) return ok == 0 ? 0 : GIVE_UP;
        double a = pooledAddress(f, first), b = pooledAddress(f, second);
        low = a >= 0 ? a : 0;
        high = b >= 0 ? b : 0;
        break;
      }
      default:
        return 0;
    }
    if (low == dead) continue;
    out->pairs[2 * out->count] = low;
    out->pairs[2 * out->count + 1] = high;
    out->count++;
  }
}

// The ranges of a DW_AT_ranges value as `DebugInfo.rangeList` reads them.
static int rangeList(const Frame *f, i32 form, double value, Ranges *out) {
  const double *doubles = (const double *)f->doubles;
  double rangesBase = doubles[0], rnglistsBase = doubles[1], base = doubles[2];
  int hasBase = base >= 0;
  if (form == DW_FORM_rnglistx) {
    // ranges.ts: readRngListIndex (4-byte offsets); no such entry means no list, not damage.
    double at = rnglistsBase + value * 4;
    if (!(at >= 0) || at + 4 > (double)f->rnglistsLength) return 1;
    double offset = rnglistsBase + u32le((const u8 *)f->rnglists + (u32)at);
    return readRngList(f, offset, base, hasBase, out);
  }
  if (f->version >= 5) return readRngList(f, value, base, hasBase, out);
  return readRangeList(f, rangesBase + value, base, hasBase, out);
}

// The map in order into keys, highs and owners, and the bucket index over the keys
// (bucket-index.ts, which the JavaScript side would otherwise build).
static void flatten(Frame *f, Map *m) {
  double *keys = (double *)f->keys, *highs = (double *)f->highs;
  i32 *owners = (i32 *)f->owners;
  u32 n = 0;
  for (u32 d = 0; d < m->blocks; d++) {
    u32 block = m->directory[d];
    const Entry *entries = blockEntries(m, block);
    for (u32 i = 0; i < m->sizes[block]; i++, n++) {
      keys[n] = entries[i].key;
      highs[n] = entries[i].high;
      owners[n] = (i32)entries[i].owner;
    }
  }
  f->entryCount = n;
  // Keys above 2^28 are linker tombstones and garbage, which lookups search in full.
  double top = 0;
  for (u32 k = n; k > 0; k--) {
    if (keys[k - 1] < 268435456.0) {
      top = keys[k - 1];
      break;
    }
  }
  double wanted = 2.0 * n + 16;
  if (wanted > 1048576.0) wanted = 1048576.0;
  u32 shift = 3;
  double width = 8;
  while (top / width > wanted) {
    shift++;
    width *= 2;
  }
  u32 buckets = (u32)(top / width) + 1;
  u32 *starts = (u32 *)f->starts;
  u32 b = 0;
  for (u32 k = 0; k < n && b <= buckets; k++) {
    double key = keys[k];
    for (; b <= buckets && (double)b * width <= key; b++) starts[b] = k;
  }
  for (; b <= buckets; b++) starts[b] = n;
  f->bucketShift = shift;
  f->bucketLimit = (u32)((double)buckets * width);
  f->bucketCount = buckets;
}

__attribute__((export_name("walk"))) int walk(Frame *f) {
  const u8 *start = (const u8 *)f->info;
  const u8 *end = start + f->infoLength;
  const Plan *plans = (const Plan *)f->plans;
  const i32 *ops = (const i32 *)f->ops;
  const double *consts = (const double *)f->consts;
  i32 *enclosing = (i32 *)f->enclosing;
  const double dead = 4294967295.0;
  const double unitOffset = f->unitOffset;
  const double *doubles = (const double *)f->doubles;
  Map m = {f, (Entry *)f->pool, (u32 *)f->directory, (u32 *)f->sizes, 1, 1, doubles[3]};
  m.directory[0] = 0;
  m.sizes[0] = 0;
  // One list at a time, in the memory after the map's outputs.
  Ranges ranges = {(double *)f->rangePairs, 0};
  // In the caller's memory, not on a stack: the kernel has none (nor any data of its own).
  double *values = (double *)f->values;
  u32 count = 0, depth = 0;
  enclosing[0] = -1;

  const u8 *p = start;
  while (p < end) {
    u32 dieOffset = f->infoOffset + (u32)(p - start);
    int ok = 1;
    double code = uleb(&p, end, &ok);
    if (ok != 1) return GIVE_UP;
    if (code == 0) {
      if (depth > 0) depth--;
      continue;
    }
    if (code >= f->planCount) return GIVE_UP;
    const Plan *plan = &plans[(u32)code];
    if (!(plan->flags & PLAN_VALID)) return GIVE_UP;
    i32 self = -1;
    if (plan->flags & PLAN_SUBROUTINE) {
      if (!(plan->flags & PLAN_OPS) || count >= f->capacity) return GIVE_UP;
      const i32 *op = ops + 2 * plan->opsStart;
      for (i32 k = 0; k < plan->opsCount; k++, op += 2) {
        i32 slot = op[1];
        switch (op[0]) {
          case OP_READ1:
            if (p >= end) return GIVE_UP;
            values[slot] = *p++;
            break;
          case OP_READ2:
            if (end - p < 2) return GIVE_UP;
            values[slot] = (u32)p[0] | ((u32)p[1] << 8);
            p += 2;
            break;
          case OP_READ3:
            if (end - p < 3) return GIVE_UP;
            values[slot] = (u32)p[0] | ((u32)p[1] << 8) | ((u32)p[2] << 16);
            p += 3;
            break;
          case OP_READ4:
            if (end - p < 4) return GIVE_UP;
            values[slot] = u32le(p);
            p += 4;
            break;
          case OP_READ8: {
            if (end - p < 8) return GIVE_UP;
            u64 value = (u64)u32le(p) | ((u64)u32le(p + 4) << 32);
            if (value >= EXACT_LIMIT) return GIVE_UP;
            values[slot] = (double)value;
            p += 8;
            break;
          }
          case OP_READ_LEB:
            values[slot] = uleb(&p, end, &ok);
            if (ok != 1) return GIVE_UP;
            break;
          case OP_READ_SLEB:
            values[slot] = sleb(&p, end, &ok);
            if (ok != 1) return GIVE_UP;
            break;
          case OP_CONST:
            values[slot] = consts[plan->opsStart + k];
            break;
          case OP_READ_STRING:
            values[slot] = f->infoOffset + (u32)(p - start);
            if (!skip(OP_SKIP_STRING, 0, &p, end)) return GIVE_UP;
            break;
          default:
            if (!skip(op[0], op[1], &p, end)) return GIVE_UP;
        }
      }
      self = (i32)count++;
      ((u32 *)f->dieOffsets)[self] = dieOffset;
      ((i32 *)f->parents)[self] = enclosing[depth];
      // Every field of the entry is written, absent ones as 0: the memory may hold an earlier
      // run's entries (a kernel's scratch memory), and in fresh memory these pages are written anyway.
      ((u8 *)f->isInlined)[self] = (plan->flags & PLAN_INLINED) ? 1 : 0;
      ((u8 *)f->namesItself)[self] = (plan->flags & PLAN_NAMES_ITSELF) ? 1 : 0;
      i32 mask = plan->mask;
      i32 originKind = plan->kinds & 15, specificationKind = (plan->kinds >> 4) & 15;
      i32 lowKind = (plan->kinds >> 8) & 15, highKind = (plan->kinds >> 12) & 15;
      ((double *)f->origins)[self] = originKind == KIND_REF_IN_UNIT ? unitOffset + values[SLOT_ORIGIN]
          : originKind == KIND_REF_IN_INFO ? values[SLOT_ORIGIN] : -1;
      ((double *)f->specifications)[self] = specificationKind == KIND_REF_IN_UNIT ? unitOffset + values[SLOT_SPECIFICATION]
          : specificationKind == KIND_REF_IN_INFO ? values[SLOT_SPECIFICATION] : -1;
      // As the Uint32Array stores of JavaScript: modulo 2^32 (values here are exact integers).
      ((u32 *)f->callFiles)[self] = (mask & (1 << SLOT_CALL_FILE)) ? toUint32(values[SLOT_CALL_FILE]) : 0;
      ((u32 *)f->callLines)[self] = (mask & (1 << SLOT_CALL_LINE)) ? toUint32(values[SLOT_CALL_LINE]) : 0;
      ((u32 *)f->callColumns)[self] = (mask & (1 << SLOT_CALL_COLUMN)) ? toUint32(values[SLOT_CALL_COLUMN]) : 0;
      ((u32 *)f->callDiscriminators)[self] = (mask & (1 << SLOT_DISCRIMINATOR)) ? toUint32(values[SLOT_DISCRIMINATOR]) : 0;
      ((u16 *)f->nameForms)[self] = 0;
      ((u32 *)f->nameValues)[self] = 0;
      ((u16 *)f->linkageForms)[self] = 0;
      ((u32 *)f->linkageValues)[self] = 0;
      if (mask & (1 << SLOT_NAME)) {
        double value = values[SLOT_NAME];
        ((u16 *)f->nameForms)[self] = value <= 4294967295.0 && plan->nameForm < NAME_UNREAD ? plan->nameForm : NAME_UNREAD;
        ((u32 *)f->nameValues)[self] = toUint32(value);
      }
      if (mask & (1 << SLOT_LINKAGE)) {
        double value = values[SLOT_LINKAGE];
        ((u16 *)f->linkageForms)[self] = value <= 4294967295.0 && plan->linkageForm < NAME_UNREAD ? plan->linkageForm : NAME_UNREAD;
        ((u32 *)f->linkageValues)[self] = toUint32(value);
      }
      // The DIE's ranges as `DebugInfo.dieRanges` finds them: low/high_pc first, else DW_AT_ranges.
      int hasLow = 0;
      double low = 0;
      if (lowKind == KIND_ADDRESS) {
        hasLow = 1;
        low = values[SLOT_LOW_PC];
      } else if (lowKind == KIND_POOLED_ADDRESS) {
        low = pooledAddress(f, values[SLOT_LOW_PC]);
        hasLow = low >= 0;
      }
      ((double *)f->lowPcs)[self] = hasLow ? low : -1;
      int hasHigh = 0;
      double high = 0;
      if (hasLow && low != dead) {
        if (highKind == KIND_LENGTH) {
          hasHigh = 1;
          high = low + values[SLOT_HIGH_PC];
        } else if (highKind == KIND_ADDRESS) {
          hasHigh = 1;
          high = values[SLOT_HIGH_PC];
        } else if (highKind == KIND_POOLED_ADDRESS) {
          high = pooledAddress(f, values[SLOT_HIGH_PC]);
          hasHigh = high >= 0;
        }
      }
      if (hasHigh) {
        if (--m.budget < 0) {
          f->failedDie = dieOffset;
          return OVER_BUDGET;
        }
        if (!claim(&m, low, high, (u32)self)) return GIVE_UP;
      } else if (mask & (1 << SLOT_RANGES)) {
        ranges.count = 0;
        int read = rangeList(f, plan->rangesForm, values[SLOT_RANGES], &ranges);
        if (read == GIVE_UP) return GIVE_UP;
        // A damaged list loses the DIE's ranges, not the unit.
        if (read == 0) ranges.count = 0;
        m.budget -= ranges.count;
        if (m.budget < 0) {
          f->failedDie = dieOffset;
          return OVER_BUDGET;
        }
        for (u32 r = 0; r < ranges.count; r++) {
          if (!claim(&m, ranges.pairs[2 * r], ranges.pairs[2 * r + 1], (u32)self)) return GIVE_UP;
        }
      }
    } else if (plan->fixedSize >= 0) {
      if ((u32)(end - p) < (u32)plan->fixedSize) return GIVE_UP;
      p += plan->fixedSize;
    } else {
      if (!(plan->flags & PLAN_OPS)) return GIVE_UP;
      const i32 *op = ops + 2 * plan->opsStart;
      for (i32 k = 0; k < plan->opsCount; k++, op += 2) {
        if (op[0] == OP_SKIP_BLOCK_LEB && p < end && *p < 0x80) {
          // Location expressions: the usual variable-size attribute, and short.
          u32 size = *p;
          if ((u32)(end - p) < 1 + size) return GIVE_UP;
          p += 1 + size;
        } else if (!skip(op[0], op[1], &p, end)) {
          return GIVE_UP;
        }
      }
    }
    if (plan->flags & PLAN_CHILDREN) {
      if (depth + 1 > f->capacity) return GIVE_UP;
      depth++;
      enclosing[depth] = self >= 0 ? self : enclosing[depth - 1];
    }
  }
  f->count = count;
  flatten(f, &m);
  return 0;
}
