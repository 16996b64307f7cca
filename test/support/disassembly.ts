/**
 * Code offsets of every instruction and every function start, from llvm-objdump's disassembly
 * text. LLVM 14 prints code-section offsets and LLVM 19 module offsets; the `<CODE>:` header line
 * gives the Code payload's own address in whichever space is used, so subtracting it works for both.
 */
export function instructionAddresses(disassembly: string): number[] {
  let base = -1;
  const addresses = new Set<number>();
  for (const line of disassembly.split('\n')) {
    const header = /^([0-9a-f]+) <CODE>:/.exec(line);
    if (header) {
      base = parseInt(header[1], 16);
      continue;
    }
    if (base < 0) continue;
    const insn = /^\s+([0-9a-f]+):/.exec(line) ?? /^([0-9a-f]+) <.*>:$/.exec(line);
    if (insn) addresses.add(parseInt(insn[1], 16) - base);
  }
  return [...addresses].sort((a, b) => a - b);
}

/** llvm-symbolizer's LLVM-style output split into one block per address. */
export function blocks(output: string): string[] {
  const parts = output.split('\n\n');
  if (parts[parts.length - 1] === '') parts.pop();
  return parts;
}
