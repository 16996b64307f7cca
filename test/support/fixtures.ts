import { readdirSync, statSync } from 'node:fs';
import { join, dirname } from 'node:path';

/** The repository root, found from the compiled test's location (build/test/…). */
export const repoRoot = findRoot(process.cwd());

function findRoot(start: string): string {
  let dir = start;
  for (;;) {
    try {
      if (statSync(join(dir, 'fixtures')).isDirectory() && statSync(join(dir, 'package.json')).isFile()) return dir;
    } catch {
      // keep climbing
    }
    const up = dirname(dir);
    if (up === dir) throw new Error('cannot find the repository root from ' + start);
    dir = up;
  }
}

export function fixturePath(...parts: string[]): string {
  return join(repoRoot, 'fixtures', ...parts);
}

/** Every committed .wasm fixture, sorted, as paths relative to the repository root. */
export function allFixtures(): string[] {
  const found: string[] = [];
  const walk = (dir: string): void => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (entry.name.endsWith('.wasm')) found.push(path);
    }
  };
  walk(join(repoRoot, 'fixtures'));
  return found.sort();
}
