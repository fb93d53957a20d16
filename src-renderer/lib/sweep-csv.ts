/** A sweep's table as CSV (Keras' metric names), for spreadsheets and notebooks. Pure. */
import type { SweepRecord } from '../../src-main/shared/contract';

const SWEEP_CSV_COLUMNS = [
  'units',
  'params',
  'test_acc',
  'test_loss',
  'seconds',
  'epochs',
  'batch_size',
  'learning_rate',
  'seed',
  'train_limit',
  'dataset',
] as const;

/** Quotes a field when it holds a comma, quote or line break (RFC 4180). */
export function csvField(value: string | number | undefined): string {
  const text = value === undefined ? '' : String(value);
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** One header line, then one line per finished point in ascending units; lines end with \n. */
export function sweepCsv(record: Pick<SweepRecord, 'points' | 'settings' | 'dataset'>): string {
  const { settings } = record;
  const rows = [...record.points]
    .sort((a, b) => a.units - b.units)
    .map((point) =>
      [
        point.units,
        point.params,
        point.test_acc.toFixed(6),
        point.test_loss.toFixed(6),
        point.seconds.toFixed(2),
        settings.epochs,
        settings.batchSize,
        settings.learningRate,
        settings.seed,
        settings.trainLimit,
        record.dataset.name,
      ]
        .map(csvField)
        .join(','),
    );
  return [SWEEP_CSV_COLUMNS.join(','), ...rows].map((line) => `${line}\n`).join('');
}

/** "sweep-2025-11-28-1542.csv": sortable, and safe on every file system. */
export function sweepFileName(record: Pick<SweepRecord, 'createdAt'>, extension: string, prefix = 'sweep'): string {
  const date = new Date(record.createdAt);
  const pad = (value: number) => String(value).padStart(2, '0');
  const stamp = Number.isNaN(date.getTime())
    ? 'unsaved'
    : `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}-${pad(date.getHours())}${pad(date.getMinutes())}`;
  return `${prefix}-${stamp}.${extension}`;
}
