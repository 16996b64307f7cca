import type { SourceFrame } from '../symbolize/frame.js';

export type OutputStyle = 'LLVM' | 'GNU' | 'JSON';

export interface PrinterConfig {
  style: OutputStyle;
  printFunctions: boolean;
  verbose: boolean;
  pretty: boolean;
  printAddress: boolean;
}

/**
 * llvm-symbolizer's three output styles, byte for byte (LLVM 14's `DIPrinter`): a user can swap
 * crosstrace in for llvm-symbolizer behind any script that parses its output.
 */
export class SymbolizerPrinter {
  constructor(readonly config: PrinterConfig) {}

  /** One answer; `frames` may be empty (printed as one unknown frame, as LLVM does). */
  code(moduleName: string, address: number, frames: readonly SourceFrame[]): string {
    if (this.config.style === 'JSON') return this.json(moduleName, address, frames);
    let out = '';
    if (this.config.printAddress) out += '0x' + address.toString(16) + (this.config.pretty ? ': ' : '\n');
    if (frames.length === 0) out += this.frameText(UNKNOWN, false);
    else for (let i = 0; i < frames.length; i++) out += this.frameText(frames[i], i > 0);
    return out + this.footer;
  }

  /** A line that is not an address is echoed (LLVM style) or reported as a JSON error. */
  invalid(moduleName: string, input: string): string {
    if (this.config.style !== 'JSON') return input + '\n';
    return `{"Error":{"Message":${jsonString('unable to parse arguments: ' + input)}},"ModuleName":${jsonString(moduleName)}}`;
  }

  /** `DATA` requests: wasm modules have no data symbols llvm-symbolizer 14 could read. */
  data(moduleName: string, address: number): string {
    if (this.config.style === 'JSON') {
      return `{"Address":"0x${address.toString(16)}","Data":{"Name":"","Size":"0x0","Start":"0x0"},"ModuleName":${jsonString(moduleName)}}`;
    }
    return '??\n0 0\n' + this.footer;
  }

  /** What ends each answer: a blank line in LLVM style. */
  get footer(): string {
    return this.config.style === 'LLVM' ? '\n' : '';
  }

  /** One frame's lines (plain styles). With --pretty-print the text depends on `inlined`. */
  frameText(f: SourceFrame, inlined: boolean): string {
    const c = this.config;
    let out = '';
    if (c.printFunctions) {
      const prefix = c.pretty && inlined ? ' (inlined by) ' : '';
      out += prefix + (f.function ?? '??') + (c.pretty ? ' at ' : '\n');
    }
    const file = f.file ?? '??';
    if (c.verbose) {
      out += '  Filename: ' + file + '\n';
      if (f.startLine) {
        out += '  Function start filename: ' + (f.startFile ?? '') + '\n';
        out += '  Function start line: ' + f.startLine + '\n';
      }
      if (f.startAddress !== null) out += '  Function start address: 0x' + f.startAddress.toString(16) + '\n';
      out += '  Line: ' + f.line + '\n';
      out += '  Column: ' + f.column + '\n';
      if (f.discriminator) out += '  Discriminator: ' + f.discriminator + '\n';
    } else if (c.style === 'GNU') {
      out += file + ':' + f.line + (f.discriminator ? ' (discriminator ' + f.discriminator + ')' : '') + '\n';
    } else {
      out += file + ':' + f.line + ':' + f.column + '\n';
    }
    return out;
  }

  private json(moduleName: string, address: number, frames: readonly SourceFrame[]): string {
    const symbols = (frames.length === 0 ? [UNKNOWN] : frames).map((f) =>
      `{"Column":${f.column},"Discriminator":${f.discriminator},"FileName":${jsonString(f.file ?? '')},` +
      `"FunctionName":${jsonString(this.config.printFunctions ? f.function ?? '' : '')},"Line":${f.line},` +
      `"StartAddress":"${f.startAddress === null ? '' : '0x' + f.startAddress.toString(16)}",` +
      `"StartFileName":${jsonString(f.startFile ?? '')},"StartLine":${f.startLine}}`,
    );
    return `{"Address":"0x${address.toString(16)}","ModuleName":${jsonString(moduleName)},"Symbol":[${symbols.join(',')}]}`;
  }
}

const UNKNOWN: SourceFrame = {
  function: null, linkageName: null, file: null, line: 0, column: 0, discriminator: 0,
  inlined: false, startFile: null, startLine: 0, startAddress: null,
};

/** llvm::json's string quoting: only `"`, `\` and control characters are escaped. */
export function jsonString(s: string): string {
  // eslint-disable-next-line no-control-regex
  if (!/["\\\u0000-\u001f]/.test(s)) return '"' + s + '"';
  let out = '"';
  for (const ch of s) {
    const c = ch.charCodeAt(0);
    if (ch === '"' || ch === '\\') out += '\\' + ch;
    else if (c >= 0x20) out += ch;
    else if (ch === '\t') out += '\\t';
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else out += '\\u' + c.toString(16).padStart(4, '0');
  }
  return out + '"';
}
