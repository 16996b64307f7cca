// Where a module's debug info lives, following WebAssembly/tool-conventions (Debugging.md,
// BuildId.md), in this order:
//   1. the `external_debug_info` custom section (the last one wins): a path or URL, resolved
//      against the module's own location; when found, embedded DWARF is ignored;
//   2. the debug path (CROSSTRACE_DEBUG_PATH, `debugPath`, --debug-file-directory): in each
//      directory, the external_debug_info name, `.build-id/<2 hex>/<rest>.debug.wasm`, and
//      `<module name>.debug.wasm`;
//   3. the module's own `.debug_*` sections;
//   4. a source map: the `sourceMappingURL` section, or `<module>.map` beside the module;
//   5. the `name` section: function names only.
// A DWARF source whose units are split-DWARF skeletons then looks for `<file>.dwp` and each
// unit's .dwo.
//
// No I/O happens here. Discovery is a generator that yields what it needs next, a list of
// candidate locations, and is resumed with what a loader made of them: the addr2line-style
// request/fulfil loop. `resolveDebugInfoSync` and `resolveDebugInfo` drive it with a sync or
// async loader (node-loader.ts for Node, fetch-loader.ts for browsers).
import { dwarfSections, type DwarfSections } from '../../dwarf/sections.js';
import {
  DwpPackage,
  dwoSections,
  skeletonUnits,
  splitUnitIds,
  type SkeletonUnit,
  type SplitSections,
  type SplitUnitLookup,
} from '../../dwarf/split.js';
import { bytesFromBase64 } from '../../wasm/base64.js';
import { WasmModule } from '../../wasm/module.js';
import { SourceMapLocations } from '../source-map.js';
import { WasmSymbolizer, type LocationSource } from '../symbolizer.js';
import {
  baseName,
  directoryOf,
  inDirectory,
  isAbsolutePath,
  isUrl,
  resolveLocation,
  stripWasmExtension,
} from './locations.js';
import { checkDebugFile, messageOf } from './verify.js';

export type DebugInfoSource = 'external' | 'debug-path' | 'embedded' | 'source-map' | 'names' | 'none';

export interface DebugInfoOptions {
  /**
   * Where the module was loaded from (a path, or a URL such as the one given to streaming
   * instantiation). Relative `external_debug_info` and `sourceMappingURL` values resolve against
   * it; without it they are looked up in the debug path only.
   */
  moduleUrl?: string | null;
  /** Directories (paths or URLs) searched for debug files, in order. */
  debugPath?: readonly string[];
  /**
   * Let the loader fetch http(s) locations. Node's loader refuses them without it; a browser
   * loader fetches anyway (every location is a URL there).
   */
  allowRemote?: boolean;
}

/** One place a needed file may be. */
export interface Candidate {
  /** A file path or an absolute URL. */
  location: string;
  /** Why it is looked for there, for diagnostics ("external_debug_info", "debug path .build-id" …). */
  via: string;
}

export type LoadKind = 'debug file' | 'source map' | 'split DWARF package' | 'split DWARF object';

/** What discovery needs next: the first of these candidates that loads. */
export interface LoadRequest {
  kind: LoadKind;
  candidates: Candidate[];
}

/** What a loader made of a request: the first candidate it could read, and why the ones before failed. */
export interface LoadResponse {
  loaded: { index: number; bytes: Uint8Array } | null;
  failures: { index: number; error: string }[];
}

/** A loader's answer for one location: its bytes, or a one-line reason ("not found"). */
export type LoadOutcome = Uint8Array | { error: string };

export interface LoadContext {
  allowRemote: boolean;
  kind: LoadKind;
}

export type SyncLoader = (location: string, context: LoadContext) => LoadOutcome;
export type Loader = (location: string, context: LoadContext) => LoadOutcome | Promise<LoadOutcome>;

/** The outcome of discovery: what to symbolize with, and a one-line note for every step. */
export interface DiscoveredDebugInfo {
  source: DebugInfoSource;
  /** The debug file, source map or module the information came from; null when unknown. */
  location: string | null;
  /** The DWARF to use (the embedded sections for 'embedded'); null without DWARF. */
  dwarf: DwarfSections | null;
  /** Split units found for the DWARF's skeleton units; null when there are none. */
  splitUnits: SplitUnitLookup | null;
  /** The source map, for 'source-map'. */
  locations: LocationSource | null;
  /** False for source maps and names: their frames never show inlining. */
  inlinedFrames: boolean;
  /** Every lookup, failure and choice, one line each; never thrown. */
  diagnostics: string[];
  /**
   * The diagnostics worth showing unasked: a debug file or source map was found but rejected
   * (it belongs to another build, or is corrupt). Also in `diagnostics`.
   */
  warnings: string[];
}

export interface ResolvedDebugInfo extends DiscoveredDebugInfo {
  symbolizer: WasmSymbolizer;
}

/** A symbolizer for the module using what discovery found. */
export function createSymbolizer(module: WasmModule, info: DiscoveredDebugInfo): WasmSymbolizer {
  return new WasmSymbolizer(module, { debugSections: info.dwarf, splitUnits: info.splitUnits, locations: info.locations });
}

/**
 * Runs discovery with a synchronous loader (the CLI's fs reads). Lookup failures never throw:
 * they are diagnostics. Only bytes that are not a wasm module at all throw (WasmFormatError), as
 * `new WasmSymbolizer` does.
 */
export function resolveDebugInfoSync(
  module: WasmModule | Uint8Array,
  options: DebugInfoOptions,
  loader: SyncLoader,
): ResolvedDebugInfo {
  const wasm = module instanceof WasmModule ? module : new WasmModule(module);
  const allowRemote = options.allowRemote ?? false;
  let info: DiscoveredDebugInfo;
  try {
    const steps = discoverDebugInfo(wasm, options);
    let step = steps.next();
    while (!step.done) step = steps.next(fulfilSync(step.value, loader, allowRemote));
    info = step.value;
  } catch (error) {
    info = fallback(wasm, error);
  }
  return { ...info, symbolizer: createSymbolizer(wasm, info) };
}

/** Runs discovery with a loader that may be asynchronous (fetch). Never rejects for lookup failures. */
export async function resolveDebugInfo(
  module: WasmModule | Uint8Array,
  options: DebugInfoOptions,
  loader: Loader,
): Promise<ResolvedDebugInfo> {
  const wasm = module instanceof WasmModule ? module : new WasmModule(module);
  const allowRemote = options.allowRemote ?? false;
  let info: DiscoveredDebugInfo;
  try {
    const steps = discoverDebugInfo(wasm, options);
    let step = steps.next();
    while (!step.done) step = steps.next(await fulfil(step.value, loader, allowRemote));
    info = step.value;
  } catch (error) {
    info = fallback(wasm, error);
  }
  return { ...info, symbolizer: createSymbolizer(wasm, info) };
}

function fulfilSync(request: LoadRequest, loader: SyncLoader, allowRemote: boolean): LoadResponse {
  const failures: LoadResponse['failures'] = [];
  for (let index = 0; index < request.candidates.length; index++) {
    let outcome: LoadOutcome;
    try {
      outcome = loader(request.candidates[index].location, { allowRemote, kind: request.kind });
    } catch (error) {
      outcome = { error: messageOf(error) };
    }
    if (outcome instanceof Uint8Array) return { loaded: { index, bytes: outcome }, failures };
    failures.push({ index, error: outcome.error });
  }
  return { loaded: null, failures };
}

async function fulfil(request: LoadRequest, loader: Loader, allowRemote: boolean): Promise<LoadResponse> {
  const failures: LoadResponse['failures'] = [];
  for (let index = 0; index < request.candidates.length; index++) {
    let outcome: LoadOutcome;
    try {
      outcome = await loader(request.candidates[index].location, { allowRemote, kind: request.kind });
    } catch (error) {
      outcome = { error: messageOf(error) };
    }
    if (outcome instanceof Uint8Array) return { loaded: { index, bytes: outcome }, failures };
    failures.push({ index, error: outcome.error });
  }
  return { loaded: null, failures };
}

/** Discovery itself failed (a bug, not a lookup failure): the module's own information, and a note. */
function fallback(module: WasmModule, error: unknown): DiscoveredDebugInfo {
  let dwarf: DwarfSections | null = null;
  try {
    dwarf = dwarfSections((name) => module.customSection(name));
  } catch {
    dwarf = null;
  }
  return {
    source: dwarf ? 'embedded' : module.nameSection ? 'names' : 'none',
    location: null, dwarf, splitUnits: null, locations: null, inlinedFrames: dwarf !== null,
    diagnostics: [`debug info discovery failed (${messageOf(error)}); using the module's own sections`],
    warnings: [`debug info discovery failed (${messageOf(error)}); using the module's own sections`],
  };
}

/** Diagnostics as discovery writes them; warnings are also kept apart. */
class Log {
  readonly all: string[] = [];
  readonly warnings: string[] = [];

  push(line: string): void {
    this.all.push(line);
  }

  warn(line: string): void {
    this.all.push(line);
    this.warnings.push(line);
  }
}

type Steps<T> = Generator<LoadRequest, T, LoadResponse>;

/**
 * The discovery loop. Yields load requests; returns what to symbolize with. Pure: the same
 * module, options and responses give the same requests and result.
 */
export function* discoverDebugInfo(module: WasmModule, options: DebugInfoOptions = {}): Steps<DiscoveredDebugInfo> {
  const notes = new Log();
  const moduleUrl = options.moduleUrl ?? null;
  const dirs = (options.debugPath ?? []).filter((d) => d !== '');
  const externals = module.customSectionsNamed('external_debug_info');
  const external = externals.length > 0 ? module.stringSection('external_debug_info') : null;
  if (externals.length > 1) notes.push(`${externals.length} external_debug_info sections: the last one, '${external}', wins`);
  let buildId: string | null = null;
  try {
    buildId = module.buildId();
  } catch (error) {
    notes.push(`build_id section ignored: ${messageOf(error)}`);
  }
  // The module's file name: from its location, else the name section's module name (wasm-ld
  // writes the output file name there), for <name>.debug.wasm and <name>.map lookups.
  const moduleName = moduleUrl !== null ? baseName(moduleUrl) : module.moduleName();

  // 1. external_debug_info, where the module says.
  const tried = new Set<string>();
  if (external !== null) {
    const direct: Candidate[] = [];
    if (isUrl(external) || isAbsolutePath(external)) direct.push({ location: external, via: 'external_debug_info' });
    else if (moduleUrl !== null) direct.push({ location: resolveLocation(moduleUrl, external), via: 'external_debug_info' });
    else notes.push(`external_debug_info '${external}' is relative and the module's location is unknown: looking in the debug path`);
    const found = yield* findDebugFile(module, direct, notes);
    if (found) return yield* withSplitUnits('external', found.location, found.dwarf, module, moduleUrl, dirs, notes);
    for (const c of direct) tried.add(c.location);
  }

  // 2. The debug path.
  const searched: Candidate[] = [];
  for (const dir of dirs) {
    if (external !== null) {
      // The name as given, then its last segment (a mirror of a URL or absolute path).
      if (!isUrl(external) && !isAbsolutePath(external)) searched.push({ location: inDirectory(dir, external), via: 'debug path (external_debug_info)' });
      searched.push({ location: inDirectory(dir, baseName(external)), via: 'debug path (external_debug_info)' });
    }
    if (buildId !== null && buildId.length > 2) {
      searched.push({ location: inDirectory(dir, `.build-id/${buildId.slice(0, 2)}/${buildId.slice(2)}.debug.wasm`), via: 'debug path (build ID)' });
    }
    if (moduleName) {
      searched.push({ location: inDirectory(dir, stripWasmExtension(moduleName) + '.debug.wasm'), via: 'debug path (module name)' });
      searched.push({ location: inDirectory(dir, moduleName + '.debug.wasm'), via: 'debug path (module name)' });
    }
  }
  const found = yield* findDebugFile(module, dedupe(searched).filter((c) => !tried.has(c.location)), notes);
  if (found) return yield* withSplitUnits('debug-path', found.location, found.dwarf, module, moduleUrl, dirs, notes);

  // 3. Embedded DWARF.
  const embedded = dwarfSections((name) => module.customSection(name));
  if (external !== null) {
    notes.warn(`external_debug_info '${external}': no matching debug file found${dirs.length === 0 ? ' (no debug path given)' : ''}`);
  }
  if (embedded) {
    return yield* withSplitUnits('embedded', moduleUrl, embedded, module, moduleUrl, dirs, notes);
  }

  // 4. A source map.
  const sourceMap = yield* findSourceMap(module, moduleUrl, moduleName, dirs, notes);
  if (sourceMap) {
    notes.push(`source map ${sourceMap.location}: ${sourceMap.locations.segmentCount} mapped offsets; no inlined frames (a source map has one location per address)`);
    return {
      source: 'source-map', location: sourceMap.location, dwarf: null, splitUnits: null,
      locations: sourceMap.locations, inlinedFrames: false, diagnostics: notes.all, warnings: notes.warnings,
    };
  }

  // 5. The name section.
  const names = module.nameSection;
  const named = names !== null && names.functionNames.size > 0;
  notes.push(named ? 'no DWARF or source map: function names from the name section only, no file:line' : 'no debug information at all: no DWARF, source map or function names');
  return {
    source: named ? 'names' : 'none', location: null, dwarf: null, splitUnits: null, locations: null,
    inlinedFrames: false, diagnostics: notes.all, warnings: notes.warnings,
  };
}

/** Requests candidates until one is a debug file that belongs to the module. */
function* findDebugFile(module: WasmModule, candidates: Candidate[], notes: Log): Steps<{ location: string; dwarf: DwarfSections } | null> {
  let rest = candidates;
  while (rest.length > 0) {
    const response: LoadResponse = yield { kind: 'debug file', candidates: rest };
    for (const f of response.failures) notes.push(`${rest[f.index].via}: ${rest[f.index].location}: ${f.error}`);
    if (!response.loaded) return null;
    const candidate = rest[response.loaded.index];
    const check = checkDebugFile(module, response.loaded.bytes);
    if (check.ok) {
      notes.push(`${candidate.via}: using DWARF from ${candidate.location} (${check.how})`);
      return { location: candidate.location, dwarf: check.dwarf };
    }
    notes.warn(`${candidate.via}: ${candidate.location}: ${check.reason}; skipped`);
    rest = rest.slice(response.loaded.index + 1);
  }
  return null;
}

function* findSourceMap(
  module: WasmModule,
  moduleUrl: string | null,
  moduleName: string | null,
  dirs: string[],
  notes: Log,
): Steps<{ location: string; locations: SourceMapLocations } | null> {
  const url = module.customSectionsNamed('sourceMappingURL').length > 0 ? module.stringSection('sourceMappingURL') : null;
  const candidates: Candidate[] = [];
  if (url !== null && url.startsWith('data:')) {
    const inline = readDataUrl(url);
    if (inline === null) {
      notes.push('sourceMappingURL: unreadable data: URL');
    } else {
      const read = readSourceMap(inline, module);
      if (typeof read === 'string') notes.warn(`sourceMappingURL (data: URL): ${read}; skipped`);
      else return { location: 'data: URL', locations: read };
    }
  } else if (url !== null) {
    if (isUrl(url) || isAbsolutePath(url)) candidates.push({ location: url, via: 'sourceMappingURL' });
    else if (moduleUrl !== null) candidates.push({ location: resolveLocation(moduleUrl, url), via: 'sourceMappingURL' });
    for (const dir of dirs) {
      if (!isUrl(url) && !isAbsolutePath(url)) candidates.push({ location: inDirectory(dir, url), via: 'debug path (sourceMappingURL)' });
      candidates.push({ location: inDirectory(dir, baseName(url)), via: 'debug path (sourceMappingURL)' });
    }
  }
  if (moduleUrl !== null) candidates.push({ location: moduleUrl + '.map', via: 'source map beside the module' });
  if (moduleName) for (const dir of dirs) candidates.push({ location: inDirectory(dir, moduleName + '.map'), via: 'debug path (module name)' });
  let rest = dedupe(candidates);
  while (rest.length > 0) {
    const response: LoadResponse = yield { kind: 'source map', candidates: rest };
    for (const f of response.failures) notes.push(`${rest[f.index].via}: ${rest[f.index].location}: ${f.error}`);
    if (!response.loaded) return null;
    const candidate = rest[response.loaded.index];
    const read = readSourceMap(decodeText(response.loaded.bytes), module);
    if (typeof read !== 'string') return { location: candidate.location, locations: read };
    notes.warn(`${candidate.via}: ${candidate.location}: ${read}; skipped`);
    rest = rest.slice(response.loaded.index + 1);
  }
  return null;
}

function readSourceMap(text: string | null, module: WasmModule): SourceMapLocations | string {
  if (text === null) return 'not UTF-8 text';
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    return `not a source map (${messageOf(error)})`;
  }
  try {
    return SourceMapLocations.read(json as object, module);
  } catch (error) {
    return messageOf(error);
  }
}

function decodeText(bytes: Uint8Array): string | null {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    return null;
  }
}

function readDataUrl(url: string): string | null {
  const comma = url.indexOf(',');
  if (comma < 0) return null;
  const header = url.slice(5, comma);
  const body = url.slice(comma + 1);
  try {
    if (/;base64$/i.test(header)) {
      return decodeText(bytesFromBase64(body));
    }
    return decodeURIComponent(body);
  } catch {
    return null;
  }
}

/**
 * The DWARF source, plus the split units its skeleton units point to: `<file>.dwp` beside the
 * DWARF file or the module (llvm-symbolizer's rule) and in the debug path, then each unit's .dwo
 * (DW_AT_dwo_name, relative to DW_AT_comp_dir, beside the DWARF file, in the debug path).
 */
function* withSplitUnits(
  source: 'external' | 'debug-path' | 'embedded',
  location: string | null,
  dwarf: DwarfSections,
  module: WasmModule,
  moduleUrl: string | null,
  dirs: string[],
  notes: Log,
): Steps<DiscoveredDebugInfo> {
  const result: DiscoveredDebugInfo = {
    source, location, dwarf, splitUnits: null, locations: null, inlinedFrames: true, diagnostics: notes.all, warnings: notes.warnings,
  };
  if (source === 'embedded') notes.push('using the module\'s embedded DWARF');
  let skeletons: SkeletonUnit[];
  try {
    skeletons = skeletonUnits(dwarf);
  } catch (error) {
    notes.push(`DWARF unit headers unreadable: ${messageOf(error)}`);
    return result;
  }
  if (skeletons.length === 0) return result;

  const names = [location, moduleUrl].filter((l): l is string => l !== null);
  const fileName = names.length > 0 ? baseName(names[0]) : module.moduleName();
  const packageCandidates: Candidate[] = names.map((l) => ({ location: l + '.dwp', via: 'split DWARF package' }));
  if (fileName) for (const dir of dirs) packageCandidates.push({ location: inDirectory(dir, fileName + '.dwp'), via: 'debug path (split DWARF package)' });

  let dwp: DwpPackage | null = null;
  let rest = dedupe(packageCandidates);
  while (rest.length > 0) {
    const response: LoadResponse = yield { kind: 'split DWARF package', candidates: rest };
    for (const f of response.failures) notes.push(`${rest[f.index].via}: ${rest[f.index].location}: ${f.error}`);
    if (!response.loaded) break;
    const candidate = rest[response.loaded.index];
    const read = readPackage(response.loaded.bytes);
    if (typeof read === 'string') {
      notes.warn(`${candidate.via}: ${candidate.location}: ${read}; skipped`);
    } else if (!skeletons.some((s) => s.dwoId !== null && read.has(s.dwoId))) {
      notes.warn(`${candidate.via}: ${candidate.location}: holds none of the module's ${skeletons.length} split units; skipped`);
    } else {
      dwp = read;
      const covered = skeletons.filter((s) => s.dwoId !== null && read.has(s.dwoId)).length;
      notes.push(`${candidate.via}: using ${candidate.location} (${covered} of ${skeletons.length} split units)`);
      break;
    }
    rest = rest.slice(response.loaded.index + 1);
  }

  const objects = new Map<string, SplitSections>();
  const dwarfDir = names.length > 0 ? directoryOf(names[0]) : null;
  const besideDirs = [...new Set(names.map(directoryOf))];
  let missing = 0;
  for (const skeleton of skeletons) {
    if (dwp && skeleton.dwoId !== null && dwp.has(skeleton.dwoId)) continue;
    const key = splitKey(skeleton);
    if (objects.has(key)) continue;
    const name = skeleton.dwoName;
    if (!name) {
      missing++;
      continue;
    }
    const candidates: Candidate[] = [];
    if (isUrl(name) || isAbsolutePath(name)) {
      candidates.push({ location: name, via: 'split DWARF object' });
    } else {
      const compDir = skeleton.compDir;
      if (compDir !== '' && (isAbsolutePath(compDir) || isUrl(compDir))) candidates.push({ location: inDirectory(compDir, name), via: 'split DWARF object (comp_dir)' });
      else if (dwarfDir !== null) candidates.push({ location: inDirectory(inDirectory(dwarfDir, compDir || '.'), name), via: 'split DWARF object (comp_dir)' });
    }
    // Beside the DWARF file, then (when that is a separate debug file) beside the module.
    for (const dir of besideDirs) {
      if (!isUrl(name) && !isAbsolutePath(name)) candidates.push({ location: inDirectory(dir, name), via: 'split DWARF object (beside the module)' });
      candidates.push({ location: inDirectory(dir, baseName(name)), via: 'split DWARF object (beside the module)' });
    }
    for (const dir of dirs) {
      if (!isUrl(name) && !isAbsolutePath(name)) candidates.push({ location: inDirectory(dir, name), via: 'debug path (split DWARF object)' });
      candidates.push({ location: inDirectory(dir, baseName(name)), via: 'debug path (split DWARF object)' });
    }
    const found = yield* findSplitObject(skeleton, dedupe(candidates), notes);
    if (found) objects.set(key, found);
    else missing++;
  }
  if (missing > 0) notes.push(`split DWARF: ${missing} of ${skeletons.length} units not found: their code has line numbers but no function names or inlined frames`);
  if (dwp || objects.size > 0) {
    const pkg = dwp;
    result.splitUnits = (skeleton) => {
      if (pkg && skeleton.dwoId !== null && pkg.has(skeleton.dwoId)) return pkg.unit(skeleton.dwoId);
      return objects.get(splitKey(skeleton)) ?? null;
    };
  }
  return result;
}

function* findSplitObject(skeleton: SkeletonUnit, candidates: Candidate[], notes: Log): Steps<SplitSections | null> {
  let rest = candidates;
  while (rest.length > 0) {
    const response: LoadResponse = yield { kind: 'split DWARF object', candidates: rest };
    for (const f of response.failures) notes.push(`${rest[f.index].via}: ${rest[f.index].location}: ${f.error}`);
    if (!response.loaded) return null;
    const candidate = rest[response.loaded.index];
    const read = readSplitObject(response.loaded.bytes, skeleton);
    if (typeof read !== 'string') {
      notes.push(`${candidate.via}: using ${candidate.location}`);
      return read;
    }
    notes.warn(`${candidate.via}: ${candidate.location}: ${read}; skipped`);
    rest = rest.slice(response.loaded.index + 1);
  }
  return null;
}

function readPackage(bytes: Uint8Array): DwpPackage | string {
  try {
    const file = new WasmModule(bytes);
    return DwpPackage.read((name) => file.customSection(name)) ?? 'not a split DWARF package (no .debug_cu_index)';
  } catch (error) {
    return messageOf(error);
  }
}

function readSplitObject(bytes: Uint8Array, skeleton: SkeletonUnit): SplitSections | string {
  try {
    const file = new WasmModule(bytes);
    const sections = dwoSections((name) => file.customSection(name));
    if (!sections) return 'not a split DWARF object (no .debug_info.dwo)';
    const ids = splitUnitIds(sections);
    if (skeleton.dwoId !== null ? !ids.includes(skeleton.dwoId) : ids.length !== 1) {
      if (ids.length === 0) return 'holds no split compile unit';
      return `its DWO id ${ids.map(hexId).join(', ')} does not match the skeleton's ${hexId(skeleton.dwoId)}`;
    }
    return sections;
  } catch (error) {
    return messageOf(error);
  }
}

function splitKey(skeleton: SkeletonUnit): string {
  return skeleton.dwoId !== null ? 'id:' + skeleton.dwoId : 'name:' + skeleton.dwoName;
}

function hexId(id: string | null): string {
  return id === null ? 'none' : '0x' + id;
}

function dedupe(candidates: Candidate[]): Candidate[] {
  const seen = new Set<string>();
  return candidates.filter((c) => !seen.has(c.location) && (seen.add(c.location), true));
}
