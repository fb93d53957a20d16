import type { MenuItemConstructorOptions } from 'electron';
import { describe, expect, it, vi } from 'vitest';
import { menuTemplate } from './menu';

function flatten(items: MenuItemConstructorOptions[]): MenuItemConstructorOptions[] {
  return items.flatMap((item) => [item, ...(Array.isArray(item.submenu) ? flatten(item.submenu) : [])]);
}

function item(items: MenuItemConstructorOptions[], label: string) {
  return flatten(items).find((entry) => entry.label === label);
}

describe('application menu', () => {
  it('offers the dataset and model actions under File', () => {
    const actions = { openDatasetFolder: vi.fn(), importModel: vi.fn() };
    const template = menuTemplate(actions, { platform: 'linux', developerTools: false });
    expect(template.map((entry) => entry.label ?? entry.role)).toEqual([
      '&File',
      'editMenu',
      '&View',
      'windowMenu',
      'help',
    ]);
    const click = (label: string) => (item(template, label)?.click as () => void)();
    click('Open Dataset Folder…');
    click('Import Model…');
    expect(actions.openDatasetFolder).toHaveBeenCalledOnce();
    expect(actions.importModel).toHaveBeenCalledOnce();
    expect(item(template, 'Open Dataset Folder…')?.accelerator).toBe('CmdOrCtrl+O');
  });

  it('has About under Help, and the macOS app menu on macOS', () => {
    const linux = flatten(
      menuTemplate({ openDatasetFolder() {}, importModel() {} }, { platform: 'linux', developerTools: false }),
    );
    expect(linux.some((entry) => entry.role === 'about')).toBe(true);
    const mac = menuTemplate(
      { openDatasetFolder() {}, importModel() {} },
      { platform: 'darwin', developerTools: false },
    );
    expect(mac[0].role).toBe('appMenu');
    expect(mac.some((entry) => entry.role === 'help')).toBe(false);
  });

  it('shows the developer tools only when asked (not in packaged builds)', () => {
    const roles = (developerTools: boolean) =>
      flatten(menuTemplate({ openDatasetFolder() {}, importModel() {} }, { platform: 'linux', developerTools })).map(
        (entry) => entry.role,
      );
    expect(roles(false)).not.toContain('toggleDevTools');
    expect(roles(true)).toContain('toggleDevTools');
  });
});
