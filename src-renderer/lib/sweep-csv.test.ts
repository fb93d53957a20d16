import { describe, expect, it } from 'vitest';
import type { SweepRecord } from '../../src-main/shared/contract';
import { csvField, sweepCsv, sweepFileName } from './sweep-csv';

const record: Pick<SweepRecord, 'points' | 'settings' | 'dataset' | 'createdAt'> = {
  createdAt: '2025-11-28T15:42:07.000Z',
  settings: { units: [32, 8, 16], epochs: 1, batchSize: 32, learningRate: 0.001, seed: 42, trainLimit: 2000 },
  dataset: { id: 'mnist-abc', name: 'MNIST' },
  points: [
    { units: 32, params: 25450, test_acc: 0.84181234, test_loss: 0.6603, seconds: 0.234 },
    { units: 8, params: 6370, test_acc: 0.473, test_loss: 1.5597, seconds: 0.61 },
  ],
};

describe('sweepCsv', () => {
  it('writes a header and one row per finished point, in ascending units, with Keras names', () => {
    expect(sweepCsv(record)).toBe(
      'units,params,test_acc,test_loss,seconds,epochs,batch_size,learning_rate,seed,train_limit,dataset\n' +
        '8,6370,0.473000,1.559700,0.61,1,32,0.001,42,2000,MNIST\n' +
        '32,25450,0.841812,0.660300,0.23,1,32,0.001,42,2000,MNIST\n',
    );
  });

  it('leaves the training limit empty when the whole training set was used', () => {
    const { trainLimit: _unused, ...settings } = record.settings;
    const line = sweepCsv({ ...record, settings }).split('\n')[1];
    expect(line).toBe('8,6370,0.473000,1.559700,0.61,1,32,0.001,42,,MNIST');
  });

  it('is only a header when nothing has finished yet', () => {
    expect(
      sweepCsv({ ...record, points: [] })
        .trim()
        .split('\n'),
    ).toHaveLength(1);
  });

  it('quotes dataset names with commas or quotes', () => {
    const line = sweepCsv({ ...record, dataset: { id: 'x', name: 'Fashion, "zalando"' } }).split('\n')[1];
    expect(line.endsWith(',"Fashion, ""zalando"""')).toBe(true);
  });
});

describe('csvField', () => {
  it('passes plain values through and quotes special ones', () => {
    expect(csvField(12)).toBe('12');
    expect(csvField(undefined)).toBe('');
    expect(csvField('a\nb')).toBe('"a\nb"');
  });
});

describe('sweepFileName', () => {
  it('stamps the local date and time', () => {
    expect(sweepFileName(record, 'csv')).toMatch(/^sweep-\d{4}-\d\d-\d\d-\d{4}\.csv$/);
  });
  it('copes with a missing date', () => {
    expect(sweepFileName({ createdAt: 'nope' }, 'png')).toBe('sweep-unsaved.png');
  });
});
