// Debug-info discovery: browser-safe. The Node loader is in ./node-loader.js, imported only by
// Node entry points.
export {
  discoverDebugInfo,
  resolveDebugInfo,
  resolveDebugInfoSync,
  createSymbolizer,
  type Candidate,
  type DiscoveredDebugInfo,
  type DebugInfoOptions,
  type DebugInfoSource,
  type LoadContext,
  type LoadKind,
  type LoadOutcome,
  type LoadRequest,
  type LoadResponse,
  type Loader,
  type ResolvedDebugInfo,
  type SyncLoader,
} from './discover.js';
export { fetchLoader, fetchLocation } from './fetch-loader.js';
export { checkDebugFile, type DebugFileCheck } from './verify.js';
export { isUrl, isAbsolutePath, resolveLocation, inDirectory } from './locations.js';
