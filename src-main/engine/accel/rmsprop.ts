/**
 * One kernel per variable for tfjs' RMSprop update on the WebAssembly backend.
 *
 * tf.RMSPropOptimizer updates each variable with ~13 elementwise ops (it even computes the new
 * mean square twice); for the example's 784x512 kernel that is most of a training step once the
 * matrix products are fast. `rmspropUpdate` is a step's update part for such an optimizer: it
 * keeps the optimizer object — its class, config, state variables (`rms`, `momentum`),
 * iteration count and so its save format — and computes the arithmetic of `applyGradients` in
 * the addon's `rmspropStep`: the same float32 operations in the same order (a JavaScript loop
 * was measured 2x slower than the stock ops, so without the addon the stock code runs),
 * writing fresh tensors through the `MnistStudioRMSPropStep` kernel that the optimizer's
 * variables are assigned as before, or updating the variables' memory in place when nothing
 * else shares it. Centered RMSprop and other optimizers keep the stock update.
 */
import * as tf from '@tensorflow/tfjs';
import type { StepParts } from '../step';
import type { NativeAddon, RmspropArgs } from './addon';
import { applySlotUpdate, registerSlotKernel, type SlotList, type SlotUpdate } from './slot-update';

type RmspropScalars = Pick<RmspropArgs, 'learningRate' | 'decay' | 'momentum' | 'epsilon'>;

function rmspropSlots(addon: NativeAddon): SlotUpdate<RmspropScalars> {
  return {
    kernelName: 'MnistStudioRMSPropStep',
    slots: [
      { input: 'meanSquare', suffix: '/rms' },
      { input: 'moment', suffix: '/momentum' },
    ],
    run: (heap, at, scalars) =>
      addon.rmspropStep(heap, {
        count: at.count,
        value: at.value,
        meanSquare: at.slotA,
        moment: at.slotB,
        gradient: at.gradient,
        newValue: at.newValue,
        newMeanSquare: at.newSlotA,
        newMoment: at.newSlotB,
        learningRate: scalars.learningRate,
        decay: scalars.decay,
        momentum: scalars.momentum,
        epsilon: scalars.epsilon,
      }),
  };
}

/** Registers the update kernel for the wasm backend; the returned function unregisters it. */
export function registerRmspropKernel(addon: NativeAddon): () => void {
  return registerSlotKernel(rmspropSlots(addon));
}

/** The RMSPropOptimizer fields the fused update reads (all present in tfjs 4.x). */
interface RmspropInternals {
  learningRate: number;
  decay: number;
  momentum: number;
  epsilon: number;
  centered: boolean;
  accumulatedMeanSquares: SlotList;
  accumulatedMoments: SlotList;
  incrementIterations(): void;
}

/**
 * The update part of a step for a (not centered) tf.RMSPropOptimizer on the wasm backend with
 * the kernel registered; undefined for any other optimizer. `inPlace`: update unshared
 * variables in place.
 */
export function rmspropUpdate(
  addon: NativeAddon,
  optimizer: tf.Optimizer,
  options: { inPlace: boolean },
): StepParts['update'] | undefined {
  // Not instanceof: tfjs optimizers duck-type Symbol.hasInstance, so Adam "is" an RMSPropOptimizer.
  if (optimizer.getClassName() !== tf.RMSPropOptimizer.className) return undefined;
  const rmsprop = optimizer as unknown as RmspropInternals;
  if (rmsprop.centered) return undefined;
  const slots = rmspropSlots(addon);
  return (gradients) => {
    const scalars: RmspropScalars = {
      learningRate: rmsprop.learningRate,
      decay: rmsprop.decay,
      momentum: rmsprop.momentum,
      epsilon: rmsprop.epsilon,
    };
    const lists: [SlotList, SlotList] = [rmsprop.accumulatedMeanSquares, rmsprop.accumulatedMoments];
    if (!applySlotUpdate(slots, gradients, lists, scalars, options.inPlace)) {
      optimizer.applyGradients(gradients);
      return;
    }
    rmsprop.incrementIterations();
  };
}
