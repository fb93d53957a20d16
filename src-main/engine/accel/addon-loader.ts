/**
 * Finding and loading the OpenBLAS addon (built from native/ at install), and the OpenBLAS
 * kernel set to ask for on this CPU. Never throws: a missing, unloadable or out-of-date addon
 * comes back as the reason, which the backend reports.
 */
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { addonInterfaceProblem, NativeAddon, type RawAddon } from './addon';
import type { AccelConfig } from './config';

const ADDON_FILE = path.join('native', 'build', 'Release', 'mnist_accel.node');

/** Where the built addon may be: config.addonPath, next to this module, a packaged app's resources/native, or the source tree. */
function addonCandidates(addonPath: string | undefined): string[] {
  const candidates: string[] = [];
  if (addonPath) candidates.push(path.resolve(addonPath));
  try {
    candidates.push(path.join(path.dirname(fileURLToPath(import.meta.url)), ADDON_FILE));
  } catch {
    // Bundled without a file URL: fall through to the source-tree location.
  }
  // A packaged app: electron-builder can ship the addon in resources/native (extraResources).
  const resourcesPath = (process as NodeJS.Process & { resourcesPath?: string }).resourcesPath;
  if (resourcesPath) candidates.push(path.join(resourcesPath, 'native', 'mnist_accel.node'));
  candidates.push(path.join(process.cwd(), 'src-main', 'engine', 'accel', ADDON_FILE));
  return [...new Set(candidates.map((file) => file.replace(/app\.asar([\\/])/, 'app.asar.unpacked$1')))];
}

/**
 * The OpenBLAS kernel set to ask for, when the library's own choice is known to be poor:
 * OpenBLAS 0.3.21 (Debian 12) does not recognise AMD Zen 4/5 and runs its AVX2 (Haswell)
 * kernels there, while these CPUs run its AVX-512 (SkylakeX) kernels ~1.4-1.8x faster on this
 * model's products (measured on the three batch-32 shapes). Undefined: let OpenBLAS choose.
 * config.blasCore names the kernel set for the engine alone (auto: OpenBLAS' detection);
 * otherwise an OPENBLAS_CORETYPE already in the environment is respected.
 */
export function preferredBlasCore(
  config: Pick<AccelConfig, 'blasCore' | 'openblasCoreType'>,
  cpuinfo?: string,
): string | undefined {
  if (config.blasCore) return config.blasCore === 'auto' ? undefined : config.blasCore;
  if (config.openblasCoreType) return undefined;
  let text = cpuinfo;
  if (text === undefined) {
    if (process.platform !== 'linux' || process.arch !== 'x64') return undefined;
    try {
      text = readFileSync('/proc/cpuinfo', 'utf8');
    } catch {
      return undefined;
    }
  }
  const vendor = /^vendor_id\s*:\s*(\S+)/m.exec(text)?.[1];
  const flags = new Set((/^flags\s*:(.*)$/m.exec(text)?.[1] ?? '').trim().split(/\s+/));
  const avx512 = ['avx512f', 'avx512dq', 'avx512bw', 'avx512vl'].every((flag) => flags.has(flag));
  return vendor === 'AuthenticAMD' && avx512 ? 'SkylakeX' : undefined;
}

/**
 * Requires the addon with OPENBLAS_CORETYPE set for OpenBLAS' start-up only (child processes
 * keep theirs). OpenBLAS reads it once, when the first require loads the library; later
 * requires of the same file return the module Node already holds.
 */
function requireWithBlasCore(file: string, core: string | undefined): Partial<RawAddon> {
  const require = createRequire(import.meta.url);
  if (!core) return require(file) as Partial<RawAddon>;
  const previous = process.env.OPENBLAS_CORETYPE;
  process.env.OPENBLAS_CORETYPE = core;
  try {
    return require(file) as Partial<RawAddon>;
  } finally {
    if (previous === undefined) delete process.env.OPENBLAS_CORETYPE;
    else process.env.OPENBLAS_CORETYPE = previous;
  }
}

export type AddonLoad = { addon: NativeAddon; file: string } | { addon: undefined; reason: string };

/** The addon as `config` asks for it, or why there is none. */
export function loadAddon(config: AccelConfig): AddonLoad {
  if (!config.nativeKernels)
    return { addon: undefined, reason: 'native kernels are switched off (MNIST_STUDIO_NATIVE_KERNELS=0)' };
  const file = addonCandidates(config.addonPath).find((candidate) => existsSync(candidate));
  if (!file) {
    return {
      addon: undefined,
      reason:
        'the OpenBLAS addon is not built (run `npm run build:native` after `apt-get install libopenblas-dev` and a C compiler)',
    };
  }
  let module: Partial<RawAddon>;
  try {
    module = requireWithBlasCore(file, preferredBlasCore(config));
  } catch (error) {
    const detail = error instanceof Error ? error.message.split('\n')[0] : String(error);
    return { addon: undefined, reason: `the OpenBLAS addon at ${file} failed to load: ${detail}` };
  }
  const problem = addonInterfaceProblem(module);
  if (problem) {
    return {
      addon: undefined,
      reason: `the OpenBLAS addon at ${file} was built from other sources (${problem}); rebuild it with \`npm run build:native\``,
    };
  }
  return { addon: new NativeAddon(module as RawAddon), file };
}
