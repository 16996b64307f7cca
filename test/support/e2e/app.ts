// Programs run as child processes the way users run them: a directory of their own with
// crosstrace installed under node_modules (a link to this checkout, whose package exports point
// at dist/, built by `npm test` before the tests run).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { repoRoot } from '../fixtures.js';

const made: string[] = [];
process.on('exit', () => {
  for (const dir of made) rmSync(dir, { recursive: true, force: true });
});

/** The package the programs get: this checkout (CROSSTRACE_TEST_PACKAGE names another build of it). */
export const packageDir = process.env.CROSSTRACE_TEST_PACKAGE ?? repoRoot;

/** A fresh app directory holding `files`, with `node_modules/crosstrace` → the package. */
export function makeApp(files: Record<string, string>): string {
  if (!existsSync(join(packageDir, 'dist', 'esm', 'register.js')) || !existsSync(join(packageDir, 'dist', 'cjs', 'register.js'))) {
    throw new Error('dist/ is not built: run `npm run build` (npm test does) before these tests');
  }
  const dir = mkdtempSync(join(tmpdir(), 'crosstrace-e2e-'));
  made.push(dir);
  mkdirSync(join(dir, 'node_modules'));
  symlinkSync(packageDir, join(dir, 'node_modules', 'crosstrace'), 'dir');
  writeFileSync(join(dir, 'package.json'), '{ "private": true, "type": "commonjs" }\n');
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return dir;
}

export interface RunResult {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** `node ...args` in `dir`, without inherited NODE_OPTIONS or crosstrace settings. */
export function runNode(dir: string, args: string[], env: Record<string, string> = {}): RunResult {
  const clean: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (v !== undefined && k !== 'NODE_OPTIONS' && !k.startsWith('CROSSTRACE_') && !k.startsWith('NODE_TEST')) clean[k] = v;
  }
  const result = spawnSync(process.execPath, args, { cwd: dir, env: { ...clean, ...env }, encoding: 'utf8', timeout: 120_000, maxBuffer: 1 << 26 });
  if (result.error) throw result.error;
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}
