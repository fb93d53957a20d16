import { describe, expect, it } from 'vitest';
import { kerasExampleSpec, smallCnnSpec } from '../shared/spec';
import { chooseTrainingBackend, MEASURED_SAMPLES_PER_SECOND, modelKind } from './backend-choice';

const both = { available: ['tensorflow', 'wasm'] as ('tensorflow' | 'wasm')[], wasmAcceleration: 'openblas' as const };

describe('chooseTrainingBackend', () => {
  it('tells dense stacks from conv nets', () => {
    expect(modelKind(kerasExampleSpec())).toBe('dense');
    expect(modelKind(smallCnnSpec())).toBe('conv');
  });

  it('trains on the backend the benchmark measured faster for the kind of model, saying why', () => {
    const dense = chooseTrainingBackend({ ...both, spec: kerasExampleSpec(), requested: 'auto' });
    const fasterDense =
      MEASURED_SAMPLES_PER_SECOND.dense['wasm-openblas'] > MEASURED_SAMPLES_PER_SECOND.dense.tensorflow;
    expect(dense).toMatchObject({ name: fasterDense ? 'wasm' : 'tensorflow' });
    expect('reason' in dense && dense.reason).toMatch(
      /^Auto: .* trains dense models [\d.]+x as fast as .*npm run bench/,
    );
    const conv = chooseTrainingBackend({ ...both, spec: smallCnnSpec(), requested: 'auto' });
    const fasterConv = MEASURED_SAMPLES_PER_SECOND.conv.tensorflow > MEASURED_SAMPLES_PER_SECOND.conv['wasm-openblas'];
    expect(conv).toMatchObject({ name: fasterConv ? 'tensorflow' : 'wasm' });
  });

  it('counts the WebAssembly backend without its OpenBLAS kernels as the slower one it is', () => {
    const choice = chooseTrainingBackend({
      ...both,
      wasmAcceleration: 'wasm-transpose',
      spec: kerasExampleSpec(),
      requested: 'auto',
    });
    const measured = MEASURED_SAMPLES_PER_SECOND.dense;
    expect(choice).toMatchObject({ name: measured.tensorflow > measured.wasm ? 'tensorflow' : 'wasm' });
  });

  it('uses the only backend that loaded', () => {
    const choice = chooseTrainingBackend({ ...both, available: ['wasm'], spec: smallCnnSpec(), requested: 'auto' });
    expect(choice).toEqual({ name: 'wasm', reason: 'The only backend that loaded here.' });
  });

  it('follows a person’s choice, and refuses one that did not load in a sentence', () => {
    expect(chooseTrainingBackend({ ...both, spec: kerasExampleSpec(), requested: 'tensorflow' })).toEqual({
      name: 'tensorflow',
      reason: 'Chosen in the training settings.',
    });
    expect(
      chooseTrainingBackend({ ...both, available: ['wasm'], spec: kerasExampleSpec(), requested: 'tensorflow' }),
    ).toEqual({
      error: 'The tensorflow backend did not load in this engine; choose Auto or wasm.',
    });
  });

  it('keeps to MNIST_STUDIO_BACKEND, refusing another named backend', () => {
    const pinned = { ...both, available: ['wasm'] as 'wasm'[], pinned: 'wasm' as const };
    expect(chooseTrainingBackend({ ...pinned, spec: smallCnnSpec(), requested: 'auto' })).toMatchObject({
      name: 'wasm',
    });
    expect(chooseTrainingBackend({ ...pinned, spec: smallCnnSpec(), requested: 'tensorflow' })).toEqual({
      error: 'MNIST_STUDIO_BACKEND=wasm pins the engine to wasm, so it cannot train on tensorflow.',
    });
  });
});
