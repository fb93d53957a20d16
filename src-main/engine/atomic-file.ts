/**
 * Files and folders that are either all there or not there at all, whatever stops the process
 * (a crash, SIGKILL, power loss): everything is written under a hidden `.partial-` name in the
 * same folder, flushed to disk, renamed into place in one step, and the folder's own entry is
 * flushed too so the rename itself survives. What an interrupted write leaves behind is only
 * ever a `.partial-` entry, which readers skip and sweepPartials removes.
 */
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, open, readdir, rename, rm } from 'node:fs/promises';
import path from 'node:path';

const PARTIAL_PREFIX = '.partial-';

/** True for names an interrupted write may have left (never a finished file or folder). */
export function isPartial(name: string): boolean {
  return name.startsWith(PARTIAL_PREFIX);
}

function partialNameFor(target: string): string {
  return path.join(path.dirname(target), `${PARTIAL_PREFIX}${path.basename(target)}-${randomBytes(4).toString('hex')}`);
}

/** Writes and flushes one file (not atomic by itself: use it inside a partial folder or file). */
async function writeDurably(file: string, data: string | Uint8Array): Promise<void> {
  const handle = await open(file, 'wx');
  try {
    await handle.writeFile(data);
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** Flushes a folder's entries (the names in it), so a rename into it is on disk too. */
async function syncDirectory(directory: string): Promise<void> {
  const handle = await open(directory, 'r');
  try {
    await handle.sync();
  } catch (error) {
    // Some file systems (and Windows) cannot flush a directory handle; the rename still happened.
    const code = (error as NodeJS.ErrnoException).code;
    if (code !== 'EINVAL' && code !== 'EPERM' && code !== 'EISDIR') throw error;
  } finally {
    await handle.close();
  }
}

/** Replaces (or creates) `file` with `data`, atomically. Its folder must exist. */
export async function writeFileAtomically(file: string, data: string | Uint8Array): Promise<void> {
  const partial = partialNameFor(file);
  try {
    await writeDurably(partial, data);
    await rename(partial, file);
  } catch (error) {
    await rm(partial, { force: true }).catch(() => undefined);
    throw error;
  }
  await syncDirectory(path.dirname(file));
}

/**
 * Writes `files` (name -> contents) as the folder `folder`, atomically. With `replace`, an older
 * folder of that name is swapped out in the same step and removed after; without it, an existing
 * folder is an EEXIST error. The parent folder must exist.
 */
export async function writeFolderAtomically(
  folder: string,
  files: Record<string, string | Uint8Array>,
  { replace }: { replace: boolean },
): Promise<void> {
  const parent = path.dirname(folder);
  const partial = partialNameFor(folder);
  const replaced = `${partial}-old`;
  await mkdir(partial);
  let hadOlder: boolean;
  try {
    for (const [name, data] of Object.entries(files)) await writeDurably(path.join(partial, name), data);
    await syncDirectory(partial);
    hadOlder = existsSync(folder);
    if (hadOlder && !replace) throw Object.assign(new Error(`${folder} exists`), { code: 'EEXIST' });
    if (hadOlder) await rename(folder, replaced);
    try {
      await rename(partial, folder);
    } catch (error) {
      if (hadOlder) await rename(replaced, folder);
      throw error;
    }
  } catch (error) {
    await rm(partial, { recursive: true, force: true }).catch(() => undefined);
    throw error;
  }
  await syncDirectory(parent);
  if (hadOlder) await rm(replaced, { recursive: true, force: true });
}

/** Removes a file or folder so that no crash leaves half of it under its real name. */
export async function removeAtomically(target: string): Promise<void> {
  const doomed = partialNameFor(target);
  await rename(target, doomed);
  await syncDirectory(path.dirname(target));
  await rm(doomed, { recursive: true, force: true });
}

/** Removes whatever interrupted writes left in `directory` (run before anyone writes there). */
export async function sweepPartials(directory: string): Promise<void> {
  if (!existsSync(directory)) return;
  for (const entry of await readdir(directory)) {
    if (isPartial(entry)) await rm(path.join(directory, entry), { recursive: true, force: true });
  }
}

/** What went wrong with a file operation, in words (the errno code alone means little to people). */
export function fileProblem(error: unknown): string {
  const code = (error as NodeJS.ErrnoException).code;
  const problems: Record<string, string> = {
    EACCES: 'permission denied',
    EPERM: 'permission denied',
    EROFS: 'the location is read-only',
    ENOSPC: 'the disk is full',
    ENOENT: 'the folder does not exist or cannot hold new files',
    ENOTDIR: 'part of the path is a file, not a folder',
    EEXIST: 'a file stands where a folder is needed',
  };
  return (code && problems[code]) ?? (error instanceof Error ? error.message.split('\n')[0] : String(error));
}
