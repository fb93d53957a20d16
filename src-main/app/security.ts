/**
 * The renderer's trust boundary: where it may be loaded from, what it may do, and who may talk
 * to main. main.ts applies guardContents to every webContents the app ever creates (windows,
 * and anything a compromised renderer might open); the window's webPreferences are in window.ts.
 */
import type { Session, WebContents } from 'electron';

/** The renderer is served from this privileged custom scheme, never from file:// or http. */
export const APP_SCHEME = 'app';
export const APP_HOST = 'studio';
export const RENDERER_URL = `${APP_SCHEME}://${APP_HOST}/index.html`;

/**
 * Sent as a header on every renderer response (index.html also carries it as a meta tag).
 * connect-src is 'self' only: in Electron the renderer talks to main through IPC, not sockets.
 */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data: blob:",
  "font-src 'self'",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-src 'none'",
  "frame-ancestors 'none'",
].join('; ');

/** True only for pages of our own renderer origin (app://studio/...). */
export function isRendererUrl(url: string | undefined | null): boolean {
  if (!url) return false;
  try {
    const parsed = new URL(url);
    return parsed.protocol === `${APP_SCHEME}:` && parsed.host === APP_HOST;
  } catch {
    return false;
  }
}

/** An IPC sender is trusted when its frame is the top frame of our renderer. */
export function isTrustedSender(frame: { url: string; parent: unknown } | null | undefined): boolean {
  return !!frame && frame.parent === null && isRendererUrl(frame.url);
}

type PermissionSession = Pick<
  Session,
  'setPermissionRequestHandler' | 'setPermissionCheckHandler' | 'setDevicePermissionHandler'
>;

/** The app needs no browser permission (camera, notifications, clipboard, USB...): deny them all. */
function denyAllPermissions(session: PermissionSession): void {
  session.setPermissionRequestHandler((_contents, _permission, callback) => callback(false));
  session.setPermissionCheckHandler(() => false);
  session.setDevicePermissionHandler(() => false);
}

type GuardedContents = Pick<WebContents, 'on' | 'setWindowOpenHandler'> & { session: PermissionSession };

/**
 * No permissions, no navigation away from the renderer, no <webview> and no new windows. An
 * https link the user clicks (e.g. in Help) opens in the system browser; everything else is dropped.
 */
export function guardContents(contents: GuardedContents, openExternal: (url: string) => void): void {
  denyAllPermissions(contents.session);
  const guard = (event: { preventDefault(): void }, url: string) => {
    if (isRendererUrl(url)) return;
    event.preventDefault();
    if (url.startsWith('https://')) openExternal(url);
  };
  contents.on('will-navigate', (event, url) => guard(event, url));
  contents.on('will-redirect', (event, url) => guard(event, url));
  contents.on('will-attach-webview', (event) => event.preventDefault());
  contents.setWindowOpenHandler(({ url }) => {
    if (url.startsWith('https://')) openExternal(url);
    return { action: 'deny' };
  });
}
