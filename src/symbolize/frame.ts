/** One source-level frame at an address. A single address yields several when code was inlined. */
export interface SourceFrame {
  /** Display name (demangled unless asked otherwise); null when nothing names the function. */
  function: string | null;
  /** Linkage (mangled) name when DWARF or the name section has one. */
  linkageName: string | null;
  /** Full path as llvm-symbolizer prints it; null when unknown (printed `??`). */
  file: string | null;
  /** 0 when unknown, as in DWARF. */
  line: number;
  column: number;
  /** DWARF discriminator of the line-table row or call site; 0 when none. */
  discriminator: number;
  /** True for every frame but the outermost: the code of this frame was inlined into its caller. */
  inlined: boolean;
  /** Where the function (or inlined instance) starts, for `--verbose` and for `entry` in traces. */
  startFile: string | null;
  startLine: number;
  /** Code offset of the start of the function or inlined range; null when unknown. */
  startAddress: number | null;
}
