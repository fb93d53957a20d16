/**
 * The same journey through the real Electron app (Playwright's _electron), plus what only the
 * desktop shell does: the locked-down renderer and the engine crash -> restart. Runs where an
 * Electron binary exists (ELECTRON_OVERRIDE_DIST_PATH, or a downloaded node_modules/electron/dist);
 * elsewhere every test is skipped with the reason printed.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { _electron as electron, expect, test, type ElectronApplication, type Page } from '@playwright/test';
import type { EngineEvent, StudioApi } from '../src-main/shared/contract';
import { electronExecutable, electronLaunchArgs } from '../src-main/launcher/electron-binary';
import { buildRenderer } from './browser-host';
import { artifactScreenshots, runJourney } from './journey';

const ROOT = path.resolve(import.meta.dirname, '..');
const executable = electronExecutable();
const SKIP_REASON =
  'no Electron binary here (offline install: electron downloads it on first run). ' +
  'Set ELECTRON_OVERRIDE_DIST_PATH to an unpacked Electron 45 or run `npx install-electron` to run this spec.';

if (!executable) console.log(`Skipping the Electron journey: ${SKIP_REASON}`);
test.skip(!executable, SKIP_REASON);
test.describe.configure({ mode: 'serial' });

type StudioWindow = Window & { api: StudioApi };

let app: ElectronApplication;
let page: Page;
let home: string;

test.beforeAll(async () => {
  test.setTimeout(180_000);
  buildRenderer();
  home = mkdtempSync(path.join(os.tmpdir(), 'mnist-studio-electron-'));
  const env = { ...process.env, MNIST_STUDIO_HOME: home } as Record<string, string>;
  delete env.ELECTRON_RUN_AS_NODE;
  app = await electron.launch({ executablePath: executable ?? undefined, args: electronLaunchArgs(ROOT), env });
  page = await app.firstWindow();
  await page.waitForLoadState('domcontentloaded');
});

test.afterAll(async () => {
  await app?.close();
  if (home) rmSync(home, { recursive: true, force: true });
});

test('the renderer is served from app://, without Node, and cannot leave or open windows', async () => {
  expect(page.url()).toBe('app://studio/index.html');
  const surface = await page.evaluate(() => ({
    require: typeof (window as unknown as { require?: unknown }).require,
    process: typeof (window as unknown as { process?: unknown }).process,
    api: Object.keys((window as unknown as StudioWindow).api).sort(),
    // http, not https: https links would be handed to the system browser.
    popup: window.open('http://example.com/') === null,
  }));
  expect(surface).toEqual({
    require: 'undefined',
    process: 'undefined',
    api: ['call', 'onEvent', 'pickFolder'],
    popup: true,
  });
  await page.evaluate(() => void (location.href = 'http://example.com/'));
  await page.waitForTimeout(500);
  expect(page.url()).toBe('app://studio/index.html');
  expect(app.windows()).toHaveLength(1);
  const permission = await page.evaluate(() => Notification.requestPermission());
  expect(permission).not.toBe('granted');
});

test('the journey: dataset, model, train, evaluate, draw', async () => {
  const errors: string[] = [];
  page.on('pageerror', (error) => errors.push(error.message));
  await runJourney(page, artifactScreenshots('electron'));
  expect(errors, 'uncaught errors in the page').toEqual([]);
});

test('a crashed engine is announced and a new one starts', async () => {
  const enginePid = await app.evaluate(
    ({ app: electronApp }) =>
      electronApp.getAppMetrics().find((metric) => metric.type === 'Utility' && metric.name === 'MNIST Studio engine')
        ?.pid,
  );
  expect(enginePid, 'the engine utility process').toBeTruthy();
  const crashSeen = page.evaluate(
    () =>
      new Promise<number>((resolve) => {
        const stop = (window as unknown as StudioWindow).api.onEvent((event: EngineEvent) => {
          if (event.kind === 'engine.status' && event.state === 'crashed') {
            stop();
            resolve(Date.now());
          }
        });
      }),
  );
  process.kill(enginePid as number, 'SIGKILL');
  await crashSeen;
  await expect(page.getByRole('alert').filter({ hasText: 'The engine stopped.' })).toBeVisible();
  await expect
    .poll(
      () =>
        page.evaluate(() =>
          (window as unknown as StudioWindow).api.call('engine.info', {}).then(
            () => true,
            () => false,
          ),
        ),
      {
        timeout: 30_000,
      },
    )
    .toBe(true);
});
