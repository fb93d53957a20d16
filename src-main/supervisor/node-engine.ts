/** The engine as a Node child process (the browser host's way; Electron main uses utilityProcess). */
import { fork } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { EngineChannel } from './engine-client';

const PROJECT_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/** Starts the engine as a Node child process running the TypeScript sources through tsx. */
export function forkNodeEngine(): EngineChannel {
  const child = fork(path.join(PROJECT_ROOT, 'src-main/engine/process.ts'), [], {
    execArgv: ['--import', 'tsx'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    serialization: 'advanced',
  });
  return {
    pid: child.pid,
    send: (message) => child.connected && child.send(message as object),
    onMessage: (listener) => child.on('message', listener),
    onExit: (listener) => child.on('exit', (code, signal) => listener(code ?? (signal ? -1 : null))),
    kill: () => child.kill(),
  };
}
