/**
 * The atomic-file mechanism both saved models and sweep records use. The real file system; the
 * fs calls are only recorded (in order) to check that a rename is followed by a flush of its
 * folder, which no test can observe otherwise short of cutting the power.
 */
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';

const calls = vi.hoisted(() => [] as string[]);
vi.mock('node:fs/promises', async (importOriginal) => {
  const fs = await importOriginal<typeof import('node:fs/promises')>();
  return {
    ...fs,
    rename: async (from: string, to: string) => {
      await fs.rename(from, to);
      calls.push(`rename ${path.basename(from)} -> ${to}`);
    },
    open: async (file: string, flags: string) => {
      const handle = await fs.open(file, flags);
      const sync = handle.sync.bind(handle);
      handle.sync = async () => {
        await sync();
        calls.push(`sync ${file}`);
      };
      return handle;
    },
  };
});

const { removeAtomically, sweepPartials, writeFileAtomically, writeFolderAtomically } = await import('./atomic-file');

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'mnist-atomic-'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));
beforeEach(() => void (calls.length = 0));

describe('atomic files', () => {
  it('writes a file through a flushed partial, renames it, then flushes the folder', async () => {
    const file = path.join(dir, 'record.json');
    await writeFileAtomically(file, '{"a":1}');
    await writeFileAtomically(file, '{"a":2}');
    expect(await readFile(file, 'utf8')).toBe('{"a":2}');
    expect(calls.slice(0, 3)).toEqual([
      expect.stringMatching(/^sync .*\/\.partial-record\.json-[0-9a-f]{8}$/),
      expect.stringMatching(new RegExp(`^rename \\.partial-record\\.json-[0-9a-f]{8} -> ${file}$`)),
      `sync ${dir}`,
    ]);
    expect(await readdir(dir)).toEqual(['record.json']);
  });

  it('writes a folder whose files and entries are flushed before the rename, and the parent after', async () => {
    const folder = path.join(dir, 'model');
    await writeFolderAtomically(folder, { 'a.bin': new Uint8Array([1, 2]), 'b.json': '{}' }, { replace: false });
    const rename = calls.findIndex((call) => call.startsWith('rename ') && call.endsWith(` -> ${folder}`));
    expect(calls.slice(0, rename).filter((call) => call.startsWith('sync '))).toHaveLength(3);
    expect(calls[rename + 1]).toBe(`sync ${dir}`);
    expect((await readdir(folder)).sort()).toEqual(['a.bin', 'b.json']);
    await expect(writeFolderAtomically(folder, { 'c.json': '{}' }, { replace: false })).rejects.toMatchObject({
      code: 'EEXIST',
    });
    await writeFolderAtomically(folder, { 'c.json': '{}' }, { replace: true });
    expect(await readdir(folder)).toEqual(['c.json']);
    expect((await readdir(dir)).filter((name) => name.startsWith('.'))).toEqual([]);
  });

  it('removes by renaming to a partial first, and sweeps what interrupted writes left', async () => {
    const file = path.join(dir, 'doomed.json');
    await writeFile(file, '{}');
    await removeAtomically(file);
    expect(existsSync(file)).toBe(false);
    expect(calls[0]).toMatch(/^rename doomed\.json -> .*\/\.partial-doomed\.json-[0-9a-f]{8}$/);
    await writeFile(path.join(dir, '.partial-left-behind'), 'half');
    await writeFile(path.join(dir, 'kept.json'), '{}');
    await sweepPartials(dir);
    expect((await readdir(dir)).sort()).toEqual(['kept.json', 'model', 'record.json']);
  });
});
