#!/usr/bin/env node
/**
 * `npm run setup:native`: native TensorFlow (@tensorflow/tfjs-node) where its own install cannot
 * download libtensorflow (offline machines, CI). Installs tfjs-node at the locked version without
 * its scripts and builds its binding against a local TensorFlow C library:
 *   - MNIST_STUDIO_LIBTENSORFLOW=DIR: a libtensorflow folder (lib/libtensorflow.so.2 + include/)
 *     or an installed/unpacked tensorflow wheel's package folder (libtensorflow_cc.so.2 + include/);
 *   - else the tensorflow-cpu wheel pip can fetch (its configured index first), unpacked once into
 *     a cache outside the repository: $MNIST_STUDIO_NATIVE_CACHE, else ~/.cache/mnist-studio.
 * Idempotent: a working tfjs-node is left alone. After `npm ci` (which drops tfjs-node when its own
 * install fails) run it again; it reuses the cache and takes seconds. Linux x86-64 only: elsewhere
 * tfjs-node's own install downloads libtensorflow.
 */
import { spawnSync } from 'node:child_process';
import {
  copyFileSync,
  cpSync,
  existsSync,
  linkSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  renameSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const PACKAGE = '@tensorflow/tfjs-node';
const PACKAGE_DIR = path.join(ROOT, 'node_modules', PACKAGE);
const WHEEL = 'tensorflow-cpu==2.21.0';
const CACHE_ROOT =
  process.env.MNIST_STUDIO_NATIVE_CACHE ||
  path.join(process.env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache'), 'mnist-studio');
const CACHE = path.join(CACHE_ROOT, `libtensorflow-${WHEEL.split('==')[1]}-linux-x86_64`);
/** The headers tfjs-node's binding includes (c_api.h and eager/c_api.h pull in the rest). */
const HEADER_DIRS = ['tensorflow/c/', 'tensorflow/core/platform/', 'tsl/', 'xla/tsl/c/'];
/** The names binding.gyp links (-ltensorflow -ltensorflow_framework) and tfjs-node's install script checks. */
const LIBTENSORFLOW_91 = '2.9.1';

const say = (line) => console.log(`mnist-studio: ${line}`);
function fail(line) {
  console.error(`mnist-studio: ${line}`);
  process.exit(1);
}
const run = (command, args, options = {}) =>
  spawnSync(command, args, { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024, ...options });
const lastLine = (text) => (text ?? '').trim().split('\n').pop() ?? '';

/** Loads tfjs-node in a fresh Node and returns TensorFlow's version, or why it failed. */
function probeNative() {
  const script = `const tf = require(${JSON.stringify(PACKAGE)}); console.log(tf.getBackend() + ' ' + tf.backend().binding.TF_Version);`;
  const probe = run(process.execPath, ['-e', script], { cwd: ROOT, timeout: 120_000 });
  if (probe.status === 0 && lastLine(probe.stdout).startsWith('tensorflow ')) {
    return { ok: true, version: lastLine(probe.stdout).split(' ')[1] };
  }
  const error = `${probe.stderr ?? ''}`.split('\n').find((line) => /Error|error:/.test(line)) ?? lastLine(probe.stderr);
  return { ok: false, reason: error.trim() || `exit code ${probe.status}` };
}

function lockedVersion() {
  const lock = JSON.parse(readFileSync(path.join(ROOT, 'package-lock.json'), 'utf8'));
  const locked = lock.packages?.[`node_modules/${PACKAGE}`]?.version;
  if (locked) return locked;
  const manifest = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8'));
  return manifest.optionalDependencies?.[PACKAGE];
}

/** A folder with lib/{libtensorflow_cc.so.2, libtensorflow_framework.so.2} and include/, or undefined. */
function libraryFrom(dir) {
  const layouts = [
    // A tensorflow wheel's package folder (site-packages/tensorflow, or our cache).
    { cc: 'libtensorflow_cc.so.2', framework: 'libtensorflow_framework.so.2', include: 'include' },
    { cc: 'lib/libtensorflow_cc.so.2', framework: 'lib/libtensorflow_framework.so.2', include: 'include' },
    // The libtensorflow C archive (lib/libtensorflow.so.2).
    { cc: 'lib/libtensorflow.so.2', framework: 'lib/libtensorflow_framework.so.2', include: 'include' },
  ];
  for (const layout of layouts) {
    const files = Object.fromEntries(Object.entries(layout).map(([key, rel]) => [key, path.join(dir, rel)]));
    if (
      existsSync(files.cc) &&
      existsSync(files.framework) &&
      existsSync(path.join(files.include, 'tensorflow/c/c_api.h'))
    )
      return files;
  }
  return undefined;
}

/** pip's configured index first (offline machines): pip would otherwise retry the public one for minutes. */
function pipIndexArgs(python) {
  const configured = run(python, ['-m', 'pip', 'config', 'get', 'global.extra-index-url']);
  const urls = configured.status === 0 ? configured.stdout.trim().split(/\s+/).filter(Boolean) : [];
  return urls.flatMap((url, i) => [i === 0 ? '--index-url' : '--extra-index-url', url]);
}

/** Downloads the tensorflow-cpu wheel and unpacks the C library and its headers into CACHE. */
function fillCacheFromWheel() {
  const python = process.env.PYTHON || 'python3';
  if (run(python, ['-m', 'pip', '--version']).status !== 0) {
    fail(
      `no TensorFlow C library found: ${python} has no pip to fetch ${WHEEL}; set MNIST_STUDIO_LIBTENSORFLOW to a libtensorflow folder (lib/ + include/).`,
    );
  }
  const scratch = mkdtempSync(path.join(CACHE_ROOT, 'download-'));
  try {
    say(`fetching the ${WHEEL} wheel with pip (about 270 MB) for its TensorFlow C library`);
    const base = ['-m', 'pip', 'download', '--quiet', '--disable-pip-version-check', '--no-deps'];
    base.push(...pipIndexArgs(python), '-d', scratch);
    let download = run(python, [...base, WHEEL]);
    if (download.status !== 0) {
      // The library is the same for every Python: take the wheel built for another one if need be.
      const anyPython = ['--only-binary=:all:', '--platform', 'manylinux_2_27_x86_64', '--python-version', '3.11'];
      download = run(python, [...base, ...anyPython, WHEEL]);
    }
    if (download.status !== 0) {
      fail(
        `no TensorFlow C library found: pip could not fetch ${WHEEL} (${lastLine(download.stderr)}); set MNIST_STUDIO_LIBTENSORFLOW to a libtensorflow folder (lib/ + include/).`,
      );
    }
    const wheel = path.join(scratch, readdirSync(scratch).find((name) => name.endsWith('.whl')) ?? '');
    const staging = path.join(scratch, 'unpacked');
    const unpack = `
import sys, zipfile
wheel, out, dirs = sys.argv[1], sys.argv[2], sys.argv[3:]
with zipfile.ZipFile(wheel) as z:
    for name in z.namelist():
        rel = name[len('tensorflow/'):]
        lib = rel in ('libtensorflow_cc.so.2', 'libtensorflow_framework.so.2')
        header = rel.startswith('include/') and any(rel[len('include/'):].startswith(d) for d in dirs)
        license = rel == 'include/LICENSE'
        if lib or header:
            z.extract(name, out)
        elif license:
            with open(out + '/tensorflow/LICENSE', 'wb') as f:
                f.write(z.read(name))
`;
    mkdirSync(path.join(staging, 'tensorflow'), { recursive: true });
    const unpacked = run(python, ['-c', unpack, wheel, staging, ...HEADER_DIRS]);
    if (unpacked.status !== 0) fail(`could not unpack ${path.basename(wheel)}: ${lastLine(unpacked.stderr)}`);
    const tensorflow = path.join(staging, 'tensorflow');
    if (!libraryFrom(tensorflow)) fail(`${path.basename(wheel)} holds no libtensorflow_cc.so.2 + headers.`);
    // 853 MB -> 634 MB; the symbols the binding calls stay in the dynamic table.
    for (const lib of ['libtensorflow_cc.so.2', 'libtensorflow_framework.so.2']) {
      run('strip', ['--strip-unneeded', path.join(tensorflow, lib)]);
    }
    rmSync(CACHE, { recursive: true, force: true });
    renameSync(tensorflow, CACHE);
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

/** Hard links where the cache and node_modules share a file system, copies otherwise. */
function place(source, target) {
  rmSync(target, { force: true });
  try {
    linkSync(source, target);
  } catch {
    copyFileSync(source, target);
  }
}

function stageDeps(library) {
  const deps = path.join(PACKAGE_DIR, 'deps');
  rmSync(deps, { recursive: true, force: true });
  mkdirSync(path.join(deps, 'lib'), { recursive: true });
  cpSync(library.include, path.join(deps, 'include'), { recursive: true });
  const lib = path.join(deps, 'lib');
  // The binding records the libraries' sonames, so these two names are what it loads at run time.
  place(library.cc, path.join(lib, 'libtensorflow_cc.so.2'));
  place(library.framework, path.join(lib, 'libtensorflow_framework.so.2'));
  const license = path.join(path.dirname(library.include), 'LICENSE');
  if (existsSync(license)) copyFileSync(license, path.join(lib, 'LICENSE-tensorflow'));
  // Link-time names, and the 2.9.1 names tfjs-node's install script looks for before it would
  // wipe deps/ and try to download (so `npm rebuild` keeps this build).
  for (const [name, target] of [
    ['libtensorflow.so', 'libtensorflow_cc.so.2'],
    ['libtensorflow_framework.so', 'libtensorflow_framework.so.2'],
    [`libtensorflow.so.${LIBTENSORFLOW_91}`, 'libtensorflow_cc.so.2'],
    [`libtensorflow_framework.so.${LIBTENSORFLOW_91}`, 'libtensorflow_framework.so.2'],
  ]) {
    symlinkSync(target, path.join(lib, name));
  }
}

/** node-gyp with Node's own headers, for the highest N-API version both tfjs-node and this Node support. */
function buildBinding(version) {
  const manifest = JSON.parse(readFileSync(path.join(PACKAGE_DIR, 'package.json'), 'utf8'));
  const napi = Math.max(...manifest.binary.napi_versions.filter((v) => v <= Number(process.versions.napi)));
  const modulePath = path.join(PACKAGE_DIR, manifest.binary.module_path.replace('{napi_build_version}', String(napi)));
  const cached = path.join(CACHE_ROOT, `tfjs_binding-${version}-napi-v${napi}-${path.basename(CACHE)}.node`);
  if (!process.env.MNIST_STUDIO_LIBTENSORFLOW && existsSync(cached)) {
    mkdirSync(modulePath, { recursive: true });
    copyFileSync(cached, path.join(modulePath, 'tfjs_binding.node'));
    return;
  }
  const nodeGyp = createRequire(path.join(ROOT, 'package.json')).resolve('node-gyp/bin/node-gyp.js');
  const nodeDirs = [process.env.npm_config_nodedir, path.resolve(path.dirname(process.execPath), '..')];
  const nodeDir = nodeDirs.find((dir) => dir && existsSync(path.join(dir, 'include', 'node', 'node_api.h')));
  const args = [nodeGyp, 'rebuild', '--directory', PACKAGE_DIR, `--napi_build_version=${napi}`];
  args.push('--module_name=tfjs_binding', `--module_path=${modulePath}`);
  if (nodeDir) args.push(`--nodedir=${nodeDir}`);
  say(`building tfjs-node's binding (N-API ${napi}) against the local TensorFlow`);
  const build = run(process.execPath, args, { timeout: 600_000 });
  const log = path.join(PACKAGE_DIR, 'build-native.log');
  writeFileSync(log, `${build.stdout ?? ''}\n${build.stderr ?? ''}`);
  if (build.status !== 0) fail(`building tfjs-node's binding failed (${lastLine(build.stderr)}); the log is ${log}.`);
  if (!process.env.MNIST_STUDIO_LIBTENSORFLOW) copyFileSync(path.join(modulePath, 'tfjs_binding.node'), cached);
}

// 1. Nothing to do where tfjs-node already loads (its own install worked, or an earlier run).
const version = lockedVersion();
if (!version) fail(`${PACKAGE} is neither in package-lock.json nor in package.json.`);
const installedVersion = existsSync(path.join(PACKAGE_DIR, 'package.json'))
  ? JSON.parse(readFileSync(path.join(PACKAGE_DIR, 'package.json'), 'utf8')).version
  : undefined;
if (installedVersion === version && !process.argv.includes('--force')) {
  const probe = probeNative();
  if (probe.ok) {
    say(`native TensorFlow ${probe.version} ready (${PACKAGE} ${version}).`);
    process.exit(0);
  }
}
if (process.platform !== 'linux' || process.arch !== 'x64') {
  fail(
    `setup:native builds native TensorFlow on Linux x86-64 only; on ${process.platform}-${process.arch} ${PACKAGE}'s own install downloads libtensorflow (npm install ${PACKAGE}@${version}).`,
  );
}

// 2. The C library: the folder named by MNIST_STUDIO_LIBTENSORFLOW, else the cached wheel's.
let library;
if (process.env.MNIST_STUDIO_LIBTENSORFLOW) {
  library = libraryFrom(path.resolve(process.env.MNIST_STUDIO_LIBTENSORFLOW));
  if (!library) {
    fail(
      `no TensorFlow C library found in MNIST_STUDIO_LIBTENSORFLOW=${process.env.MNIST_STUDIO_LIBTENSORFLOW}: it needs lib/libtensorflow.so.2 (or libtensorflow_cc.so.2), libtensorflow_framework.so.2 and include/tensorflow/c/c_api.h.`,
    );
  }
} else {
  mkdirSync(CACHE_ROOT, { recursive: true });
  if (!libraryFrom(CACHE)) fillCacheFromWheel();
  library = libraryFrom(CACHE);
  say(`TensorFlow C library from ${CACHE}`);
}

// 3. tfjs-node itself, without its install script (it would try to download), and without
//    touching package.json or package-lock.json.
if (installedVersion !== version) {
  say(`installing ${PACKAGE}@${version} without its download script`);
  const npm = process.env.npm_execpath
    ? [process.execPath, [process.env.npm_execpath]]
    : [process.platform === 'win32' ? 'npm.cmd' : 'npm', []];
  const flags = ['install', '--no-save', '--ignore-scripts', '--no-audit', '--no-fund', `${PACKAGE}@${version}`];
  const install = run(npm[0], [...npm[1], ...flags], { cwd: ROOT, stdio: ['ignore', 'inherit', 'pipe'] });
  if (install.status !== 0) fail(`npm could not install ${PACKAGE}@${version}: ${lastLine(install.stderr)}`);
}

// 4. Its deps/ from the library, then the binding, then proof that it loads.
stageDeps(library);
buildBinding(version);
const probe = probeNative();
if (!probe.ok) fail(`native TensorFlow was built but does not load: ${probe.reason}`);
say(`native TensorFlow ${probe.version} ready (${PACKAGE} ${version}); re-run this after npm ci.`);
