/**
 * Issue 13's acceptance in the app: two runs with different learning rates, started from the UI,
 * appear in Runs; selecting both overlays both curves; after a reload and after an engine crash
 * both are still listed (and a run the crash interrupted is listed as crashed, with what it had).
 * Browser host, Chromium; light and dark screenshots of the Runs view.
 */
import { expect, test, type Page } from '@playwright/test';
import { killTestEngine, useTestHost } from './browser-host';
import { artifactScreenshots, openView, saveCurrentModel, screenshot } from './journey';

const host = useTestHost();

const runRows = (page: Page) =>
  page
    .getByRole('table', { name: 'Training runs' })
    .getByRole('row')
    .filter({
      has: page.getByRole('checkbox'),
    });
const runRow = (page: Page, name: string) => runRows(page).filter({ hasText: name });
const plot = (page: Page) => page.locator('[data-runs]');

async function trainFromUi(page: Page, learningRate: string, epochs: string, trainLimit: string): Promise<void> {
  await openView(page, 'Model');
  await page.getByRole('button', { name: /Keras example: Dense 512/ }).click();
  await page.getByLabel('Learning rate', { exact: true }).fill(learningRate);
  await page.getByLabel('Epochs', { exact: true }).fill(epochs);
  await page.getByLabel('Training images', { exact: true }).fill(trainLimit);
  await page.getByLabel('Validation split', { exact: true }).fill('0.1');
  await expect(page.getByText('Ready to train.')).toBeVisible();
  await openView(page, 'Train');
  await page.getByRole('button', { name: 'Start training' }).click();
}

async function expectBothListed(page: Page): Promise<void> {
  for (const rate of ['0.001', '0.01']) {
    const row = runRow(page, `rmsprop ${rate} · 2 epochs`);
    await expect(row).toHaveCount(1);
    await expect(row.getByText('finished', { exact: true })).toBeVisible();
    await expect(row.getByRole('cell').nth(4)).toHaveText('2/2');
  }
}

test('two runs from the UI are listed, overlaid and compared, and survive a reload and an engine crash', async ({
  page,
}) => {
  const errors: string[] = [];
  page.on('pageerror', (error) => errors.push(error.message));
  await page.goto(host.url);

  for (const rate of ['0.001', '0.01']) {
    await trainFromUi(page, rate, '2', '3000');
    await expect(page.getByTestId('train-status')).toHaveText(/^Finished/, { timeout: 120_000 });
  }

  await openView(page, 'Runs');
  await expect(runRows(page)).toHaveCount(2);
  await expectBothListed(page);
  // Newest first.
  await expect(runRows(page).first()).toContainText('rmsprop 0.01 ·');

  // Keyboard: Space on each checkbox selects the run for the overlay.
  for (const rate of ['0.001', '0.01']) {
    const box = page.getByRole('checkbox', { name: `Compare Keras example: Dense 512 · rmsprop ${rate} · 2 epochs` });
    await box.focus();
    await page.keyboard.press('Space');
    await expect(box).toBeChecked();
  }
  // Two runs, each with its training curve and (validation split 0.1) its validation curve.
  await expect(plot(page)).toHaveAttribute('data-runs', '2');
  await expect(plot(page)).toHaveAttribute('data-series', '4');
  const legend = page.locator('figure[aria-label="Runs chart"] .u-legend');
  for (const label of ['rmsprop 0.001 · 2 epochs: loss', 'rmsprop 0.01 · 2 epochs: val_loss'])
    await expect(legend).toContainText(label);
  const drawn = await page.locator('figure[aria-label="Runs chart"] canvas').evaluate((canvas: HTMLCanvasElement) => {
    const pixels = canvas.getContext('2d')?.getImageData(0, 0, canvas.width, canvas.height).data ?? [];
    const colours = new Set<string>();
    for (let i = 0; i < pixels.length; i += 4)
      if (pixels[i + 3] > 200) colours.add(`${pixels[i]},${pixels[i + 1]},${pixels[i + 2]}`);
    return colours.size;
  });
  expect(drawn, 'the chart has painted more than its axes').toBeGreaterThan(4);
  const compared = page.getByRole('table', { name: 'Run settings compared' });
  await expect(compared.getByRole('row').filter({ hasText: 'learning rate' })).toHaveClass(/differs/);
  await expect(compared.getByRole('row').filter({ hasText: 'batch size' })).not.toHaveClass(/differs/);
  await expect(page.getByTestId('runs-differences')).toHaveText('1 setting differ');

  // Samples seen on the x axis, heavy smoothing: still both runs.
  await page.getByRole('group', { name: 'X axis' }).getByRole('button', { name: 'Samples seen' }).click();
  await page.getByLabel('Smoothing').fill('0.9');
  await expect(plot(page)).toHaveAttribute('data-series', '4');

  await screenshot(page, 'runs-light', artifactScreenshots('browser'));
  await page.emulateMedia({ colorScheme: 'dark' });
  // The buttons' colour transitions, then the picture.
  await page.evaluate(() => Promise.all(document.getAnimations().map((animation) => animation.finished)));
  await screenshot(page, 'runs-dark', artifactScreenshots('browser'));
  await page.emulateMedia({ colorScheme: 'light' });

  await page.reload();
  await openView(page, 'Runs');
  await expect(runRows(page)).toHaveCount(2);
  await expectBothListed(page);

  // A long third run, killed with the engine after its first epoch.
  await trainFromUi(page, '0.001', '50', '60000');
  await openView(page, 'Runs');
  const long = runRow(page, 'rmsprop 0.001 · 50 epochs');
  await expect(long.getByText('running', { exact: true })).toBeVisible();
  await expect(long.getByRole('cell').nth(4)).not.toHaveText('0/50', { timeout: 120_000 });
  test.skip(!killTestEngine(host), 'The engine process can only be found through /proc on Linux.');
  await expect(page.getByRole('alert').filter({ hasText: 'The engine stopped.' })).toBeVisible();
  await expect(page.getByText('Engine ready')).toBeVisible({ timeout: 30_000 });
  await expect(long.getByText('crashed', { exact: true })).toBeVisible();
  await expect(long.getByRole('cell').nth(4)).toHaveText(/^[1-9]\d*\/50$/);
  await expect(runRows(page)).toHaveCount(3);
  await expectBothListed(page);
  await expect(page.getByText('The engine is not running right now')).toHaveCount(0);
  await screenshot(page, 'runs-after-crash', artifactScreenshots('browser'));

  // The crashed run's settings go back to the Model view.
  await long.getByRole('button', { name: /^Use the settings of/ }).click();
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Model');
  await expect(page.getByLabel('Epochs', { exact: true })).toHaveValue('50');

  // Rename one run; delete the crashed one, after confirming.
  await openView(page, 'Runs');
  await page.getByRole('button', { name: 'Rename Keras example: Dense 512 · rmsprop 0.01 · 2 epochs' }).click();
  await page.getByLabel(/^New name for/).fill('faster');
  await page.getByLabel(/^New name for/).press('Enter');
  await expect(runRow(page, 'faster')).toHaveCount(1);
  await long.getByRole('button', { name: /^Delete / }).click();
  await page.getByRole('alertdialog').getByRole('button', { name: 'Delete', exact: true }).click();
  await expect(runRows(page)).toHaveCount(2);
  expect(errors).toEqual([]);
});

test('a saved model links to the run that made it', async ({ page }) => {
  await page.goto(host.url);
  await trainFromUi(page, '0.002', '1', '2000');
  await expect(page.getByTestId('train-status')).toHaveText(/^Finished/, { timeout: 120_000 });
  await saveCurrentModel(page, 'lr 0.002');
  await page.getByRole('link', { name: 'Training run of lr 0.002' }).click();
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Runs');
  await expect(
    page.getByRole('checkbox', { name: 'Compare Keras example: Dense 512 · rmsprop 0.002 · 1 epoch' }),
  ).toBeChecked();
  await expect(plot(page)).toHaveAttribute('data-runs', '1');
  await expect(runRow(page, 'rmsprop 0.002 · 1 epoch')).toContainText('saved');
});

test("a sweep's points link to their runs", async ({ page }) => {
  await page.goto(host.url);
  await openView(page, 'Experiments');
  await page.getByLabel('Hidden sizes').fill('8');
  await page.getByLabel('Epochs', { exact: true }).fill('1');
  await page.getByLabel('Training images', { exact: true }).fill('1000');
  await page.getByRole('button', { name: 'Start sweep' }).click();
  await expect(page.getByTestId('sweep-status')).toHaveText('Finished: 1 of 1 size.', { timeout: 120_000 });
  await page.getByRole('link', { name: 'Training run of 8 units' }).click();
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Runs');
  const swept = runRow(page, 'Custom model · rmsprop 0.001 · 1 epoch');
  await expect(swept.getByRole('checkbox')).toBeChecked();
  await expect(swept).toContainText('sweep');
  await expect(plot(page)).toHaveAttribute('data-runs', '1');
});
