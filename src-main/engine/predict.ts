/**
 * Step 7 of the Keras example: `model.predict`. Images are 28x28 floats in 0..1, white digit on
 * black, row-major: exactly what the Draw view's preprocessing produces.
 */
import * as tf from '@tensorflow/tfjs';
import { StudioError } from '../shared/errors';
import { IMAGE_PIXELS, inputShapeFor, type ModelSpec } from '../shared/spec';

export function predict(model: tf.LayersModel, spec: ModelSpec, images: ArrayLike<number>[]): number[][] {
  const flat = new Float32Array(images.length * IMAGE_PIXELS);
  images.forEach((image, row) => {
    if (image.length !== IMAGE_PIXELS) {
      throw new StudioError(
        'INVALID_MESSAGE',
        `Image ${row + 1} has ${image.length} values; a 28x28 image has ${IMAGE_PIXELS}.`,
      );
    }
    flat.set(image, row * IMAGE_PIXELS);
  });
  const probabilities = tf.tidy(
    () => model.predict(tf.tensor(flat, [images.length, ...inputShapeFor(spec)])) as tf.Tensor,
  );
  const values = probabilities.arraySync() as number[][];
  probabilities.dispose();
  return values;
}
