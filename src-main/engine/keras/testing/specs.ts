import type { ModelSpec } from '../../../shared/spec';

/** Every layer type and option the spec allows, in one network. */
export const EVERY_LAYER_SPEC: ModelSpec = {
  layers: [
    { type: 'conv2d', filters: 4, kernelSize: 3, strides: 2, padding: 'same', activation: 'elu' },
    { type: 'maxPooling2d', poolSize: 2, strides: 1 },
    { type: 'conv2d', filters: 6, kernelSize: 2, strides: 1, padding: 'valid', activation: 'selu' },
    { type: 'maxPooling2d', poolSize: 2 },
    { type: 'flatten' },
    { type: 'dropout', rate: 0.3 },
    { type: 'dense', units: 12, activation: 'tanh' },
    { type: 'dense', units: 8, activation: 'sigmoid' },
    { type: 'dense', units: 8, activation: 'linear' },
    { type: 'dense', units: 10, activation: 'softmax' },
  ],
  optimizer: { name: 'adagrad', learningRate: 0.01 },
  loss: 'categoricalCrossentropy',
};
