/** Starts host-process.ts under tsx with a throwaway home and page; stops it and its engine after. */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));

export interface HostProcess {
  port: number;
  token: string;
  child: ChildProcess;
  alive(): boolean;
  stop(): Promise<void>;
}

export async function spawnHost(): Promise<HostProcess> {
  const home = await mkdtemp(path.join(os.tmpdir(), 'mnist-host-process-'));
  await writeFile(path.join(home, 'index.html'), '<!doctype html><title>MNIST Studio</title>');
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(here, 'host-process.ts')], {
    env: { ...process.env, MNIST_STUDIO_HOME: home, MNIST_STUDIO_TEST_RENDERER: home },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const { port, token } = await new Promise<{ port: number; token: string }>((resolve, reject) => {
    let output = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      const line = output.split('\n').find((text) => text.startsWith('{'));
      if (line) resolve(JSON.parse(line));
    });
    child.once('exit', (code) => reject(new Error(`The host exited (code ${code}) before it listened: ${output}`)));
  });
  return {
    port,
    token,
    child,
    alive: () => child.exitCode === null && child.signalCode === null,
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) {
        const exited = new Promise((resolve) => child.once('exit', resolve));
        child.kill('SIGTERM');
        await exited;
      }
      await rm(home, { recursive: true, force: true });
    },
  };
}
