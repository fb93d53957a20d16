/**
 * The Electron build as electron-builder packages it: main and preload are built exactly as
 * `electron-vite build` builds them, then checked. The engine bundle is forked as a plain Node
 * child process, the closest this machine gets to Electron's utilityProcess.
 */
import { fork } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { mkdtemp } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import vm from 'node:vm';
import { resolveConfig } from 'electron-vite';
import { build } from 'vite';
import { beforeAll, describe, expect, it } from 'vitest';
import { engineOutputSchema, type EngineOutput } from '../shared/contract';

const root = path.resolve(import.meta.dirname, '../..');
const out = (file: string) => path.join(root, 'out', file);

beforeAll(async () => {
  const { config } = await resolveConfig({ root, logLevel: 'warn' }, 'build', 'production');
  if (!config?.main || !config.preload) throw new Error('electron.vite.config.ts must define main and preload.');
  process.env.NODE_ENV_ELECTRON_VITE = 'production';
  await build(config.main);
  await build(config.preload);
}, 120_000);

/** Every module a bundle loads, static or dynamic (a literal specifier only). */
function importedModules(file: string): string[] {
  const code = readFileSync(file, 'utf8');
  const specifiers = [
    ...code.matchAll(/^\s*import\s[^'"]*?from\s*["']([^"']+)["']/gm),
    ...code.matchAll(/^\s*import\s*["']([^"']+)["']/gm),
    ...code.matchAll(/\bimport\(\s*["']([^"']+)["']\s*\)/g),
    ...code.matchAll(/\brequire\(\s*["']([^"']+)["']\s*\)/g),
  ].map((match) => match[1]);
  return [...new Set(specifiers)];
}

function packageName(specifier: string): string {
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0];
}

describe('electron-vite build output', () => {
  it('has main, engine and preload where main expects them', () => {
    for (const file of ['main/index.js', 'main/engine.js', 'preload/preload.cjs'])
      expect(existsSync(out(file))).toBe(true);
  });

  it('builds the preload as one CommonJS file that requires nothing but electron', () => {
    const code = readFileSync(out('preload/preload.cjs'), 'utf8');
    expect(code).not.toMatch(/^\s*(import|export)\s/m);
    expect(code).not.toMatch(/\bimport\(/);
    expect(importedModules(out('preload/preload.cjs'))).toEqual(['electron']);
  });

  it('runs the preload in a bare context given only electron, exposing window.api', () => {
    const exposed = new Map<string, unknown>();
    const electron = {
      contextBridge: { exposeInMainWorld: (key: string, api: unknown) => exposed.set(key, api) },
      ipcRenderer: { invoke: () => Promise.resolve(), on() {}, removeListener() {} },
    };
    const require = (name: string) => {
      if (name !== 'electron') throw new Error(`A sandboxed preload cannot require ${name}`);
      return electron;
    };
    const module = { exports: {} };
    vm.runInNewContext(readFileSync(out('preload/preload.cjs'), 'utf8'), { require, module, exports: module.exports });
    expect([...exposed.keys()]).toEqual(['api']);
    expect(Object.keys(exposed.get('api') as object).sort()).toEqual(['call', 'onEvent', 'pickFolder']);
  });

  it('loads only Node built-ins, electron, its own chunks and runtime dependencies (what gets packaged)', () => {
    const manifest = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as {
      dependencies: Record<string, string>;
      optionalDependencies?: Record<string, string>;
    };
    const runtime = new Set([
      ...Object.keys(manifest.dependencies),
      ...Object.keys(manifest.optionalDependencies ?? {}),
    ]);
    for (const file of ['main/index.js', 'main/engine.js']) {
      const foreign = importedModules(out(file)).filter(
        (specifier) =>
          !specifier.startsWith('.') &&
          !specifier.startsWith('node:') &&
          !builtinModules.includes(specifier) &&
          specifier !== 'electron' &&
          !runtime.has(packageName(specifier)),
      );
      expect(foreign, `${file} imports packages that are not runtime dependencies`).toEqual([]);
    }
  });

  it('keeps electron out of the engine bundle', () => {
    expect(importedModules(out('main/engine.js'))).not.toContain('electron');
  });

  it('runs the engine bundle as a Node child process: ready, then an engine.info round trip', async () => {
    const home = await mkdtemp(path.join(os.tmpdir(), 'mnist-engine-home-'));
    const child = fork(out('main/engine.js'), [], {
      stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
      env: { ...process.env, MNIST_STUDIO_HOME: home },
    });
    const outputs: EngineOutput[] = [];
    try {
      const response = await new Promise<EngineOutput>((resolve, reject) => {
        child.on('error', reject);
        child.on('exit', (code) => reject(new Error(`The engine exited with code ${code}`)));
        child.on('message', (message) => {
          const output = engineOutputSchema.parse(message);
          outputs.push(output);
          if (output.type === 'response') resolve(output);
        });
        child.send({ id: 7, method: 'engine.info', params: {} });
      });
      expect(outputs[0]).toEqual({ type: 'event', event: { kind: 'engine.status', state: 'ready' } });
      expect(response).toMatchObject({ type: 'response', response: { id: 7, ok: true } });
      if (response.type === 'response' && response.response.ok) {
        expect(response.response.result).toMatchObject({ name: expect.stringMatching(/^(tensorflow|wasm|cpu)$/) });
      }
    } finally {
      child.kill();
    }
  });
});
