/** Which OpenBLAS kernel set the engine asks for, from /proc/cpuinfo and the environment. */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { preferredBlasCore } from './native-kernels';

const zen = 'vendor_id\t: AuthenticAMD\nflags\t\t: fpu sse avx2 fma avx512f avx512dq avx512bw avx512vl\n';
const zen3 = 'vendor_id\t: AuthenticAMD\nflags\t\t: fpu sse avx2 fma\n';
const intel = 'vendor_id\t: GenuineIntel\nflags\t\t: fpu sse avx2 fma avx512f avx512dq avx512bw avx512vl\n';
const saved = { core: process.env.OPENBLAS_CORETYPE, setting: process.env.MNIST_STUDIO_BLAS_CORETYPE };

beforeEach(() => {
  delete process.env.OPENBLAS_CORETYPE;
  delete process.env.MNIST_STUDIO_BLAS_CORETYPE;
});

afterEach(() => {
  for (const [name, value] of [
    ['OPENBLAS_CORETYPE', saved.core],
    ['MNIST_STUDIO_BLAS_CORETYPE', saved.setting],
  ] as const) {
    if (value === undefined) delete process.env[name];
    else process.env[name] = value;
  }
});

describe('preferredBlasCore', () => {
  it('asks for the AVX-512 kernels on AMD CPUs that have AVX-512 only', () => {
    expect(preferredBlasCore(zen)).toBe('SkylakeX');
    expect(preferredBlasCore(zen3)).toBeUndefined();
    expect(preferredBlasCore(intel)).toBeUndefined();
  });

  it('respects OPENBLAS_CORETYPE, and MNIST_STUDIO_BLAS_CORETYPE overrides both', () => {
    process.env.OPENBLAS_CORETYPE = 'Haswell';
    expect(preferredBlasCore(zen)).toBeUndefined();
    process.env.MNIST_STUDIO_BLAS_CORETYPE = 'SkylakeX';
    expect(preferredBlasCore(zen3)).toBe('SkylakeX');
    process.env.MNIST_STUDIO_BLAS_CORETYPE = 'auto';
    delete process.env.OPENBLAS_CORETYPE;
    expect(preferredBlasCore(zen)).toBeUndefined();
  });
});
