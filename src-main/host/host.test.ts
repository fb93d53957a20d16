import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import type { EngineEvent } from '../shared/contract';
import { startHost, type RunningHost } from './server';
import { encodeFrame, rawHttp, rawWebSocket, statusOf } from './testing/raw-client';

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

/** One request over a fresh, valid WebSocket: the proof that host and engine still answer. */
async function askOverSocket(method: string, params: object = {}): Promise<{ ok: boolean; result?: unknown }> {
  const socket = await openSocket(`?token=${host.token}`, `http://127.0.0.1:${host.port}`);
  try {
    return await new Promise((resolve) => {
      socket.on('message', (data) => {
        const message = JSON.parse(String(data));
        if (message.type === 'response' && message.response.id === 99) resolve(message.response);
      });
      socket.send(JSON.stringify({ id: 99, method, params }));
    });
  } finally {
    socket.close();
  }
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

  it('refuses tokens as long as the real one in characters but not in bytes, and stays up', async () => {
    const token = `${'a'.repeat(47)}\u00e9`;
    const request = (target: string, extra = '') =>
      Buffer.from(
        `GET ${target} HTTP/1.1\r\nHost: 127.0.0.1:${host.port}\r\n${extra}Connection: close\r\n\r\n`,
        'latin1',
      );
    expect(statusOf(await rawHttp(host.port, request(`/?token=${encodeURIComponent(token)}`)))).toBe(403);
    expect(
      statusOf(await rawHttp(host.port, request('/', `Cookie: mnist_studio_token_${host.port}=${token}\r\n`))),
    ).toBe(403);
    const socket = await rawWebSocket(host.port, {
      path: `/ws?token=${encodeURIComponent(token)}`,
      origin: `http://127.0.0.1:${host.port}`,
    });
    expect(socket.status).toBe(401);
    expect((await fetch(host.url)).status).toBe(200);
    expect(await askOverSocket('engine.info')).toMatchObject({ ok: true });
  });

  it('closes a socket that sends a frame over the size limit or invalid UTF-8, and stays up', async () => {
    const handshake = { path: `/ws?token=${host.token}`, origin: `http://127.0.0.1:${host.port}` };
    const oversized = await rawWebSocket(host.port, handshake);
    expect(oversized.status).toBe(101);
    oversized.write(encodeFrame({ opcode: 1, declaredLength: 50 * 1024 * 1024 }));
    expect(await oversized.closed).toBe(1009);
    const badText = await rawWebSocket(host.port, handshake);
    badText.write(encodeFrame({ opcode: 1, payload: Buffer.from([0xc3, 0x28, 0xa0, 0xa1]) }));
    expect(await badText.closed).toBe(1007);
    expect(await askOverSocket('engine.info')).toMatchObject({ ok: true });
  });

  it('refuses a Host header that is not its own (a DNS-rebinding page), even with the token', async () => {
    const request = Buffer.from(
      `GET /?token=${host.token} HTTP/1.1\r\nHost: evil.example:${host.port}\r\nConnection: close\r\n\r\n`,
    );
    expect(statusOf(await rawHttp(host.port, request))).toBe(403);
    const socket = await rawWebSocket(host.port, {
      path: `/ws?token=${host.token}`,
      host: `evil.example:${host.port}`,
      origin: `http://evil.example:${host.port}`,
    });
    expect(socket.status).toBe(401);
  });

  it("names its cookie after its port, so two hosts on 127.0.0.1 do not overwrite each other's", async () => {
    const cookie = (await fetch(host.url)).headers.get('set-cookie') ?? '';
    expect(cookie.split('=')[0]).toBe(`mnist_studio_token_${host.port}`);
    const other = await fetch(`http://127.0.0.1:${host.port}/index.html`, {
      headers: { cookie: `mnist_studio_token=${host.token}` },
    });
    expect(other.status).toBe(403);
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
