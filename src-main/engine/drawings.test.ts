import { chmod, mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { digitImage, type Stroke } from '../shared/drawing';
import { loadDataset } from './dataset';
import { DrawingStore } from './drawings';

/** A 7 and a 1 as single strokes, in pad units. */
const SEVEN: Stroke[] = [
  [
    { x: 0.28, y: 0.22 },
    { x: 0.72, y: 0.22 },
    { x: 0.5, y: 0.65 },
    { x: 0.44, y: 0.82 },
  ],
];
const ONE: Stroke[] = [
  [
    { x: 0.5, y: 0.2 },
    { x: 0.5, y: 0.8 },
  ],
];

let home: string;
let store: DrawingStore;
beforeEach(async () => {
  home = await mkdtemp(path.join(os.tmpdir(), 'mnist-drawings-'));
  store = new DrawingStore(path.join(home, 'drawings'));
});
afterEach(async () => {
  await chmod(home, 0o755).catch(() => undefined);
  await rm(home, { recursive: true, force: true });
});

describe('DrawingStore', () => {
  it('keeps strokes, label and the image the pad makes of them, lists oldest first, deletes', async () => {
    expect(await store.list()).toEqual([]);
    const seven = await store.add(SEVEN, 7);
    const one = await store.add(ONE, 1);
    expect(seven).not.toHaveProperty('strokes');
    const pixels = Buffer.from(seven.pixels, 'base64');
    const expected = digitImage(SEVEN) as Float32Array;
    expect(pixels.length).toBe(784);
    expect(Array.from(pixels)).toEqual(Array.from(expected, (v) => Math.round(v * 255)));
    expect((await store.list()).map((d) => [d.id, d.label])).toEqual([
      [seven.id, 7],
      [one.id, 1],
    ]);
    expect((await store.all())[0].strokes).toEqual(SEVEN);
    const set = await store.images();
    expect(set.count).toBe(2);
    expect(Array.from(set.labels)).toEqual([7, 1]);

    expect(await store.remove(seven.id)).toBe(true);
    expect((await store.list()).map((d) => d.id)).toEqual([one.id]);
    await expect(store.remove(seven.id)).rejects.toThrow(`There is no drawing "${seven.id}".`);
    await expect(store.remove('../models')).rejects.toThrow('There is no drawing "../models".');
  });

  it('refuses a drawing without ink', async () => {
    await expect(store.add([], 3)).rejects.toThrow('The drawing has no ink; draw a digit first.');
  });

  it('skips corrupt files and what an interrupted save left, and keeps the rest', async () => {
    const kept = await store.add(SEVEN, 7);
    await writeFile(path.join(store.directory, 'drawing-broken.json'), '{ "id": "drawing-broken", ');
    await writeFile(path.join(store.directory, 'drawing-wrong.json'), JSON.stringify({ id: 'x', label: 12 }));
    await writeFile(path.join(store.directory, '.partial-drawing-half.json'), '{"id":"drawing-half"');
    expect((await store.list()).map((d) => d.id)).toEqual([kept.id]);
  });

  it('says in one sentence when the data folder cannot take the drawing, and leaves nothing behind', async () => {
    await mkdir(store.directory, { recursive: true });
    await chmod(store.directory, 0o555);
    const root = process.getuid?.() === 0;
    if (root) {
      // root writes through permissions: make the folder a file instead.
      await chmod(store.directory, 0o755);
      await rm(store.directory, { recursive: true });
      await writeFile(store.directory, 'not a folder');
    }
    await expect(store.add(SEVEN, 7)).rejects.toThrow(
      new RegExp(`^Cannot keep the drawing in ${store.directory}: (permission denied|.*file.*)\\.$`),
    );
    if (!root) expect(await readdir(store.directory)).toEqual([]);
  });

  it('exports as a dataset folder of four IDX files that the dataset loader opens', async () => {
    await expect(store.export(home)).rejects.toThrow('There are no drawings to export yet.');
    await store.add(SEVEN, 7);
    await store.add(ONE, 1);
    await store.add(SEVEN, 7);
    const first = await store.export(home);
    expect(first).toEqual({ path: path.join(home, 'my-drawings'), count: 3 });
    const second = await store.export(home);
    expect(second.path).toBe(path.join(home, 'my-drawings-2'));
    const dataset = await loadDataset({ kind: 'folder', path: first.path });
    expect(dataset.info.train.count).toBe(3);
    expect(dataset.info.test.count).toBe(3);
    expect(Array.from(dataset.train.labels)).toEqual([7, 1, 7]);
    expect(Array.from(dataset.train.images)).toEqual(Array.from((await store.images()).images));
    expect((await readdir(home)).filter((name) => name.startsWith('.'))).toEqual([]);
    await expect(store.export(path.join(home, 'nowhere'))).rejects.toThrow(
      `Cannot export to ${path.join(home, 'nowhere')}: there is no such folder; choose an existing one.`,
    );
    await expect(store.export('exports')).rejects.toThrow(
      'Cannot export to "exports": give the full path of an existing folder.',
    );
  });
});
