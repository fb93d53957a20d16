/**
 * A fuzzer against the real browser host, in its own process with its own engine, on loopback:
 * random HTTP requests and WebSocket handshakes (tokens of every length and encoding, missing or
 * foreign Host and Origin), random frames (any opcode, reserved bits, masking, sizes, bad UTF-8)
 * and random JSON against the contract. Only the right token with our Host and Origin gets in;
 * every text message gets one well-formed response; the host and engine stay up and still answer.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { methods, responseSchema } from '../shared/contract';
import { MAX_FRAME_BYTES } from './server';
import { encodeFrame, rawHttp, rawWebSocket, statusOf } from './testing/raw-client';
import { spawnHost, type HostProcess } from './testing/spawn-host';

let host: HostProcess;
beforeAll(async () => {
  host = await spawnHost();
});
afterAll(() => host.stop());

const own = () => `127.0.0.1:${host.port}`;

/** A valid request over a fresh, valid WebSocket, answered by the engine. */
async function engineAnswers(): Promise<boolean> {
  const socket = new WebSocket(`ws://${own()}/ws?token=${host.token}`, { origin: `http://${own()}` });
  try {
    return await new Promise<boolean>((resolve) => {
      socket.once('error', () => resolve(false));
      socket.on('message', (data) => {
        const message = JSON.parse(String(data));
        if (message.type === 'response') resolve(message.response.ok === true && message.response.id === 1);
      });
      socket.once('open', () => socket.send(JSON.stringify({ id: 1, method: 'engine.info', params: {} })));
    });
  } finally {
    socket.terminate();
  }
}

/** Tokens of every length and encoding, and near misses of the real one. */
const tokenArb = () =>
  fc.oneof(
    fc.constant(host.token),
    fc.string({ unit: 'binary', maxLength: 200 }),
    fc.string({ unit: 'grapheme', maxLength: 60 }),
    fc.string({ maxLength: 2000 }),
    fc.nat({ max: host.token.length - 1 }).map((at) => `${host.token.slice(0, at)}\u00e9${host.token.slice(at + 1)}`),
    fc.nat({ max: host.token.length }).map((cut) => host.token.slice(0, cut)),
    fc.constant(`${host.token}0`),
  );
/** How a token reaches the host: percent-encoded, raw UTF-8 or raw Latin-1 bytes in the request line. */
const tokenEncoding = fc.constantFrom('percent', 'utf8', 'latin1');
const hostHeaderArb = () =>
  fc.oneof(fc.constant(own()), fc.constant(`localhost:${host.port}`), fc.constant(undefined), fc.domain(), fc.string());
const originArb = () =>
  fc.oneof(
    fc.constant(`http://${own()}`),
    fc.constant(undefined),
    fc.constant('null'),
    fc.webUrl(),
    fc.constant(`https://${own()}`),
  );

function requestBytes(lines: (string | undefined)[], encoding: string): Buffer {
  const text = `${lines.filter((line) => line !== undefined).join('\r\n')}\r\n\r\n`;
  return Buffer.from(text, encoding === 'latin1' ? 'latin1' : 'utf8');
}

function encodeToken(token: string, encoding: string): string {
  return encoding === 'percent' ? encodeURIComponent(token) : token;
}

describe('the browser host under a fuzzer', () => {
  it('answers random HTTP requests, serving the page only to the right token, Host and Origin', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.record({
          method: fc.constantFrom('GET', 'HEAD', 'POST', 'PUT', 'OPTIONS', 'BREW'),
          path: fc.constantFrom('/', '/index.html', '/ws', '/../../etc/passwd', '/%00', '//x'),
          token: tokenArb(),
          encoding: tokenEncoding,
          via: fc.constantFrom('query', 'cookie', 'old cookie'),
          host: hostHeaderArb(),
          origin: originArb(),
        }),
        async ({ method, path, token, encoding, via, host: hostHeader, origin }) => {
          const target = via === 'query' ? `${path}?token=${encodeToken(token, encoding)}` : path;
          const cookieName = via === 'cookie' ? `mnist_studio_token_${host.port}` : 'mnist_studio_token';
          const answer = await rawHttp(
            host.port,
            requestBytes(
              [
                `${method} ${target} HTTP/1.1`,
                hostHeader === undefined ? undefined : `Host: ${hostHeader}`,
                origin === undefined ? undefined : `Origin: ${origin}`,
                via === 'query' ? undefined : `Cookie: ${cookieName}=${token}`,
                'Connection: close',
              ],
              encoding,
            ),
          );
          const status = statusOf(answer);
          // Node itself answers 400 to requests it cannot parse (bytes not allowed in a header).
          expect([200, 400, 403, 404, 405]).toContain(status);
          if (status === 200) {
            expect(token).toBe(host.token);
            expect(via).not.toBe('old cookie');
            expect([own(), `localhost:${host.port}`]).toContain(hostHeader);
            expect([undefined, `http://${own()}`, `http://localhost:${host.port}`]).toContain(origin);
          }
        },
      ),
      { numRuns: 250 },
    );
    expect(host.alive()).toBe(true);
    expect(await engineAnswers()).toBe(true);
  });

  it('opens a WebSocket only for the right token, Host and Origin', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.record({ token: tokenArb(), encoding: tokenEncoding, host: hostHeaderArb(), origin: originArb() }),
        async ({ token, encoding, host: hostHeader, origin }) => {
          const socket = await rawWebSocket(host.port, {
            path: `/ws?token=${encodeToken(token, encoding)}`,
            host: hostHeader ?? '',
            origin,
          });
          socket.destroy();
          if (socket.status === 101) {
            expect(token).toBe(host.token);
            expect([own(), `localhost:${host.port}`]).toContain(hostHeader);
            expect([`http://${own()}`, `http://localhost:${host.port}`]).toContain(origin);
          } else expect([0, 400, 401, 403]).toContain(socket.status);
        },
      ),
      { numRuns: 150 },
    );
    expect(host.alive()).toBe(true);
    expect(await engineAnswers()).toBe(true);
  });

  const frameArb = fc.oneof(
    // Anything: any opcode, reserved bits, fragmentation and masking, random bytes.
    fc.record({
      opcode: fc.integer({ min: 0, max: 15 }),
      rsv: fc.integer({ min: 0, max: 7 }),
      fin: fc.boolean(),
      masked: fc.boolean(),
      payload: fc.uint8Array({ maxLength: 300 }).map((bytes) => Buffer.from(bytes)),
    }),
    // Text frames that are almost valid UTF-8: random bytes mixed into real text.
    fc
      .tuple(fc.string(), fc.uint8Array({ minLength: 1, maxLength: 8 }))
      .map(([text, bytes]) => ({ opcode: 1, payload: Buffer.concat([Buffer.from(text), Buffer.from(bytes)]) })),
    // A header announcing more than the host accepts (the payload never follows).
    fc
      .tuple(fc.constantFrom(1, 2), fc.integer({ min: MAX_FRAME_BYTES + 1, max: 2 ** 40 }))
      .map(([opcode, declaredLength]) => ({ opcode, declaredLength })),
  );

  it('survives random frames on an open WebSocket', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(frameArb, { minLength: 1, maxLength: 6 }), async (frames) => {
        const socket = await rawWebSocket(host.port, { path: `/ws?token=${host.token}`, origin: `http://${own()}` });
        expect(socket.status).toBe(101);
        for (const frame of frames) socket.write(encodeFrame(frame));
        socket.write(encodeFrame({ opcode: 8, payload: Buffer.from([0x03, 0xe8]) }));
        // The host closes the socket for a protocol error or our close frame; a frame left
        // waiting for payload that never comes is given up here.
        await Promise.race([socket.closed, new Promise((resolve) => setTimeout(resolve, 500))]);
        socket.destroy();
      }),
      { numRuns: 150 },
    );
    expect(host.alive()).toBe(true);
    expect(await engineAnswers()).toBe(true);
  });

  const methodNames = Object.keys(methods);
  // Random requests that cannot start long work: training and sweeps need a valid spec, which
  // random JSON never is; dataset.load and imports get random sources and paths.
  const requestArb = fc.oneof(
    fc.jsonValue({ maxDepth: 3 }),
    fc.record({
      id: fc.oneof(fc.integer(), fc.double(), fc.string()),
      method: fc.oneof(fc.constantFrom(...methodNames), fc.string()),
      params: fc.oneof(fc.jsonValue({ maxDepth: 3 }), fc.constant({})),
    }),
  );

  it('answers every random JSON message with one well-formed response', async () => {
    const socket = new WebSocket(`ws://${own()}/ws?token=${host.token}`, { origin: `http://${own()}` });
    const responses: unknown[] = [];
    socket.on('message', (data) => {
      const message = JSON.parse(String(data));
      if (message.type === 'response') responses.push(message.response);
    });
    await new Promise((resolve, reject) => {
      socket.once('open', resolve);
      socket.once('error', reject);
    });
    await fc.assert(
      fc.asyncProperty(requestArb, async (request) => {
        const expected = responses.length + 1;
        socket.send(JSON.stringify(request));
        await new Promise<void>((resolve, reject) => {
          const poll = setInterval(() => {
            if (responses.length >= expected) {
              clearInterval(poll);
              resolve();
            }
            if (socket.readyState !== WebSocket.OPEN) {
              clearInterval(poll);
              reject(new Error('the host closed the socket'));
            }
          }, 2);
        });
        expect(responseSchema.safeParse(responses.at(-1)).success).toBe(true);
      }),
      { numRuns: 300 },
    );
    socket.terminate();
    expect(host.alive()).toBe(true);
    expect(await engineAnswers()).toBe(true);
  });
});
