/** The layer editor's vocabulary: defaults for new layers and per-field problems. Pure. */
import { layerSpecSchema, type LayerSpec, type LayerType } from '../../src-main/shared/spec';

export const LAYER_TYPES: { type: LayerType; label: string }[] = [
  { type: 'dense', label: 'Dense' },
  { type: 'dropout', label: 'Dropout' },
  { type: 'flatten', label: 'Flatten' },
  { type: 'conv2d', label: 'Conv2D' },
  { type: 'maxPooling2d', label: 'MaxPooling2D' },
];

export function layerLabel(type: LayerType): string {
  return LAYER_TYPES.find((entry) => entry.type === type)?.label ?? type;
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

const FIELD_RULES: Record<string, string> = {
  units: 'Units must be a whole number from 1 to 8192.',
  rate: 'Dropout rate must be at least 0 and below 1.',
  filters: 'Filters must be a whole number from 1 to 512.',
  kernelSize: 'Kernel size must be a whole number from 1 to 11.',
  strides: 'Strides must be a whole number from 1 to 8.',
  poolSize: 'Pool size must be a whole number from 1 to 8.',
  activation: 'Choose an activation.',
  padding: 'Choose valid or same padding.',
};

/** Sentences for the fields of one layer that the contract's schema rejects, keyed by field. */
export function layerFieldIssues(layer: unknown): Record<string, string> {
  const parsed = layerSpecSchema.safeParse(layer);
  if (parsed.success) return {};
  const issues: Record<string, string> = {};
  for (const issue of parsed.error.issues) {
    const field = String(issue.path[0] ?? 'type');
    issues[field] ??= FIELD_RULES[field] ?? `${field}: ${issue.message}`;
  }
  return issues;
}
