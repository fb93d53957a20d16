/** The Runs view's side-by-side table: one row per setting or metric, marked where the runs differ. Pure. */
import type { RunSummary } from '../../src-main/shared/contract';
import { formatDuration, formatInt, formatMetric } from './format';
import { layerShortName } from './layers';

export interface CompareRow {
  label: string;
  values: string[];
  /** True when at least two runs show different values (settings only; metrics always differ). */
  differs: boolean;
  kind: 'setting' | 'metric';
}

type Cell = (run: RunSummary) => string;

const SETTINGS: [string, Cell][] = [
  ['preset', (run) => run.preset ?? 'custom'],
  ['layers', (run) => run.spec.layers.map(layerShortName).join(' → ')],
  ['params', (run) => formatInt(run.params)],
  ['optimizer', (run) => run.spec.optimizer.name],
  ['learning rate', (run) => String(run.spec.optimizer.learningRate)],
  ['epochs', (run) => String(run.settings.epochs)],
  ['batch size', (run) => String(run.settings.batchSize)],
  ['validation split', (run) => String(run.settings.validationSplit)],
  ['training images', (run) => formatInt(run.trainSamples || (run.settings.trainLimit ?? 0)) || 'all'],
  ['shuffle', (run) => (run.settings.shuffle ? 'yes' : 'no')],
  ['seed', (run) => String(run.settings.seed)],
  ['dataset', (run) => run.dataset.name],
  ['backend', (run) => run.backend],
];

const METRICS: [string, Cell][] = [
  ['status', (run) => run.status],
  ['epochs done', (run) => `${run.history.length}/${run.settings.epochs}`],
  ['loss', (run) => formatMetric(run.history.at(-1)?.loss)],
  ['acc', (run) => formatMetric(run.history.at(-1)?.acc)],
  ['val_loss', (run) => formatMetric(run.history.at(-1)?.val_loss)],
  ['val_acc', (run) => formatMetric(run.history.at(-1)?.val_acc)],
  ['test_loss', (run) => formatMetric(run.test?.loss)],
  ['test_acc', (run) => formatMetric(run.test?.acc)],
  ['time', (run) => formatDuration(run.seconds)],
];

export function compareRows(runs: RunSummary[]): CompareRow[] {
  const row =
    (kind: CompareRow['kind']) =>
    ([label, cell]: [string, Cell]): CompareRow => {
      const values = runs.map(cell);
      return { label, values, kind, differs: kind === 'setting' && new Set(values).size > 1 };
    };
  return [...SETTINGS.map(row('setting')), ...METRICS.map(row('metric'))];
}
