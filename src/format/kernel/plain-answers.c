// llvm-symbolizer's plain LLVM answers for the compile units it is given, written from their indexes, compiled to
// WebAssembly (scripts/build-kernels.sh) and run by plain-answer-kernel.ts.
//
// Why: a batch run's answers are worked out by JavaScript that V8 first runs as baseline code and
// optimizes only as it gets hot; in a 100k-address run that warm-up cost ~110 ms of ~200 spent
// answering. V8 runs this at full speed from its first instruction.
//
// It answers the common case only, byte for byte as PlainAnswerWriter (plain-answer-bytes.ts)
// would: a line `0x<hex>` whose address a prepared unit covers, under a subroutine DIE, with
// every name it prints plain ASCII that demangling leaves alone, and every file it prints in the
// file table. Anything else stops it at that line, which the caller answers in JavaScript and
// then calls again after it. It reads and writes only the regions plain-answer-kernel.ts lays out.

typedef unsigned int u32;
typedef int i32;
typedef unsigned char u8;
typedef unsigned short u16;
typedef unsigned long long u64;

// Field by field as plain-answer-kernel.ts writes them (UNIT and BATCH there); offsets are into
// the memory. One unit's indexes:
typedef struct {
  u32 keys, highs, owners, entryCount;      // the subroutine map (f64, f64, i32)
  u32 mapShift, mapLimit, mapStarts;        // its bucket index (u32 starts)
  u32 isInlined, parents, callFiles, callLines, callColumns, dieCount;
  u32 names;                        // i32 per DIE, filled by `prepareNames`: where its name's bytes start (NUL-ended); NO_NAME; NEEDS_SCRIPT
  u32 nameLengths;                  // u32 per DIE, filled by `prepareNames`
  u32 rowAddresses, rowPayload;     // the line table (u32; u32 pairs: file << 16 | column, line)
  u32 seqLows, seqHighs, seqFirstRows, seqLastRows, seqCount; // u32 each
  u32 filePieces, fileCount;        // u32 pairs per file index: start, end of "path:" (start NO_FILE: unknown)
} Unit;

// One call: its lines, and the units it may answer for.
typedef struct {
  u32 input, inputEnd;              // lines of input
  u32 output, outputEnd;            // room for answers
  u32 lineBudget;                   // answer at most this many lines
  u32 rangeLows, rangeHighs, rangeUnits, rangeCount; // u32 each, by address: where the unit map names which Unit
  u32 consumed, written, answered;  // out: input position reached, output position reached, lines answered
  u32 window, windowCapacity;       // room for a window of this many lines (at most 2^16: `Window`)
  u32 windowCount, windowCursor;    // lines in the window (the caller zeroes it when it replaces the input), the next to write
} Batch;

#define NO_NAME (-1)
#define NEEDS_SCRIPT (-2)
#define NO_FILE 0xffffffffu

#define DONE 0         // input used up (a partial last line stays unconsumed)
#define OUTPUT_FULL 1
#define STOPPED 2      // the line at `consumed` is the caller's
// Longest answer line this writes: a name is bounded separately; numbers are 10 digits.
#define NUMBERS_ROOM 32

// The first of keys[lo, hi) greater than `value` (keys ascending), for doubles and for words.
// The halving JavaScript's searches do (LineTable.lookup, BucketIndex.upperBound), probe for
// probe, so that keys out of order (damaged DWARF) give the same answer here as there; its
// bounds moved by selects, which V8 compiles to conditional moves: the comparisons' outcomes
// are random, and mispredicted branches were most of the searches' cost.
#define UPPER_BOUND(name, type)                                   \
  static u32 name(const type *keys, u32 lo, u32 hi, type value) { \
    while (lo < hi) {                                             \
      u32 mid = (lo + hi) >> 1;                                   \
      int below = keys[mid] <= value;                             \
      lo = below ? mid + 1 : lo;                                  \
      hi = below ? hi : mid;                                      \
    }                                                             \
    return lo;                                                    \
  }
UPPER_BOUND(upperBoundF64, double)
UPPER_BOUND(upperBoundU32, u32)

// Where the last lookup of a run in address order ended: the unit range and the sequence it
// found. An upper bound for a later address is never before an earlier one's, so while the
// address stays inside them they are still the answer and the searches are skipped. (A lookup
// out of order passes a finger of its own.)
typedef struct {
  u32 range;         // rangeCount: none
  const void *unit;  // the sequence's unit (0: none)
  u32 sequence;
} Finger;

// The prepared unit the unit map answers `address` with, or 0.
static const Unit *unitFor(const Batch *b, u32 address, Finger *finger) {
  const u32 *lows = (const u32 *)b->rangeLows, *highs = (const u32 *)b->rangeHighs;
  u32 r = finger->range;
  if (r >= b->rangeCount || address < lows[r] || address >= highs[r]) {
    r = upperBoundU32(highs, 0, b->rangeCount, address);
    if (r == b->rangeCount || address < lows[r]) return 0;
    finger->range = r;
  }
  return (const Unit *)((const u32 *)b->rangeUnits)[r];
}

// RangeMap.find through BucketIndex.upperBound: the innermost subroutine DIE, or -1.
static i32 findDie(const Unit *f, u32 address) {
  const double *keys = (const double *)f->keys;
  const u32 *starts = (const u32 *)f->mapStarts;
  double value = (double)address;
  u32 lo = 0, hi = f->entryCount;
  if (value < (double)f->mapLimit) {
    u32 b = address >> f->mapShift;
    lo = starts[b];
    hi = starts[b + 1];
  }
  u32 r = upperBoundF64(keys, lo, hi, value);
  if (r == 0 || value >= ((const double *)f->highs)[r - 1]) return -1;
  return ((const i32 *)f->owners)[r - 1];
}

// LineTable.lookup for addresses below 2^32: the row, or -1.
static i32 findRow(const Unit *f, u32 address, Finger *finger) {
  const u32 *lows = (const u32 *)f->seqLows, *highs = (const u32 *)f->seqHighs;
  u32 s = finger->sequence;
  if (finger->unit != f || s >= f->seqCount || address < lows[s] || address >= highs[s]) {
    s = upperBoundU32(highs, 0, f->seqCount, address);
    if (s == f->seqCount || address < lows[s]) return -1;
    finger->unit = f;
    finger->sequence = s;
  }
  u32 first = ((const u32 *)f->seqFirstRows)[s] + 1;
  u32 last = ((const u32 *)f->seqLastRows)[s] - 1;
  return (i32)upperBoundU32((const u32 *)f->rowAddresses, first, last, address) - 1;
}

// The address of a line "0x<1-13 hex digits>" (what plainHexBytes reads), or -1.
static double parseHex(const u8 *p, const u8 *end) {
  u32 n = (u32)(end - p);
  if (n < 3 || n > 15 || p[0] != '0' || (p[1] | 0x20) != 'x') return -1;
  double value = 0;
  for (p += 2; p < end; p++) {
    u32 c = *p, digit;
    if (c >= '0' && c <= '9') digit = c - '0';
    else if ((c | 0x20) >= 'a' && (c | 0x20) <= 'f') digit = (c | 0x20) - 'a' + 10;
    else return -1;
    value = value * 16 + digit;
  }
  return value;
}

typedef struct {
  u8 *at, *end;
} Out;

static int room(Out *o, u32 n) {
  return (u32)(o->end - o->at) >= n;
}

static void putDecimal(Out *o, u32 value) {
  u8 digits[10];
  u32 n = 0;
  do {
    digits[n++] = (u8)('0' + value % 10);
    value /= 10;
  } while (value != 0);
  while (n > 0) *o->at++ = digits[--n];
}

// "name\n" of DIE `die` ("??\n" without one); 0 when JavaScript must name it or out of room.
static int putName(const Unit *f, Out *o, u32 die) {
  i32 at = ((const i32 *)f->names)[die];
  if (at == NEEDS_SCRIPT) return 0;
  if (at == NO_NAME) {
    if (!room(o, 3)) return 0;
    *o->at++ = '?';
    *o->at++ = '?';
    *o->at++ = '\n';
    return 1;
  }
  u32 length = ((const u32 *)f->nameLengths)[die];
  if (!room(o, length + 1)) return 0;
  __builtin_memcpy(o->at, (const u8 *)at, length);
  o->at += length;
  *o->at++ = '\n';
  return 1;
}

// Where a unit's subroutine DIEs' names are, as the subroutine walk read them (subroutines.ts:
// SubroutineIndex), and the string sections they point into. Field by field as
// plain-answer-kernel.ts writes them (NAME_SOURCES there).
typedef struct {
  double strOffsetsBase;                                // the unit's DW_AT_str_offsets_base (NaN: none)
  u32 dieOffsets, origins, specifications, namesItself; // u32, f64 (-1: none), f64, u8 per DIE
  u32 nameForms, nameValues, linkageForms, linkageValues; // u16, u32, u16, u32 per DIE (form 0: none)
  u32 str, strLength;                                   // .debug_str
  u32 strOffsets, strOffsetsLength, offsetSize;         // .debug_str_offsets (length 0: not readable here)
} NameSources;

#define DW_FORM_strp 0x0e
#define DW_FORM_strx 0x1a
#define DW_FORM_strx1 0x25
#define DW_FORM_strx4 0x28
#define DW_FORM_GNU_str_index 0x1f02
// subroutines.ts: a name the walk could not keep in its arrays.
#define NAME_UNREAD 0xffff

// DwarfContext.namesStart: the DIE offset the search for DIE i's names starts at.
static double namesStart(const NameSources *s, u32 i) {
  double origin = ((const double *)s->origins)[i], specification = ((const double *)s->specifications)[i];
  if (!((const u8 *)s->namesItself)[i] && (origin >= 0) != (specification >= 0)) return origin >= 0 ? origin : specification;
  return ((const u32 *)s->dieOffsets)[i];
}

// SubroutineIndex.indexOfDie: the index of the DIE at `offset`, or -1.
static i32 indexOfDie(const NameSources *s, u32 count, double offset) {
  const u32 *offsets = (const u32 *)s->dieOffsets;
  u32 lo = 0, hi = count;
  while (lo < hi) {
    u32 mid = (lo + hi) >> 1;
    if ((double)offsets[mid] < offset) lo = mid + 1;
    else hi = mid;
  }
  return lo < count && (double)offsets[lo] == offset ? (i32)lo : -1;
}

// DwarfContext.namingDie: the DIE whose own names are DIE i's, or -1 (JavaScript finds them).
static i32 namingDie(const NameSources *s, u32 count, u32 i) {
  double start = namesStart(s, i);
  i32 j = start == (double)((const u32 *)s->dieOffsets)[i] ? (i32)i : indexOfDie(s, count, start);
  if (j < 0 || ((const double *)s->origins)[j] >= 0 || ((const double *)s->specifications)[j] >= 0) return -1;
  if (((const u16 *)s->nameForms)[j] == NAME_UNREAD || ((const u16 *)s->linkageForms)[j] == NAME_UNREAD) return -1;
  return j;
}

// DebugInfo.strOffset: where a string-class value's bytes start in .debug_str, or -1.
static double strOffset(const NameSources *s, u32 form, u32 value) {
  if (form == DW_FORM_strp) return value < s->strLength ? (double)value : -1;
  if (!(form == DW_FORM_strx || (form >= DW_FORM_strx1 && form <= DW_FORM_strx4) || form == DW_FORM_GNU_str_index)) return -1;
  double at = s->strOffsetsBase + (double)value * s->offsetSize;
  if (!(at >= 0) || at + s->offsetSize > s->strOffsetsLength) return -1;
  const u8 *p = (const u8 *)s->strOffsets + (u32)at;
  double offset = 0;
  for (u32 k = s->offsetSize; k > 0; k--) offset = offset * 256 + p[k - 1];
  return offset < s->strLength ? offset : -1;
}

// Where the name is in memory, or NEEDS_SCRIPT.
static i32 nameAt(const NameSources *s, u32 form, u32 value) {
  double offset = strOffset(s, form, value);
  if (offset < 0 || s->str + offset > 0x7fffffff) return NEEDS_SCRIPT;
  return (i32)(s->str + (u32)offset);
}

// demangle/index.ts: isMangled (`_R…`, or `_Z…` after up to three underscores): the names
// demangling may change. Any other name prints as it is.
static int looksMangled(const u8 *name) {
  if (name[0] == '_' && name[1] == 'R') return 1;
  u32 underscores = 0;
  while (underscores < 3 && name[underscores] == '_') underscores++;
  return underscores > 0 && name[underscores] == 'Z';
}

// Once per unit: where each subroutine DIE's name shows from (`--functions=linkage`: the linkage
// name, else DW_AT_name; as DwarfContext.indexedNames finds them), its length, and NEEDS_SCRIPT
// for names JavaScript must show: found another way (a declaration, a .dwo), demangling could
// change one (it looks mangled), it decodes other than ASCII, or it is empty.
__attribute__((export_name("prepareNames"))) void prepareNames(Unit *f, const NameSources *s) {
  i32 *names = (i32 *)f->names;
  u32 *lengths = (u32 *)f->nameLengths;
  for (u32 die = 0; die < f->dieCount; die++) {
    i32 j = namingDie(s, f->dieCount, die);
    if (j < 0) {
      names[die] = NEEDS_SCRIPT;
      continue;
    }
    u32 linkageForm = ((const u16 *)s->linkageForms)[j], nameForm = ((const u16 *)s->nameForms)[j];
    if (linkageForm != 0) names[die] = nameAt(s, linkageForm, ((const u32 *)s->linkageValues)[j]);
    else if (nameForm != 0) names[die] = nameAt(s, nameForm, ((const u32 *)s->nameValues)[j]);
    else names[die] = NO_NAME;
    if (names[die] < 0) continue;
    const u8 *name = (const u8 *)names[die];
    u32 length = 0;
    int plain = *name != 0 && !looksMangled(name);
    for (; name[length] != 0; length++) if (name[length] >= 0x80) plain = 0;
    if (plain) lengths[die] = length;
    else names[die] = NEEDS_SCRIPT;
  }
}

// "path:line:column\n"; 0 when the file is unknown or not in the table, or out of room.
static int putLocation(const Unit *f, Out *o, u32 file, u32 line, u32 column) {
  if (file >= f->fileCount) return 0;
  const u32 *pieces = (const u32 *)f->filePieces;
  u32 start = pieces[2 * file], end = pieces[2 * file + 1];
  if (start == NO_FILE) return 0;
  if (!room(o, end - start + NUMBERS_ROOM)) return 0;
  __builtin_memcpy(o->at, (const u8 *)start, end - start);
  o->at += end - start;
  putDecimal(o, line);
  *o->at++ = ':';
  putDecimal(o, column);
  *o->at++ = '\n';
  return 1;
}

// What an answer needs from the large tables, found for a window's lines in address order.
typedef struct {
  i32 leaf;          // the innermost subroutine DIE; below 0 (NOT_MINE, NO_UNIT) when the line is JavaScript's
  u32 unit;          // its Unit, | NO_ROW when no line-table row covers the address
  u32 fileColumn;    // the row's payload (file << 16 | column, line)
  u32 line;
} Found;

#define NOT_MINE (-1)
#define NO_UNIT (-2)   // JavaScript's until a unit covering the address is added: `relocate`
#define NO_ROW 1u
// A window's lines: where each starts (one more for the end of the last), its sort key, and its
// Found (whose room serves as the sort's second buffer before that).
// (plain-answer-kernel.ts sizes the region: WINDOW_BYTES.)
#define RADIX_BITS 11
#define RADIX (1u << RADIX_BITS)

typedef struct {
  u32 *starts;
  u64 *keys;
  Found *found;
  u32 *counts;
} Window;

static Window windowOf(const Batch *b) {
  Window w;
  w.starts = (u32 *)b->window;
  w.keys = (u64 *)((b->window + 4 * (b->windowCapacity + 1) + 7) & ~7u);
  w.found = (Found *)(w.keys + b->windowCapacity);
  w.counts = (u32 *)(w.found + b->windowCapacity);
  return w;
}

// What an answer needs for `address`, or a `leaf` below 0: the line is JavaScript's.
static void locate(const Batch *b, u32 address, Found *found, Finger *finger) {
  found->leaf = NO_UNIT;
  const Unit *f = unitFor(b, address, finger);
  if (f == 0) return;
  found->leaf = NOT_MINE;
  i32 leaf = findDie(f, address);
  if (leaf < 0 || (u32)leaf >= f->dieCount) return;
  const u8 *isInlined = (const u8 *)f->isInlined;
  const i32 *parents = (const i32 *)f->parents;
  // Outermost function unnamed: the general path answers (symbolizer.ts, `locate`).
  // (Parents come before their children; anything else is left to JavaScript.)
  u32 outermost = (u32)leaf;
  while (isInlined[outermost] && parents[outermost] >= 0) {
    if ((u32)parents[outermost] >= outermost) return;
    outermost = (u32)parents[outermost];
  }
  if (((const i32 *)f->names)[outermost] == NO_NAME) return;
  i32 row = findRow(f, address, finger);
  found->leaf = leaf;
  found->unit = (u32)f;
  if (row < 0) {
    found->unit |= NO_ROW;
    return;
  }
  const u32 *payload = (const u32 *)f->rowPayload;
  found->fileColumn = payload[2 * row];
  found->line = payload[2 * row + 1];
}

// One located answer, or 0 (the caller drops what was written) when it is JavaScript's to give
// or out of room.
static int writeFound(Out *o, const Found *found) {
  const Unit *f = (const Unit *)(found->unit & ~NO_ROW);
  u32 leaf = (u32)found->leaf;
  if (!putName(f, o, leaf)) return 0;
  int located = 0;
  if (!(found->unit & NO_ROW)) {
    u32 file = found->fileColumn >> 16;
    if (file >= f->fileCount) return 0;
    if (((const u32 *)f->filePieces)[2 * file] != NO_FILE) {
      if (!putLocation(f, o, file, found->line, found->fileColumn & 0xffff)) return 0;
      located = 1;
    }
  }
  if (!located) {
    if (!room(o, 7)) return 0;
    const char *unknown = "??:0:0\n";
    for (u32 i = 0; i < 7; i++) *o->at++ = (u8)unknown[i];
  }
  const u8 *isInlined = (const u8 *)f->isInlined;
  const i32 *parents = (const i32 *)f->parents;
  const u32 *callFiles = (const u32 *)f->callFiles, *callLines = (const u32 *)f->callLines;
  const u32 *callColumns = (const u32 *)f->callColumns;
  for (u32 d = leaf; isInlined[d] && parents[d] >= 0; d = (u32)parents[d]) {
    if (!putName(f, o, (u32)parents[d]) || !putLocation(f, o, callFiles[d], callLines[d], callColumns[d])) return 0;
  }
  if (!room(o, 1)) return 0;
  *o->at++ = '\n';
  return 1;
}

// The address of the line [p, lineEnd) (lineEnd at its '\n'), or -1 when it is not one this answers.
static double lineAddress(const u8 *p, const u8 *lineEnd) {
  const u8 *textEnd = lineEnd > p && lineEnd[-1] == '\r' ? lineEnd - 1 : lineEnd;
  double address = parseHex(p, textEnd);
  return address < 4294967295.0 ? address : -1;
}

// One stable pass of an LSD radix sort on the digit at `shift`.
static void radixPass(const u64 *from, u64 *to, u32 n, u32 shift, u32 *counts) {
  for (u32 d = 0; d < RADIX; d++) counts[d] = 0;
  for (u32 i = 0; i < n; i++) counts[(u32)(from[i] >> shift) & (RADIX - 1)]++;
  u32 sum = 0;
  for (u32 d = 0; d < RADIX; d++) {
    u32 count = counts[d];
    counts[d] = sum;
    sum += count;
  }
  for (u32 i = 0; i < n; i++) to[counts[(u32)(from[i] >> shift) & (RADIX - 1)]++] = from[i];
}

// Takes the complete lines from `p` (at most the window's capacity) as the window, and looks up
// their addresses in address order: in input order each lookup would miss the caches in the large
// tables (rows, subroutine map) nearly every time; sorted, neighbours share their paths, and a
// 100k-address run's lookups took about half the time. Returns the number of lines.
static u32 fillWindow(Batch *b, const u8 *p, const u8 *end) {
  u32 capacity = b->windowCapacity;
  Window w = windowOf(b);
  u32 *starts = w.starts, *counts = w.counts;
  u64 *keys = w.keys, *spare = (u64 *)w.found;
  Found *found = w.found;
  u32 lines = 0, sorted = 0, highest = 0;
  while (lines < capacity) {
    const u8 *lineEnd = p;
    while (lineEnd < end && *lineEnd != '\n') lineEnd++;
    if (lineEnd == end) break;
    double address = lineAddress(p, lineEnd);
    // Others (not plain hex, or past 32 bits) stay JavaScript's.
    if (address >= 0) {
      keys[sorted++] = (u64)(u32)address << 16 | lines;
      highest |= (u32)address;
    }
    starts[lines++] = (u32)p;
    p = lineEnd + 1;
  }
  starts[lines] = (u32)p;
  // Only as many digits as the addresses have (a 1 MB code section: two passes).
  u32 passes = 0;
  for (u32 rest = highest; rest != 0; rest >>= RADIX_BITS) {
    if (passes % 2 == 0) radixPass(keys, spare, sorted, 16 + passes * RADIX_BITS, counts);
    else radixPass(spare, keys, sorted, 16 + passes * RADIX_BITS, counts);
    passes++;
  }
  if (passes % 2 == 1) __builtin_memcpy(keys, spare, sorted * sizeof *keys);
  for (u32 i = 0; i < lines; i++) found[i].leaf = NOT_MINE;
  Finger finger = {b->rangeCount, 0, 0};
  for (u32 i = 0; i < sorted; i++) locate(b, (u32)(keys[i] >> 16), &found[keys[i] & 0xffff], &finger);
  b->windowCount = lines;
  b->windowCursor = 0;
  return lines;
}

// After a unit is added: the window's lines still to write that no unit covered are looked up again.
__attribute__((export_name("relocate"))) void relocate(Batch *b) {
  Window w = windowOf(b);
  for (u32 i = b->windowCursor; i < b->windowCount; i++) {
    Finger finger = {b->rangeCount, 0, 0};
    if (w.found[i].leaf == NO_UNIT) locate(b, (u32)lineAddress((const u8 *)w.starts[i], (const u8 *)w.starts[i + 1] - 1), &w.found[i], &finger);
  }
}

__attribute__((export_name("answer"))) int answer(Batch *b) {
  const u8 *p = (const u8 *)b->input, *end = (const u8 *)b->inputEnd;
  Window w = windowOf(b);
  const u32 *starts = w.starts;
  const Found *found = w.found;
  Out o = {(u8 *)b->output, (u8 *)b->outputEnd};
  int status = DONE;
  u32 answered = 0;
  // Go on in the window where the last call stopped, or after the line the caller answered there;
  // anywhere else starts a window.
  u32 cursor = b->windowCursor;
  if (b->windowCount != 0 && cursor < b->windowCount && starts[cursor] != (u32)p && starts[cursor + 1] == (u32)p) cursor++;
  if (b->windowCount == 0 || cursor >= b->windowCount || starts[cursor] != (u32)p) {
    fillWindow(b, p, end);
    cursor = 0;
  }
  while (answered < b->lineBudget) {
    if (cursor == b->windowCount) {
      const u8 *next = (const u8 *)starts[cursor];
      cursor = 0;
      if (b->windowCount == 0 || fillWindow(b, next, end) == 0) break;
    }
    u8 *before = o.at;
    if (found[cursor].leaf < 0 || !writeFound(&o, &found[cursor])) {
      // Out of room, or JavaScript's line: which, the caller tells by trying it.
      o.at = before;
      status = (u32)(o.end - o.at) < 4096 ? OUTPUT_FULL : STOPPED;
      break;
    }
    cursor++;
    answered++;
  }
  b->windowCursor = cursor;
  b->consumed = starts[cursor];
  b->written = (u32)o.at;
  b->answered = answered;
  return status;
}
