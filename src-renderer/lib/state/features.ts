/** The renderer's state, one module per feature, wired together once (by index.ts, or by a test). */
import { loadDraft } from '../draft-storage';
import { ConnectionFeature } from './connection.svelte';
import { DatasetFeature } from './dataset.svelte';
import { DraftFeature } from './draft.svelte';
import { DrawingsFeature } from './drawings.svelte';
import { reportingCall, type EnginePort } from './engine-port';
import { EvaluationFeature } from './evaluation.svelte';
import { LibraryFeature } from './library.svelte';
import { NoticesFeature } from './notices.svelte';
import { RunsFeature } from './runs.svelte';
import { SweepsFeature } from './sweeps.svelte';
import { TrainingFeature } from './training.svelte';

export function createFeatures(port: EnginePort, storage: Pick<Storage, 'getItem'> | undefined) {
  const notices = new NoticesFeature();
  const call = reportingCall(port, notices);
  const connection = new ConnectionFeature(call);
  const dataset = new DatasetFeature(call, notices);
  const draft = new DraftFeature(loadDraft(storage));
  const training = new TrainingFeature(call, notices);
  const evaluation = new EvaluationFeature(call, notices);
  const library = new LibraryFeature(call, { draft, evaluation });
  const sweeps = new SweepsFeature(call, notices, { dataset, connection, training });
  const runs = new RunsFeature(call, notices, { draft });
  const drawings = new DrawingsFeature(call, notices);
  return { call, notices, connection, dataset, draft, training, evaluation, library, sweeps, runs, drawings };
}

export type Features = ReturnType<typeof createFeatures>;
