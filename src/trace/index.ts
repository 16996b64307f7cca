// crosstrace's foreign traceback protocol: Go's runtime.SetCgoTraceback, carried over to
// JavaScript hosts whose foreign code is WebAssembly. See docs/foreign-traceback.md.
//
//   SetCgoTraceback            → setForeignTraceback
//   cgo's export wrapper       → an instrumented import (instantiate / instrumentImports)
//   runtime.Callers            → callers
//   runtime.CallersFrames      → callersFrames (Frames: next() or iterate)
//   runtime/debug.Stack        → stack (and stackFrames, its frames)
//   C hooks (cgo structs)      → wasmHooks

export { setForeignTraceback, setForeignHookErrorHandler, ForeignTracebackError } from './hooks.js';
export { instantiate, instrumentImports, registerModule } from './instrument.js';
export { callers } from './capture.js';
export { callersFrames, Frames, stack, stackFrames } from './frames.js';
export { wasmHooks, wasmHookScratchSize } from './wasm-hooks.js';
export type { WasmHookOptions, WasmHooks } from './wasm-hooks.js';
export type {
  ContextArg,
  ContextHook,
  Frame,
  FrameKind,
  FramesResult,
  HookErrorHandler,
  SymbolizerArg,
  SymbolizerHook,
  TracebackArg,
  TracebackHook,
  WasmLocation,
  WasmImports,
  WasmInstance,
  WasmInstantiatedSource,
  WasmModuleObject,
  WasmSource,
} from './types.js';
