/** How the running tfjs backend is described to a person. Pure. */
import type { BackendInfo } from '../../src-main/shared/contract';

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
