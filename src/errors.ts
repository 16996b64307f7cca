// Every failure crosstrace reports on bad input is one of these, so callers can tell "your
// module is broken" from a bug in crosstrace (anything else thrown is a bug).

export class CrosstraceError extends Error {
  override name = 'CrosstraceError';
}

/** The bytes are not a well-formed WebAssembly module; `offset` is where reading stopped. */
export class WasmFormatError extends CrosstraceError {
  override name = 'WasmFormatError';
  constructor(what: string, readonly offset: number) {
    super(`malformed wasm: ${what} at offset 0x${offset.toString(16)}`);
  }
}

/** A DWARF section is corrupt; `section` and `offset` locate the bad byte. */
export class DwarfFormatError extends CrosstraceError {
  override name = 'DwarfFormatError';
  constructor(what: string, readonly section: string, readonly offset: number) {
    super(`malformed DWARF: ${what} in ${section} at offset 0x${offset.toString(16)}`);
  }
}
