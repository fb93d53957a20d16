/**
 * Starts the browser host for end-to-end tests exactly as a person would (`serve.ts`, after a
 * build), with models kept in a throwaway folder, and reads the tokenised URL it prints.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from '@playwright/test';

export interface TestHost {
  url: string;
  origin: string;
  home: string;
  stop(): Promise<void>;
}

const ROOT = path.resolve(import.meta.dirname, '..');
const URL_PATTERN = /http:\/\/127\.0\.0\.1:\d+\/\?token=[0-9a-f]+/;

export function buildRenderer(): void {
  if (process.env.E2E_SKIP_BUILD) return;
  const result = spawnSync('npx', ['electron-vite', 'build'], { cwd: ROOT, stdio: 'pipe', encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`The build failed:\n${result.stdout}\n${result.stderr}`);
}

export async function startTestHost(): Promise<TestHost> {
  const home = mkdtempSync(path.join(os.tmpdir(), 'mnist-studio-e2e-'));
  const child: ChildProcess = spawn('npx', ['tsx', 'src-main/host/serve.ts', '--port', '0'], {
    cwd: ROOT,
    env: { ...process.env, MNIST_STUDIO_HOME: home },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  let output = '';
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`The host printed no URL within 60 s:\n${output}`)), 60_000);
    const read = (chunk: Buffer) => {
      output += chunk.toString();
      const match = URL_PATTERN.exec(output);
      if (match) {
        clearTimeout(timer);
        resolve(match[0]);
      }
    };
    child.stdout?.on('data', read);
    child.stderr?.on('data', read);
    child.once('exit', (code) =>
      reject(new Error(`The host exited (code ${code}) before printing its URL:\n${output}`)),
    );
  });
  return {
    url,
    origin: new URL(url).origin,
    home,
    stop: async () => {
      // The host runs under npx: signal its whole process group, then wait for it to go.
      if (child.exitCode === null && child.pid) {
        const exited = new Promise((resolve) => child.once('exit', resolve));
        process.kill(-child.pid, 'SIGTERM');
        await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 5000))]);
      }
      rmSync(home, { recursive: true, force: true });
    },
  };
}

/**
 * For a spec file: runs its tests one after another against one browser host, built and started
 * before the first test and stopped after the last. The object it returns is filled in by then.
 */
export function useTestHost(): TestHost {
  const host = {} as TestHost;
  test.describe.configure({ mode: 'serial' });
  test.beforeAll(async () => {
    test.setTimeout(180_000);
    buildRenderer();
    Object.assign(host, await startTestHost());
  });
  test.afterAll(async () => {
    await host.stop?.();
  });
  return host;
}

/**
 * Kills the engine process of this test host (Linux: found through /proc by its script and the
 * host's private MNIST_STUDIO_HOME), as a native crash would. Returns false where it cannot.
 */
export function killTestEngine(host: TestHost): boolean {
  if (process.platform !== 'linux') return false;
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const command = readFileSync(`/proc/${entry}/cmdline`, 'utf8');
      const environment = readFileSync(`/proc/${entry}/environ`, 'utf8');
      if (command.includes('src-main/engine/process.ts') && environment.includes(`MNIST_STUDIO_HOME=${host.home}`)) {
        process.kill(Number(entry), 'SIGKILL');
        return true;
      }
    } catch {
      // The process ended while we looked, or is not ours to read.
    }
  }
  return false;
}
