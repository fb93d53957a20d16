/**
 * What the created window does, against the smallest fake of Electron's BrowserWindow (no
 * Electron binary here): which page and preload it runs, and how it shows. What its renderer
 * can and cannot reach (no Node, no popups, no navigation, no permissions) is checked in a real
 * renderer by e2e/electron.spec.ts, and the app-wide guards by security.test.ts.
 */
import { beforeEach, describe, expect, it, vi } from 'vitest';

const fake = vi.hoisted(() => {
  const state = {
    options: undefined as Electron.BrowserWindowConstructorOptions | undefined,
    loadedUrl: undefined as string | undefined,
    onReady: undefined as (() => void) | undefined,
    calls: [] as string[],
  };
  class BrowserWindow {
    constructor(options: Electron.BrowserWindowConstructorOptions) {
      state.options = options;
    }
    once(event: string, listener: () => void) {
      if (event === 'ready-to-show') state.onReady = listener;
    }
    maximize = () => state.calls.push('maximize');
    show = () => state.calls.push('show');
    loadURL(url: string) {
      state.loadedUrl = url;
      return Promise.resolve();
    }
  }
  return { state, BrowserWindow };
});

vi.mock('electron', () => ({ BrowserWindow: fake.BrowserWindow, nativeTheme: { shouldUseDarkColors: false } }));

const { createMainWindow } = await import('./window');

describe('createMainWindow', () => {
  beforeEach(() => {
    fake.state.calls = [];
  });

  it('runs our preload and our renderer from app://, never a file:// or http page', () => {
    createMainWindow({
      preloadPath: '/app/out/preload/preload.cjs',
      state: { width: 1000, height: 700, maximized: false },
    });
    expect(fake.state.options?.webPreferences?.preload).toBe('/app/out/preload/preload.cjs');
    expect(fake.state.loadedUrl).toBe('app://studio/index.html');
  });

  it('stays hidden until its first paint, then shows where it was (maximized if it was)', () => {
    createMainWindow({ preloadPath: 'p', state: { x: 40, y: 30, width: 900, height: 600, maximized: true } });
    expect(fake.state.options).toMatchObject({ x: 40, y: 30, width: 900, height: 600, show: false });
    expect(fake.state.calls).toEqual([]);
    fake.state.onReady?.();
    expect(fake.state.calls).toEqual(['maximize', 'show']);
  });

  it('centres a window with no saved position', () => {
    createMainWindow({ preloadPath: 'p', state: { width: 1000, height: 700, maximized: false } });
    expect(fake.state.options).toMatchObject({ center: true });
    fake.state.onReady?.();
    expect(fake.state.calls).toEqual(['show']);
  });
});
