import { execFileSync, spawnSync } from 'node:child_process';

/**
 * Locates a reference tool. In CI a missing reference is a failure, never a skip: a green run
 * that compared nothing would be a lie. Locally the test skips with a loud message.
 */
export function referenceTool(candidates: string[]): string | null {
  for (const name of candidates) {
    const probe = spawnSync(name, ['--version'], { encoding: 'utf8' });
    if (probe.status === 0) return name;
  }
  return null;
}

export function requireTool(candidates: string[], t: { skip(message: string): void }): string | null {
  const tool = referenceTool(candidates);
  if (tool) return tool;
  const message = `reference tool not found: ${candidates.join(' or ')}`;
  if (process.env.CI) throw new Error(`${message} (CI must have it: see .ci/run)`);
  console.error(`\n!!! SKIPPING: ${message} !!!\n`);
  t.skip(message);
  return null;
}

export function run(tool: string, args: string[], input?: string): string {
  return execFileSync(tool, args, { input, encoding: 'utf8', maxBuffer: 1 << 30 });
}
