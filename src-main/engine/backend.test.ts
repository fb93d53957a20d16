import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { wasmDirectory } from './backend';

const script = path.join(import.meta.dirname, 'testing/print-backend.ts');

/** The backend choice is once per process, so each case runs in a fresh one. */
function pick(backend?: string, ...args: string[]) {
  const env = { ...process.env, MNIST_STUDIO_BACKEND: backend ?? '' };
  const output = execFileSync(process.execPath, ['--import', 'tsx', script, ...args], { env, encoding: 'utf8' });
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

describe('backend selection', () => {
  it('loads native TensorFlow and WebAssembly both, or falls back to WebAssembly and says why', () => {
    const result = pick();
    expect(result.ok).toBe(true);
    if (nativeInstalled()) {
      expect(result.info.available).toEqual(['tensorflow', 'wasm']);
      expect(result.info.reason).toMatch(/both loaded; each training runs on the one measured faster for its model/);
    } else {
      expect(result.info).toMatchObject({ name: 'wasm', native: false, tfjsVersion: '4.22.0' });
      expect(result.info.reason).toMatch(/@tensorflow\/tfjs-node\) is not installed/);
      expect(result.info.available).toEqual(['wasm']);
    }
  });

  it('starts one backend for callers that ask at the same moment', () => {
    const result = pick(undefined, '--twice');
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

  it('fails loudly when the forced backend cannot load', () => {
    if (nativeInstalled()) return;
    const result = pick('tensorflow');
    expect(result).toMatchObject({ ok: false, error: { code: 'BACKEND_UNAVAILABLE' } });
    expect(result.error.message).toMatch(/^The forced backend "tensorflow" cannot load: Native TensorFlow/);
  });

  it('refuses a backend name it does not know', () => {
    expect(pick('cuda').error.message).toBe(
      'MNIST_STUDIO_BACKEND="cuda" is not a backend; use tensorflow, wasm or cpu.',
    );
  });

  it('points the WebAssembly backend at a folder that holds its .wasm files', () => {
    expect(existsSync(path.join(wasmDirectory(), 'tfjs-backend-wasm-simd.wasm'))).toBe(true);
  });
});
