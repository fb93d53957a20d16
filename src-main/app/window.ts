/** The one application window, created with the secure defaults from security.ts. */
import { BrowserWindow, nativeTheme, shell } from 'electron';
import { blockNavigation, denyAllPermissions, RENDERER_URL, secureWebPreferences } from './security';
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
    webPreferences: secureWebPreferences(preloadPath),
  });
  denyAllPermissions(window.webContents.session);
  blockNavigation(window.webContents, (url) => void shell.openExternal(url));
  window.once('ready-to-show', () => {
    if (state.maximized) window.maximize();
    window.show();
  });
  void window.loadURL(RENDERER_URL);
  return window;
}
