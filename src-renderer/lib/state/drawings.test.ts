import { describe, expect, it } from 'vitest';
import type { DrawingSummary, FineTuneResult } from '../../../src-main/shared/contract';
import { createFeatures } from './features';
import { ScriptedEngine } from './testing/scripted-engine';

const STROKES = [
  [
    { x: 0.3, y: 0.2 },
    { x: 0.6, y: 0.8 },
  ],
];
const drawing = (id: string, label: number): DrawingSummary => ({
  id,
  createdAt: '2026-12-01T10:00:00.000Z',
  label,
  pixels: btoa(String.fromCharCode(...new Uint8Array(784))),
});
const score = (correct: number, acc: number) => ({
  drawings: { correct, count: 1, acc: correct },
  test: { loss: 0.1, acc },
});
const result: FineTuneResult = {
  before: score(0, 0.9646),
  after: score(1, 0.9779),
  repeats: 200,
  training: {
    status: 'completed',
    epochsCompleted: 1,
    history: [],
    trainSamples: 60200,
    seconds: 3,
    samplesPerSecond: 20000,
  },
};

describe('the drawings feature', () => {
  it('teaches a drawing with its label, lists, deletes', async () => {
    const engine = new ScriptedEngine({
      'drawings.list': () => [drawing('drawing-a', 3)],
      'drawings.add': ({ label }) => drawing('drawing-b', label),
      'drawings.delete': () => ({ deleted: true }),
    });
    const { drawings, notices } = createFeatures(engine, undefined);
    await drawings.refresh();
    const added = await drawings.teach(STROKES, 6);
    expect(added?.label).toBe(6);
    expect(engine.calls.at(-1)).toEqual({ method: 'drawings.add', params: { strokes: STROKES, label: 6 } });
    expect(drawings.lastAdded?.id).toBe('drawing-b');
    expect(drawings.list.map((d) => d.id)).toEqual(['drawing-a', 'drawing-b']);
    expect(await drawings.remove('drawing-b')).toBe(true);
    expect(drawings.list.map((d) => d.id)).toEqual(['drawing-a']);
    expect(drawings.lastAdded).toBeNull();
    expect(notices.error).toBeNull();
  });

  it('a failed save is the notices’ sentence, and nothing is listed', async () => {
    const engine = new ScriptedEngine({});
    const { drawings, notices } = createFeatures(engine, undefined);
    expect(await drawings.teach(STROKES, 6)).toBeUndefined();
    expect(drawings.list).toEqual([]);
    expect(notices.error).toBe('The scripted engine has no answer for drawings.add.');
  });

  it('keeps the fine-tune’s before and after until another model trains', async () => {
    const engine = new ScriptedEngine({ 'model.finetune': () => result });
    const { drawings } = createFeatures(engine, undefined);
    const running = drawings.fineTuneModel();
    expect(drawings.fineTuning).toBe(true);
    // Its own training events do not clear it.
    drawings.handle({ kind: 'train.begin', epochs: 1, batches: 1, trainSamples: 1, validationSamples: 0, params: 1 });
    await running;
    expect(drawings.fineTuning).toBe(false);
    expect(drawings.fineTune?.after.drawings.correct).toBe(1);
    expect(engine.calls.at(-1)).toEqual({ method: 'model.finetune', params: { epochs: 1 } });
    drawings.handle({ kind: 'train.begin', epochs: 1, batches: 1, trainSamples: 1, validationSamples: 0, params: 1 });
    expect(drawings.fineTune).toBeNull();
  });
});
