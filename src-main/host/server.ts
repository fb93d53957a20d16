/**
 * The browser host: serves the built renderer and bridges the contract over a WebSocket to an
 * engine child process. Binds 127.0.0.1 only; every HTTP and WebSocket request must name this
 * host in its Host header (a DNS-rebinding page names its own), carry the random token (query,
 * or the cookie set when the page is opened) and, when it has an Origin, come from our own.
 * Nothing a client sends may throw in here: a bad request is refused, a bad frame closes its socket.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { existsSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import sirv from 'sirv';
import { WebSocketServer, type WebSocket } from 'ws';
import { EngineClient, type EngineChannel } from '../supervisor/engine-client';
import { forkNodeEngine } from '../supervisor/node-engine';

const here = path.dirname(fileURLToPath(import.meta.url));
export const PROJECT_ROOT = path.resolve(here, '../..');
/** The largest request the contract allows (256 images to predict) is ~1.5 MB of JSON. */
export const MAX_FRAME_BYTES = 16 * 1024 * 1024;

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

/**
 * Compares digests, not the strings: they always have the same length, whatever the candidate's
 * length or encoding (timingSafeEqual throws on buffers of different byte lengths).
 */
function sameToken(candidate: string | null | undefined, token: string): boolean {
  if (!candidate) return false;
  const digest = (text: string) => createHash('sha256').update(text, 'utf8').digest();
  return timingSafeEqual(digest(candidate), digest(token));
}

/** One cookie per port: every host on 127.0.0.1 shares the browser's cookie jar for that name. */
function cookieName(port: number): string {
  return `mnist_studio_token_${port}`;
}

function cookieToken(header: string | undefined, name: string): string | undefined {
  return header
    ?.split(';')
    .map((part) => part.trim().split('='))
    .find(([key]) => key === name)?.[1];
}

/** The request's path and query; undefined for a target no URL parser accepts. */
function requestUrl(request: http.IncomingMessage): URL | undefined {
  try {
    return new URL(request.url ?? '/', 'http://127.0.0.1');
  } catch {
    return undefined;
  }
}

export async function startHost(options: HostOptions = {}): Promise<RunningHost> {
  const rendererDir = options.rendererDir ?? path.join(PROJECT_ROOT, 'out/renderer');
  if (!existsSync(path.join(rendererDir, 'index.html'))) {
    throw new Error(`The renderer is not built (${rendererDir}/index.html is missing); run "npm run build" first.`);
  }
  const token = options.token ?? randomBytes(24).toString('hex');
  const engine = new EngineClient(options.spawnEngine ?? forkNodeEngine);
  const serveStatic = sirv(rendererDir, { dev: false, etag: true, single: false });
  // Filled in once the port is known; until then nothing is allowed.
  let hosts: Set<string> = new Set();
  let origins: Set<string> = new Set();
  let cookie = '';

  /** Host header and Origin (when sent) are ours, and the token is there: query, else cookie. */
  const admitted = (request: http.IncomingMessage, url: URL | undefined, allowCookie: boolean): boolean => {
    const { host, origin } = request.headers;
    if (!url || !host || !hosts.has(host)) return false;
    if (origin !== undefined && !origins.has(origin)) return false;
    return (
      sameToken(url.searchParams.get('token'), token) ||
      (allowCookie && sameToken(cookieToken(request.headers.cookie, cookie), token))
    );
  };

  const server = http.createServer((request, response) => {
    const url = requestUrl(request);
    if (!url || !admitted(request, url, true)) {
      response.writeHead(403, { 'Content-Type': 'text/plain; charset=utf-8' });
      response.end('Forbidden: open MNIST Studio with the address (and its token) that "npm run serve" printed.\n');
      return;
    }
    if (url.searchParams.has('token')) {
      response.setHeader('Set-Cookie', `${cookie}=${token}; HttpOnly; SameSite=Strict; Path=/`);
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
    maxPayload: MAX_FRAME_BYTES,
    // A WebSocket needs the token in its URL (the renderer sends it) and an Origin of ours.
    verifyClient: ({ req }: { req: http.IncomingMessage }) =>
      req.headers.origin !== undefined && admitted(req, requestUrl(req), false),
  });
  // The WebSocket server re-emits the HTTP server's errors; a failed listen is reported below.
  wss.on('error', () => undefined);
  wss.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    // An oversized frame, invalid UTF-8 or a bad opcode: ws closes the socket with the right
    // status code and reports it here; without a listener it would throw and end the host.
    socket.on('error', () => socket.terminate());
    socket.on('message', (data, isBinary) => {
      let raw: unknown;
      try {
        raw = isBinary ? undefined : JSON.parse(data.toString());
      } catch {
        raw = undefined;
      }
      void engine.relay(raw).then((response) => {
        if (socket.readyState === socket.OPEN) socket.send(JSON.stringify({ type: 'response', response }));
      });
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
  hosts = new Set([`127.0.0.1:${port}`, `localhost:${port}`]);
  origins = new Set([...hosts].map((host) => `http://${host}`));
  cookie = cookieName(port);
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
