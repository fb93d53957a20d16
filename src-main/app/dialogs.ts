/** Native dialogs and the menu actions built on them. */
import { BrowserWindow, dialog } from 'electron';
import type { EngineClient } from '../supervisor/engine-client';

export async function pickFolder(parent: BrowserWindow | null, title: string): Promise<string | null> {
  const options = { title, properties: ['openDirectory' as const] };
  const result = parent ? await dialog.showOpenDialog(parent, options) : await dialog.showOpenDialog(options);
  return result.canceled || result.filePaths.length === 0 ? null : result.filePaths[0];
}

async function report(parent: BrowserWindow | null, type: 'info' | 'error', message: string, detail: string) {
  const options = { type, message, detail, buttons: ['OK'] };
  if (parent) await dialog.showMessageBox(parent, options);
  else await dialog.showMessageBox(options);
}

/**
 * File > Open Dataset Folder…: the engine loads the folder and announces it with
 * dataset.progress events, which the renderer already listens to.
 */
export async function openDatasetFolder(engine: EngineClient, parent: BrowserWindow | null): Promise<void> {
  const folder = await pickFolder(parent, 'Open a folder with the four MNIST-format IDX files');
  if (!folder) return;
  try {
    await engine.call('dataset.load', { source: { kind: 'folder', path: folder } });
  } catch (error) {
    await report(parent, 'error', 'The dataset could not be opened.', (error as Error).message);
  }
}

export async function importModel(engine: EngineClient, parent: BrowserWindow | null): Promise<void> {
  const folder = await pickFolder(parent, 'Import a model folder (model.json and its weights)');
  if (!folder) return;
  try {
    const model = await engine.call('models.import', { path: folder });
    await report(parent, 'info', `Imported “${model.name}”.`, 'It is listed under Models, ready to load.');
  } catch (error) {
    await report(parent, 'error', 'The model could not be imported.', (error as Error).message);
  }
}
