/**
 * What the native RMSprop and Adam updates share: one kernel per variable on the WebAssembly heap
 * that reads the variable, its optimizer's two state slots and the gradient and writes the three
 * new values. The stock optimizer's slot variables (names, order, lazy creation) are kept, so its
 * state and save format do not change. The update is written straight into the variables' own
 * memory when nothing else shares it (reference count 1 on the heap: no clone, no saved tensor, no
 * snapshot can see the change): that saves three allocations and three assigns per variable.
 */
import * as tf from '@tensorflow/tfjs';
import {
  asKernelFunc,
  heapBuffer,
  heapOffset,
  sizeOf,
  type KernelArguments,
  type WasmBackendInternals,
} from './wasm-heap';

const BACKEND = 'wasm';

/** Heap offsets of one update: the variable, its two slots and the gradient, and where the new values go. */
interface SlotOffsets {
  count: number;
  value: number;
  slotA: number;
  slotB: number;
  gradient: number;
  newValue: number;
  newSlotA: number;
  newSlotB: number;
}

/** One of a tfjs optimizer's per-variable state lists (e.g. RMSprop's `accumulatedMeanSquares`). */
export type SlotList = ({ originalName: string; variable: tf.Variable } | undefined)[];

export interface SlotUpdate<Scalars> {
  kernelName: string;
  /** The two slots' input names in the kernel, and the suffixes tfjs gives their variables' names. */
  slots: [{ input: string; suffix: string }, { input: string; suffix: string }];
  /** The native update, in place when the new offsets equal the old ones. */
  run(heap: ArrayBuffer, offsets: SlotOffsets, scalars: Scalars): void;
}

/** Registers the update as a wasm kernel (inputs value, the two slots, gradient; attrs the scalars); returns its removal. */
export function registerSlotKernel<Scalars>(update: SlotUpdate<Scalars>): () => void {
  const unregister = () => {
    if (tf.getKernel(update.kernelName, BACKEND)) tf.unregisterKernel(update.kernelName, BACKEND);
  };
  unregister();
  const [a, b] = update.slots.map((slot) => slot.input);
  const kernel = (args: KernelArguments): tf.TensorInfo[] => {
    const { value, gradient, [a]: slotA, [b]: slotB } = args.inputs;
    if (!value || !slotA || !slotB || !gradient) throw new Error(`${update.kernelName} is missing inputs.`);
    const backend: WasmBackendInternals = args.backend;
    const outputs = [value, slotA, slotB].map((input) => backend.makeOutput([...input.shape], 'float32'));
    const count = sizeOf(value.shape);
    if (count === 0) return outputs;
    const [newValue, newSlotA, newSlotB] = outputs.map((tensor) => heapOffset(backend, tensor));
    update.run(
      heapBuffer(backend),
      {
        count,
        value: heapOffset(backend, value),
        slotA: heapOffset(backend, slotA),
        slotB: heapOffset(backend, slotB),
        gradient: heapOffset(backend, gradient),
        newValue,
        newSlotA,
        newSlotB,
      },
      args.attrs as unknown as Scalars,
    );
    return outputs;
  };
  tf.registerKernel({ kernelName: update.kernelName, backendName: BACKEND, kernelFunc: asKernelFunc(kernel) });
  return unregister;
}

/** The update in the tensors' own memory when nothing else shares it; false (nothing done) when it cannot. */
function updateInPlace<Scalars>(
  update: SlotUpdate<Scalars>,
  owned: [tf.Variable, tf.Variable, tf.Variable],
  gradient: tf.Tensor,
  scalars: Scalars,
): boolean {
  const backend = tf.backend() as unknown as WasmBackendInternals & { refCount?(dataId: object): number };
  if (typeof backend.refCount !== 'function' || gradient.dtype !== 'float32') return false;
  if (new Set([...owned, gradient].map((tensor) => tensor.dataId)).size !== 4) return false;
  if (owned.some((tensor) => backend.refCount!(tensor.dataId) !== 1)) return false;
  const count = sizeOf(owned[0].shape);
  if (count === 0) return true;
  const [value, slotA, slotB, gradientAt] = [...owned, gradient].map((tensor) => heapOffset(backend, tensor));
  update.run(
    heapBuffer(backend),
    {
      count,
      value,
      slotA,
      slotB,
      gradient: gradientAt,
      newValue: value,
      newSlotA: slotA,
      newSlotB: slotB,
    },
    scalars,
  );
  return true;
}

/**
 * Applies `gradients` with the native update, variable by variable, creating the optimizer's slot
 * variables as the stock code does. Returns false (nothing done) unless every variable is float32:
 * then the caller runs the stock update.
 */
export function applySlotUpdate<Scalars>(
  update: SlotUpdate<Scalars>,
  gradients: tf.NamedTensorMap,
  slotLists: [SlotList, SlotList],
  scalars: Scalars,
  inPlace: boolean,
): boolean {
  const names = Object.keys(gradients);
  if (names.some((name) => tf.engine().registeredVariables[name].dtype !== 'float32')) return false;
  const [a, b] = update.slots.map((slot) => slot.input);
  names.forEach((name, i) => {
    const value = tf.engine().registeredVariables[name];
    update.slots.forEach((slot, s) => {
      slotLists[s][i] ??= {
        originalName: `${name}${slot.suffix}`,
        variable: tf.tidy(() => tf.zerosLike(value).variable(false)),
      };
    });
    const gradient = gradients[name];
    if (gradient == null) return;
    const slotA = slotLists[0][i]!.variable;
    const slotB = slotLists[1][i]!.variable;
    if (inPlace && updateInPlace(update, [value, slotA, slotB], gradient, scalars)) return;
    tf.tidy(() => {
      const [newValue, newSlotA, newSlotB] = tf
        .engine()
        .runKernel(update.kernelName, { value, [a]: slotA, [b]: slotB, gradient }, {
          ...(scalars as object),
        } as tf.NamedAttrMap) as tf.Tensor[];
      slotA.assign(newSlotA);
      slotB.assign(newSlotB);
      value.assign(newValue);
    });
  });
  return true;
}
