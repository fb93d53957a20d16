/**
 * The one event router: every engine event and connection change reaches every feature that
 * cares, from the moment the App starts, whichever view is on screen. Each feature updates only
 * its own state; the router asks them all to re-read the engine when it (re)appears.
 */
import type { EngineEvent } from '../../../src-main/shared/contract';
import type { EngineFeed } from './engine-port';
import type { Features } from './features';

export function startRouter(feed: EngineFeed, features: Features): () => void {
  const { connection, dataset, training, evaluation, library, sweeps, runs, drawings } = features;
  const handlers = [connection, dataset, training, evaluation, library, sweeps, runs, drawings];

  /** Re-reads what the engine holds: backend, current model, saved models, then its dataset. */
  const refresh = async () => {
    await Promise.all([connection.refresh(), library.refresh()]);
    await dataset.ensure();
  };

  const dispatch = (event: EngineEvent) => {
    const recovered =
      event.kind === 'engine.status' && event.state === 'ready' && connection.engine.state === 'crashed';
    for (const feature of handlers) feature.handle(event);
    if (recovered) void refresh();
  };

  const stopEvents = feed.onEvent(dispatch);
  const stopConnection = feed.onConnection((state) => {
    connection.connected(state);
    if (state === 'open') void Promise.all([refresh(), sweeps.refresh(), runs.refresh(), drawings.refresh()]);
  });
  return () => {
    stopEvents();
    stopConnection();
  };
}
