// Whether a debug file belongs to a module. Wrong DWARF gives confident, wrong line numbers, so a
// file is only used when something ties it to the module: the build ID when both have one, else
// an identical Code section (a full-module debug file), else DWARF unit ranges that are exactly
// function bodies of the module (a file with only the `.debug_*` sections).
import { CrosstraceError } from '../../errors.js';
import { DebugInfo } from '../../dwarf/info.js';
import { dwarfSections, type DwarfSections } from '../../dwarf/sections.js';
import { WasmModule } from '../../wasm/module.js';

export type DebugFileCheck =
  | { ok: true; dwarf: DwarfSections; debugModule: WasmModule; how: string }
  | { ok: false; reason: string };

export function checkDebugFile(module: WasmModule, bytes: Uint8Array): DebugFileCheck {
  let debug: WasmModule;
  try {
    debug = new WasmModule(bytes);
  } catch (error) {
    return { ok: false, reason: `not a wasm file (${messageOf(error)})` };
  }
  const dwarf = dwarfSections((name) => debug.customSection(name));
  if (!dwarf) return { ok: false, reason: 'has no DWARF (.debug_info)' };
  let info: DebugInfo;
  try {
    info = new DebugInfo(dwarf);
  } catch (error) {
    return { ok: false, reason: `corrupt DWARF (${messageOf(error)})` };
  }
  // The reader keeps the units before a damaged header; a debug file with none is no use.
  const damage = (info as { headerDamage?: unknown[] }).headerDamage ?? [];
  if (info.compileUnits.length === 0) {
    return { ok: false, reason: `corrupt DWARF (${damage.length > 0 ? messageOf(damage[0]) : 'no compile unit'})` };
  }
  const moduleId = buildIdOf(module);
  const debugId = buildIdOf(debug);
  let how: string;
  if (moduleId !== null && debugId !== null) {
    if (moduleId !== debugId) return { ok: false, reason: `build ID ${debugId} does not match the module's ${moduleId}` };
    how = `build ID ${moduleId} matches`;
  } else if (debug.codeSectionOffset !== null) {
    if (!sameCode(module, debug)) return { ok: false, reason: "its Code section differs from the module's" };
    how = 'its Code section is identical to the module\'s';
  } else {
    const ranges = checkUnitRanges(module, info);
    if (typeof ranges === 'string') return { ok: false, reason: ranges };
    how = ranges === 0
      ? 'unverified: no build ID and no unit ranges to compare'
      : `its ${ranges} DWARF unit ranges are function bodies of the module`;
  }
  if (damage.length > 0) how += `; DWARF damaged after ${info.units.length} units (${messageOf(damage[0])})`;
  return { ok: true, dwarf, debugModule: debug, how };
}

function buildIdOf(module: WasmModule): string | null {
  try {
    return module.buildId();
  } catch {
    return null;
  }
}

function sameCode(a: WasmModule, b: WasmModule): boolean {
  if (a.codeSectionOffset === null || b.codeSectionOffset === null || a.codeSectionSize !== b.codeSectionSize) return false;
  const x = a.bytes.subarray(a.codeSectionOffset, a.codeSectionOffset + a.codeSectionSize);
  const y = b.bytes.subarray(b.codeSectionOffset, b.codeSectionOffset + b.codeSectionSize);
  for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return false;
  return true;
}

/**
 * Every compile unit's ranges must start where a function body's code starts (after its size
 * field, where wasm DWARF puts DW_AT_low_pc) and end where a body ends; a unit covering several
 * adjacent functions spans from the first's start to the last's end. Returns the number of
 * ranges checked, or why they do not fit.
 */
export function checkUnitRanges(module: WasmModule, info: DebugInfo): number | string {
  const starts = new Set(module.bodyCodeStarts);
  const ends = new Set(module.bodyEnds);
  let checked = 0;
  for (const unit of info.compileUnits) {
    let ranges: number[];
    try {
      ranges = info.unitRanges(unit);
    } catch (error) {
      return `corrupt DWARF (${messageOf(error)})`;
    }
    for (let i = 0; i < ranges.length; i += 2) {
      const low = ranges[i];
      const high = ranges[i + 1];
      if (low === high) continue;
      if (!starts.has(low) || !ends.has(high)) {
        return `its DWARF range [0x${low.toString(16)}, 0x${high.toString(16)}) is not made of the module's function bodies`;
      }
      checked++;
    }
  }
  return checked;
}

export function messageOf(error: unknown): string {
  if (error instanceof CrosstraceError) return error.message;
  if (error instanceof Error) return error.message;
  return String(error);
}
