// Builds the published ESM and CJS trees and the test tree. One TypeScript source serves both
// module systems; the CJS tree gets its own package.json so Node reads it as CommonJS.
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
const only = process.argv[2];

function compile(project) {
  execFileSync(process.execPath, [tsc, '-p', join(root, project)], { stdio: 'inherit', cwd: root });
}

/**
 * The CLI runs from one bundled CommonJS file: Node's ESM loader pays per module (resolve, read,
 * compile, link) and more to start than CommonJS does, and a batch run that starts 35–70 ms
 * sooner is a large share of a sub-second job.
 */
async function bundleCli() {
  const esbuild = createRequire(import.meta.url)('esbuild');
  // Without comments and blank space the bundle compiles ~3 ms sooner at every start (esbuild
  // also writes it as ASCII, which V8 scans as one-byte text); names stay for stack traces.
  const options = {
    bundle: true, platform: 'node', format: 'cjs', target: 'node20', logLevel: 'warning',
    minifyWhitespace: true, minifySyntax: true, legalComments: 'none',
  };
  await esbuild.build({
    ...options,
    entryPoints: [join(root, 'dist/esm/cli/main.js')],
    outfile: join(root, 'dist/cli/crosstrace.cjs'),
    plugins: [lazyItanium],
    external: [`./${ITANIUM_BUNDLE}`],
  });
  await esbuild.build({
    ...options,
    entryPoints: [join(root, 'dist/esm/symbolize/demangle/itanium.js')],
    outfile: join(root, 'dist/cli', ITANIUM_BUNDLE),
  });
}

/**
 * The C++ demangler is a third of the CLI's code and a C or Rust module never calls it: the
 * bundle loads it on the first C++ name instead of compiling it at every start.
 */
const ITANIUM_BUNDLE = 'demangle-itanium.cjs';
const lazyItanium = {
  name: 'lazy-itanium',
  setup(build) {
    build.onResolve({ filter: /^\.\/itanium\.js$/ }, () => ({ path: 'itanium', namespace: 'lazy' }));
    build.onLoad({ filter: /.*/, namespace: 'lazy' }, () => ({
      loader: 'js',
      contents: `let itanium;
export function demangleItanium(name) {
  itanium ??= require('./${ITANIUM_BUNDLE}');
  return itanium.demangleItanium(name);
}`,
    }));
  },
};

if (!only || only === 'dist') {
  rmSync(join(root, 'dist'), { recursive: true, force: true });
  compile('tsconfig.esm.json');
  compile('tsconfig.cjs.json');
  mkdirSync(join(root, 'dist/cjs'), { recursive: true });
  writeFileSync(join(root, 'dist/cjs/package.json'), '{ "type": "commonjs" }\n');
  await bundleCli();
}
if (!only || only === 'test') {
  rmSync(join(root, 'build'), { recursive: true, force: true });
  compile('tsconfig.json');
}
