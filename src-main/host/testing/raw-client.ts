/**
 * A client that sends exactly the bytes a test asks for, so tests can say what a hostile client
 * would: any request line and headers over plain TCP, and WebSocket frames with any opcode,
 * reserved bits, declared length and payload (RFC 6455 section 5.2). Loopback only.
 */
import { randomBytes } from 'node:crypto';
import net from 'node:net';

/** Sends `request` as is and returns everything the server answered before closing (or `timeoutMs`). */
export function rawHttp(port: number, request: string | Buffer, timeoutMs = 5000): Promise<string> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    const done = () => {
      clearTimeout(timer);
      socket.destroy();
      resolve(Buffer.concat(chunks).toString('latin1'));
    };
    const timer = setTimeout(done, timeoutMs);
    socket.on('data', (chunk) => {
      chunks.push(chunk);
      // One answer is enough; keep-alive would otherwise hold the socket open.
      const text = Buffer.concat(chunks).toString('latin1');
      const head = text.indexOf('\r\n\r\n');
      const length = /content-length: *(\d+)/i.exec(text)?.[1];
      if (head >= 0 && length !== undefined && text.length >= head + 4 + Number(length)) done();
    });
    socket.on('error', done);
    socket.on('close', done);
    socket.write(request);
  });
}

/** The status code of an HTTP answer ("HTTP/1.1 403 Forbidden" -> 403), 0 when there was none. */
export function statusOf(answer: string): number {
  return Number(/^HTTP\/1\.1 (\d{3})/.exec(answer)?.[1] ?? 0);
}

export interface FrameOptions {
  opcode: number;
  payload?: Buffer;
  fin?: boolean;
  /** The three reserved bits, 0..7 (a server without extensions must refuse any). */
  rsv?: number;
  /** The length written in the header; defaults to the payload's real length. */
  declaredLength?: number;
  /** Clients must mask their frames; an unmasked one is a protocol error. */
  masked?: boolean;
}

export function encodeFrame({
  opcode,
  payload = Buffer.alloc(0),
  fin = true,
  rsv = 0,
  declaredLength = payload.length,
  masked = true,
}: FrameOptions): Buffer {
  const first = (fin ? 0x80 : 0) | ((rsv & 7) << 4) | (opcode & 0x0f);
  const maskBit = masked ? 0x80 : 0;
  let header: Buffer;
  if (declaredLength < 126) header = Buffer.from([first, maskBit | declaredLength]);
  else if (declaredLength < 65536) {
    header = Buffer.alloc(4);
    header.writeUInt16BE(declaredLength, 2);
    header[1] = maskBit | 126;
  } else {
    header = Buffer.alloc(10);
    header.writeBigUInt64BE(BigInt(declaredLength), 2);
    header[1] = maskBit | 127;
  }
  header[0] = first;
  if (!masked) return Buffer.concat([header, payload]);
  const key = randomBytes(4);
  const body = Buffer.from(payload.map((byte, i) => byte ^ key[i % 4]));
  return Buffer.concat([header, key, body]);
}

export interface RawSocket {
  /** The handshake's status code: 101 when the server accepted the WebSocket. */
  status: number;
  write(bytes: Buffer): void;
  /** Resolves when the server closes: with the close frame's status code, if it sent one. */
  closed: Promise<number | undefined>;
  destroy(): void;
}

export interface HandshakeOptions {
  path?: string;
  host?: string;
  origin?: string;
  /** Extra header lines, written as given. */
  headers?: string[];
}

/** Opens a WebSocket by hand (RFC 6455 section 4.1) and hands back the TCP socket. */
export function rawWebSocket(port: number, options: HandshakeOptions): Promise<RawSocket> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    const lines = [
      `GET ${options.path ?? '/ws'} HTTP/1.1`,
      `Host: ${options.host ?? `127.0.0.1:${port}`}`,
      'Upgrade: websocket',
      'Connection: Upgrade',
      `Sec-WebSocket-Key: ${randomBytes(16).toString('base64')}`,
      'Sec-WebSocket-Version: 13',
      ...(options.origin === undefined ? [] : [`Origin: ${options.origin}`]),
      ...(options.headers ?? []),
    ];
    let received = Buffer.alloc(0);
    let status: number | undefined;
    let closeCode: number | undefined;
    let settleClosed: (code: number | undefined) => void = () => undefined;
    const closed = new Promise<number | undefined>((resolveClosed) => (settleClosed = resolveClosed));
    const finish = () => {
      if (status === undefined) {
        status = 0;
        resolve({ status, write: () => undefined, closed, destroy: () => socket.destroy() });
      }
      settleClosed(closeCode);
    };
    socket.on('data', (chunk) => {
      received = Buffer.concat([received, chunk]);
      if (status === undefined) {
        const end = received.indexOf('\r\n\r\n');
        if (end < 0) return;
        status = statusOf(received.subarray(0, end).toString('latin1'));
        received = received.subarray(end + 4);
        resolve({
          status,
          write: (bytes) => void (socket.writable && socket.write(bytes)),
          closed,
          destroy: () => socket.destroy(),
        });
      }
      // Server frames are unmasked; a close frame (opcode 8) carries the status code first.
      while (received.length >= 2) {
        const length = received[1] & 0x7f;
        const offset = length === 126 ? 4 : length === 127 ? 10 : 2;
        const size =
          length === 126 ? received.readUInt16BE(2) : length === 127 ? Number(received.readBigUInt64BE(2)) : length;
        if (received.length < offset + size) break;
        if ((received[0] & 0x0f) === 8 && size >= 2) closeCode = received.readUInt16BE(offset);
        received = received.subarray(offset + size);
      }
    });
    socket.on('error', finish);
    socket.on('close', finish);
    socket.write(`${lines.join('\r\n')}\r\n\r\n`);
  });
}
