/**
 * The browser host: serves the built renderer and bridges the contract over a WebSocket to an
 * engine child process. Binds 127.0.0.1 only; every HTTP and WebSocket request must carry the
 * random token (query or the cookie set when the page is opened) and come from our own origin.
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { existsSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import sirv from 'sirv';
import { WebSocketServer, type WebSocket } from 'ws';
import { EngineClient, type EngineChannel } from '../supervisor/engine-client';
import { forkNodeEngine } from '../supervisor/node-engine';

const COOKIE = 'mnist_studio_token';
const here = path.dirname(fileURLToPath(import.meta.url));
export const PROJECT_ROOT = path.resolve(here, '../..');

export interface HostOptions {
  port?: number;
  rendererDir?: string;
  token?: string;
  spawnEngine?: () => EngineChannel;
}

export interface RunningHost {
  url: string;
  port: number;
  token: string;
  engine: EngineClient;
  close(): Promise<void>;
}

function sameToken(candidate: string | null | undefined, token: string): boolean {
  if (!candidate || candidate.length !== token.length) return false;
  return timingSafeEqual(Buffer.from(candidate), Buffer.from(token));
}

function cookieToken(header: string | undefined): string | undefined {
  return header
    ?.split(';')
    .map((part) => part.trim().split('='))
    .find(([name]) => name === COOKIE)?.[1];
}

export async function startHost(options: HostOptions = {}): Promise<RunningHost> {
  const rendererDir = options.rendererDir ?? path.join(PROJECT_ROOT, 'out/renderer');
  if (!existsSync(path.join(rendererDir, 'index.html'))) {
    throw new Error(`The renderer is not built (${rendererDir}/index.html is missing); run "npm run build" first.`);
  }
  const token = options.token ?? randomBytes(24).toString('hex');
  const engine = new EngineClient(options.spawnEngine ?? forkNodeEngine);
  const serveStatic = sirv(rendererDir, { dev: false, etag: true, single: false });
  let origins: Set<string> = new Set();

  const server = http.createServer((request, response) => {
    const url = new URL(request.url ?? '/', 'http://127.0.0.1');
    const queryToken = url.searchParams.get('token');
    const authorised = sameToken(queryToken, token) || sameToken(cookieToken(request.headers.cookie), token);
    const origin = request.headers.origin;
    if (!authorised || (origin !== undefined && !origins.has(origin))) {
      response.writeHead(403, { 'Content-Type': 'text/plain; charset=utf-8' });
      response.end('Forbidden: open MNIST Studio with the address (and its token) that "npm run serve" printed.\n');
      return;
    }
    if (queryToken) {
      response.setHeader('Set-Cookie', `${COOKIE}=${token}; HttpOnly; SameSite=Strict; Path=/`);
    }
    response.setHeader('X-Content-Type-Options', 'nosniff');
    response.setHeader('Referrer-Policy', 'no-referrer');
    serveStatic(request, response, () => {
      response.writeHead(404, { 'Content-Type': 'text/plain; charset=utf-8' });
      response.end('Not found.\n');
    });
  });

  const sockets = new Set<WebSocket>();
  const wss = new WebSocketServer({
    server,
    path: '/ws',
    maxPayload: 16 * 1024 * 1024,
    verifyClient: ({ origin, req }: { origin: string; req: http.IncomingMessage }) => {
      const url = new URL(req.url ?? '/', 'http://127.0.0.1');
      return origins.has(origin) && sameToken(url.searchParams.get('token'), token);
    },
  });
  // The WebSocket server re-emits the HTTP server's errors; a failed listen is reported below.
  wss.on('error', () => undefined);
  wss.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('message', async (data) => {
      let raw: unknown;
      try {
        raw = JSON.parse(data.toString());
      } catch {
        raw = undefined;
      }
      const response = await engine.relay(raw);
      if (socket.readyState === socket.OPEN) socket.send(JSON.stringify({ type: 'response', response }));
    });
  });
  engine.onEvent((event) => {
    const text = JSON.stringify({ type: 'event', event });
    for (const socket of sockets) if (socket.readyState === socket.OPEN) socket.send(text);
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  origins = new Set([`http://127.0.0.1:${port}`, `http://localhost:${port}`]);
  engine.start();

  return {
    url: `http://127.0.0.1:${port}/?token=${token}`,
    port,
    token,
    engine,
    close: async () => {
      engine.stop();
      for (const socket of sockets) socket.terminate();
      wss.close();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
