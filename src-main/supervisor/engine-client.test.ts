/**
 * EngineClient's supervision against real processes that die: a child that exits at once plays
 * an engine crashing at start (a broken native library, say), over and over.
 */
import { fork } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import type { EngineEvent } from '../shared/contract';
import { EngineClient, type EngineChannel } from './engine-client';

function crashingEngine(): EngineChannel {
  const child = fork('-e', [], { execArgv: ['-e', 'process.exit(3)'], stdio: ['ignore', 'ignore', 'ignore', 'ipc'] });
  return {
    pid: child.pid,
    send: (message) => child.connected && child.send(message as object),
    onMessage: (listener) => child.on('message', listener),
    onExit: (listener) => child.on('exit', (code) => listener(code)),
    kill: () => child.kill(),
  };
}

describe('EngineClient', () => {
  it('after giving up on an engine that keeps crashing, says so on every request instead of "try again"', async () => {
    const client = new EngineClient(crashingEngine);
    const crashes: string[] = [];
    const gaveUp = new Promise<void>((resolve) =>
      client.onEvent((event: EngineEvent) => {
        if (event.kind !== 'engine.status' || event.state !== 'crashed') return;
        crashes.push(event.message ?? '');
        if (event.message?.includes('will not be restarted')) resolve();
      }),
    );
    client.start();
    await gaveUp;
    const response = await client.relay({ id: 5, method: 'engine.info', params: {} });
    expect(response).toEqual({ id: 5, ok: false, error: { code: 'ENGINE_CRASHED', message: crashes.at(-1) } });
    expect(crashes.at(-1)).toMatch(/^The engine stopped 6 times within a minute .*restart the app\.$/);
    client.stop();
  });
});
