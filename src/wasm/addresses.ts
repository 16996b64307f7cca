// Two address spaces meet in a wasm stack trace, and mixing them up shifts every lookup by the
// size of the module's header sections. DWARF (and llvm-symbolizer's input) counts from the
// start of the Code section's payload; engines print offsets from the start of the module
// (`wasm-function[N]:0x71`). The brands make the compiler keep them apart.

/** Offset from the first byte of the Code section's payload: what DWARF and llvm-symbolizer use. */
export type CodeOffset = number & { readonly __space: 'code' };
/** Offset from the first byte of the module: what V8 prints and `CallSite.getPosition()` returns. */
export type ModuleOffset = number & { readonly __space: 'module' };

export const codeOffset = (n: number): CodeOffset => n as CodeOffset;
export const moduleOffset = (n: number): ModuleOffset => n as ModuleOffset;
