/**
 * The one application window. Its renderer is isolated here, where the window is created (so a
 * reader or a static scanner sees it): sandboxed, context-isolated, no Node anywhere, web security
 * on. Navigation, new windows and permissions are refused app-wide (guardContents in main.ts).
 */
import { BrowserWindow, nativeTheme } from 'electron';
import { RENDERER_URL } from './security';
import { MIN_SIZE, type WindowState } from './window-state';

export interface MainWindowOptions {
  preloadPath: string;
  state: WindowState;
  iconPath?: string;
}

export function createMainWindow({ preloadPath, state, iconPath }: MainWindowOptions): BrowserWindow {
  const window = new BrowserWindow({
    ...(state.x !== undefined && state.y !== undefined ? { x: state.x, y: state.y } : { center: true }),
    width: state.width,
    height: state.height,
    minWidth: MIN_SIZE.width,
    minHeight: MIN_SIZE.height,
    title: 'MNIST Studio',
    icon: iconPath,
    show: false,
    backgroundColor: nativeTheme.shouldUseDarkColors ? '#17181c' : '#ffffff',
    webPreferences: {
      preload: preloadPath,
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      experimentalFeatures: false,
      webviewTag: false,
      navigateOnDragDrop: false,
      safeDialogs: true,
      spellcheck: false,
    },
  });
  window.once('ready-to-show', () => {
    if (state.maximized) window.maximize();
    window.show();
  });
  void window.loadURL(RENDERER_URL);
  return window;
}
