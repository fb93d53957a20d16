#!/usr/bin/env node
/**
 * Builds the optional OpenBLAS addon (native/) with node-gyp. Run by `npm install`
 * (postinstall) and `npm run build:native`. A missing compiler, OpenBLAS headers or node-gyp
 * never fails the install: it prints one line and the engine falls back to its WebAssembly
 * kernels. `--strict` exits non-zero on failure instead (for CI that expects the addon).
 * The full node-gyp log goes to native/build-native.log.
 * Where OpenBLAS ships a static archive (Debian's libopenblas-dev does), the addon links it in,
 * so an installed app needs no system libopenblas (MNIST_STUDIO_OPENBLAS_STATIC=0: link the .so).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const strict = process.argv.includes('--strict');
const nativeDirectory = path.join(path.dirname(fileURLToPath(import.meta.url)), 'native');
const logFile = path.join(nativeDirectory, 'build-native.log');

function finish(ok, message) {
  const prefix = ok ? 'mnist-studio: OpenBLAS kernels built' : 'mnist-studio: OpenBLAS kernels not built';
  console.log(`${prefix}${message ? ` (${message})` : ''}${ok ? '.' : '; training uses the WebAssembly kernels.'}`);
  process.exit(!ok && strict ? 1 : 0);
}

if (process.env.MNIST_STUDIO_SKIP_NATIVE === '1') finish(false, 'MNIST_STUDIO_SKIP_NATIVE=1');

/** Node's own headers (node_api.h), so node-gyp never needs to download them. */
function localNodeDirectory() {
  const candidates = [process.env.npm_config_nodedir, path.resolve(path.dirname(process.execPath), '..')];
  return candidates.find((dir) => dir && existsSync(path.join(dir, 'include', 'node', 'node_api.h')));
}

let nodeGyp;
try {
  nodeGyp = createRequire(import.meta.url).resolve('node-gyp/bin/node-gyp.js');
} catch {
  finish(false, 'node-gyp is not installed');
}
/** OpenBLAS' static archive (the pthread build first, as the .so Debian picks by default). */
function staticOpenblas() {
  if (process.env.MNIST_STUDIO_OPENBLAS_STATIC === '0') return undefined;
  const multiarch = { x64: 'x86_64-linux-gnu', arm64: 'aarch64-linux-gnu' }[process.arch];
  const dirs = multiarch ? [`/usr/lib/${multiarch}/openblas-pthread`, `/usr/lib/${multiarch}`] : [];
  return [...dirs, '/usr/lib', '/usr/local/lib'].map((dir) => path.join(dir, 'libopenblas.a')).find(existsSync);
}

const nodeDirectory = localNodeDirectory();
const args = [nodeGyp, 'rebuild', '--directory', nativeDirectory];
if (nodeDirectory) args.push(`--nodedir=${nodeDirectory}`);
const archive = process.platform === 'linux' ? staticOpenblas() : undefined;
if (archive) args.push(`--openblas_static=${archive}`);
const result = spawnSync(process.execPath, args, { encoding: 'utf8', timeout: 300_000 });
writeFileSync(logFile, `${result.stdout ?? ''}\n${result.stderr ?? ''}`);
if (result.status === 0)
  finish(true, archive ? `OpenBLAS linked in from ${archive}` : 'linked to the system libopenblas');

const output = `${result.stdout ?? ''}\n${result.stderr ?? ''}`;
let reason = `node-gyp failed, see ${path.relative(process.cwd(), logFile)}`;
if (/cblas\.h: No such file/.test(output)) reason = 'cblas.h missing: apt-get install libopenblas-dev';
else if (/cannot find -lopenblas/.test(output)) reason = 'libopenblas missing: apt-get install libopenblas-dev';
else if (/not found: (make|cc|gcc|g\+\+)|No such file or directory.*(cc|make)\b/i.test(output))
  reason = 'no C compiler or make: apt-get install build-essential';
else if (/find Python|python/i.test(output) && /gyp ERR! find Python/.test(output))
  reason = 'node-gyp found no Python 3';
else if (!nodeDirectory) reason = "Node's headers are not installed next to node and could not be downloaded";
finish(false, reason);
