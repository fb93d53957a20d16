/**
 * The renderer's only door to main: window.api = { call, onEvent, pickFolder } (StudioApi).
 * Built as one CommonJS file for the sandbox; it must import nothing at run time but electron.
 */
import { contextBridge, ipcRenderer, type IpcRendererEvent } from 'electron';
import type { EngineEvent, Method, Params, Response, Result, StudioApi } from '../shared/contract';
import { IPC } from '../shared/ipc-channels';

let nextId = 1;

async function call<M extends Method>(method: M, params: Params<M>): Promise<Result<M>> {
  const response = (await ipcRenderer.invoke(IPC.call, { id: nextId++, method, params })) as Response;
  // Only an Error's message crosses the context bridge, and the message is the sentence to show.
  if (!response.ok) throw new Error(response.error.message);
  return response.result as Result<M>;
}

function onEvent(listener: (event: EngineEvent) => void): () => void {
  const forward = (_event: IpcRendererEvent, engineEvent: EngineEvent) => listener(engineEvent);
  ipcRenderer.on(IPC.event, forward);
  return () => {
    ipcRenderer.removeListener(IPC.event, forward);
  };
}

function pickFolder(): Promise<string | null> {
  return ipcRenderer.invoke(IPC.pickFolder) as Promise<string | null>;
}

const api: StudioApi = { call, onEvent, pickFolder };
contextBridge.exposeInMainWorld('api', api);
