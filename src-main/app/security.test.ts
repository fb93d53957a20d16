/**
 * guardContents, which main.ts applies to every webContents the app creates: what a renderer
 * that tries to leave, open windows, embed pages or ask for permissions gets.
 */
import { describe, expect, it, vi } from 'vitest';
import { guardContents } from './security';

type Listener = (...args: unknown[]) => unknown;

function guarded() {
  const listeners = new Map<string, Listener>();
  const handlers: Record<string, Listener> = {};
  const openedExternally: string[] = [];
  const contents = {
    on: (event: string, listener: Listener) => listeners.set(event, listener),
    setWindowOpenHandler: (handler: Listener) => (handlers.windowOpen = handler),
    session: {
      setPermissionRequestHandler: (handler: Listener) => (handlers.permissionRequest = handler),
      setPermissionCheckHandler: (handler: Listener) => (handlers.permissionCheck = handler),
      setDevicePermissionHandler: (handler: Listener) => (handlers.devicePermission = handler),
    },
  };
  guardContents(contents as never, (url) => openedExternally.push(url));
  /** True when the navigation was stopped. */
  const navigate = (event: string, url: string) => {
    const preventDefault = vi.fn();
    listeners.get(event)?.({ preventDefault }, url);
    return preventDefault.mock.calls.length > 0;
  };
  return { listeners, handlers, openedExternally, navigate };
}

describe('guardContents', () => {
  it('keeps a renderer on app://studio: navigations and redirects elsewhere are stopped', () => {
    const { navigate } = guarded();
    expect(navigate('will-navigate', 'https://example.com/')).toBe(true);
    expect(navigate('will-navigate', 'file:///etc/passwd')).toBe(true);
    expect(navigate('will-navigate', 'app://other/index.html')).toBe(true);
    expect(navigate('will-redirect', 'http://127.0.0.1:8080/')).toBe(true);
    expect(navigate('will-navigate', 'app://studio/index.html')).toBe(false);
  });

  it('hands https links the user follows to the system browser, and drops anything else', () => {
    const { navigate, handlers, openedExternally } = guarded();
    navigate('will-navigate', 'https://keras.io/');
    navigate('will-navigate', 'http://example.com/');
    expect(handlers.windowOpen({ url: 'https://www.tensorflow.org/js' })).toEqual({ action: 'deny' });
    expect(handlers.windowOpen({ url: 'javascript:alert(1)' })).toEqual({ action: 'deny' });
    expect(openedExternally).toEqual(['https://keras.io/', 'https://www.tensorflow.org/js']);
  });

  it('refuses <webview> tags', () => {
    const { listeners } = guarded();
    const preventDefault = vi.fn();
    listeners.get('will-attach-webview')?.({ preventDefault });
    expect(preventDefault).toHaveBeenCalled();
  });

  it('denies every permission request, check and device', () => {
    const { handlers } = guarded();
    const callback = vi.fn();
    for (const permission of ['media', 'notifications', 'geolocation', 'clipboard-read', 'openExternal']) {
      handlers.permissionRequest({}, permission, callback, {});
    }
    expect(callback.mock.calls).toEqual(Array(5).fill([false]));
    expect(handlers.permissionCheck({}, 'media', 'app://studio', {})).toBe(false);
    expect(handlers.devicePermission({ deviceType: 'usb' })).toBe(false);
  });
});
