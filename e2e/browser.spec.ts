/** The journey through MNIST Studio served by the browser host (`npm run serve`), in Chromium. */
import path from 'node:path';
import { expect, test } from '@playwright/test';
import { buildRenderer, startTestHost, type TestHost } from './browser-host';
import { runJourney } from './journey';

let host: TestHost;

test.beforeAll(async () => {
  test.setTimeout(180_000);
  buildRenderer();
  host = await startTestHost();
});

test.afterAll(async () => {
  await host?.stop();
});

test('requests without the token are refused', async ({ request }) => {
  const page = await request.get(`${host.origin}/`);
  expect(page.status()).toBe(403);
  const asset = await request.get(`${host.origin}/index.html?token=wrong`);
  expect(asset.status()).toBe(403);
});

test('the journey: dataset, model, train, evaluate, draw', async ({ page }) => {
  const errors: string[] = [];
  page.on('pageerror', (error) => errors.push(error.message));
  await page.goto(host.url);
  await runJourney(page, { screenshotDir: path.join('test-results', 'screenshots'), prefix: 'browser' });
  expect(errors, 'uncaught errors in the page').toEqual([]);
});
