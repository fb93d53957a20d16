import { mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  DEFAULT_SIZE,
  fitToDisplays,
  parseWindowState,
  readWindowState,
  trackWindowState,
  writeWindowState,
} from './window-state';

const screen = { x: 0, y: 0, width: 1920, height: 1080 };

describe('window state', () => {
  it('round-trips through an atomically written file, leaving no temp file behind', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'window-state-'));
    const file = path.join(dir, 'nested', 'window-state.json');
    writeWindowState(file, { x: 10, y: 20, width: 1200, height: 800, maximized: true });
    expect(readWindowState(file)).toEqual({ x: 10, y: 20, width: 1200, height: 800, maximized: true });
    expect(await readdir(path.dirname(file))).toEqual(['window-state.json']);
    expect(JSON.parse(await readFile(file, 'utf8'))).toMatchObject({ width: 1200 });
  });

  it.each([
    ['broken JSON', '{"width": 12'],
    ['wrong types', '{"width": "wide", "height": 800}'],
    ['a tiny window', '{"width": 10, "height": 10}'],
    ['an absurd size', '{"width": 1e9, "height": 800}'],
  ])('ignores %s', async (_name, text) => {
    expect(parseWindowState(text)).toBeNull();
    const dir = await mkdtemp(path.join(os.tmpdir(), 'window-state-'));
    await writeFile(path.join(dir, 'state.json'), text);
    expect(fitToDisplays(readWindowState(path.join(dir, 'state.json')), [screen])).toEqual({
      ...DEFAULT_SIZE,
      maximized: false,
    });
  });

  it('returns defaults when nothing was saved', () => {
    expect(readWindowState('/nonexistent/window-state.json')).toBeNull();
    expect(fitToDisplays(null, [screen])).toEqual({ ...DEFAULT_SIZE, maximized: false });
  });

  it('keeps a position that is on a screen', () => {
    const state = { x: 100, y: 50, width: 1200, height: 800, maximized: false };
    expect(fitToDisplays(state, [screen])).toEqual(state);
  });

  it('drops a position on a display that is gone, keeping the size', () => {
    const state = { x: 2500, y: 100, width: 1200, height: 800, maximized: false };
    expect(fitToDisplays(state, [screen])).toEqual({ width: 1200, height: 800, maximized: false });
  });

  it('keeps a position on a second display', () => {
    const state = { x: 2500, y: 100, width: 1200, height: 800, maximized: true };
    expect(fitToDisplays(state, [screen, { x: 1920, y: 0, width: 2560, height: 1440 }])).toEqual(state);
  });

  it('shrinks a window larger than any screen', () => {
    const state = { width: 4000, height: 3000, maximized: false };
    expect(fitToDisplays(state, [screen])).toEqual({ width: 1920, height: 1080, maximized: false });
  });
});

describe('trackWindowState', () => {
  it('saves the normal bounds when the window closes, ready for the next start', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'window-state-'));
    const file = path.join(dir, 'window-state.json');
    const listeners = new Map<string, () => void>();
    trackWindowState(
      {
        getNormalBounds: () => ({ x: 40.4, y: 30, width: 1100.6, height: 760 }),
        isMaximized: () => true,
        on: (event, listener) => listeners.set(event, listener),
      },
      file,
    );
    listeners.get('close')?.();
    expect(readWindowState(file)).toEqual({ x: 40, y: 30, width: 1101, height: 760, maximized: true });
  });
});
