/**
 * The app's feature state, for views (components get what they need as props). App.svelte
 * calls startStudio() once; from then on engine events reach every feature.
 */
import { api, onConnection } from '../../api';
import { createFeatures } from './features';
import { Navigation } from './navigation.svelte';
import { startRouter } from './router';

const features = createFeatures(api, globalThis.localStorage);

export const { notices, connection, dataset, draft, training, evaluation, library, sweeps, runs, drawings } = features;
/** For what a view keeps to itself (a page of images, a reading of the pad): failures still reach the notices. */
export const call = features.call;
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
