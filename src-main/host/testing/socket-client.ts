/** A contract client over the host's WebSocket, as the renderer's socket API speaks it, for tests. */
import WebSocket from 'ws';
import type { EngineEvent, Method, Params, Response, Result } from '../../shared/contract';

export interface SocketClient {
  call<M extends Method>(method: M, params: Params<M>): Promise<Result<M>>;
  /** The raw response, for calls expected to fail. */
  send(method: Method, params: object): Promise<Response>;
  events: EngineEvent[];
  waitForEvent(predicate: (event: EngineEvent) => boolean, timeoutMs?: number): Promise<EngineEvent>;
  close(): void;
}

export async function connectSocket(port: number, token: string): Promise<SocketClient> {
  const socket = new WebSocket(`ws://127.0.0.1:${port}/ws?token=${token}`, { origin: `http://127.0.0.1:${port}` });
  await new Promise((resolve, reject) => {
    socket.once('open', resolve);
    socket.once('error', reject);
  });
  const waiting = new Map<number, (response: Response) => void>();
  const events: EngineEvent[] = [];
  const eventWaiters = new Set<(event: EngineEvent) => void>();
  socket.on('message', (data) => {
    const message = JSON.parse(String(data));
    if (message.type === 'response') waiting.get(message.response.id)?.(message.response);
    if (message.type === 'event') {
      events.push(message.event);
      for (const waiter of eventWaiters) waiter(message.event);
    }
  });
  let nextId = 1;
  const send = (method: Method, params: object) =>
    new Promise<Response>((resolve) => {
      const id = nextId++;
      waiting.set(id, (response) => {
        waiting.delete(id);
        resolve(response);
      });
      socket.send(JSON.stringify({ id, method, params }));
    });
  return {
    send,
    call: async (method, params) => {
      const response = await send(method, params as object);
      if (!response.ok) throw new Error(`${response.error.code}: ${response.error.message}`);
      return response.result as never;
    },
    events,
    waitForEvent: (predicate, timeoutMs = 60_000) =>
      new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          eventWaiters.delete(check);
          reject(new Error(`no matching event within ${timeoutMs} ms`));
        }, timeoutMs);
        const check = (event: EngineEvent) => {
          if (!predicate(event)) return;
          clearTimeout(timer);
          eventWaiters.delete(check);
          resolve(event);
        };
        eventWaiters.add(check);
      }),
    close: () => socket.close(),
  };
}
