/** How the running tfjs backend is described to a person. Pure. */
import type { BackendInfo } from '../../src-main/shared/contract';
import type { BackendChoice } from '../../src-main/shared/spec';

const NAMES: Record<BackendInfo['name'], string> = {
  tensorflow: 'Native TensorFlow',
  wasm: 'WebAssembly',
  cpu: 'JavaScript CPU',
};

export function backendLabel(info: BackendInfo): string {
  return `${NAMES[info.name]} · tfjs ${info.tfjsVersion}`;
}

export function backendName(info: BackendInfo): string {
  return NAMES[info.name];
}

/** The Train view's backend choices; a backend this engine did not load cannot be picked. */
export function backendChoices(info: BackendInfo | null): { value: BackendChoice; label: string; disabled: boolean }[] {
  const loaded = (name: BackendInfo['name']) => info?.available.includes(name) ?? false;
  return [
    { value: 'auto', label: 'Auto (the faster one for this model)', disabled: false },
    { value: 'tensorflow', label: NAMES.tensorflow, disabled: !loaded('tensorflow') },
    { value: 'wasm', label: NAMES.wasm, disabled: !loaded('wasm') },
  ];
}
