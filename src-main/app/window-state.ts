/**
 * Remembers the window's size, position and maximized state in userData/window-state.json.
 * Written atomically (temp file + rename); anything unreadable or off-screen falls back to defaults.
 */
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';

export const DEFAULT_SIZE = { width: 1280, height: 820 };
export const MIN_SIZE = { width: 900, height: 600 };
const SAVE_DELAY_MS = 400;
/** How much of the title bar must be on a screen for a saved position to be reused. */
const MIN_VISIBLE = 80;

const windowStateSchema = z.object({
  x: z.number().int().optional(),
  y: z.number().int().optional(),
  width: z.number().int().min(MIN_SIZE.width).max(20_000),
  height: z.number().int().min(MIN_SIZE.height).max(20_000),
  maximized: z.boolean().default(false),
});
export type WindowState = z.infer<typeof windowStateSchema>;

export interface Rect {
  x: number;
  y: number;
  width: number;
  height: number;
}

export function parseWindowState(text: string): WindowState | null {
  try {
    const parsed = windowStateSchema.safeParse(JSON.parse(text));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}

function overlap(a: Rect, b: Rect): { width: number; height: number } {
  return {
    width: Math.min(a.x + a.width, b.x + b.width) - Math.max(a.x, b.x),
    height: Math.min(a.y + a.height, b.y + b.height) - Math.max(a.y, b.y),
  };
}

/**
 * Keeps a saved state usable on today's displays: the position is dropped (the window is then
 * centred) when the top edge is not on any screen, and the size never exceeds the largest screen.
 */
export function fitToDisplays(state: WindowState | null, workAreas: Rect[]): WindowState {
  if (!state) return { ...DEFAULT_SIZE, maximized: false };
  const largest = workAreas.reduce<Rect | undefined>(
    (best, area) => (!best || area.width * area.height > best.width * best.height ? area : best),
    undefined,
  );
  const limit = largest ?? { width: state.width, height: state.height };
  const width = Math.max(MIN_SIZE.width, Math.min(state.width, limit.width));
  const height = Math.max(MIN_SIZE.height, Math.min(state.height, limit.height));
  const { maximized } = state;
  if (state.x === undefined || state.y === undefined) return { width, height, maximized };
  const titleBar = { x: state.x, y: state.y, width, height: 30 };
  const visible = workAreas.some((area) => {
    const shared = overlap(titleBar, area);
    return shared.width >= Math.min(MIN_VISIBLE, width) && shared.height > 0;
  });
  return visible ? { x: state.x, y: state.y, width, height, maximized } : { width, height, maximized };
}

export function readWindowState(file: string): WindowState | null {
  try {
    return parseWindowState(readFileSync(file, 'utf8'));
  } catch {
    return null;
  }
}

export function writeWindowState(file: string, state: WindowState): void {
  mkdirSync(path.dirname(file), { recursive: true });
  const temporary = `${file}.${process.pid}.tmp`;
  writeFileSync(temporary, JSON.stringify(state));
  renameSync(temporary, file);
}

/** The parts of a BrowserWindow this module watches. */
export interface TrackedWindow {
  getNormalBounds(): Rect;
  isMaximized(): boolean;
  on(event: 'resize' | 'move' | 'maximize' | 'unmaximize' | 'close', listener: () => void): unknown;
}

/** Saves the state shortly after each change and once more when the window closes. */
export function trackWindowState(window: TrackedWindow, file: string): void {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const save = () => {
    clearTimeout(timer);
    timer = undefined;
    try {
      const { x, y, width, height } = window.getNormalBounds();
      const [left, top, w, h] = [x, y, width, height].map(Math.round);
      writeWindowState(file, { x: left, y: top, width: w, height: h, maximized: window.isMaximized() });
    } catch (error) {
      // Losing the window position is not worth interrupting anyone for.
      console.warn(`Could not save the window position to ${file}: ${(error as Error).message}`);
    }
  };
  const saveSoon = () => {
    clearTimeout(timer);
    timer = setTimeout(save, SAVE_DELAY_MS);
  };
  for (const event of ['resize', 'move', 'maximize', 'unmaximize'] as const) window.on(event, saveSoon);
  window.on('close', save);
}
