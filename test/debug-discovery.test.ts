// Debug-info discovery: each source, each precedence rule, the debug-file checks, and the
// request/fulfil loop itself, driven by in-memory loaders (no file system unless stated).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { WasmModule } from '../src/wasm/module.js';
import { codeOffset } from '../src/wasm/addresses.js';
import { DebugInfo } from '../src/dwarf/info.js';
import { dwarfSections } from '../src/dwarf/sections.js';
import {
  discoverDebugInfo,
  resolveDebugInfo,
  resolveDebugInfoSync,
  type LoadRequest,
} from '../src/symbolize/debug-info/discover.js';
import { checkDebugFile, checkUnitRanges } from '../src/symbolize/debug-info/verify.js';
import { fetchLoader } from '../src/symbolize/debug-info/fetch-loader.js';
import {
  debugPathFromEnv,
  nodeLoader,
  nodeSyncLoader,
  resolveDebugInfoForFileSync,
} from '../src/symbolize/debug-info/node-loader.js';
import { inDirectory, joinPath, resolveLocation, isUrl, baseName } from '../src/symbolize/debug-info/locations.js';
import { WasmSymbolizer } from '../src/symbolize/symbolizer.js';
import { allFixtures, fixturePath } from './support/fixtures.js';
import {
  SEPARATE,
  bytesOf,
  layout,
  memoryLoader,
  withRawSection,
  withStringSection,
  withoutSection,
} from './support/debug-support.js';

const full = bytesOf(SEPARATE('inventory.wasm'));
const stripped = bytesOf(SEPARATE('inventory.stripped.wasm'));
const debugOnly = bytesOf(SEPARATE('inventory.debug-only.bin'));
const otherDebug = bytesOf(SEPARATE('inventory.O0.debug-only.bin'));
const names = bytesOf(fixturePath('c-inline', 'inventory.O2.names.wasm'));
const fullNoBuildId = bytesOf(fixturePath('c-inline', 'inventory.O2.dwarf5.wasm'));
const otherFull = bytesOf(fixturePath('c-inline', 'inventory.O0.dwarf5.wasm'));
const buildId = new WasmModule(full).buildId()!;
const buildIdPath = (dir: string): string => `${dir}/.build-id/${buildId.slice(0, 2)}/${buildId.slice(2)}.debug.wasm`;

/** Every address of the module's code, symbolized: to compare two symbolizers. */
function allFrames(symbolizer: WasmSymbolizer): string {
  const out: string[] = [];
  for (let a = 0; a < symbolizer.module.codeSectionSize; a++) {
    out.push(JSON.stringify(symbolizer.symbolizeCodeOffset(codeOffset(a))));
  }
  return out.join('\n');
}

const reference = allFrames(new WasmSymbolizer(full));

test('the fixtures are what these tests assume', () => {
  const s = new WasmModule(stripped);
  assert.equal(s.stringSection('external_debug_info'), 'inventory.debug.wasm');
  assert.equal(s.buildId(), buildId);
  assert.equal(dwarfSections((n) => s.customSection(n)), null);
  const d = new WasmModule(debugOnly);
  assert.equal(d.codeSectionOffset, null, 'only-keep-debug drops the Code section');
  assert.equal(d.buildId(), buildId);
  assert.notEqual(new WasmModule(otherDebug).buildId(), buildId);
  assert.equal(new WasmModule(names).buildId(), null);
});

test('1. external_debug_info is resolved against the module location, and embedded DWARF is then ignored', () => {
  // A module with its own DWARF and an external_debug_info section: the external file wins.
  const module = withStringSection(full, 'external_debug_info', 'sym/inventory.debug.wasm');
  const { loader, asked } = memoryLoader({ '/srv/app/sym/inventory.debug.wasm': debugOnly });
  const info = resolveDebugInfoSync(module, { moduleUrl: '/srv/app/inventory.wasm' }, loader);
  assert.equal(info.source, 'external');
  assert.equal(info.location, '/srv/app/sym/inventory.debug.wasm');
  assert.deepEqual(asked, ['/srv/app/sym/inventory.debug.wasm']);
  assert.equal(info.dwarf!.info.buffer, debugOnly.buffer, 'the DWARF read is the debug file\'s, not the embedded one');
  assert.ok(info.inlinedFrames);
  assert.equal(allFrames(info.symbolizer), reference);
  // It also comes before the debug path, even when the debug path has a valid file.
  const both = memoryLoader({ '/srv/app/sym/inventory.debug.wasm': debugOnly, [buildIdPath('/d')]: debugOnly, '/d/inventory.debug.wasm': debugOnly });
  const first = resolveDebugInfoSync(module, { moduleUrl: '/srv/app/inventory.wasm', debugPath: ['/d'] }, both.loader);
  assert.equal(first.source, 'external');
  assert.deepEqual(both.asked, ['/srv/app/sym/inventory.debug.wasm']);
});

test('1. URLs: a module URL resolves external_debug_info and source maps as a browser would', () => {
  const { loader, asked } = memoryLoader({});
  const info = resolveDebugInfoSync(stripped, { moduleUrl: 'https://cdn.example/app/v2/inventory.wasm?rev=3', debugPath: ['https://symbols.example/wasm'] }, loader);
  assert.equal(info.source, 'names');
  assert.equal(asked[0], 'https://cdn.example/app/v2/inventory.debug.wasm');
  assert.ok(asked.includes('https://symbols.example/wasm/inventory.debug.wasm'));
  assert.ok(asked.includes(buildIdPath('https://symbols.example/wasm')));
  assert.ok(asked.includes('https://symbols.example/wasm/inventory.debug.wasm'));
});

test('2. the debug path: every candidate, in order, then the name section', () => {
  const { loader, asked } = memoryLoader({});
  const info = resolveDebugInfoSync(stripped, { moduleUrl: '/srv/app/inventory.stripped.wasm', debugPath: ['/d1', '/d2'] }, loader);
  const perDir = (d: string): string[] => [
    `${d}/inventory.debug.wasm`, buildIdPath(d), `${d}/inventory.stripped.debug.wasm`, `${d}/inventory.stripped.wasm.debug.wasm`,
  ];
  assert.deepEqual(asked, [
    '/srv/app/inventory.debug.wasm', // external_debug_info beside the module
    ...perDir('/d1'), ...perDir('/d2'), // the debug path, directory by directory
    '/srv/app/inventory.stripped.wasm.map', '/d1/inventory.stripped.wasm.map', '/d2/inventory.stripped.wasm.map', // source maps
  ]);
  assert.equal(info.source, 'names');
  assert.equal(info.inlinedFrames, false);
  // One line per failed lookup, plus the verdicts.
  for (const location of asked) assert.ok(info.diagnostics.some((d) => d.includes(location + ': not found')), location);
  assert.ok(info.warnings.some((w) => /external_debug_info 'inventory.debug.wasm': no matching debug file found/.test(w)));
  assert.match(info.diagnostics[info.diagnostics.length - 1], /function names from the name section only/);
  // The names still come through.
  const frames = info.symbolizer.symbolizeCodeOffset(codeOffset(new WasmModule(stripped).bodyCodeStarts[1]));
  assert.equal(frames.length, 1);
  assert.ok(frames[0].function);
  assert.equal(frames[0].file, null);
});

test('2. a debug file found only through the debug path', () => {
  const { loader } = memoryLoader({ '/symbols/inventory.debug.wasm': debugOnly });
  const info = resolveDebugInfoSync(stripped, { moduleUrl: '/srv/app/inventory.wasm', debugPath: ['/symbols'] }, loader);
  assert.equal(info.source, 'debug-path');
  assert.equal(info.location, '/symbols/inventory.debug.wasm');
  assert.equal(allFrames(info.symbolizer), reference);
  assert.ok(info.diagnostics.some((d) => d.includes(`build ID ${buildId} matches`)));
});

test('2. a relative external_debug_info with no module location is looked for in the debug path', () => {
  const { loader, asked } = memoryLoader({ '/symbols/inventory.debug.wasm': debugOnly });
  const info = resolveDebugInfoSync(stripped, { debugPath: ['/symbols'] }, loader);
  assert.equal(info.source, 'debug-path');
  assert.deepEqual(asked, ['/symbols/inventory.debug.wasm']);
  assert.match(info.diagnostics[0], /relative and the module's location is unknown/);
});

test('2. the build-ID directory layout, on disk, through the Node loader', () => {
  const dir = layout({
    'app/inventory.wasm': SEPARATE('inventory.stripped.wasm'),
    [buildIdPath('symbols')]: SEPARATE('inventory.debug-only.bin'),
  });
  const info = resolveDebugInfoForFileSync(join(dir, 'app/inventory.wasm'), { debugPath: [join(dir, 'symbols')], useEnvironment: false });
  assert.equal(info.source, 'debug-path');
  assert.equal(info.location, buildIdPath(join(dir, 'symbols')));
  assert.equal(allFrames(info.symbolizer), reference);
});

test('2. with no module location, the name section\'s module name stands in for the file name', () => {
  // wasm-ld records its output file name; this module was linked as inventory.O2.wasm.
  const module = withoutSection(withoutSection(stripped, 'external_debug_info'), 'build_id');
  assert.equal(new WasmModule(module).moduleName(), 'inventory.O2.wasm');
  const { loader, asked } = memoryLoader({ '/d/inventory.O2.debug.wasm': debugOnly });
  const info = resolveDebugInfoSync(module, { debugPath: ['/d'] }, loader);
  assert.deepEqual(asked, ['/d/inventory.O2.debug.wasm']);
  assert.equal(info.source, 'debug-path');
});

test('3. embedded DWARF when the external file is missing; a warning says so', () => {
  const module = withStringSection(full, 'external_debug_info', 'gone.debug.wasm');
  const info = resolveDebugInfoSync(module, { moduleUrl: '/app/inventory.wasm' }, memoryLoader({}).loader);
  assert.equal(info.source, 'embedded');
  assert.equal(info.warnings.length, 1);
  assert.match(info.warnings[0], /'gone.debug.wasm': no matching debug file found \(no debug path given\)/);
  assert.equal(allFrames(info.symbolizer), reference);
});

test('3. a module with its own DWARF: the debug path is still searched first, then the embedded DWARF', () => {
  const quiet = memoryLoader({});
  const alone = resolveDebugInfoSync(full, { moduleUrl: '/app/inventory.wasm' }, quiet.loader);
  assert.equal(alone.source, 'embedded');
  assert.deepEqual(quiet.asked, [], 'no debug path: nothing to look up');
  assert.deepEqual(alone.warnings, []);
  const searched = memoryLoader({});
  const info = resolveDebugInfoSync(full, { moduleUrl: '/app/inventory.wasm', debugPath: ['/d'] }, searched.loader);
  assert.deepEqual(searched.asked, [buildIdPath('/d'), '/d/inventory.debug.wasm', '/d/inventory.wasm.debug.wasm']);
  assert.equal(info.source, 'embedded');
  assert.deepEqual(info.warnings, []);
  // A debug file in the debug path takes precedence over the embedded DWARF.
  const preferred = resolveDebugInfoSync(full, { moduleUrl: '/app/inventory.wasm', debugPath: ['/d'] }, memoryLoader({ [buildIdPath('/d')]: debugOnly }).loader);
  assert.equal(preferred.source, 'debug-path');
});

test('4. source maps come after DWARF: a module with DWARF never loads its map', () => {
  const module = withStringSection(full, 'sourceMappingURL', 'inventory.wasm.map');
  const { loader, asked } = memoryLoader({ '/app/inventory.wasm.map': new TextEncoder().encode('{}') });
  const info = resolveDebugInfoSync(module, { moduleUrl: '/app/inventory.wasm' }, loader);
  assert.equal(info.source, 'embedded');
  assert.deepEqual(asked, []);
});

test('5. names, and nothing at all', () => {
  const bare = bytesOf(fixturePath('c-inline', 'inventory.O2.bare.wasm'));
  const none = resolveDebugInfoSync(bare, {}, memoryLoader({}).loader);
  assert.equal(none.source, 'none');
  assert.match(none.diagnostics.join('\n'), /no debug information at all/);
  const named = resolveDebugInfoSync(names, {}, memoryLoader({}).loader);
  assert.equal(named.source, 'names');
});

test('the last external_debug_info section wins', () => {
  const module = withStringSection(withStringSection(stripped, 'external_debug_info', 'first.debug.wasm'), 'external_debug_info', 'last.debug.wasm');
  const { loader, asked } = memoryLoader({ '/app/last.debug.wasm': debugOnly, '/app/first.debug.wasm': debugOnly });
  const info = resolveDebugInfoSync(module, { moduleUrl: '/app/x.wasm' }, loader);
  assert.equal(info.location, '/app/last.debug.wasm');
  assert.deepEqual(asked, ['/app/last.debug.wasm']);
  assert.match(info.diagnostics[0], /3 external_debug_info sections: the last one, 'last.debug.wasm', wins/);
});

test('a debug file from another build is a warning and the next candidate, never wrong lines', () => {
  // Build IDs differ: the first candidate is rejected, the build-ID one is used.
  const { loader } = memoryLoader({ '/app/inventory.debug.wasm': otherDebug, [buildIdPath('/symbols')]: debugOnly });
  const info = resolveDebugInfoSync(stripped, { moduleUrl: '/app/inventory.wasm', debugPath: ['/symbols'] }, loader);
  assert.equal(info.source, 'debug-path');
  assert.equal(info.location, buildIdPath('/symbols'));
  assert.equal(info.warnings.length, 1);
  assert.match(info.warnings[0], /\/app\/inventory.debug.wasm: build ID [0-9a-f]+ does not match the module's [0-9a-f]+; skipped/);
  assert.equal(allFrames(info.symbolizer), reference);

  // The only candidate is wrong: names only.
  const alone = resolveDebugInfoSync(stripped, { moduleUrl: '/app/inventory.wasm' }, memoryLoader({ '/app/inventory.debug.wasm': otherDebug }).loader);
  assert.equal(alone.source, 'names');
  assert.equal(alone.dwarf, null);
});

test('without build IDs: DWARF unit ranges must be function bodies of the module', () => {
  const module = withoutSection(stripped, 'build_id');
  const wrong = withoutSection(otherDebug, 'build_id');
  const right = withoutSection(debugOnly, 'build_id');
  const rejected = checkDebugFile(new WasmModule(module), wrong);
  assert.equal(rejected.ok, false);
  assert.match((rejected as { reason: string }).reason, /DWARF range \[0x[0-9a-f]+, 0x[0-9a-f]+\) is not made of the module's function bodies/);
  const accepted = checkDebugFile(new WasmModule(module), right);
  assert.ok(accepted.ok);
  assert.match(accepted.how, /DWARF unit ranges are function bodies of the module/);
  const { loader } = memoryLoader({ '/app/inventory.debug.wasm': wrong, '/d/inventory.debug.wasm': right });
  const info = resolveDebugInfoSync(module, { moduleUrl: '/app/inventory.wasm', debugPath: ['/d'] }, loader);
  assert.equal(info.location, '/d/inventory.debug.wasm');
  assert.equal(allFrames(info.symbolizer), reference);
});

test('a full-module debug file must have the module\'s exact Code section', () => {
  const module = withStringSection(names, 'external_debug_info', 'inventory.debug.wasm');
  const { loader } = memoryLoader({ '/app/inventory.debug.wasm': otherFull, '/d/inventory.debug.wasm': fullNoBuildId });
  const info = resolveDebugInfoSync(module, { moduleUrl: '/app/inventory.wasm', debugPath: ['/d'] }, loader);
  assert.match(info.warnings[0], /its Code section differs from the module's; skipped/);
  assert.equal(info.source, 'debug-path');
  assert.match(info.diagnostics.join('\n'), /its Code section is identical to the module's/);
  assert.equal(allFrames(info.symbolizer), allFrames(new WasmSymbolizer(fullNoBuildId)));
});

test('corrupt debug files are skipped with a reason', () => {
  const truncated = debugOnly.subarray(0, 100);
  const info = new WasmModule(debugOnly).customSections.find((s) => s.name === '.debug_info')!;
  const badVersion = new Uint8Array(debugOnly);
  badVersion[info.offset + 4] = 0x63; // DWARF version 0x0063
  const notWasm = new TextEncoder().encode('<html>404</html>');
  const empty = withRawSection(withoutSection(debugOnly, '.debug_info'), 'producers', new Uint8Array(0));
  const { loader } = memoryLoader({
    '/a/inventory.debug.wasm': truncated, '/b/inventory.debug.wasm': badVersion,
    '/c/inventory.debug.wasm': notWasm, '/d/inventory.debug.wasm': empty, '/e/inventory.debug.wasm': debugOnly,
  });
  const result = resolveDebugInfoSync(stripped, { debugPath: ['/a', '/b', '/c', '/d', '/e'] }, loader);
  assert.equal(result.location, '/e/inventory.debug.wasm');
  assert.equal(result.warnings.length, 4, result.warnings.join('\n'));
  assert.match(result.warnings[0], /^debug path \(external_debug_info\): \/a\/inventory.debug.wasm: not a wasm file \(malformed wasm: .* at offset 0x[0-9a-f]+\); skipped$/);
  assert.match(result.warnings[1], /\/b\/inventory.debug.wasm: corrupt DWARF \(malformed DWARF: unsupported DWARF version 99 in .debug_info at offset 0x4\); skipped$/);
  assert.match(result.warnings[2], /\/c\/inventory.debug.wasm: not a wasm file \(malformed wasm: not a WebAssembly module \(bad magic\)/);
  assert.match(result.warnings[3], /\/d\/inventory.debug.wasm: has no DWARF \(.debug_info\); skipped$/);
  assert.equal(allFrames(result.symbolizer), reference);
});

test('the consistency check accepts every committed fixture\'s own DWARF, and rejects the others\'', () => {
  const withDwarf = allFixtures()
    .map((file) => ({ file, module: new WasmModule(readFileSync(file)) }))
    .map((f) => ({ ...f, dwarf: dwarfSections((n) => f.module.customSection(n)) }))
    .filter((f) => f.dwarf !== null);
  assert.ok(withDwarf.length >= 15);
  for (const { file, module, dwarf } of withDwarf) {
    const checked = checkUnitRanges(module, new DebugInfo(dwarf!));
    assert.equal(typeof checked, 'number', `${file}: ${checked}`);
    assert.ok((checked as number) > 0, file);
  }
  // Every fixture's DWARF against every other module with different code: rejected.
  let rejected = 0;
  for (const a of withDwarf) {
    for (const b of withDwarf) {
      if (a === b || sameCode(a.module, b.module)) continue;
      if (typeof checkUnitRanges(a.module, new DebugInfo(b.dwarf!)) === 'string') rejected++;
      else assert.fail(`${b.file}'s DWARF passes for ${a.file}`);
    }
  }
  assert.ok(rejected > 100);
});

function sameCode(a: WasmModule, b: WasmModule): boolean {
  if (a.codeSectionSize !== b.codeSectionSize) return false;
  const x = a.bytes.subarray(a.codeSectionOffset!, a.codeSectionOffset! + a.codeSectionSize);
  const y = b.bytes.subarray(b.codeSectionOffset!, b.codeSectionOffset! + b.codeSectionSize);
  return Buffer.from(x).equals(Buffer.from(y));
}

test('discovery is a pure request/fulfil loop: it yields requests and does no I/O', () => {
  const steps = discoverDebugInfo(new WasmModule(stripped), { moduleUrl: '/app/inventory.wasm', debugPath: ['/d'] });
  const first = steps.next();
  assert.equal(first.done, false);
  const request1 = first.value as LoadRequest;
  assert.equal(request1.kind, 'debug file');
  assert.deepEqual(request1.candidates.map((c) => c.location), ['/app/inventory.debug.wasm']);
  const second = steps.next({ loaded: null, failures: [{ index: 0, error: 'no permission' }] });
  const request2 = second.value as LoadRequest;
  // The external name in the directory, the build-ID path, and <module name>.debug.wasm (the
  // first spelling of which is the external name again, asked once).
  assert.deepEqual(request2.candidates.map((c) => c.location), ['/d/inventory.debug.wasm', buildIdPath('/d'), '/d/inventory.wasm.debug.wasm']);
  // The loader answers with the second candidate (the first failed): discovery checks and takes it.
  const last = steps.next({ loaded: { index: 1, bytes: debugOnly }, failures: [{ index: 0, error: 'not found' }] });
  assert.equal(last.done, true);
  const info = last.value as ReturnType<typeof resolveDebugInfoSync>;
  assert.equal(info.source, 'debug-path');
  assert.equal(info.location, buildIdPath('/d'));
  assert.deepEqual(info.diagnostics.slice(0, 3), [
    'external_debug_info: /app/inventory.debug.wasm: no permission',
    'debug path (external_debug_info): /d/inventory.debug.wasm: not found',
    `debug path (build ID): using DWARF from ${buildIdPath('/d')} (build ID ${buildId} matches)`,
  ]);
});

test('a loader that throws is a diagnostic, not an exception', () => {
  const info = resolveDebugInfoSync(stripped, { moduleUrl: '/app/inventory.wasm' }, () => {
    throw new Error('disk on fire');
  });
  assert.equal(info.source, 'names');
  assert.ok(info.diagnostics.includes('external_debug_info: /app/inventory.debug.wasm: disk on fire'));
});

test('Node loader: paths and file: URLs are read; http(s) only with allowRemote', async (t) => {
  const dir = layout({ 'symbols/inventory.debug.wasm': SEPARATE('inventory.debug-only.bin') });
  const fileUrl = pathToFileURL(join(dir, 'symbols/inventory.debug.wasm')).href;
  const module = withStringSection(withoutSection(stripped, 'external_debug_info'), 'external_debug_info', fileUrl);
  const viaFileUrl = resolveDebugInfoSync(module, {}, nodeSyncLoader);
  assert.equal(viaFileUrl.source, 'external');

  let served = 0;
  const server = createServer((req, res) => {
    served++;
    if (req.url === '/symbols/inventory.debug.wasm') res.end(Buffer.from(debugOnly));
    else {
      res.statusCode = 404;
      res.end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(() => server.close());
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const remote = withStringSection(withoutSection(stripped, 'external_debug_info'), 'external_debug_info', `${base}/symbols/inventory.debug.wasm`);

  const refused = await resolveDebugInfo(remote, {}, nodeLoader);
  assert.equal(refused.source, 'names');
  assert.equal(served, 0, 'nothing was fetched without allowRemote');
  assert.match(refused.diagnostics.join('\n'), /remote URL not fetched: opt in with allowRemote/);
  const refusedSync = resolveDebugInfoSync(remote, { allowRemote: true }, nodeSyncLoader);
  assert.match(refusedSync.diagnostics.join('\n'), /needs the asynchronous loader/);

  const fetched = await resolveDebugInfo(remote, { allowRemote: true }, nodeLoader);
  assert.equal(fetched.source, 'external');
  assert.equal(fetched.location, `${base}/symbols/inventory.debug.wasm`);
  assert.equal(allFrames(fetched.symbolizer), reference);

  // The browser loader fetches whatever it is asked for; HTTP errors are one line.
  const browser = await resolveDebugInfo(stripped, { moduleUrl: `${base}/app/inventory.wasm`, debugPath: [`${base}/symbols/`] }, fetchLoader);
  assert.equal(browser.source, 'debug-path');
  assert.ok(browser.diagnostics.includes(`external_debug_info: ${base}/app/inventory.debug.wasm: HTTP 404 Not Found`));
});

test('Node loader: a module cannot make crosstrace read a device, a FIFO or a directory', async () => {
  for (const target of ['/dev/zero', '/dev/stdin', '/tmp']) {
    const module = withStringSection(withoutSection(stripped, 'external_debug_info'), 'external_debug_info', target);
    const sync = resolveDebugInfoSync(module, {}, nodeSyncLoader);
    assert.equal(sync.source, 'names');
    assert.match(sync.diagnostics[0], new RegExp(`^external_debug_info: ${target}: (not a regular file|not found|is a directory)$`));
    const async = await resolveDebugInfo(module, {}, nodeLoader);
    assert.deepEqual(async.diagnostics, sync.diagnostics);
  }
});

test('CROSSTRACE_DEBUG_PATH is split like PATH', () => {
  assert.deepEqual(debugPathFromEnv({ CROSSTRACE_DEBUG_PATH: '/a::/b c:' }), ['/a', '/b c']);
  assert.deepEqual(debugPathFromEnv({}), []);
});

test('locations: paths and URLs resolve as tools and browsers resolve them', () => {
  assert.equal(resolveLocation('/srv/app/x.wasm', 'x.debug.wasm'), '/srv/app/x.debug.wasm');
  assert.equal(resolveLocation('/srv/app/x.wasm', '../sym/x.debug.wasm'), '/srv/sym/x.debug.wasm');
  assert.equal(resolveLocation('x.wasm', 'x.debug.wasm'), 'x.debug.wasm');
  assert.equal(resolveLocation('build/x.wasm', './x.debug.wasm'), 'build/x.debug.wasm');
  assert.equal(resolveLocation('/srv/app/x.wasm', '/abs/x.debug.wasm'), '/abs/x.debug.wasm');
  assert.equal(resolveLocation('https://h/a/b/x.wasm', 'x.debug.wasm'), 'https://h/a/b/x.debug.wasm');
  assert.equal(resolveLocation('https://h/a/b/x.wasm', '/x.debug.wasm'), 'https://h/x.debug.wasm');
  assert.equal(resolveLocation('file:///srv/x.wasm', 'd/x.debug.wasm'), 'file:///srv/d/x.debug.wasm');
  assert.equal(resolveLocation('/srv/x.wasm', 'https://h/x.debug.wasm'), 'https://h/x.debug.wasm');
  assert.equal(resolveLocation('C:\\app\\x.wasm', 'x.debug.wasm'), 'C:\\app\\x.debug.wasm');
  assert.equal(inDirectory('https://h/sym', 'a/b.wasm'), 'https://h/sym/a/b.wasm');
  assert.equal(inDirectory('/sym/', 'a/b.wasm'), '/sym/a/b.wasm');
  assert.equal(joinPath('../up', '../x'), '../x');
  assert.equal(isUrl('C:\\x'), false);
  assert.equal(isUrl('file:///x'), true);
  assert.equal(baseName('https://h/a/x.wasm?v=1#f'), 'x.wasm');
});
