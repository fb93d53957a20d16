/** Which OpenBLAS kernel set the engine asks for, and which addons it refuses. */
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { addonInterfaceProblem, RAW_ADDON_FUNCTIONS } from './addon';
import { loadAddon, preferredBlasCore } from './addon-loader';
import { DEFAULT_ACCEL_CONFIG } from './config';

const zen = 'vendor_id\t: AuthenticAMD\nflags\t\t: fpu sse avx2 fma avx512f avx512dq avx512bw avx512vl\n';
const zen3 = 'vendor_id\t: AuthenticAMD\nflags\t\t: fpu sse avx2 fma\n';
const intel = 'vendor_id\t: GenuineIntel\nflags\t\t: fpu sse avx2 fma avx512f avx512dq avx512bw avx512vl\n';
const unset = { blasCore: undefined, openblasCoreType: undefined };

describe('preferredBlasCore', () => {
  it('asks for the AVX-512 kernels on AMD CPUs that have AVX-512 only', () => {
    expect(preferredBlasCore(unset, zen)).toBe('SkylakeX');
    expect(preferredBlasCore(unset, zen3)).toBeUndefined();
    expect(preferredBlasCore(unset, intel)).toBeUndefined();
  });

  it('respects OPENBLAS_CORETYPE, and MNIST_STUDIO_BLAS_CORETYPE overrides both', () => {
    expect(preferredBlasCore({ ...unset, openblasCoreType: 'Haswell' }, zen)).toBeUndefined();
    expect(preferredBlasCore({ blasCore: 'SkylakeX', openblasCoreType: 'Haswell' }, zen3)).toBe('SkylakeX');
    expect(preferredBlasCore({ ...unset, blasCore: 'auto' }, zen)).toBeUndefined();
  });
});

describe('loadAddon', () => {
  it('says why when native kernels are switched off', () => {
    const load = loadAddon({ ...DEFAULT_ACCEL_CONFIG, nativeKernels: false });
    expect(load.addon).toBeUndefined();
    expect('reason' in load && load.reason).toMatch(/MNIST_STUDIO_NATIVE_KERNELS=0/);
  });

  it('refuses a module that lacks part of the interface, naming what is missing', () => {
    const folder = mkdtempSync(path.join(os.tmpdir(), 'mnist-addon-'));
    const file = path.join(folder, 'old-addon.cjs');
    writeFileSync(file, 'exports.batchMatMul = () => {}; exports.describe = () => "OpenBLAS";\n');
    const load = loadAddon({ ...DEFAULT_ACCEL_CONFIG, addonPath: file });
    expect(load.addon).toBeUndefined();
    expect('reason' in load && load.reason).toMatch(/was built from other sources \(it lacks rmspropStep, denseGrad/);
  });

  it('refuses a complete module of another interface version', () => {
    const complete = Object.fromEntries(RAW_ADDON_FUNCTIONS.map((name) => [name, () => undefined]));
    expect(addonInterfaceProblem({ ...complete, interfaceVersion: 1 })).toMatch(/interface version 1/);
  });
});
