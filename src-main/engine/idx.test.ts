import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { StudioError } from '../shared/errors';
import { MAX_IDX_BYTES, parseIdx, parseImageSet } from './idx';
import { idxBytes, tinyImageSet } from './testing/idx-fixtures';

const OPTIONS = { rows: 28, cols: 28, numClasses: 10 };

function idxError(run: () => unknown): StudioError {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(StudioError);
    return error as StudioError;
  }
  throw new Error('expected an IDX error');
}

describe('parseIdx', () => {
  it('reads a plain label file', () => {
    const parsed = parseIdx(idxBytes([3], [7, 2, 1]), 'labels', 1);
    expect(parsed.dims).toEqual([3]);
    expect(Array.from(parsed.data)).toEqual([7, 2, 1]);
  });

  it('reads the same file gzipped', () => {
    const parsed = parseIdx(gzipSync(idxBytes([2, 2, 2], [1, 2, 3, 4, 5, 6, 7, 8])), 'images.gz', 3);
    expect(parsed.dims).toEqual([2, 2, 2]);
    expect(Array.from(parsed.data)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
  });

  const malformed: [string, Uint8Array, number, RegExp][] = [
    ['an empty file', new Uint8Array(0), 1, /the file is empty/],
    ['a file shorter than the magic number', new Uint8Array([0, 0]), 1, /shorter than the 4-byte magic/],
    ['a bad magic number', idxBytes([1], [1], { magicPrefix: [0x12, 0x34] }), 1, /bad magic number 0x12340801/],
    ['a float IDX file', idxBytes([1], [1], { typeByte: 0x0d }), 1, /value type 0x0d is not supported/],
    ['the wrong number of dimensions', idxBytes([1, 1], [1]), 1, /2 dimensions where 1 is expected/],
    ['a header cut short', idxBytes([5, 28, 28], []).subarray(0, 10), 3, /header is cut short \(10 of 16 bytes\)/],
    ['a zero dimension', idxBytes([0], []), 1, /dimension 1 is 0/],
    ['a truncated body', idxBytes([10], [1, 2, 3]), 1, /promises 10 values .* holds 3: it is truncated/],
    ['trailing bytes', idxBytes([2], [1, 2, 3, 4]), 1, /2 unexpected bytes follow/],
    [
      'a lying header claiming billions of values',
      idxBytes([0xffffffff, 0xffffffff, 0xffffffff], [1]),
      3,
      new RegExp(`more than the ${MAX_IDX_BYTES}`),
    ],
    [
      'corrupt gzip data',
      Uint8Array.from([0x1f, 0x8b, 8, 0, 1, 2, 3, 4, 5, 6]),
      1,
      /gzip data is corrupt or cut short/,
    ],
    [
      'truncated gzip data',
      gzipSync(idxBytes([100], new Uint8Array(100))).subarray(0, 20),
      1,
      /gzip data is corrupt or cut short/,
    ],
  ];

  it.each(malformed)('refuses %s with a message naming the file', (_name, bytes, rank, message) => {
    const error = idxError(() => parseIdx(bytes, '/data/broken-idx', rank));
    expect(error.code).toBe('IDX_FORMAT');
    expect(error.message).toMatch(/^\/data\/broken-idx is not a valid IDX file: /);
    expect(error.message).toMatch(message);
    expect(error.message).not.toContain('\n');
  });
});

describe('parseImageSet', () => {
  it('pairs images with labels', () => {
    const { images, labels } = tinyImageSet(12);
    const set = parseImageSet(images, 'img', labels, 'lbl', OPTIONS);
    expect(set.count).toBe(12);
    expect(set.labels[11]).toBe(1);
    expect(set.images[11 * 784]).toBe(20);
  });

  it('refuses mismatched counts, naming both files', () => {
    const { images } = tinyImageSet(12);
    const error = idxError(() =>
      parseImageSet(images, 'a-images', idxBytes([11], new Uint8Array(11)), 'a-labels', OPTIONS),
    );
    expect(error.message).toBe('a-labels holds 11 labels but a-images holds 12 images; they must match.');
  });

  it('refuses labels outside 0..9', () => {
    const { images } = tinyImageSet(3);
    const error = idxError(() => parseImageSet(images, 'img', idxBytes([3], [1, 12, 3]), 'lbl', OPTIONS));
    expect(error.message).toMatch(/^lbl is not a valid IDX file: label 12 at position 1 is outside 0..9/);
  });

  it('refuses images that are not 28x28', () => {
    const error = idxError(() =>
      parseImageSet(idxBytes([1, 32, 32], new Uint8Array(1024)), 'img', idxBytes([1], [0]), 'lbl', OPTIONS),
    );
    expect(error.message).toMatch(/images are 32x32, but 28x28 are expected/);
  });
});
