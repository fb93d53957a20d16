/** The layer editor's vocabulary: defaults for new layers and per-field problems. Pure. */
import { layerTypeLabel, type LayerSpec, type LayerType } from '../../src-main/shared/spec';

export { layerFieldIssues, layerTypeLabel as layerLabel } from '../../src-main/shared/spec';

const ORDER: LayerType[] = ['dense', 'dropout', 'flatten', 'conv2d', 'maxPooling2d'];
export const LAYER_TYPES = ORDER.map((type) => ({ type, label: layerTypeLabel(type) }));

/** A layer in a one-line description of a model: "Dense 512", "Conv2D", ... */
export function layerShortName(layer: LayerSpec): string {
  return layer.type === 'dense' ? `Dense ${layer.units}` : layerTypeLabel(layer.type);
}

export function newLayer(type: LayerType): LayerSpec {
  switch (type) {
    case 'dense':
      return { type, units: 128, activation: 'relu' };
    case 'dropout':
      return { type, rate: 0.2 };
    case 'flatten':
      return { type };
    case 'conv2d':
      return { type, filters: 16, kernelSize: 3, strides: 1, padding: 'valid', activation: 'relu' };
    case 'maxPooling2d':
      return { type, poolSize: 2 };
  }
}
