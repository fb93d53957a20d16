/**
 * Issue 5 in the app: a short hidden-units sweep fills the chart point by point; cancelling a
 * second sweep keeps its finished point; earlier sweeps reopen and delete. Browser host, Chromium.
 */
import path from 'node:path';
import { expect, test, type Page } from '@playwright/test';
import { useTestHost } from './browser-host';
import { artifactScreenshots, openView, screenshot } from './journey';

const shots = () => artifactScreenshots('browser');

const host = useTestHost();

const chart = (page: Page) => page.locator('figure[aria-label="Sweep accuracy chart"]');
const doneRows = (page: Page) => page.getByRole('table', { name: 'Sweep results' }).locator('tr[data-state="done"]');
const status = (page: Page) => page.getByTestId('sweep-status');

async function fillForm(page: Page, units: string, epochs: string, trainLimit: string): Promise<void> {
  await page.getByLabel('Hidden sizes').fill(units);
  await page.getByLabel('Epochs', { exact: true }).fill(epochs);
  await page.getByLabel('Training images', { exact: true }).fill(trainLimit);
}

test.beforeEach(async ({ page }) => {
  await page.goto(host.url);
  await openView(page, 'Experiments');
});

test('a short sweep puts two points on the chart and in the table', async ({ page }) => {
  const errors: string[] = [];
  page.on('pageerror', (error) => errors.push(error.message));
  const start = page.getByRole('button', { name: 'Start sweep' });

  // Inline validation blocks bad input before the engine sees it.
  await fillForm(page, '8, 16.5', '1', '2000');
  await expect(page.getByText('“16.5” is not a whole number of units.')).toBeVisible();
  await expect(start).toBeDisabled();

  await fillForm(page, '8, 16', '1', '2000');
  await expect(start).toBeEnabled();
  await page.evaluate(() => {
    const figure = document.querySelector('figure[aria-label="Sweep accuracy chart"]') as Element;
    const seen: number[] = [];
    (window as unknown as { sweepSamples: number[] }).sweepSamples = seen;
    new MutationObserver(() => seen.push(Number(figure.getAttribute('data-samples')))).observe(figure, {
      attributes: true,
      attributeFilter: ['data-samples'],
    });
  });
  // Keyboard: Enter in the form starts the sweep.
  await page.getByLabel('Training images', { exact: true }).press('Enter');
  await expect(start).toBeDisabled();
  await expect(status(page)).toHaveText('Finished: 2 of 2 sizes.', { timeout: 120_000 });

  await expect(chart(page)).toHaveAttribute('data-samples', '2');
  const seen = await page.evaluate(() => (window as unknown as { sweepSamples: number[] }).sweepSamples);
  expect(seen, 'the chart gains one point per finished size').toEqual([1, 2]);
  await expect(doneRows(page)).toHaveCount(2);
  await expect(doneRows(page).nth(0).getByRole('rowheader')).toHaveText('8');
  await expect(doneRows(page).nth(0).getByRole('cell').nth(0)).toHaveText('6,370');
  await expect(doneRows(page).nth(1).getByRole('cell').nth(1)).toHaveText(/^0\.\d{4}$/);
  await expect(page.getByRole('progressbar', { name: 'Sweep progress' })).toHaveAttribute('aria-valuenow', '100');

  // CSV export: a header plus the two rows.
  const [csv] = await Promise.all([
    page.waitForEvent('download'),
    page.getByRole('button', { name: 'Export CSV' }).click(),
  ]);
  expect(csv.suggestedFilename()).toMatch(/^sweep-.*\.csv$/);
  const text = await (await csv.createReadStream()).toArray();
  const lines = Buffer.concat(text).toString('utf8').trim().split('\n');
  expect(lines[0]).toMatch(/^units,params,test_acc,test_loss,seconds/);
  expect(lines.slice(1).map((line) => line.split(',')[0])).toEqual(['8', '16']);

  // PNG export: a real PNG of the chart.
  const [png] = await Promise.all([
    page.waitForEvent('download'),
    page.getByRole('button', { name: 'Export PNG' }).click(),
  ]);
  expect(png.suggestedFilename()).toMatch(/^sweep-.*\.png$/);
  const bytes = Buffer.concat(await (await png.createReadStream()).toArray());
  expect(bytes.subarray(1, 4).toString('ascii')).toBe('PNG');
  expect(bytes.length).toBeGreaterThan(5000);
  await png.saveAs(path.join(shots().screenshotDir, `${shots().prefix}-7-experiments-export.png`));

  const list = page.getByRole('list', { name: 'Earlier sweeps' }).getByRole('listitem');
  await expect(list).toHaveCount(1);
  await expect(list.first()).toContainText('Completed');
  expect(errors, 'uncaught errors in the page').toEqual([]);
});

test('stopping a sweep after its first point keeps that point', async ({ page }) => {
  const start = page.getByRole('button', { name: 'Start sweep' });
  // The second size is bigger and trains for many epochs, so Stop lands in the middle of it.
  await fillForm(page, '8, 1024', '10', '6000');
  await start.click();
  await expect(start).toBeDisabled();
  await expect(status(page)).toHaveText(/^Run 1 of 2 — 8 units, epoch \d+\/10$/, { timeout: 60_000 });
  await expect(chart(page)).toHaveAttribute('data-samples', '1', { timeout: 120_000 });
  await expect(status(page)).toHaveText(/^Run 2 of 2 — 1024 units/);
  await page.getByRole('button', { name: 'Stop' }).click();
  await expect(status(page)).toHaveText('Stopped: 1 of 2 sizes kept. Resume it from the list below.', {
    timeout: 60_000,
  });
  await expect(chart(page)).toHaveAttribute('data-samples', '1');
  await expect(doneRows(page)).toHaveCount(1);
  await expect(doneRows(page).first().getByRole('rowheader')).toHaveText('8');
  await expect(start).toBeEnabled();

  // Saved as stopped, resumable; after a reload it still shows the kept point.
  const stopped = page
    .getByRole('list', { name: 'Earlier sweeps' })
    .getByRole('listitem')
    .filter({ hasText: '8, 1024' });
  await expect(stopped).toContainText('Stopped');
  await expect(stopped).toContainText('1/2 sizes');
  await expect(stopped.getByRole('button', { name: 'Resume' })).toBeEnabled();
  await page.reload();
  await stopped.getByRole('button', { name: /^Open sweep of / }).click();
  await expect(chart(page)).toHaveAttribute('data-samples', '1');
  await expect(doneRows(page)).toHaveCount(1);
});

test('a stopped sweep resumes with the sizes it has not finished', async ({ page }) => {
  const items = page.getByRole('list', { name: 'Earlier sweeps' }).getByRole('listitem');
  const stopped = items.filter({ hasText: '8, 1024' });
  await stopped.getByRole('button', { name: 'Resume' }).click();
  await expect(page.getByRole('button', { name: 'Start sweep' })).toBeDisabled();
  await expect(status(page)).toHaveText(/^Run 2 of 2 — 1024 units/, { timeout: 60_000 });
  await expect(status(page)).toHaveText('Finished: 2 of 2 sizes.', { timeout: 180_000 });
  await expect(chart(page)).toHaveAttribute('data-samples', '2');
  await expect(doneRows(page)).toHaveCount(2);
  await expect(items).toHaveCount(2);
  await expect(stopped).toContainText('Completed');
  await expect(stopped).toContainText('2/2 sizes');
});

test('earlier sweeps reopen, and delete only after confirming', async ({ page }) => {
  const items = page.getByRole('list', { name: 'Earlier sweeps' }).getByRole('listitem');
  await expect(items).toHaveCount(2);
  const first = items.filter({ hasText: /8, 16\b/ });
  await first.getByRole('button', { name: /^Open sweep of / }).click();
  await expect(chart(page)).toHaveAttribute('data-samples', '2');
  await expect(doneRows(page)).toHaveCount(2);

  const stopped = items.filter({ hasText: '8, 1024' });
  await stopped.getByRole('button', { name: /^Delete sweep of / }).click();
  // The confirmation takes the focus on its safe choice, so Enter keeps the sweep.
  await expect(stopped.getByRole('button', { name: 'Keep' })).toBeFocused();
  await page.keyboard.press('Enter');
  await expect(items).toHaveCount(2);
  await stopped.getByRole('button', { name: /^Delete sweep of / }).click();
  await stopped.getByRole('button', { name: 'Delete', exact: true }).click();
  await expect(items).toHaveCount(1);
  await expect(items.first()).toContainText('8, 16');
});

test('a default-size sweep fills the log2 chart (screenshot)', async ({ page }) => {
  await fillForm(page, '8, 16, 32, 64, 128, 256, 512, 1024', '1', '6000');
  await page.getByRole('button', { name: 'Start sweep' }).click();
  await expect
    .poll(async () => Number(await chart(page).getAttribute('data-samples')), { timeout: 120_000, intervals: [100] })
    .toBeGreaterThanOrEqual(3);
  await screenshot(page, '7-experiments-running', shots());
  await expect(status(page)).toHaveText('Finished: 8 of 8 sizes.', { timeout: 200_000 });
  await expect(chart(page)).toHaveAttribute('data-samples', '8');
  await screenshot(page, '7-experiments', shots());
  await page.emulateMedia({ colorScheme: 'dark' });
  await expect(chart(page)).toHaveAttribute('data-samples', '8');
  await page.waitForTimeout(400); // let the buttons' colour transitions finish
  await screenshot(page, '7-experiments-dark', shots());
});

test('after a reload on the Train view, a running sweep still holds Start training', async ({ page }) => {
  await fillForm(page, '8, 1024', '10', '6000');
  await page.getByRole('button', { name: 'Start sweep' }).click();
  await expect(status(page)).toHaveText(/^Run 1 of 2 — 8 units/, { timeout: 60_000 });
  await openView(page, 'Train');
  await page.reload();
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Train');
  // The Experiments view never mounted in this page: the App's event router told the sweeps.
  await expect(page.getByText('A hidden-units sweep is running.')).toBeVisible({ timeout: 30_000 });
  await expect(page.getByRole('button', { name: 'Start training' })).toBeDisabled();
  await openView(page, 'Experiments');
  await expect(status(page)).toHaveText(/^Run \d of 2 — \d+ units/);
  await page.getByRole('button', { name: 'Stop' }).click();
  await expect(status(page)).toHaveText(/^Stopped: \d of 2 sizes kept\./, { timeout: 60_000 });
  await openView(page, 'Train');
  await expect(page.getByRole('button', { name: 'Start training' })).toBeEnabled();
});
