// crosstrace in a browser: Debian's Chromium, driven by playwright-core, loads a page from a
// server on 127.0.0.1 that imports the ESM build (dist/esm, as files, no bundler), installs the
// hook, instantiates the inventory fixture through instantiateStreaming, and makes a JS import
// throw from inlined C. The page also makes the same error before installing, so V8's own stack
// is known; the hooked stack is checked against it and llvm-symbolizer 14, as in e2e-register.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { createRequire } from 'node:module';
import { dirname, extname, join, normalize, resolve } from 'node:path';
import { fixturePath, repoRoot } from './support/fixtures.js';
import { requireTool } from './support/reference-tools.js';
import { packageDir } from './support/e2e/app.js';
import { codeSectionStart, expectedStack, referenceFrames, stackBlock, wasmOffsets } from './support/e2e/reference.js';

const CHROMIUM = '/usr/bin/chromium';
const SYMBOLIZER = ['llvm-symbolizer-14', 'llvm-symbolizer'];
const CXXFILT_19 = ['llvm-cxxfilt-19'];
const FIXTURE = fixturePath('c-inline', 'inventory.O2.dwarf5.wasm');
const PAGE_DIR = join(repoRoot, 'fixtures', 'browser');

/** The bare specifiers the ESM build imports, mapped to the packages' own ESM files. */
const IMPORT_MAP: Record<string, string> = {
  '@jridgewell/trace-mapping': '/node_modules/@jridgewell/trace-mapping/dist/trace-mapping.mjs',
  '@jridgewell/sourcemap-codec': '/node_modules/@jridgewell/sourcemap-codec/dist/sourcemap-codec.mjs',
  '@jridgewell/resolve-uri': '/node_modules/@jridgewell/resolve-uri/dist/resolve-uri.mjs',
};

/** Every module the browser entry (dist/esm/index.js) reaches, and the bare specifiers it imports. */
function importGraph(entry: string): { files: string[]; bare: Set<string> } {
  const files = new Set<string>();
  const bare = new Set<string>();
  const visit = (file: string): void => {
    if (files.has(file)) return;
    files.add(file);
    const text = readFileSync(file, 'utf8');
    for (const m of text.matchAll(/(?:^|[;\s])(?:import|export)\s[^;]*?from\s*['"]([^'"]+)['"]|import\s*\(\s*['"]([^'"]+)['"]\s*\)|^import\s*['"]([^'"]+)['"]/gm)) {
      const spec = m[1] ?? m[2] ?? m[3];
      if (spec.startsWith('.')) visit(resolve(dirname(file), spec));
      else bare.add(spec);
    }
  };
  visit(entry);
  return { files: [...files], bare };
}

const TYPES: Record<string, string> = { '.js': 'text/javascript', '.mjs': 'text/javascript', '.html': 'text/html', '.wasm': 'application/wasm' };

const missing: string[] = [];

/** Serves the page, dist/esm, the mapped packages and two copies of the fixture, on loopback only. */
function serve(): Promise<{ server: Server; origin: string }> {
  const fixture = new Uint8Array(readFileSync(FIXTURE));
  // A second copy with a custom section appended (same code, same offsets): V8 caches compiled
  // modules by their bytes, and the hooked copy must be compiled, and named, anew.
  const tag = [4, ...Buffer.from('test'), ...Buffer.from('hooked')];
  const hookedFixture = new Uint8Array([...fixture, 0, tag.length, ...tag]);
  const page = readFileSync(join(PAGE_DIR, 'index.html'), 'utf8').replace('"IMPORT_MAP"', JSON.stringify({ imports: IMPORT_MAP }));
  const roots: Array<[string, string]> = [['/dist/esm/', join(packageDir, 'dist', 'esm')], ['/node_modules/@jridgewell/', join(repoRoot, 'node_modules', '@jridgewell')]];
  const server = createServer((req, res) => {
    const path = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
    const send = (status: number, type: string, body: string | Uint8Array): void => {
      res.writeHead(status, { 'content-type': type, 'cache-control': 'no-store' });
      res.end(body);
    };
    if (path === '/' || path === '/index.html') return send(200, TYPES['.html'], page);
    if (path === '/favicon.ico') return send(204, 'image/x-icon', '');
    if (path === '/wasm/plain/inventory.wasm') return send(200, TYPES['.wasm'], fixture);
    if (path === '/wasm/hooked/inventory.wasm') return send(200, TYPES['.wasm'], hookedFixture);
    for (const [prefix, dir] of roots) {
      if (!path.startsWith(prefix)) continue;
      const file = normalize(join(dir, path.slice(prefix.length)));
      if (!file.startsWith(dir) || !existsSync(file) || !statSync(file).isFile()) break;
      return send(200, TYPES[extname(file)] ?? 'application/octet-stream', readFileSync(file));
    }
    missing.push(path);
    send(404, 'text/plain', 'not found');
  });
  return new Promise((ready) => server.listen(0, '127.0.0.1', () => ready({ server, origin: `http://127.0.0.1:${(server.address() as { port: number }).port}` })));
}

test('the browser entry imports no Node built-ins', () => {
  const { files, bare } = importGraph(join(packageDir, 'dist', 'esm', 'index.js'));
  assert.ok(files.some((f) => f.endsWith(join('format', 'install.js'))), 'install() is on the browser path');
  assert.ok(!files.some((f) => f.endsWith('node-platform.js') || f.endsWith('node-loader.js')), 'no Node-only module is reachable');
  for (const spec of bare) assert.ok(!spec.startsWith('node:') && spec in IMPORT_MAP, `bare import ${spec}`);
});

test('Chromium: err.stack of a streamed module comes back symbolized', async (t) => {
  if (!existsSync(CHROMIUM)) {
    const message = `${CHROMIUM} not found (apt-get install chromium; .ci/run installs it)`;
    if (process.env.CI) throw new Error(message);
    console.error(`\n!!! SKIPPING: ${message} !!!\n`);
    t.skip(message);
    return;
  }
  const symbolizer = requireTool(SYMBOLIZER, t);
  const cxxfilt = requireTool(CXXFILT_19, t);
  if (!symbolizer || !cxxfilt) return;
  const { chromium } = createRequire(import.meta.url)('playwright-core') as typeof import('playwright-core');
  const { server, origin } = await serve();
  t.after(() => server.close());
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  t.after(() => browser.close());
  const page = await browser.newPage();
  const problems: string[] = [];
  page.on('pageerror', (error) => problems.push(String(error)));
  page.on('console', (message) => { if (message.type() === 'error') problems.push(message.text()); });
  await page.goto(origin + '/');
  await page.waitForFunction(() => (globalThis as { __done?: boolean }).__done === true, undefined, { timeout: 60_000 });
  const result = (await page.evaluate(() => (globalThis as unknown as { __result: unknown }).__result)) as {
    error?: string;
    status: { errorStack: boolean; webAssembly: boolean; platform: string };
    v8: string;
    ours: string;
    rawUrls: string[];
  };
  assert.equal(result.error, undefined, `the page failed: ${result.error}\n${problems.join('\n')}`);
  assert.deepEqual(result.status, { errorStack: true, webAssembly: true, platform: 'portable' });
  assert.ok(result.rawUrls.every((u) => u === origin + '/wasm/hooked/inventory.wasm'), `V8 names the frames by the response URL: ${result.rawUrls}`);

  const header = /^Error: /;
  const upToFail = (lines: string[]): string[] => lines.slice(0, lines.findIndex((l) => /^ {4}at fail /.test(l)) + 1);
  const v8 = upToFail(stackBlock(result.v8, header));
  const ours = upToFail(stackBlock(result.ours, header));
  assert.ok(v8.length > 2 && ours.length > 2, `${result.v8}\n\n${result.ours}`);
  const start = codeSectionStart(new Uint8Array(readFileSync(FIXTURE)));
  const frames = referenceFrames(symbolizer, cxxfilt, FIXTURE, wasmOffsets(v8).map((o) => o - start));
  assert.deepEqual(ours, expectedStack(v8, frames), `Chromium with crosstrace:\n${result.ours}\n\nV8:\n${result.v8}`);
  assert.ok(ours.some((l) => l.includes(' [inlined] (')));
  assert.deepEqual(problems, [], `requests answered 404: ${missing.join(', ')}`);
});
