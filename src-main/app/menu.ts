/** The application menu, as a template built from plain actions so it can be tested without Electron. */
import type { MenuItemConstructorOptions } from 'electron';

export interface MenuActions {
  openDatasetFolder(): void;
  importModel(): void;
}

export function menuTemplate(
  actions: MenuActions,
  options: { platform: NodeJS.Platform; developerTools: boolean },
): MenuItemConstructorOptions[] {
  const mac = options.platform === 'darwin';
  const appMenu: MenuItemConstructorOptions[] = mac
    ? [
        {
          role: 'appMenu',
          submenu: [
            { role: 'about' },
            { type: 'separator' },
            { role: 'services' },
            { type: 'separator' },
            { role: 'hide' },
            { role: 'hideOthers' },
            { role: 'unhide' },
            { type: 'separator' },
            { role: 'quit' },
          ],
        },
      ]
    : [];
  const file: MenuItemConstructorOptions = {
    label: '&File',
    submenu: [
      { label: 'Open Dataset Folder…', accelerator: 'CmdOrCtrl+O', click: () => actions.openDatasetFolder() },
      { label: 'Import Model…', accelerator: 'CmdOrCtrl+I', click: () => actions.importModel() },
      { type: 'separator' },
      mac ? { role: 'close' } : { role: 'quit' },
    ],
  };
  const view: MenuItemConstructorOptions = {
    label: '&View',
    submenu: [
      { role: 'reload' },
      ...(options.developerTools ? [{ role: 'toggleDevTools' } as const] : []),
      { type: 'separator' },
      { role: 'resetZoom' },
      { role: 'zoomIn' },
      { role: 'zoomOut' },
      { type: 'separator' },
      { role: 'togglefullscreen' },
    ],
  };
  // On macOS "About" lives in the app menu.
  const help: MenuItemConstructorOptions[] = mac ? [] : [{ role: 'help', submenu: [{ role: 'about' }] }];
  return [...appMenu, file, { role: 'editMenu' }, view, { role: 'windowMenu' }, ...help];
}
