/** MNIST pixels as they arrive from the engine (base64 uint8, 784 per image) and on canvases. */
import { IMAGE_PIXELS, IMAGE_SIZE } from '../../src-main/shared/spec';

export function decodeBase64(base64: string): Uint8Array {
  const binary = atob(base64);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

/** Image `index` of a page's pixel block (a view, not a copy). */
export function imageAt(pixels: Uint8Array, index: number): Uint8Array {
  return pixels.subarray(index * IMAGE_PIXELS, (index + 1) * IMAGE_PIXELS);
}

/**
 * Sizes a square canvas of `size` CSS pixels to the screen's pixel density and returns its 2D
 * context, scaled so that drawing is in CSS pixels (sharp on high-DPI screens).
 */
export function sharpContext(canvas: HTMLCanvasElement, size: number): CanvasRenderingContext2D | null {
  const ratio = window.devicePixelRatio || 1;
  canvas.width = size * ratio;
  canvas.height = size * ratio;
  const context = canvas.getContext('2d');
  context?.setTransform(ratio, 0, 0, ratio, 0, 0);
  return context;
}

/** Paints one 28x28 image (0 = black, 255 = white, as MNIST stores it) at 1 canvas pixel per image pixel. */
export function paintDigit(canvas: HTMLCanvasElement, pixels: ArrayLike<number>, scale = 255): void {
  canvas.width = IMAGE_SIZE;
  canvas.height = IMAGE_SIZE;
  const context = canvas.getContext('2d');
  if (!context) return;
  const image = context.createImageData(IMAGE_SIZE, IMAGE_SIZE);
  for (let i = 0; i < IMAGE_PIXELS; i++) {
    const value = Math.max(0, Math.min(255, Math.round((pixels[i] ?? 0) * (255 / scale))));
    image.data[i * 4] = value;
    image.data[i * 4 + 1] = value;
    image.data[i * 4 + 2] = value;
    image.data[i * 4 + 3] = 255;
  }
  context.putImageData(image, 0, 0);
}
