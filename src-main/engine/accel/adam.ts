/**
 * One kernel per variable for tfjs' Adam update on the WebAssembly backend, as rmsprop.ts does
 * for RMSprop. tf.AdamOptimizer runs ~12 elementwise ops per variable and step (35% of a Small
 * CNN step once its convolutions are native); `adamUpdate` keeps the optimizer object (class,
 * config, `m`/`v` state variables, accBeta1/accBeta2, iterations, save format) and does the
 * arithmetic in the addon's `adamStep`: the same float32 operations in the same order, written
 * into the variables' own memory when nothing else shares it, else into fresh tensors that are
 * assigned as before. Other optimizers keep the stock code.
 */
import * as tf from '@tensorflow/tfjs';
import type { StepParts } from '../step';
import type { AdamArgs, NativeAddon } from './addon';
import { applySlotUpdate, registerSlotKernel, type SlotList, type SlotUpdate } from './slot-update';

/** The step's scalars (AdamArgs without the tensors). */
type AdamScalars = Omit<
  AdamArgs,
  'count' | 'value' | 'first' | 'second' | 'gradient' | 'newValue' | 'newFirst' | 'newSecond'
>;

function adamSlots(addon: NativeAddon): SlotUpdate<AdamScalars> {
  return {
    kernelName: 'MnistStudioAdamStep',
    slots: [
      { input: 'first', suffix: '/m' },
      { input: 'second', suffix: '/v' },
    ],
    run: (heap, at, scalars) =>
      addon.adamStep(heap, {
        count: at.count,
        value: at.value,
        first: at.slotA,
        second: at.slotB,
        gradient: at.gradient,
        newValue: at.newValue,
        newFirst: at.newSlotA,
        newSecond: at.newSlotB,
        beta1: scalars.beta1,
        beta2: scalars.beta2,
        oneMinusAccBeta1: scalars.oneMinusAccBeta1,
        oneMinusAccBeta2: scalars.oneMinusAccBeta2,
        epsilon: scalars.epsilon,
        learningRate: scalars.learningRate,
      }),
  };
}

/** Registers the update kernel; the returned function unregisters it. */
export function registerAdamKernel(addon: NativeAddon): () => void {
  return registerSlotKernel(adamSlots(addon));
}

/** The AdamOptimizer fields the fused update reads (all present in tfjs 4.x). */
interface AdamInternals {
  learningRate: number;
  beta1: number;
  beta2: number;
  epsilon: number;
  accBeta1: tf.Variable;
  accBeta2: tf.Variable;
  accumulatedFirstMoment: SlotList;
  accumulatedSecondMoment: SlotList;
  incrementIterations(): void;
}

/** A tf.AdamOptimizer's update as one native kernel per variable, or undefined for other optimizers. */
export function adamUpdate(
  addon: NativeAddon,
  optimizer: tf.Optimizer,
  options: { inPlace: boolean },
): StepParts['update'] | undefined {
  // By class name: tfjs optimizers duck-type instanceof.
  if (optimizer.getClassName() !== tf.AdamOptimizer.className) return undefined;
  const adam = optimizer as unknown as AdamInternals;
  const slots = adamSlots(addon);
  return (gradients) => {
    // sub(1, accBeta) in the stock code is a float32 op on float32 values: exact in double, then rounded.
    const scalars: AdamScalars = {
      beta1: adam.beta1,
      beta2: adam.beta2,
      oneMinusAccBeta1: 1 - (adam.accBeta1.dataSync() as Float32Array)[0],
      oneMinusAccBeta2: 1 - (adam.accBeta2.dataSync() as Float32Array)[0],
      epsilon: adam.epsilon,
      learningRate: adam.learningRate,
    };
    const lists: [SlotList, SlotList] = [adam.accumulatedFirstMoment, adam.accumulatedSecondMoment];
    if (!applySlotUpdate(slots, gradients, lists, scalars, options.inPlace)) {
      optimizer.applyGradients(gradients);
      return;
    }
    tf.tidy(() => {
      adam.accBeta1.assign(tf.mul(adam.accBeta1, adam.beta1));
      adam.accBeta2.assign(tf.mul(adam.accBeta2, adam.beta2));
    });
    adam.incrementIterations();
  };
}
