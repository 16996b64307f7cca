/**
 * The DWARF sections of one module (or of a separate debug file), as views of bytes the caller
 * already holds. The reader never does I/O: whoever has the bytes builds this.
 */
export interface DwarfSections {
  info: Uint8Array;
  abbrev: Uint8Array;
  line: Uint8Array;
  str: Uint8Array;
  lineStr: Uint8Array;
  strOffsets: Uint8Array;
  addr: Uint8Array;
  ranges: Uint8Array;
  rnglists: Uint8Array;
  aranges: Uint8Array;
}

const EMPTY = new Uint8Array(0);

const SECTION_NAMES: Record<keyof DwarfSections, string> = {
  info: '.debug_info',
  abbrev: '.debug_abbrev',
  line: '.debug_line',
  str: '.debug_str',
  lineStr: '.debug_line_str',
  strOffsets: '.debug_str_offsets',
  addr: '.debug_addr',
  ranges: '.debug_ranges',
  rnglists: '.debug_rnglists',
  aranges: '.debug_aranges',
};

/** Builds the section set from a lookup by section name (a wasm module's custom sections, say). */
export function dwarfSections(lookup: (name: string) => Uint8Array | null): DwarfSections | null {
  const sections = {} as DwarfSections;
  for (const key of Object.keys(SECTION_NAMES) as (keyof DwarfSections)[]) {
    sections[key] = lookup(SECTION_NAMES[key]) ?? EMPTY;
  }
  return sections.info.length > 0 ? sections : null;
}
