/**
 * Supervises one engine process for a host (Electron main or the browser host): relays
 * requests, validates what comes back, and when the process dies says so at once, fails the
 * requests in flight and starts a new engine. Saved models live on disk, so nothing is lost.
 */
import {
  engineOutputSchema,
  requestId,
  requestSchema,
  type EngineEvent,
  type Method,
  type Params,
  type Response,
  type Result,
} from '../shared/contract';
import { StudioError, toErrorPayload } from '../shared/errors';

/** The few things a host needs from a process, whichever API started it. */
export interface EngineChannel {
  send(message: unknown): void;
  onMessage(listener: (message: unknown) => void): void;
  onExit(listener: (code: number | null) => void): void;
  kill(): void;
  readonly pid?: number;
}

interface Pending {
  resolve(response: Response): void;
  originalId: number;
}

const CRASH_WINDOW_MS = 60_000;
const MAX_CRASHES_IN_WINDOW = 5;
const RESTART_DELAY_MS = 250;

export class EngineClient {
  private channel: EngineChannel | undefined;
  private pending = new Map<number, Pending>();
  private nextId = 1;
  private crashes: number[] = [];
  private stopped = false;
  /** Set when the engine crashed too often to restart: said on every request from then on. */
  private gaveUp: string | undefined;
  private listeners = new Set<(event: EngineEvent) => void>();

  constructor(private readonly spawn: () => EngineChannel) {}

  get pid(): number | undefined {
    return this.channel?.pid;
  }

  onEvent(listener: (event: EngineEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private emit(event: EngineEvent): void {
    for (const listener of this.listeners) listener(event);
  }

  start(): void {
    this.stopped = false;
    this.gaveUp = undefined;
    this.emit({ kind: 'engine.status', state: 'starting' });
    const channel = this.spawn();
    this.channel = channel;
    channel.onMessage((message) => this.receive(message));
    channel.onExit((code) => {
      if (this.channel !== channel) return;
      this.channel = undefined;
      if (!this.stopped) this.crashed(code);
    });
  }

  private receive(message: unknown): void {
    const parsed = engineOutputSchema.safeParse(message);
    if (!parsed.success) return; // An engine that speaks nonsense is a bug; ignoring it keeps the host alive.
    const output = parsed.data;
    if (output.type === 'event') {
      this.emit(output.event);
      return;
    }
    const pending = this.pending.get(output.response.id);
    if (!pending) return;
    this.pending.delete(output.response.id);
    pending.resolve({ ...output.response, id: pending.originalId });
  }

  private crashed(code: number | null): void {
    const now = Date.now();
    this.crashes = [...this.crashes.filter((time) => now - time < CRASH_WINDOW_MS), now];
    const giveUp = this.crashes.length > MAX_CRASHES_IN_WINDOW;
    const message = giveUp
      ? `The engine stopped ${this.crashes.length} times within a minute (last exit code ${code}); it will not be restarted. Saved models are safe; restart the app.`
      : `The engine stopped unexpectedly (exit code ${code}); a new one is starting. Saved models are safe, but unsaved training is lost.`;
    const failure = { code: 'ENGINE_CRASHED' as const, message };
    for (const [id, pending] of this.pending) {
      this.pending.delete(id);
      pending.resolve({ id: pending.originalId, ok: false, error: failure });
    }
    if (giveUp) this.gaveUp = message;
    this.emit({ kind: 'engine.status', state: 'crashed', message });
    if (!giveUp) setTimeout(() => !this.stopped && !this.channel && this.start(), RESTART_DELAY_MS);
  }

  /** Relays a raw, untrusted request (from a renderer or a WebSocket) and returns the response. */
  relay(raw: unknown): Promise<Response> {
    const parsed = requestSchema.safeParse(raw);
    if (!parsed.success) {
      const id = requestId(raw);
      const error = new StudioError('INVALID_MESSAGE', 'The request was malformed and was not sent to the engine.');
      return Promise.resolve({ id, ok: false, error: toErrorPayload(error) });
    }
    const request = parsed.data;
    if (!this.channel) {
      const error = new StudioError(
        'ENGINE_CRASHED',
        this.gaveUp ?? 'The engine is not running right now; try again in a moment.',
      );
      return Promise.resolve({ id: request.id, ok: false, error: toErrorPayload(error) });
    }
    const id = this.nextId++;
    return new Promise((resolve) => {
      this.pending.set(id, { resolve, originalId: request.id });
      this.channel?.send({ ...request, id });
    });
  }

  /** Typed call for the host's own use (menus, CLI-like tooling). */
  async call<M extends Method>(method: M, params: Params<M>): Promise<Result<M>> {
    const response = await this.relay({ id: 0, method, params });
    if (!response.ok) throw new StudioError(response.error.code, response.error.message);
    return response.result as Result<M>;
  }

  stop(): void {
    this.stopped = true;
    this.channel?.kill();
    this.channel = undefined;
  }
}
