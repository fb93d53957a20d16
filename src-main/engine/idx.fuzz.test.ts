/**
 * Property tests of the IDX reader (fast-check): whatever the bytes, it returns exactly the values
 * of a well-formed file or throws one IDX_FORMAT sentence, without allocating what a lying header
 * or a gzip bomb asks for.
 */
import { gzipSync } from 'node:zlib';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { StudioError } from '../shared/errors';
import { parseIdx } from './idx';
import { idxBytes } from './testing/idx-fixtures';

const RUNS = { numRuns: 300 };

/** A small well-formed IDX file of the given rank: its dims and values. */
const idxFile = (rank: number) =>
  fc.array(fc.integer({ min: 1, max: 6 }), { minLength: rank, maxLength: rank }).chain((dims) =>
    fc.record({
      dims: fc.constant(dims),
      values: fc.uint8Array({
        minLength: dims.reduce((a, b) => a * b, 1),
        maxLength: dims.reduce((a, b) => a * b, 1),
      }),
    }),
  );

/** Runs `parse` and returns what it threw, failing the property for anything but one IDX_FORMAT sentence. */
function refusal(parse: () => unknown): StudioError | undefined {
  try {
    parse();
    return undefined;
  } catch (error) {
    expect(error).toBeInstanceOf(StudioError);
    const studioError = error as StudioError;
    expect(studioError.code).toBe('IDX_FORMAT');
    expect(studioError.message).toMatch(/^file is not a valid IDX file: [^\n]+\.$/);
    return studioError;
  }
}

describe('parseIdx, for any input', () => {
  it('reads back exactly what a well-formed file holds, plain or gzipped', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 4 }).chain(idxFile), fc.boolean(), ({ dims, values }, zipped) => {
        const bytes = idxBytes(dims, values);
        const parsed = parseIdx(zipped ? gzipSync(bytes) : bytes, 'file', dims.length);
        expect(parsed.dims).toEqual(dims);
        expect(Array.from(parsed.data)).toEqual(Array.from(values));
      }),
      RUNS,
    );
  });

  it('refuses every truncation, plain or gzipped', () => {
    fc.assert(
      fc.property(idxFile(3), fc.nat(), fc.boolean(), ({ dims, values }, cut, zipped) => {
        const whole = zipped ? gzipSync(idxBytes(dims, values)) : idxBytes(dims, values);
        const truncated = whole.subarray(0, cut % whole.length);
        expect(refusal(() => parseIdx(truncated, 'file', 3))).toBeDefined();
      }),
      RUNS,
    );
  });

  it('either reads a file with flipped bits as a well-formed one or refuses it', () => {
    fc.assert(
      fc.property(
        idxFile(3),
        fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 7 })), { minLength: 1, maxLength: 8 }),
        ({ dims, values }, flips) => {
          const bytes = idxBytes(dims, values);
          for (const [at, bit] of flips) bytes[at % bytes.length] ^= 1 << bit;
          let parsed: ReturnType<typeof parseIdx> | undefined;
          if (!refusal(() => (parsed = parseIdx(bytes, 'file', 3))) && parsed) {
            expect(parsed.data.length).toBe(parsed.dims.reduce((a, b) => a * b, 1));
            expect(parsed.data.length + 4 + 4 * 3).toBe(bytes.length);
          }
        },
      ),
      RUNS,
    );
  });

  it('refuses headers that promise more than the file holds, without allocating it', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 1, max: 0xffffffff }), { minLength: 3, maxLength: 3 }),
        fc.uint8Array({ maxLength: 64 }),
        (dims, body) => {
          fc.pre(dims.reduce((a, b) => a * b, 1) !== body.length);
          const before = process.memoryUsage().arrayBuffers;
          expect(refusal(() => parseIdx(idxBytes(dims, body), 'file', 3))).toBeDefined();
          expect(process.memoryUsage().arrayBuffers - before).toBeLessThan(1024 * 1024);
        },
      ),
      RUNS,
    );
  });

  it('refuses gzip data that unpacks to more than the limit (a gzip bomb), stopping at the limit', () => {
    const limit = 256 * 1024;
    fc.assert(
      fc.property(fc.integer({ min: limit + 1, max: 16 * limit }), fc.integer({ min: 1, max: 4 }), (size, members) => {
        const member = gzipSync(new Uint8Array(Math.ceil(size / members)), { level: 9 });
        const bomb = Buffer.concat(Array(members).fill(member));
        const error = refusal(() => parseIdx(bomb, 'file', 3, limit));
        expect(error?.message).toMatch(new RegExp(`it unpacks to more than ${limit} bytes`));
      }),
      { numRuns: 40 },
    );
  });
});
