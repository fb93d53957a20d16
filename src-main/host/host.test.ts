import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import type { EngineEvent } from '../shared/contract';
import { startHost, type RunningHost } from './server';

let host: RunningHost;
let rendererDir: string;
const events: EngineEvent[] = [];

function waitFor(predicate: () => boolean, timeoutMs = 30_000): Promise<void> {
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const poll = () => {
      if (predicate()) return resolve();
      if (Date.now() - started > timeoutMs) return reject(new Error('timed out waiting'));
      setTimeout(poll, 20);
    };
    poll();
  });
}

beforeAll(async () => {
  rendererDir = await mkdtemp(path.join(os.tmpdir(), 'mnist-renderer-'));
  await writeFile(path.join(rendererDir, 'index.html'), '<!doctype html><title>MNIST Studio</title>');
  process.env.MNIST_STUDIO_HOME = rendererDir;
  host = await startHost({ rendererDir });
  host.engine.onEvent((event) => events.push(event));
});
afterAll(async () => {
  await host.close();
  await rm(rendererDir, { recursive: true, force: true });
});

function openSocket(query: string, origin: string): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(`ws://127.0.0.1:${host.port}/ws${query}`, { origin });
    socket.once('open', () => resolve(socket));
    socket.once('unexpected-response', (_request, response) => reject(new Error(`HTTP ${response.statusCode}`)));
    socket.once('error', reject);
  });
}

describe('browser host', () => {
  it('binds 127.0.0.1 and prints a tokenised URL', () => {
    expect(host.url).toMatch(new RegExp(`^http://127\\.0\\.0\\.1:${host.port}/\\?token=[0-9a-f]{48}$`));
  });

  it('says clearly when its port is taken', async () => {
    await expect(startHost({ rendererDir, port: host.port })).rejects.toMatchObject({ code: 'EADDRINUSE' });
  });

  it('refuses HTTP requests without the token', async () => {
    const response = await fetch(`http://127.0.0.1:${host.port}/`);
    expect(response.status).toBe(403);
    expect(await response.text()).toMatch(/^Forbidden: open MNIST Studio with the address/);
    expect((await fetch(`http://127.0.0.1:${host.port}/?token=${'0'.repeat(48)}`)).status).toBe(403);
  });

  it('serves the page with the token, and sets a cookie for its assets', async () => {
    const response = await fetch(host.url);
    expect(response.status).toBe(200);
    expect(await response.text()).toContain('<title>MNIST Studio</title>');
    const cookie = response.headers.get('set-cookie') ?? '';
    expect(cookie).toMatch(/HttpOnly; SameSite=Strict/);
    const asset = await fetch(`http://127.0.0.1:${host.port}/index.html`, {
      headers: { cookie: cookie.split(';')[0] },
    });
    expect(asset.status).toBe(200);
  });

  it('refuses a request from a foreign origin even with the token', async () => {
    const response = await fetch(host.url, { headers: { origin: 'http://evil.example' } });
    expect(response.status).toBe(403);
  });

  it('refuses WebSockets without the token or from a foreign origin', async () => {
    const ownOrigin = `http://127.0.0.1:${host.port}`;
    await expect(openSocket('', ownOrigin)).rejects.toThrow('HTTP 401');
    await expect(openSocket(`?token=${host.token}`, 'http://evil.example')).rejects.toThrow('HTTP 401');
  });

  it('relays requests to a real engine process and validates them', async () => {
    const socket = await openSocket(`?token=${host.token}`, `http://127.0.0.1:${host.port}`);
    const responses: {
      id: number;
      ok: boolean;
      result?: { name?: string };
      error?: { code: string; message: string };
    }[] = [];
    socket.on('message', (data) => {
      const message = JSON.parse(String(data));
      if (message.type === 'response') responses.push(message.response);
    });
    socket.send(JSON.stringify({ id: 1, method: 'engine.info', params: {} }));
    socket.send('not json at all');
    socket.send(JSON.stringify({ id: 3, method: 'dataset.samples', params: { split: 'valid', offset: 0, limit: 1 } }));
    await waitFor(() => responses.length === 3);
    const byId = new Map(responses.map((response) => [response.id, response]));
    expect(byId.get(1)?.ok).toBe(true);
    expect(['tensorflow', 'wasm', 'cpu']).toContain(byId.get(1)?.result?.name);
    expect(byId.get(-1)?.error).toEqual({
      code: 'INVALID_MESSAGE',
      message: 'The request was malformed and was not sent to the engine.',
    });
    expect(byId.get(3)?.error?.message).toMatch(/^Invalid dataset.samples request at split/);
    socket.close();
  });

  it('notices a crashed engine at once, says so, and starts a new one', async () => {
    await host.engine.call('engine.info', {});
    const before = host.engine.pid as number;
    events.length = 0;
    process.kill(before, 'SIGKILL');
    await waitFor(() => events.some((event) => event.kind === 'engine.status' && event.state === 'crashed'));
    const crashed = events.find((event) => event.kind === 'engine.status' && event.state === 'crashed');
    expect(crashed).toMatchObject({
      message: expect.stringMatching(/^The engine stopped unexpectedly .*Saved models are safe/),
    });
    await waitFor(() => events.some((event) => event.kind === 'engine.status' && event.state === 'ready'));
    expect(host.engine.pid).not.toBe(before);
    expect((await host.engine.call('engine.info', {})).tfjsVersion).toBe('4.22.0');
  });
});
