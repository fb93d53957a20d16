/**
 * The drawing pad in Chromium through the browser host (issue 10's acceptance): digits of the
 * Hershey single-stroke fonts (src-main/cli/font-digits.ts) drawn with the mouse through the real
 * pad at three sizes and places after one epoch of the Keras example, and a misread drawing
 * taught, fine-tuned on, and then read right.
 */
import { existsSync, mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect, test, type Page } from '@playwright/test';
import { fontDigits, type FontDigit } from '../src-main/cli/font-digits';
import type { Stroke } from '../src-main/shared/drawing';
import { useTestHost } from './browser-host';
import { artifactScreenshots, openView, screenshot } from './journey';

const host = useTestHost();
// Thousands of pointer moves: a trace of each would take longer than the drawing.
test.use({ trace: 'off' });

/**
 * `npm run pad-eval -- --variants 2` reads 101/120 (0.84) of these same drawings from their exact
 * points after the same training (seed 42, wasm; the figure moves by a few drawings when the
 * engine's kernels or the pad's preprocessing change: 87/120 to 92/120 before the centre of mass
 * moved to MNIST's and the ink box to 19 px). The pad gets the mouse's whole-pixel positions
 * instead, so a few may read differently.
 */
const PURE_HARNESS_ACC = 101 / 120;
/** `npm run pad-eval -- --preset cnn-5x5` reads 226/240 of PAD_PRESET_DIGITS from their exact points. */
const PAD_PRESET_HARNESS_ACC = 226 / 240;
const MARGIN = 0.05;

/** The font digits, two drawings of each digit per font and place: 120 drawings. */
const DIGITS = fontDigits(2);
/** Four drawings of each digit per font and place (pad-eval's default set): 240 drawings. */
const PAD_PRESET_DIGITS = fontDigits(4);

/** Digits the pad misread in the first test, for the second to teach. */
const misread: FontDigit[] = [];

/** Trains the preset whose card's name matches `preset` for one epoch in the Train view. */
async function trainPresetOneEpoch(page: Page, preset: RegExp): Promise<void> {
  await openView(page, 'Model');
  await page.getByRole('button', { name: preset }).click();
  await page.getByLabel('Epochs', { exact: true }).fill('1');
  await expect(page.getByText('Ready to train.')).toBeVisible();
  await openView(page, 'Train');
  await page.getByRole('button', { name: 'Start training' }).click();
  await expect(page.getByTestId('train-status')).toHaveText(/^Finished/, { timeout: 180_000 });
}

/**
 * Screen distance between two pointer moves: a mouse reporting at 60 Hz while moving at about
 * 300 px/s. The font digits' points are denser than that; the pad smooths between moves anyway.
 */
const MOVE_SPACING_PX = 5;

/** Draws `strokes` (pad units) with the mouse: down, a move every MOVE_SPACING_PX along the path, up. */
async function drawWithMouse(page: Page, strokes: Stroke[]): Promise<void> {
  const box = await page.getByLabel('Drawing pad').boundingBox();
  if (!box) throw new Error('The drawing pad is not visible.');
  for (const stroke of strokes) {
    const points = stroke.map((p) => ({ x: box.x + p.x * box.width, y: box.y + p.y * box.height }));
    await page.mouse.move(points[0].x, points[0].y);
    await page.mouse.down();
    let last = points[0];
    for (const [i, point] of points.entries()) {
      if (Math.hypot(point.x - last.x, point.y - last.y) < MOVE_SPACING_PX && i < points.length - 1) continue;
      await page.mouse.move(point.x, point.y);
      last = point;
    }
    await page.mouse.up();
  }
}

/** Clears the pad, draws the digit and returns what the model reads once the reading of the whole drawing is in. */
async function padReads(page: Page, digit: FontDigit): Promise<number> {
  await page.keyboard.press('Escape');
  const status = page.getByRole('status').filter({ hasText: /pad is empty|Predicted/ });
  await expect(status).toContainText('The pad is empty');
  await drawWithMouse(page, digit.strokes);
  await expect(status).toHaveAttribute('aria-busy', 'false');
  return Number(await status.getByTestId('predicted').textContent());
}

/** Draws each of `digits` with the mouse and returns the share read right (misreads go to `misreads`). */
async function readFontDigits(page: Page, digits: FontDigit[], misreads: FontDigit[]): Promise<number> {
  await openView(page, 'Draw');
  const tally: Record<string, { correct: number; total: number }> = {};
  let correct = 0;
  for (const digit of digits) {
    const read = await padReads(page, digit);
    const placement = (tally[digit.placement] ??= { correct: 0, total: 0 });
    placement.total++;
    if (read === digit.label) {
      correct++;
      placement.correct++;
    } else misreads.push(digit);
  }
  const report = `pad read ${correct}/${digits.length} (${((100 * correct) / digits.length).toFixed(1)}%); ${Object.entries(
    tally,
  )
    .map(([name, t]) => `${name}: ${t.correct}/${t.total}`)
    .join(', ')}`;
  test.info().annotations.push({ type: 'pad accuracy', description: report });
  console.log(report);
  return correct / digits.length;
}

test('font digits drawn with the mouse are read after one epoch of the Keras example', async ({ page }) => {
  test.setTimeout(900_000);
  await page.goto(host.url);
  await trainPresetOneEpoch(page, /Keras example: Dense 512/);
  const acc = await readFontDigits(page, DIGITS, misread);
  // The reading says how sure it is and lists the top three.
  await expect(page.getByRole('list', { name: 'Top three' }).getByRole('listitem')).toHaveCount(3);
  await expect(
    page.getByText(/^(Sure: \d+\.\d% \(sure means 70% or more\)|Not sure: no digit reaches 70%\.)$/),
  ).toBeVisible();
  expect(acc).toBeGreaterThanOrEqual(PURE_HARNESS_ACC - MARGIN);
});

test('a misread drawing is taught, the model fine-tuned, and then it reads it right', async ({ page }) => {
  test.setTimeout(300_000);
  expect(misread.length, 'the first test found misread drawings to teach').toBeGreaterThan(0);
  const digit = misread[0];
  await page.goto(host.url);
  await openView(page, 'Draw');
  expect(await padReads(page, digit)).not.toBe(digit.label);
  await screenshot(page, 'pad-1-misread', artifactScreenshots('browser'));

  await page.getByRole('button', { name: `It is a ${digit.label}`, exact: true }).click();
  await expect(page.getByText(`Kept as a ${digit.label} in My drawings (1 drawing).`)).toBeVisible();
  const fineTune = page.getByRole('region', { name: 'Fine-tune on my drawings' });
  await fineTune.getByRole('button', { name: 'Fine-tune' }).click();
  const table = fineTune.getByRole('table', { name: 'Fine-tune before and after' });
  await expect(table).toBeVisible({ timeout: 240_000 });
  await expect(fineTune.getByTestId('drawings-before')).toHaveText('0/1');
  await expect(fineTune.getByTestId('drawings-after')).toHaveText('1/1');
  // The pad, still holding the drawing, is read again by the fine-tuned model.
  const status = page.getByRole('status').filter({ hasText: /Predicted/ });
  await expect(status.getByTestId('predicted')).toHaveText(String(digit.label));
  await expect(status).toHaveAttribute('aria-busy', 'false');
  const percent = async (id: string) => Number((await fineTune.getByTestId(id).textContent())?.replace('%', ''));
  const before = await percent('test-before');
  const after = await percent('test-after');
  test.info().annotations.push({ type: 'fine-tune', description: `test_acc ${before}% -> ${after}%` });
  expect(after).toBeGreaterThanOrEqual(before - 0.5);
  await screenshot(page, 'pad-2-taught', artifactScreenshots('browser'));

  // The Evaluate view measures the fine-tuned model on the test set: the same figure.
  await openView(page, 'Evaluate');
  await expect(page.getByTestId('test-acc')).toHaveText(`${after.toFixed(2)}%`, { timeout: 60_000 });

  // Dataset: My drawings lists it; it exports as a dataset folder and is deleted.
  await openView(page, 'Dataset');
  const mine = page.getByRole('region', { name: 'My drawings' });
  await expect(mine.getByRole('img', { name: `My drawing of a ${digit.label}` })).toBeVisible();
  await mine.scrollIntoViewIfNeeded();
  await screenshot(page, 'pad-4-my-drawings', artifactScreenshots('browser'));
  const exportDir = mkdtempSync(path.join(os.tmpdir(), 'mnist-studio-drawings-'));
  await mine.getByLabel('Folder to export my drawings to').fill(exportDir);
  await mine.getByRole('button', { name: 'Export' }).click();
  const folder = path.join(exportDir, 'my-drawings');
  await expect(mine.getByRole('status')).toContainText(`Wrote 1 drawing to ${folder}.`);
  for (const file of [
    'train-images-idx3-ubyte',
    'train-labels-idx1-ubyte',
    't10k-images-idx3-ubyte',
    't10k-labels-idx1-ubyte',
  ])
    expect(existsSync(path.join(folder, file)), file).toBe(true);
  await mine.getByRole('button', { name: 'Open it as the dataset' }).click();
  await expect(page.getByRole('region', { name: 'Source' })).toContainText('my-drawings · 1 train · 1 test');
  await page.getByRole('region', { name: 'Source' }).getByRole('button', { name: 'Built-in MNIST' }).click();
  await mine.getByRole('button', { name: new RegExp(`^Delete my drawing of a ${digit.label}`) }).click();
  await expect(mine).toContainText('None yet.');
  await page.emulateMedia({ colorScheme: 'dark' });
  await openView(page, 'Draw');
  expect(await padReads(page, digit)).toBe(digit.label);
  await screenshot(page, 'pad-5-draw-dark', artifactScreenshots('browser'));
});

test("the pad's preset (CNN 5x5) reads the font digits drawn with the mouse after one epoch", async ({ page }) => {
  test.setTimeout(1_200_000);
  await page.goto(host.url);
  await trainPresetOneEpoch(page, /CNN 5x5 \+ Dense 128/);
  const acc = await readFontDigits(page, PAD_PRESET_DIGITS, []);
  expect(acc).toBeGreaterThanOrEqual(PAD_PRESET_HARNESS_ACC - MARGIN);
});
