// The example in docs/foreign-traceback.md runs and prints what the page says it prints.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const repoRoot = fileURLToPath(new URL('../../', import.meta.url));

test('docs/foreign-traceback.md: the example runs and prints the documented frames', () => {
  const page = readFileSync(join(repoRoot, 'docs/foreign-traceback.md'), 'utf8');
  const start = page.indexOf('<!-- example: foreign-traceback');
  assert.ok(start >= 0, 'the example is marked');
  const block = /```js\n([\s\S]*?)```/.exec(page.slice(start));
  assert.ok(block, 'a js block follows the marker');
  const printed = /prints\n\n```\n([\s\S]*?)```/.exec(page.slice(start));
  assert.ok(printed, 'the page shows the output');
  const entry = new URL('../src/trace/index.js', import.meta.url).href;
  const code = block[1].replace(/from 'crosstrace'/g, `from ${JSON.stringify(entry)}`);
  const dir = mkdtempSync(join(tmpdir(), 'crosstrace-doc-'));
  try {
    const file = join(dir, 'example.mjs');
    writeFileSync(file, code);
    const out = execFileSync(process.execPath, [file], { cwd: repoRoot, encoding: 'utf8' });
    // Paths differ (the page abbreviates them): compare kind, function and line.
    const shape = (text: string) =>
      text.trim().split('\n').map((line) => line.replace(/\s+(\S+)$/, (_, where: string) => ' ' + where.replace(/^.*?([^/]*:\d+)$/, '$1')));
    assert.deepEqual(shape(out), shape(printed[1]));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
