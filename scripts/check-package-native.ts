/**
 * The native parts of `npm run dist:check` (called from check-package.ts): native TensorFlow
 * (tfjs-node's binding and the libtensorflow beside it) and the OpenBLAS addon, checked in the
 * package as a person's machine would use them.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, lstatSync, readdirSync, realpathSync, rmSync, symlinkSync } from 'node:fs';
import path from 'node:path';

type Check = (ok: boolean, what: string) => void;
const TFJS_NODE = 'node_modules/@tensorflow/tfjs-node';
const ADDON = 'out/main/native/build/Release/mnist_accel.node';

/** True where the build machine's own tfjs-node loads (then the package must carry it working). */
export function nativeTensorFlowHere(root: string): boolean {
  const probe = spawnSync(process.execPath, ['-e', "require('@tensorflow/tfjs-node')"], { cwd: root });
  return probe.status === 0;
}

/** tfjs-node ships unpacked with its binding, libtensorflow beside it, and none of its build inputs. */
export function checkNativeTensorFlowFiles(unpacked: string, check: Check): void {
  const pkg = path.join(unpacked, TFJS_NODE);
  const napi = readdirSync(path.join(pkg, 'lib')).filter((name) => name.startsWith('napi-v'));
  check(
    napi.some((dir) => existsSync(path.join(pkg, 'lib', dir, 'tfjs_binding.node'))),
    `tfjs-node's binding is unpacked (lib/${napi.join(', lib/')})`,
  );
  const lib = path.join(pkg, 'deps/lib');
  const libraries = existsSync(lib) ? readdirSync(lib) : [];
  const real = libraries.filter((name) => /\.so/.test(name) && lstatSync(path.join(lib, name)).isFile());
  check(real.length >= 2, `libtensorflow is unpacked beside the binding (deps/lib: ${real.join(', ') || 'nothing'})`);
  for (const junk of ['deps/include', 'build', 'binding']) {
    check(!existsSync(path.join(pkg, junk)), `tfjs-node's ${junk}/ (build input) is not shipped`);
  }
}

/**
 * Electron loads a binding from app.asar.unpacked, so its $ORIGIN rpath resolves there. In the
 * Node layout: tfjs-node's lib/ (binding) and deps/ (libtensorflow) inside "app.asar" become
 * links to the unpacked copies, which must therefore hold everything native TensorFlow needs.
 */
export function useUnpackedTensorFlow(layoutResources: string): void {
  for (const part of ['lib', 'deps']) {
    const inAsar = path.join(layoutResources, 'app.asar', TFJS_NODE, part);
    rmSync(inAsar, { recursive: true, force: true });
    symlinkSync(path.join(layoutResources, 'app.asar.unpacked', TFJS_NODE, part), inAsar);
  }
}

/** Every file the dynamic loader would find for libopenblas on this machine. */
function systemOpenblasFiles(): string[] {
  const cache = spawnSync('ldconfig', ['-p'], { encoding: 'utf8' }).stdout ?? '';
  const listed = [...cache.matchAll(/=>\s*(\S*libopenblas[^\s]*)/g)].map((match) => match[1]);
  return [...new Set(listed.filter(existsSync).map((file) => realpathSync(file)))];
}

/**
 * The packaged OpenBLAS addon needs no system libopenblas: readelf lists no such library, and
 * it loads and runs in a mount namespace where every libopenblas on the machine is hidden
 * (bound over with /dev/null; the same namespace first proves the system one no longer loads).
 */
export function checkOpenblasAddon(unpacked: string, check: Check): void {
  const addon = path.join(unpacked, ADDON);
  const dynamic = spawnSync('readelf', ['-d', addon], { encoding: 'utf8' });
  const needed = [...(dynamic.stdout ?? '').matchAll(/\(NEEDED\)\s+Shared library: \[([^\]]+)\]/g)].map((m) => m[1]);
  check(
    dynamic.status === 0 && !needed.some((name) => /blas/.test(name)),
    `the packaged OpenBLAS addon needs no system BLAS (readelf: ${dynamic.status === 0 ? needed.join(', ') : 'failed'})`,
  );

  const hidden = systemOpenblasFiles();
  if (hidden.length === 0) {
    check(loadAddon(addon, []).ok, 'the packaged OpenBLAS addon loads on a machine without OpenBLAS');
    return;
  }
  const systemLoads = spawnSync('unshare', ['-m', 'sh', '-c', `${hideCommands(hidden)} && ${dlopenSystem}`]);
  if (systemLoads.error || /unshare: /.test(String(systemLoads.stderr))) {
    console.log(
      `note the system's OpenBLAS cannot be hidden here (unshare -m: ${systemLoads.stderr}); readelf above stands`,
    );
    return;
  }
  check(systemLoads.status === 3, `a mount namespace hides the system's OpenBLAS (${hidden.join(', ')})`);
  const run = loadAddon(addon, hidden);
  check(run.ok, `the packaged OpenBLAS addon loads and runs with it hidden (${run.detail})`);
}

/** Exit 3 when libopenblas cannot be opened; a library that opens but is no addon says "self-register". */
const dlopenSystem = `${JSON.stringify(process.execPath)} -e "try { process.dlopen({ exports: {} }, 'libopenblas.so.0'); } catch (e) { process.exit(/self-register/.test(e.message) ? 0 : 3); }"`;
const hideCommands = (files: string[]) =>
  files.map((file) => `mount --bind /dev/null ${JSON.stringify(file)}`).join(' && ');

function loadAddon(addon: string, hide: string[]): { ok: boolean; detail: string } {
  const script = `const m = { exports: {} }; process.dlopen(m, ${JSON.stringify(addon)}); console.log(m.exports.describe());`;
  const node = `${JSON.stringify(process.execPath)} -e ${JSON.stringify(script)}`;
  const command = hide.length ? ['unshare', '-m', 'sh', '-c', `${hideCommands(hide)} && ${node}`] : ['sh', '-c', node];
  const run = spawnSync(command[0], command.slice(1), { encoding: 'utf8' });
  const detail = (run.status === 0 ? run.stdout : run.stderr).trim().split('\n').pop() ?? '';
  return { ok: run.status === 0 && /OpenBLAS/.test(run.stdout), detail };
}
