export { CrosstraceError, WasmFormatError, DwarfFormatError } from './errors.js';
export { type CodeOffset, type ModuleOffset, codeOffset, moduleOffset } from './wasm/addresses.js';
export { WasmModule, parseWasm, type CustomSection } from './wasm/module.js';
export { dwarfSections, type DwarfSections } from './dwarf/sections.js';
export { WasmSymbolizer, demangle, type SourceFrame, type LookupOptions, type SymbolizerOptions } from './symbolize/index.js';
export * from './trace/index.js';
export {
  install,
  uninstall,
  installed,
  register,
  type InstallOptions,
  type InstallStatus,
  type RegisterOptions,
} from './format/install.js';
export { SourceCallSite } from './format/error-stack.js';
