/**
 * Electron main: one secure window, the application menu, and the engine in a utilityProcess
 * supervised by EngineClient (a crashed engine is announced to the UI and restarted).
 *
 * Data homes: saved models live where the engine puts them (MNIST_STUDIO_HOME, else
 * ~/.config/mnist-studio), shared with `npm run serve` and the CLI; only the window state
 * goes to Electron's userData folder.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { app, BrowserWindow, ipcMain, Menu, screen, session, shell } from 'electron';
import { EngineClient } from '../supervisor/engine-client';
import { importModel, openDatasetFolder, pickFolder } from './dialogs';
import { forkUtilityEngine } from './engine-process';
import { registerIpc, sendEngineEvent } from './ipc';
import { menuTemplate } from './menu';
import { registerRendererScheme, serveRenderer } from './renderer-protocol';
import { guardContents } from './security';
import { createMainWindow } from './window';
import { fitToDisplays, readWindowState, trackWindowState } from './window-state';

const mainDir = path.dirname(fileURLToPath(import.meta.url));
const paths = {
  engine: path.join(mainDir, 'engine.js'),
  preload: path.join(mainDir, '../preload/preload.cjs'),
  renderer: path.join(mainDir, '../renderer'),
  icon: path.join(mainDir, '../../resources/icon.png'),
};

function openWindow(): BrowserWindow {
  const stateFile = path.join(app.getPath('userData'), 'window-state.json');
  const workAreas = screen.getAllDisplays().map((display) => display.workArea);
  const window = createMainWindow({
    preloadPath: paths.preload,
    state: fitToDisplays(readWindowState(stateFile), workAreas),
    iconPath: existsSync(paths.icon) ? paths.icon : undefined,
  });
  trackWindowState(window, stateFile);
  return window;
}

function start(): void {
  app.enableSandbox();
  // Every webContents, not only the main window's: whatever a renderer manages to open is
  // guarded before it loads anything.
  app.on('web-contents-created', (_event, contents) => guardContents(contents, (url) => void shell.openExternal(url)));
  registerRendererScheme();
  app.setAboutPanelOptions({
    applicationName: 'MNIST Studio',
    applicationVersion: app.getVersion(),
    copyright: 'MIT License',
    credits: 'The Keras MNIST example as an offline desktop app. Built with TensorFlow.js, Svelte and Electron.',
  });

  const engine = new EngineClient(() => forkUtilityEngine(paths.engine));
  const focusedWindow = () => BrowserWindow.getFocusedWindow() ?? BrowserWindow.getAllWindows()[0] ?? null;

  app.on('second-instance', () => {
    const window = focusedWindow();
    if (window?.isMinimized()) window.restore();
    window?.focus();
  });
  app.on('window-all-closed', () => {
    if (process.platform !== 'darwin') app.quit();
  });
  app.on('will-quit', () => engine.stop());

  void app.whenReady().then(() => {
    serveRenderer(session.defaultSession, paths.renderer);
    registerIpc(ipcMain, {
      relay: (raw) => engine.relay(raw),
      pickFolder: (sender) => pickFolder(BrowserWindow.fromWebContents(sender), 'Choose a folder'),
    });
    engine.onEvent((event) =>
      sendEngineEvent(
        BrowserWindow.getAllWindows().map((window) => window.webContents),
        event,
      ),
    );
    engine.start();
    const menu = menuTemplate(
      {
        openDatasetFolder: () => void openDatasetFolder(engine, focusedWindow()),
        importModel: () => void importModel(engine, focusedWindow()),
      },
      { platform: process.platform, developerTools: !app.isPackaged },
    );
    Menu.setApplicationMenu(Menu.buildFromTemplate(menu));
    openWindow();
    app.on('activate', () => {
      if (BrowserWindow.getAllWindows().length === 0) openWindow();
    });
  });
}

if (app.requestSingleInstanceLock()) start();
else app.quit();
