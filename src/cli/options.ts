/**
 * A small parser for llvm-symbolizer-style options: `--name=value`, `--name value`, `-x`,
 * boolean `--no-name` negations, and positional arguments. Unknown options are errors, so a
 * typo never silently changes the output format.
 */
export interface OptionSpec {
  /** Canonical name → aliases (without dashes). */
  names: string[];
  takesValue: boolean;
  repeatable?: boolean;
}

export class UsageError extends Error {
  override name = 'UsageError';
}

export interface ParsedOptions {
  values: Map<string, string[]>;
  flags: Map<string, boolean>;
  positional: string[];
}

export function parseOptions(argv: string[], specs: OptionSpec[]): ParsedOptions {
  const byName = new Map<string, OptionSpec>();
  for (const spec of specs) for (const n of spec.names) byName.set(n, spec);
  const result: ParsedOptions = { values: new Map(), flags: new Map(), positional: [] };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--') {
      result.positional.push(...argv.slice(i + 1));
      break;
    }
    if (!arg.startsWith('-') || arg === '-') {
      result.positional.push(arg);
      continue;
    }
    const body = arg.replace(/^--?/, '');
    const eq = body.indexOf('=');
    const name = eq >= 0 ? body.slice(0, eq) : body;
    let spec = byName.get(name);
    let negated = false;
    if (!spec && name.startsWith('no-')) {
      spec = byName.get(name.slice(3));
      negated = spec !== undefined && !spec.takesValue;
      if (!negated) spec = undefined;
    }
    if (!spec) throw new UsageError(`unknown option '${arg}'`);
    const canonical = spec.names[0];
    if (spec.takesValue) {
      let value: string | undefined;
      if (eq >= 0) value = body.slice(eq + 1);
      else if (i + 1 < argv.length) value = argv[++i];
      if (value === undefined) throw new UsageError(`option '${arg}' needs a value`);
      const list = result.values.get(canonical) ?? [];
      if (!spec.repeatable) list.length = 0;
      list.push(value);
      result.values.set(canonical, list);
    } else {
      if (eq >= 0) throw new UsageError(`option '${arg}' takes no value`);
      result.flags.set(canonical, !negated);
    }
  }
  return result;
}
