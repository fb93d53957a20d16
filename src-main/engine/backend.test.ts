import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { wasmDirectory } from './backend';

const script = path.join(import.meta.dirname, 'testing/print-backend.ts');

/** The backend choice is once per process, so each case runs in a fresh one. */
function pick(backend?: string, env: Record<string, string> = {}, ...args: string[]) {
  const output = execFileSync(process.execPath, ['--import', 'tsx', script, ...args], {
    env: { ...process.env, MNIST_STUDIO_BACKEND: backend ?? '', ...env },
    encoding: 'utf8',
  });
  return JSON.parse(output.trim().split('\n').pop() as string);
}

function nativeInstalled(): boolean {
  try {
    createRequire(import.meta.url).resolve('@tensorflow/tfjs-node');
    return true;
  } catch {
    return false;
  }
}

const native = nativeInstalled();

describe('backend selection', () => {
  it('starts one backend for callers that ask at the same moment', () => {
    const result = pick(undefined, {}, '--twice');
    expect(result.sameForAll).toBe(true);
    expect(result.info.name).toBe(pick().info.name);
  });

  it('runs the CPU backend when forced, naming the variable as the reason', () => {
    expect(pick('cpu').info).toMatchObject({
      name: 'cpu',
      native: false,
      reason: 'Chosen with MNIST_STUDIO_BACKEND=cpu.',
    });
  });

  it('refuses a backend name it does not know', () => {
    expect(pick('cuda').error.message).toBe(
      'MNIST_STUDIO_BACKEND="cuda" is not a backend; use tensorflow, wasm or cpu.',
    );
  });

  it('points the WebAssembly backend at a folder that holds its .wasm files', () => {
    expect(existsSync(path.join(wasmDirectory(), 'tfjs-backend-wasm-simd.wasm'))).toBe(true);
  });

  it('says when the WebAssembly speed-ups are switched off', () => {
    const { info } = pick('wasm', { MNIST_STUDIO_ACCEL: 'none' });
    expect(info.name).toBe('wasm');
    expect(info.accelerations.join('\n')).not.toMatch(/OpenBLAS|XNNPACK/);
  });

  it('refuses an addon built from other sources and says why in the backend info', () => {
    const file = path.join(mkdtempSync(path.join(os.tmpdir(), 'mnist-addon-')), 'old-addon.cjs');
    writeFileSync(file, 'exports.batchMatMul = () => {};\n');
    const { info } = pick('wasm', { MNIST_STUDIO_ACCEL_ADDON: file });
    expect(info.accelerations.join('\n')).toMatch(
      /transpose \+ XNNPACK \(no OpenBLAS: the OpenBLAS addon at .*old-addon\.cjs was built from other sources \(it lacks rmspropStep/,
    );
  });
});

describe.runIf(!native)('backend selection without tfjs-node installed', () => {
  it('falls back from native TensorFlow to WebAssembly and says why', () => {
    const result = pick();
    expect(result.ok).toBe(true);
    expect(result.info).toMatchObject({ name: 'wasm', native: false, tfjsVersion: '4.22.0' });
    expect(result.info.reason).toMatch(/@tensorflow\/tfjs-node\) is not installed/);
    expect(result.info.available).toEqual(['wasm']);
  });

  it('fails loudly when the forced backend cannot load', () => {
    const result = pick('tensorflow');
    expect(result).toMatchObject({ ok: false, error: { code: 'BACKEND_UNAVAILABLE' } });
    expect(result.error.message).toMatch(/^The forced backend "tensorflow" cannot load: Native TensorFlow/);
  });
});

describe.runIf(native)('backend selection with tfjs-node installed', () => {
  it('keeps native TensorFlow and WebAssembly both, each training on the faster one for its model', () => {
    const { info } = pick();
    expect(info.available).toEqual(['tensorflow', 'wasm']);
    expect(info.reason).toMatch(/both loaded; each training runs on the one measured faster for its model/);
  });

  it('runs native TensorFlow alone when forced', () => {
    expect(pick('tensorflow').info).toMatchObject({ name: 'tensorflow', native: true, available: ['tensorflow'] });
  });
});
