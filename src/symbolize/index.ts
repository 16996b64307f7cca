export type { SourceFrame } from './frame.js';
export { WasmSymbolizer, type LookupOptions, type SymbolizerOptions, type FunctionNameKind } from './symbolizer.js';
export { demangle } from './demangle/index.js';
