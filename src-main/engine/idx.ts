/**
 * IDX files (the format MNIST ships in): a big-endian header, then raw values.
 * Every check runs before any allocation sized by the header, so a lying header can neither
 * crash, hang nor exhaust memory. Pure: bytes in, arrays out.
 */
import { gunzipSync } from 'node:zlib';
import { StudioError } from '../shared/errors';

const UBYTE = 0x08;
/** Far above any real image set, far below what would hurt the machine. */
export const MAX_IDX_BYTES = 1 << 30;

export interface IdxArray {
  dims: number[];
  data: Uint8Array;
}

function fail(file: string, problem: string): never {
  throw new StudioError('IDX_FORMAT', `${file} is not a valid IDX file: ${problem}.`);
}

function isGzip(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
}

/** Unzips when the bytes are gzip, refusing output larger than `maxBytes`. */
function maybeGunzip(bytes: Uint8Array, file: string, maxBytes = MAX_IDX_BYTES): Uint8Array {
  if (!isGzip(bytes)) return bytes;
  try {
    return gunzipSync(bytes, { maxOutputLength: maxBytes });
  } catch (error) {
    const code = (error as { code?: string }).code;
    if (code === 'ERR_BUFFER_TOO_LARGE' || code === 'ERR_OUT_OF_RANGE') {
      fail(file, `it unpacks to more than ${maxBytes} bytes`);
    }
    fail(file, 'its gzip data is corrupt or cut short');
  }
}

/** Parses an unsigned-byte IDX file with `expectedRank` dimensions, of at most `maxBytes` values. */
export function parseIdx(raw: Uint8Array, file: string, expectedRank: number, maxBytes = MAX_IDX_BYTES): IdxArray {
  const bytes = maybeGunzip(raw, file, maxBytes);
  if (bytes.length === 0) fail(file, 'the file is empty');
  if (bytes.length < 4) fail(file, `only ${bytes.length} bytes, shorter than the 4-byte magic number`);
  if (bytes[0] !== 0 || bytes[1] !== 0) {
    fail(file, `bad magic number 0x${hex(bytes, 0, 4)} (an IDX file starts with two zero bytes)`);
  }
  if (bytes[2] !== UBYTE) fail(file, `value type 0x${hex(bytes, 2, 1)} is not supported (only unsigned bytes, 0x08)`);
  const rank = bytes[3];
  if (rank !== expectedRank) {
    fail(
      file,
      `it has ${rank} dimension${rank === 1 ? '' : 's'} where ${expectedRank} ${expectedRank === 1 ? 'is' : 'are'} expected`,
    );
  }
  const headerLength = 4 + 4 * rank;
  if (bytes.length < headerLength) fail(file, `the header is cut short (${bytes.length} of ${headerLength} bytes)`);

  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const dims: number[] = [];
  let expectedValues = 1;
  for (let i = 0; i < rank; i++) {
    const size = view.getUint32(4 + 4 * i, false);
    if (size === 0) fail(file, `dimension ${i + 1} is 0`);
    dims.push(size);
    expectedValues *= size;
    if (expectedValues > maxBytes)
      fail(file, `the header claims ${dims.join('x')}... values, more than the ${maxBytes} allowed`);
  }
  const actualValues = bytes.length - headerLength;
  if (actualValues < expectedValues) {
    fail(
      file,
      `the header promises ${expectedValues} values (${dims.join('x')}) but the file holds ${actualValues}: it is truncated`,
    );
  }
  if (actualValues > expectedValues) {
    fail(
      file,
      `${actualValues - expectedValues} unexpected bytes follow the ${expectedValues} values the header announces`,
    );
  }
  return { dims, data: bytes.subarray(headerLength) };
}

function hex(bytes: Uint8Array, start: number, length: number): string {
  return Array.from(bytes.subarray(start, start + length), (b) => b.toString(16).padStart(2, '0')).join('');
}

export interface LabelledImages {
  count: number;
  rows: number;
  cols: number;
  /** count * rows * cols pixels, 0..255 */
  images: Uint8Array;
  /** count labels, each < numClasses */
  labels: Uint8Array;
}

/** Pairs an image file with its label file and checks they describe the same examples. */
export function parseImageSet(
  imageBytes: Uint8Array,
  imageFile: string,
  labelBytes: Uint8Array,
  labelFile: string,
  options: { rows: number; cols: number; numClasses: number },
): LabelledImages {
  const images = parseIdx(imageBytes, imageFile, 3);
  const labels = parseIdx(labelBytes, labelFile, 1);
  const [count, rows, cols] = images.dims;
  if (rows !== options.rows || cols !== options.cols) {
    fail(imageFile, `images are ${rows}x${cols}, but ${options.rows}x${options.cols} are expected`);
  }
  if (labels.dims[0] !== count) {
    throw new StudioError(
      'IDX_FORMAT',
      `${labelFile} holds ${labels.dims[0]} labels but ${imageFile} holds ${count} images; they must match.`,
    );
  }
  for (let i = 0; i < labels.data.length; i++) {
    if (labels.data[i] >= options.numClasses) {
      fail(labelFile, `label ${labels.data[i]} at position ${i} is outside 0..${options.numClasses - 1}`);
    }
  }
  return { count, rows, cols, images: images.data, labels: labels.data };
}
