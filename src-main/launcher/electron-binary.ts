/**
 * Finds the Electron executable without triggering electron's lazy download (its index.js
 * downloads on first require when the binary is missing, which cannot work offline).
 * Pure Node: used by `npm start` and the Electron e2e spec, never by the app itself.
 */
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

const PLATFORM_EXECUTABLES: Partial<Record<NodeJS.Platform, string>> = {
  darwin: 'Electron.app/Contents/MacOS/Electron',
  win32: 'electron.exe',
};

export interface ElectronLookup {
  /** The electron npm package's folder; undefined when the package is not installed. */
  packageDir?: string;
  overrideDistPath?: string;
  platform?: NodeJS.Platform;
}

function electronPackageDir(): string | undefined {
  try {
    return path.dirname(createRequire(import.meta.url).resolve('electron/package.json'));
  } catch {
    return undefined;
  }
}

/** Mirrors electron/index.js: ELECTRON_OVERRIDE_DIST_PATH first, then the downloaded dist/. */
export function electronExecutable({
  packageDir = electronPackageDir(),
  overrideDistPath = process.env.ELECTRON_OVERRIDE_DIST_PATH,
  platform = process.platform,
}: ElectronLookup = {}): string | null {
  const pathFile = packageDir ? path.join(packageDir, 'path.txt') : undefined;
  const recorded = pathFile && existsSync(pathFile) ? readFileSync(pathFile, 'utf8').trim() : undefined;
  const executableName = recorded || PLATFORM_EXECUTABLES[platform] || 'electron';
  let candidate: string | undefined;
  if (overrideDistPath) candidate = path.join(overrideDistPath, executableName);
  else if (packageDir && recorded) candidate = path.join(packageDir, 'dist', recorded);
  return candidate && existsSync(candidate) ? candidate : null;
}

/** Chromium refuses to start as root unless its OS sandbox is off (containers, CI). */
export function electronLaunchArgs(appPath: string): string[] {
  const runningAsRoot = process.platform === 'linux' && process.getuid?.() === 0;
  return [...(runningAsRoot ? ['--no-sandbox'] : []), appPath];
}
