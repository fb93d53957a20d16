/**
 * "My drawings": drawings the pad misread, each kept with the digit the person said it is, in
 * the data folder (drawings/, one JSON file per drawing: strokes, the 28x28 image the model saw,
 * the label). Every write goes through atomic-file.ts, so an interrupted save never leaves half
 * a drawing; the drawings export as the four IDX files of a dataset folder.
 */
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { drawingSchema, type Drawing, type DrawingSummary } from '../shared/contract';
import { digitImage, type Stroke } from '../shared/drawing';
import { StudioError } from '../shared/errors';
import { IMAGE_PIXELS, IMAGE_SIZE } from '../shared/spec';
import { fileProblem, isPartial, removeAtomically, writeFileAtomically, writeFolderAtomically } from './atomic-file';
import { encodeIdx, type LabelledImages } from './idx';

/** The folder an export makes, and the four files a dataset folder holds (dataset.ts reads them). */
const EXPORT_FOLDER = 'my-drawings';
const IDX_FILES = {
  trainImages: 'train-images-idx3-ubyte',
  trainLabels: 'train-labels-idx1-ubyte',
  testImages: 't10k-images-idx3-ubyte',
  testLabels: 't10k-labels-idx1-ubyte',
} as const;

/** The 784 pixels (0..255) of the image the model sees of `strokes`. */
function drawingPixels(strokes: Stroke[]): Uint8Array {
  const image = digitImage(strokes);
  if (!image) throw new StudioError('INVALID_MESSAGE', 'The drawing has no ink; draw a digit first.');
  return Uint8Array.from(image, (value) => Math.round(value * 255));
}

function summary({ strokes: _strokes, ...rest }: Drawing): DrawingSummary {
  return rest;
}

export class DrawingStore {
  private lastStamp = 0;

  constructor(readonly directory: string) {}

  private file(id: string): string {
    if (!/^[a-z0-9-]+$/.test(id)) throw new StudioError('NOT_FOUND', `There is no drawing "${id}".`);
    return path.join(this.directory, `${id}.json`);
  }

  /** Keeps a drawing with its label; the image is made here, by the pad's own preprocessing. */
  async add(strokes: Stroke[], label: number): Promise<DrawingSummary> {
    const pixels = drawingPixels(strokes);
    // Two drawings kept within one millisecond still list in the order they were kept.
    this.lastStamp = Math.max(Date.now(), this.lastStamp + 1);
    const drawing: Drawing = {
      id: `drawing-${this.lastStamp.toString(36).padStart(9, '0')}${randomBytes(3).toString('hex')}`,
      createdAt: new Date(this.lastStamp).toISOString(),
      label,
      pixels: Buffer.from(pixels).toString('base64'),
      strokes,
    };
    try {
      await mkdir(this.directory, { recursive: true });
      await writeFileAtomically(this.file(drawing.id), JSON.stringify(drawing));
    } catch (error) {
      throw new StudioError('DRAWING_FILE', `Cannot keep the drawing in ${this.directory}: ${fileProblem(error)}.`);
    }
    return summary(drawing);
  }

  /** Every drawing, oldest first. A file that is not a drawing (corrupt, a stray file) is skipped. */
  async all(): Promise<Drawing[]> {
    if (!existsSync(this.directory)) return [];
    const drawings: Drawing[] = [];
    for (const entry of await readdir(this.directory)) {
      if (isPartial(entry) || !entry.endsWith('.json')) continue;
      try {
        const parsed = drawingSchema.safeParse(JSON.parse(await readFile(path.join(this.directory, entry), 'utf8')));
        if (parsed.success && Buffer.from(parsed.data.pixels, 'base64').length === IMAGE_PIXELS)
          drawings.push(parsed.data);
      } catch {
        // Unreadable or not JSON: not one of ours to list.
      }
    }
    return drawings.sort((a, b) => a.createdAt.localeCompare(b.createdAt) || a.id.localeCompare(b.id));
  }

  async list(): Promise<DrawingSummary[]> {
    return (await this.all()).map(summary);
  }

  async remove(id: string): Promise<boolean> {
    const file = this.file(id);
    if (!existsSync(file)) throw new StudioError('NOT_FOUND', `There is no drawing "${id}".`);
    try {
      await removeAtomically(file);
    } catch (error) {
      throw new StudioError('DRAWING_FILE', `Cannot delete the drawing ${file}: ${fileProblem(error)}.`);
    }
    return true;
  }

  /** All drawings as one image set (the model's training and scoring read it like MNIST). */
  async images(): Promise<LabelledImages> {
    return imageSetOf(await this.all());
  }

  /**
   * Writes the drawings as a dataset folder `targetDir/my-drawings` (or my-drawings-2, ...) with
   * the four IDX files: every drawing in train-*, and the same drawings again in t10k-* (a dataset
   * folder needs both and an IDX file cannot hold zero images), so it opens in the Dataset view.
   * The folder is written atomically (atomic-file.ts): complete, or not there at all.
   */
  async export(targetDir: string): Promise<{ path: string; count: number }> {
    const set = await this.images();
    if (set.count === 0) throw new StudioError('NOT_FOUND', 'There are no drawings to export yet.');
    if (!path.isAbsolute(targetDir))
      throw new StudioError(
        'DRAWING_FILE',
        `Cannot export to "${targetDir}": give the full path of an existing folder.`,
      );
    const parent = path.normalize(targetDir);
    const stats = await stat(parent).catch(() => undefined);
    if (!stats?.isDirectory())
      throw new StudioError(
        'DRAWING_FILE',
        `Cannot export to ${parent}: there is no such folder; choose an existing one.`,
      );
    let destination = path.join(parent, EXPORT_FOLDER);
    for (let n = 2; existsSync(destination); n++) destination = path.join(parent, `${EXPORT_FOLDER}-${n}`);
    const images = encodeIdx([set.count, IMAGE_SIZE, IMAGE_SIZE], set.images);
    const labels = encodeIdx([set.count], set.labels);
    const files = {
      [IDX_FILES.trainImages]: images,
      [IDX_FILES.trainLabels]: labels,
      [IDX_FILES.testImages]: images,
      [IDX_FILES.testLabels]: labels,
    };
    try {
      await writeFolderAtomically(destination, files, { replace: false });
    } catch (error) {
      throw new StudioError('DRAWING_FILE', `Cannot export the drawings to ${parent}: ${fileProblem(error)}.`);
    }
    return { path: destination, count: set.count };
  }
}

function imageSetOf(drawings: Drawing[]): LabelledImages {
  const images = new Uint8Array(drawings.length * IMAGE_PIXELS);
  drawings.forEach((drawing, i) => images.set(Buffer.from(drawing.pixels, 'base64'), i * IMAGE_PIXELS));
  return {
    count: drawings.length,
    rows: IMAGE_SIZE,
    cols: IMAGE_SIZE,
    images,
    labels: Uint8Array.from(drawings, (drawing) => drawing.label),
  };
}
