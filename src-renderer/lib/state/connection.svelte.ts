/** Feature: is there an engine to talk to, and which backend does it run. */
import type { BackendInfo, EngineEvent } from '../../../src-main/shared/contract';
import type { ConnectionState } from '../socket-api';
import type { EngineCall } from './engine-port';

export interface EngineState {
  state: 'starting' | 'ready' | 'crashed' | 'disconnected';
  message?: string;
}

export class ConnectionFeature {
  engine = $state<EngineState>({ state: 'starting' });
  backend = $state.raw<BackendInfo | null>(null);

  constructor(private readonly call: EngineCall) {}

  async refresh(): Promise<void> {
    const backend = await this.call('engine.info', {});
    if (!backend) return;
    this.backend = backend;
    if (this.engine.state === 'starting') this.engine = { state: 'ready' };
  }

  /** The browser transport's state (Electron's IPC is always open). */
  connected(state: ConnectionState): void {
    if (state === 'open' && this.engine.state === 'disconnected') this.engine = { state: 'ready' };
    else if (state === 'closed')
      this.engine = { state: 'disconnected', message: 'Lost the connection to MNIST Studio; reconnecting…' };
  }

  handle(event: EngineEvent): void {
    if (event.kind !== 'engine.status') return;
    if (event.state === 'crashed') this.engine = { state: 'crashed', message: event.message };
    else if (event.state === 'ready') this.engine = { state: 'ready' };
    else this.engine = { ...this.engine, state: this.engine.state === 'crashed' ? 'crashed' : 'starting' };
  }
}
