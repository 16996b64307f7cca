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

// Field by field as plain-answer-kernel.ts writes them (UNIT and BATCH there); offsets are into
// the memory. One unit's indexes:
typedef struct {
  u32 keys, highs, owners, entryCount;      // the subroutine map (f64, f64, i32)
  u32 mapShift, mapLimit, mapStarts;        // its bucket index (u32 starts)
  u32 isInlined, parents, callFiles, callLines, callColumns, dieCount;
  u32 names;                        // i32 per DIE: where its name's bytes start (NUL-ended); NO_NAME; NEEDS_SCRIPT
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
#define UPPER_BOUND(name, type)                                   \
  static u32 name(const type *keys, u32 lo, u32 hi, type value) { \
    while (lo < hi) {                                             \
      u32 mid = (lo + hi) >> 1;                                   \
      if (keys[mid] <= value) lo = mid + 1;                       \
      else hi = mid;                                              \
    }                                                             \
    return lo;                                                    \
  }
UPPER_BOUND(upperBoundF64, double)
UPPER_BOUND(upperBoundU32, u32)

// The prepared unit the unit map answers `address` with, or 0.
static const Unit *unitFor(const Batch *b, u32 address) {
  u32 r = upperBoundU32((const u32 *)b->rangeHighs, 0, b->rangeCount, address);
  if (r == b->rangeCount || address < ((const u32 *)b->rangeLows)[r]) return 0;
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
static i32 findRow(const Unit *f, u32 address) {
  const u32 *highs = (const u32 *)f->seqHighs;
  u32 s = upperBoundU32(highs, 0, f->seqCount, address);
  if (s == f->seqCount || address < ((const u32 *)f->seqLows)[s]) return -1;
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

// Once per unit: each name's length, and NEEDS_SCRIPT for names JavaScript must show (demangling
// could change one that starts with '_'; it decodes other than ASCII; an empty name prints empty).
__attribute__((export_name("prepareNames"))) void prepareNames(Unit *f) {
  i32 *names = (i32 *)f->names;
  u32 *lengths = (u32 *)f->nameLengths;
  for (u32 die = 0; die < f->dieCount; die++) {
    if (names[die] < 0) continue;
    const u8 *name = (const u8 *)names[die];
    u32 length = 0;
    int plain = *name != '_' && *name != 0;
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

// One answer, or 0 (nothing written) when it is JavaScript's to give.
static int answerOne(const Batch *b, Out *o, u32 address) {
  const Unit *f = unitFor(b, address);
  if (f == 0) return 0;
  i32 leaf = findDie(f, address);
  if (leaf < 0 || (u32)leaf >= f->dieCount) return 0;
  const u8 *isInlined = (const u8 *)f->isInlined;
  const i32 *parents = (const i32 *)f->parents;
  // Outermost function unnamed: the general path answers (symbolizer.ts, `locate`).
  // (Parents come before their children; anything else is left to JavaScript.)
  u32 outermost = (u32)leaf;
  while (isInlined[outermost] && parents[outermost] >= 0) {
    if ((u32)parents[outermost] >= outermost) return 0;
    outermost = (u32)parents[outermost];
  }
  if (((const i32 *)f->names)[outermost] == NO_NAME) return 0;
  // A 0 below leaves what was written for the caller to drop (`answer` goes back to where the line began).
  if (!putName(f, o, (u32)leaf)) return 0;
  i32 row = findRow(f, address);
  const u32 *payload = (const u32 *)f->rowPayload;
  int located = 0;
  if (row >= 0) {
    u32 fileColumn = payload[2 * row];
    u32 file = fileColumn >> 16;
    if (file >= f->fileCount) return 0;
    if (((const u32 *)f->filePieces)[2 * file] != NO_FILE) {
      if (!putLocation(f, o, file, payload[2 * row + 1], fileColumn & 0xffff)) return 0;
      located = 1;
    }
  }
  if (!located) {
    if (!room(o, 7)) return 0;
    const char *unknown = "??:0:0\n";
    for (u32 i = 0; i < 7; i++) *o->at++ = (u8)unknown[i];
  }
  const u32 *callFiles = (const u32 *)f->callFiles, *callLines = (const u32 *)f->callLines;
  const u32 *callColumns = (const u32 *)f->callColumns;
  for (u32 d = (u32)leaf; isInlined[d] && parents[d] >= 0; d = (u32)parents[d]) {
    if (!putName(f, o, (u32)parents[d]) || !putLocation(f, o, callFiles[d], callLines[d], callColumns[d])) return 0;
  }
  if (!room(o, 1)) return 0;
  *o->at++ = '\n';
  return 1;
}

__attribute__((export_name("answer"))) int answer(Batch *b) {
  const u8 *p = (const u8 *)b->input, *end = (const u8 *)b->inputEnd;
  Out o = {(u8 *)b->output, (u8 *)b->outputEnd};
  int status = DONE;
  u32 answered = 0;
  while (p < end && answered < b->lineBudget) {
    const u8 *lineEnd = p;
    while (lineEnd < end && *lineEnd != '\n') lineEnd++;
    if (lineEnd == end) break;
    const u8 *textEnd = lineEnd > p && lineEnd[-1] == '\r' ? lineEnd - 1 : lineEnd;
    double address = parseHex(p, textEnd);
    if (address < 0 || address >= 4294967295.0) {
      status = STOPPED;
      break;
    }
    u8 *before = o.at;
    if (!answerOne(b, &o, (u32)address)) {
      // Out of room, or JavaScript's line: which, the caller tells by trying it.
      o.at = before;
      status = (u32)(o.end - o.at) < 4096 ? OUTPUT_FULL : STOPPED;
      break;
    }
    p = lineEnd + 1;
    answered++;
  }
  b->consumed = (u32)p;
  b->written = (u32)o.at;
  b->answered = answered;
  return status;
}
