/**
 * Main's IPC surface: exactly two invoke channels, both refusing any sender that is not the
 * top frame of our renderer, and one event stream from the engine to the renderer.
 */
import type { IpcMain, IpcMainInvokeEvent, WebContents } from 'electron';
import type { EngineEvent, Response } from '../shared/contract';
import { IPC } from '../shared/ipc-channels';
import { isRendererUrl, isTrustedSender } from './security';

export interface IpcHandlers {
  /** Validates and relays an untrusted request (EngineClient.relay). */
  relay(raw: unknown): Promise<Response>;
  pickFolder(sender: WebContents): Promise<string | null>;
}

export class UntrustedSenderError extends Error {
  constructor(url: string | undefined) {
    super(`Refused an IPC message from a page that is not MNIST Studio (${url ?? 'unknown frame'}).`);
    this.name = 'UntrustedSenderError';
  }
}

function assertTrusted(event: Pick<IpcMainInvokeEvent, 'senderFrame'>): void {
  if (!isTrustedSender(event.senderFrame)) throw new UntrustedSenderError(event.senderFrame?.url);
}

export function registerIpc(ipcMain: Pick<IpcMain, 'handle'>, handlers: IpcHandlers): void {
  ipcMain.handle(IPC.call, (event, raw: unknown) => {
    assertTrusted(event);
    return handlers.relay(raw);
  });
  ipcMain.handle(IPC.pickFolder, (event) => {
    assertTrusted(event);
    return handlers.pickFolder(event.sender);
  });
}

type EventTarget = Pick<WebContents, 'isDestroyed' | 'getURL' | 'send'>;

/** Streams engine events to every live renderer that still shows our page. */
export function sendEngineEvent(targets: EventTarget[], event: EngineEvent): void {
  for (const contents of targets) {
    if (!contents.isDestroyed() && isRendererUrl(contents.getURL())) contents.send(IPC.event, event);
  }
}
