/**
 * The renderer's only door to the engine. In Electron the preload exposes `window.api`; in a
 * browser tab served by `npm run serve` we talk to the host over its tokenised WebSocket.
 */
import type { StudioApi } from '../src-main/shared/contract';
import { createSocketApi, pageToken, type ConnectionState } from './lib/socket-api';

declare global {
  interface Window {
    api?: StudioApi;
  }
}

function socketUrl(token: string | null): string {
  const scheme = location.protocol === 'https:' ? 'wss' : 'ws';
  return `${scheme}://${location.host}/ws?token=${encodeURIComponent(token ?? '')}`;
}

const socketApi = window.api ? undefined : createSocketApi(socketUrl(pageToken(location, window.sessionStorage)));

export const api: StudioApi = window.api ?? (socketApi as StudioApi);

/** Connection changes of the browser transport; Electron's IPC is always connected. */
export function onConnection(listener: (state: ConnectionState) => void): () => void {
  if (socketApi) return socketApi.onConnection(listener);
  listener('open');
  return () => {};
}
