/** How the features reach the engine: through a port (api.ts in the app, a scripted engine in tests). */
import type { EngineEvent, Method, Params, Result, StudioApi } from '../../../src-main/shared/contract';
import { errorMessage } from '../format';
import type { ConnectionState } from '../socket-api';
import type { NoticesFeature } from './notices.svelte';

export type EnginePort = Pick<StudioApi, 'call' | 'onEvent'>;

/** The engine's events and the transport's connection changes: what the event router listens to. */
export interface EngineFeed {
  onEvent(listener: (event: EngineEvent) => void): () => void;
  onConnection(listener: (state: ConnectionState) => void): () => void;
}

/** Calls the engine; a failure becomes the notices' sentence and the call resolves to undefined. */
export type EngineCall = <M extends Method>(method: M, params: Params<M>) => Promise<Result<M> | undefined>;

export function reportingCall(port: EnginePort, notices: NoticesFeature): EngineCall {
  return async (method, params) => {
    try {
      return await port.call(method, params);
    } catch (error) {
      notices.fail(errorMessage(error));
      return undefined;
    }
  };
}
