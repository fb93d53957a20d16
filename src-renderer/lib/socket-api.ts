/**
 * StudioApi over the browser host's WebSocket: requests as {id, method, params}; responses and
 * events validated with the contract's schemas; reconnects with backoff, queueing calls meanwhile.
 */
import {
  engineOutputSchema,
  methods,
  type EngineEvent,
  type Method,
  type Params,
  type Result,
  type StudioApi,
} from '../../src-main/shared/contract';

class CallError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'CallError';
  }
}

export type ConnectionState = 'connecting' | 'open' | 'closed';

interface Pending {
  method: Method;
  resolve(value: unknown): void;
  reject(error: Error): void;
}

const TOKEN_KEY = 'mnist-studio-token';
const MAX_BACKOFF_MS = 5000;

/** The access token from the address bar, remembered for reloads of this tab. */
export function pageToken(location: Location, storage: Storage | undefined): string | null {
  const token = new URLSearchParams(location.search).get('token');
  if (token) storage?.setItem(TOKEN_KEY, token);
  return token ?? storage?.getItem(TOKEN_KEY) ?? null;
}

export interface SocketApi extends StudioApi {
  onConnection(listener: (state: ConnectionState) => void): () => void;
}

export function createSocketApi(url: string): SocketApi {
  let socket: WebSocket | undefined;
  let nextId = 1;
  let backoff = 250;
  let state: ConnectionState = 'connecting';
  const pending = new Map<number, Pending>();
  const queue: string[] = [];
  const eventListeners = new Set<(event: EngineEvent) => void>();
  const connectionListeners = new Set<(state: ConnectionState) => void>();

  const setState = (next: ConnectionState) => {
    state = next;
    for (const listener of connectionListeners) listener(next);
  };

  const receive = (data: unknown) => {
    let raw: unknown;
    try {
      raw = JSON.parse(String(data));
    } catch {
      return;
    }
    const parsed = engineOutputSchema.safeParse(raw);
    if (!parsed.success) return;
    if (parsed.data.type === 'event') {
      for (const listener of eventListeners) listener(parsed.data.event);
      return;
    }
    const response = parsed.data.response;
    const call = pending.get(response.id);
    if (!call) return;
    pending.delete(response.id);
    if (!response.ok) {
      call.reject(new CallError(response.error.code, response.error.message));
      return;
    }
    const result = methods[call.method][1].safeParse(response.result);
    if (result.success) call.resolve(result.data);
    else call.reject(new CallError('INVALID_MESSAGE', `The host sent an invalid answer to ${call.method}.`));
  };

  const connect = () => {
    setState('connecting');
    const current = new WebSocket(url);
    socket = current;
    current.addEventListener('open', () => {
      backoff = 250;
      setState('open');
      for (const message of queue.splice(0)) current.send(message);
    });
    current.addEventListener('message', (event) => receive(event.data));
    current.addEventListener('close', () => {
      if (socket !== current) return;
      for (const [id, call] of pending) {
        pending.delete(id);
        call.reject(new CallError('ENGINE_CRASHED', 'The connection to MNIST Studio was lost; try again in a moment.'));
      }
      setState('closed');
      setTimeout(connect, backoff);
      backoff = Math.min(MAX_BACKOFF_MS, backoff * 2);
    });
  };
  connect();

  return {
    call<M extends Method>(method: M, params: Params<M>): Promise<Result<M>> {
      const id = nextId++;
      const message = JSON.stringify({ id, method, params });
      return new Promise<Result<M>>((resolve, reject) => {
        pending.set(id, { method, resolve: resolve as (value: unknown) => void, reject });
        if (socket?.readyState === WebSocket.OPEN) socket.send(message);
        else queue.push(message);
      });
    },
    onEvent(listener) {
      eventListeners.add(listener);
      return () => eventListeners.delete(listener);
    },
    onConnection(listener) {
      connectionListeners.add(listener);
      listener(state);
      return () => connectionListeners.delete(listener);
    },
  };
}
