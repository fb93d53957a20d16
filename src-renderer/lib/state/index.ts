/**
 * The app's feature state, for views (components get what they need as props). App.svelte
 * calls startStudio() once; from then on engine events reach every feature.
 */
import { api, onConnection } from '../../api';
import { createFeatures } from './features';
import { Navigation } from './navigation.svelte';
import { startRouter } from './router';

const features = createFeatures(api, globalThis.localStorage);

export const { call, notices, connection, dataset, draft, training, evaluation, library, sweeps } = features;
export const navigation = new Navigation();
/** The host's native folder picker (Electron); undefined in a browser tab. */
export const pickFolder = api.pickFolder?.bind(api);

let started = false;

export function startStudio(): void {
  if (started) return;
  started = true;
  draft.persist(globalThis.localStorage);
  startRouter({ onEvent: (listener) => api.onEvent(listener), onConnection }, features);
}
