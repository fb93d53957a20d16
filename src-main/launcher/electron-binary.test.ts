import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { electronExecutable } from './electron-binary';

async function fakeElectronPackage(options: { pathTxt?: string; binary?: string }): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'electron-pkg-'));
  if (options.pathTxt !== undefined) await writeFile(path.join(dir, 'path.txt'), options.pathTxt);
  if (options.binary) {
    await mkdir(path.dirname(path.join(dir, 'dist', options.binary)), { recursive: true });
    await writeFile(path.join(dir, 'dist', options.binary), '');
  }
  return dir;
}

describe('electronExecutable', () => {
  it('is null for an offline install (no path.txt, no dist)', async () => {
    const packageDir = await fakeElectronPackage({});
    expect(electronExecutable({ packageDir, overrideDistPath: undefined, platform: 'linux' })).toBeNull();
  });

  it('is null when path.txt names a binary that was never downloaded', async () => {
    const packageDir = await fakeElectronPackage({ pathTxt: 'electron' });
    expect(electronExecutable({ packageDir, overrideDistPath: undefined, platform: 'linux' })).toBeNull();
  });

  it('finds the downloaded binary', async () => {
    const packageDir = await fakeElectronPackage({ pathTxt: 'electron', binary: 'electron' });
    expect(electronExecutable({ packageDir, overrideDistPath: undefined, platform: 'linux' })).toBe(
      path.join(packageDir, 'dist', 'electron'),
    );
  });

  it('prefers ELECTRON_OVERRIDE_DIST_PATH, like electron/index.js', async () => {
    const packageDir = await fakeElectronPackage({});
    const dist = await mkdtemp(path.join(os.tmpdir(), 'electron-dist-'));
    await writeFile(path.join(dist, 'electron'), '');
    expect(electronExecutable({ packageDir, overrideDistPath: dist, platform: 'linux' })).toBe(
      path.join(dist, 'electron'),
    );
    expect(electronExecutable({ packageDir, overrideDistPath: '/nonexistent', platform: 'linux' })).toBeNull();
  });

  it('finds nothing in this checkout without downloading (the real electron package)', () => {
    expect(electronExecutable({ overrideDistPath: undefined })).toBeNull();
  });
});
