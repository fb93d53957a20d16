/**
 * The end-to-end journey through MNIST Studio's screens, written against a Playwright Page so
 * that the browser-host spec and the Electron spec run the very same steps.
 */
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { expect, test, type Page } from '@playwright/test';

/** Screenshots go next to the run's other artifacts (test-results/screenshots unless --output says otherwise). */
export function artifactScreenshots(prefix: string): { screenshotDir: string; prefix: string } {
  return { screenshotDir: path.join(test.info().project.outputDir, 'screenshots'), prefix };
}

export interface JourneyOptions {
  /** Where each view's screenshot goes. */
  screenshotDir: string;
  /** File name prefix, e.g. "browser" or "electron". */
  prefix: string;
  /** Training images for the quick training run. */
  trainLimit?: number;
}

export async function screenshot(page: Page, name: string, options: JourneyOptions): Promise<string> {
  mkdirSync(options.screenshotDir, { recursive: true });
  const file = path.join(options.screenshotDir, `${options.prefix}-${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  return file;
}

export async function openView(page: Page, name: string): Promise<void> {
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name, exact: true }).click();
  await expect(page.getByRole('heading', { level: 1 })).toHaveText(name);
}

/** Dataset: a page of real MNIST digits, painted, with labels; one enlarged. */
export async function datasetShowsDigits(page: Page): Promise<void> {
  await openView(page, 'Dataset');
  const tiles = page.getByRole('list', { name: 'Digits' }).getByRole('button');
  await expect(tiles).toHaveCount(48, { timeout: 60_000 });
  await expect(tiles.first()).toHaveAccessibleName(/^Image 0, labelled 5$/);
  const inked = await tiles
    .first()
    .locator('canvas')
    .evaluate((canvas: HTMLCanvasElement) => {
      const pixels = canvas.getContext('2d')?.getImageData(0, 0, 28, 28).data ?? new Uint8ClampedArray();
      return pixels.filter((value, i) => i % 4 === 0 && value > 128).length;
    });
  expect(inked).toBeGreaterThan(50);
  await tiles.nth(7).click();
  await expect(page.getByRole('heading', { name: 'Train image 7' })).toBeVisible();
  await expect(page.getByRole('img', { name: 'One-hot label for digit 3' })).toBeVisible();
}

/** Model: the Keras example preset has 407,050 params; bad settings are explained and block training. */
export async function configureExampleModel(page: Page, trainLimit: number): Promise<void> {
  await openView(page, 'Model');
  await page.getByRole('button', { name: /Keras example: Dense 512/ }).click();
  await expect(page.getByTestId('total-params')).toHaveText('407,050');
  const epochs = page.getByLabel('Epochs', { exact: true });
  await epochs.fill('0');
  await expect(page.getByText('Epochs must be a whole number from 1 to 1000.').first()).toBeVisible();
  await epochs.fill('1');
  await page.getByLabel('Training images', { exact: true }).fill(String(trainLimit));
  await page.getByLabel('Validation split', { exact: true }).fill('0.1');
  await expect(page.getByText('Ready to train.')).toBeVisible();
}

/** Train: one epoch on a slice; the loss chart must gain points while training runs, not only at the end. */
export async function trainWhileChartsMove(page: Page): Promise<void> {
  await openView(page, 'Train');
  await page.evaluate(() => {
    const chart = document.querySelector('figure[aria-label="Loss chart"]');
    const status = document.querySelector('[data-testid="train-status"]');
    const seen: { samples: number; status: string }[] = [];
    (window as unknown as { chartSamples: typeof seen }).chartSamples = seen;
    new MutationObserver(() =>
      seen.push({ samples: Number(chart?.getAttribute('data-samples')), status: status?.textContent ?? '' }),
    ).observe(chart as Element, { attributes: true, attributeFilter: ['data-samples'] });
  });
  await page.getByRole('button', { name: 'Start training' }).click();
  await expect(page.getByRole('button', { name: 'Stop' })).toBeVisible();
  await expect(page.getByTestId('train-status')).toHaveText(/^Finished/, { timeout: 180_000 });
  const seen = await page.evaluate(
    () => (window as unknown as { chartSamples: { samples: number; status: string }[] }).chartSamples,
  );
  const duringTraining = new Set(seen.filter((entry) => entry.status === 'Training').map((entry) => entry.samples));
  expect(duringTraining.size, `loss chart sizes seen while training: ${JSON.stringify(seen)}`).toBeGreaterThan(1);
  await expect(page.getByRole('progressbar', { name: 'Training progress' })).toHaveAttribute('aria-valuenow', '100');
  await expect(page.getByText(/^Epoch 1\/1/)).toBeVisible();
  await expect(page.getByTestId('backend-name')).not.toBeEmpty();
}

/** Evaluate: test metrics and the confusion matrix; a cell opens its images. */
export async function evaluateShowsConfusion(page: Page): Promise<void> {
  await openView(page, 'Evaluate');
  const matrix = page.getByRole('table', { name: 'Confusion matrix' });
  await expect(matrix).toBeVisible({ timeout: 60_000 });
  await expect(page.getByTestId('test-acc')).toHaveText(/^\d+\.\d\d%$/);
  await matrix.getByRole('button', { name: /^Actual 0, predicted 0:/ }).click();
  await expect(
    page.getByRole('list', { name: 'Images in the selected cell' }).getByRole('listitem').first(),
  ).toBeVisible();
  await expect(page.getByRole('list', { name: 'Misclassified digits' }).getByRole('listitem').first()).toBeVisible();
}

/** A 7 as one stroke, in pad units (0..1). */
export const SEVEN: [number, number][] = [
  [0.28, 0.22],
  [0.5, 0.21],
  [0.72, 0.22],
  [0.6, 0.45],
  [0.5, 0.65],
  [0.44, 0.82],
];

/** One stroke with pointer moves on the Draw view's pad, the points in pad units (0..1). */
export async function drawStroke(page: Page, points: [number, number][]): Promise<void> {
  const box = await page.getByLabel('Drawing pad').boundingBox();
  if (!box) throw new Error('The drawing pad is not visible.');
  const at = (x: number, y: number) => [box.x + x * box.width, box.y + y * box.height] as const;
  await page.mouse.move(...at(...points[0]));
  await page.mouse.down();
  for (const point of points.slice(1)) await page.mouse.move(...at(...point), { steps: 6 });
  await page.mouse.up();
}

/** Draw: a 7 drawn with pointer moves; the model's reading appears in the status element. */
export async function drawDigitAndPredict(page: Page): Promise<void> {
  await openView(page, 'Draw');
  const status = page.getByRole('status');
  await expect(status).toContainText('The pad is empty');
  await drawStroke(page, SEVEN);
  await expect(status).toContainText(/Predicted: \d/);
  await expect(page.getByRole('img', { name: 'The 28 by 28 image the model sees' })).toBeVisible();
}

/** Models: the trained model is saved under a name and listed with its metrics. */
export async function saveCurrentModel(page: Page, name: string): Promise<void> {
  await openView(page, 'Models');
  await page.getByLabel('Model name').fill(name);
  await page.getByRole('button', { name: 'Save model' }).click();
  await expect(page.getByRole('status')).toHaveText(`Saved “${name}”.`);
  const card = page.getByRole('article', { name });
  await expect(card).toBeVisible();
  await expect(card).toContainText('407,050');
}

/** The whole journey, with a screenshot of each view. */
export async function runJourney(page: Page, options: JourneyOptions): Promise<void> {
  await datasetShowsDigits(page);
  await screenshot(page, '1-dataset', options);
  // The full 60,000: even on the fastest engine that is a second or more of training, enough for several chart updates.
  await configureExampleModel(page, options.trainLimit ?? 60000);
  await screenshot(page, '2-model', options);
  await trainWhileChartsMove(page);
  await screenshot(page, '3-train', options);
  await evaluateShowsConfusion(page);
  await screenshot(page, '4-evaluate', options);
  await drawDigitAndPredict(page);
  await screenshot(page, '5-draw', options);
  await saveCurrentModel(page, 'Dense 512, 1 epoch');
  await screenshot(page, '6-models', options);
}
