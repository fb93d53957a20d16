/** The journey through MNIST Studio served by the browser host (`npm run serve`), in Chromium. */
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect, test } from '@playwright/test';
import { killTestEngine, useTestHost } from './browser-host';
import { tinyImageSet } from '../src-main/engine/testing/idx-fixtures';
import { artifactScreenshots, openView, runJourney, screenshot } from './journey';

const host = useTestHost();

test('requests without the token are refused', async ({ request }) => {
  const page = await request.get(`${host.origin}/`);
  expect(page.status()).toBe(403);
  const asset = await request.get(`${host.origin}/index.html?token=wrong`);
  expect(asset.status()).toBe(403);
});

test('the journey: dataset, model, train, evaluate, draw, save', async ({ page }) => {
  const errors: string[] = [];
  page.on('pageerror', (error) => errors.push(error.message));
  await page.goto(host.url);
  await runJourney(page, artifactScreenshots('browser'));
  expect(errors, 'uncaught errors in the page').toEqual([]);
});

test('another dataset folder opens, a corrupt one is refused in one sentence', async ({ page }) => {
  await page.goto(host.url);
  await openView(page, 'Dataset');
  const source = page.getByRole('region', { name: 'Source' });
  await expect(source).toContainText('MNIST · 60,000 train · 10,000 test');

  const corrupt = mkdtempSync(path.join(os.tmpdir(), 'mnist-studio-corrupt-'));
  const train = tinyImageSet(40);
  const test10k = tinyImageSet(10);
  writeFileSync(path.join(corrupt, 'train-images-idx3-ubyte'), train.images.subarray(0, 1000));
  writeFileSync(path.join(corrupt, 'train-labels-idx1-ubyte'), train.labels);
  writeFileSync(path.join(corrupt, 't10k-images-idx3-ubyte'), test10k.images);
  writeFileSync(path.join(corrupt, 't10k-labels-idx1-ubyte'), test10k.labels);
  await page.getByLabel('Dataset folder').fill(corrupt);
  await source.getByRole('button', { name: 'Open' }).click();
  const alert = page.getByRole('alert').filter({ hasText: 'is not a valid IDX file' });
  await expect(alert).toContainText(`${corrupt}/train-images-idx3-ubyte is not a valid IDX file: the header promises`);
  await expect(alert).not.toContainText(/\bat \S+ \(/); // no stack frames
  await expect(source).toContainText('MNIST · 60,000 train');

  writeFileSync(path.join(corrupt, 'train-images-idx3-ubyte'), train.images);
  await page.getByLabel('Dataset folder').fill(corrupt);
  await source.getByRole('button', { name: 'Open' }).click();
  await expect(source).toContainText(`${path.basename(corrupt)} · 40 train · 10 test`);
  await expect(page.getByRole('button', { name: /^Train/ })).toContainText('40');
  await screenshot(page, '1-dataset-folder', artifactScreenshots('browser'));
  await source.getByRole('button', { name: 'Built-in MNIST' }).click();
  await expect(source).toContainText('MNIST · 60,000 train · 10,000 test');
});

test('models export to a typed folder; a broken import is refused in one sentence', async ({ page }) => {
  await page.goto(host.url);
  await openView(page, 'Models');
  const card = page.getByRole('article').first();
  await card.getByRole('button', { name: 'Export…' }).click();
  const exportDir = mkdtempSync(path.join(os.tmpdir(), 'mnist-studio-export-'));
  await card.getByRole('textbox').fill(exportDir);
  await card.getByRole('button', { name: 'Export', exact: true }).click();
  await expect(page.getByRole('status')).toContainText(`to ${exportDir}`);
  await card.getByRole('button', { name: 'Export…' }).click();
  await card.getByRole('combobox').selectOption({ label: 'Keras .keras' });
  await card.getByRole('textbox').fill(exportDir);
  await card.getByRole('button', { name: 'Export', exact: true }).click();
  await expect(page.getByRole('status')).toContainText(new RegExp(`to ${exportDir}/[a-z0-9-]+\\.keras\\.$`));

  const broken = mkdtempSync(path.join(os.tmpdir(), 'mnist-studio-broken-'));
  writeFileSync(path.join(broken, 'model.json'), '{ not json');
  await page.getByLabel('Folder or file to import from').fill(broken);
  await page.getByRole('button', { name: 'Import' }).click();
  const alert = page.getByRole('alert');
  await expect(alert).toBeVisible();
  await expect(alert).not.toContainText(/\bat \S+ \(/); // no stack frames
  await screenshot(page, '7-models-import-error', artifactScreenshots('browser'));
});

test('the model and its settings survive a reload', async ({ page }) => {
  await page.goto(host.url);
  await openView(page, 'Model');
  await page.getByRole('button', { name: /Small CNN/ }).click();
  await page.getByLabel('Epochs', { exact: true }).fill('3');
  await page.reload();
  await openView(page, 'Model');
  await expect(page.getByLabel('Epochs', { exact: true })).toHaveValue('3');
  await expect(page.getByTestId('total-params')).toHaveText('56,714');
});

test('dark theme follows the system', async ({ page }) => {
  await page.emulateMedia({ colorScheme: 'dark' });
  await page.goto(host.url);
  for (const [index, view] of ['Dataset', 'Model', 'Train', 'Evaluate', 'Draw', 'Models'].entries()) {
    await openView(page, view);
    if (view === 'Evaluate') await expect(page.getByRole('table', { name: 'Confusion matrix' })).toBeVisible();
    if (view === 'Dataset') await expect(page.getByRole('list', { name: 'Digits' })).toBeVisible();
    await screenshot(page, `dark-${index + 1}-${view.toLowerCase()}`, artifactScreenshots('browser'));
  }
  const background = await page.evaluate(() => getComputedStyle(document.body).backgroundColor);
  expect(background).toBe('rgb(18, 20, 24)');
});

test('an engine crash is announced, and the restarted engine clears the banner', async ({ page }) => {
  await page.goto(host.url);
  await openView(page, 'Draw');
  await expect(page.getByText('Engine ready')).toBeVisible();
  test.skip(!killTestEngine(host), 'The engine process can only be found through /proc on Linux.');
  const banner = page.getByRole('alert').filter({ hasText: 'The engine stopped.' });
  await expect(banner).toBeVisible();
  await screenshot(page, '8-engine-crashed', artifactScreenshots('browser'));
  await expect(banner).toBeHidden({ timeout: 30_000 });
  await expect(page.getByText('Engine ready')).toBeVisible();
  // The unsaved model went with the old engine; the Draw view says so instead of guessing.
  await expect(page.getByRole('status')).toContainText('No model yet');
});
