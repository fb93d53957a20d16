/**
 * The sweep records: one JSON file per sweep (settings, points so far, status), rewritten
 * atomically after every finished point (atomic-file.ts), so a crash loses at most the run in
 * progress and never leaves a half-written record.
 */
import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { sweepRecordSchema, type SweepRecord } from '../shared/contract';
import { StudioError } from '../shared/errors';
import { fileProblem, isPartial, removeAtomically, sweepPartials, writeFileAtomically } from './atomic-file';

export class SweepRecords {
  constructor(readonly directory: string) {}

  private file(id: string): string {
    if (!/^[a-z0-9-]+$/.test(id)) throw new StudioError('NOT_FOUND', `There is no sweep "${id}".`);
    return path.join(this.directory, `${id}.json`);
  }

  /** Removes what saves interrupted by a crash left behind. */
  async sweepPartials(): Promise<void> {
    await sweepPartials(this.directory);
  }

  async save(record: SweepRecord): Promise<void> {
    const target = this.file(record.id);
    try {
      await mkdir(this.directory, { recursive: true });
      await writeFileAtomically(target, JSON.stringify(record, null, 2));
    } catch (error) {
      throw new StudioError('SWEEP_FILE', `Cannot save the sweep to ${target}: ${fileProblem(error)}.`);
    }
  }

  async get(id: string): Promise<SweepRecord> {
    const file = this.file(id);
    if (!existsSync(file)) throw new StudioError('NOT_FOUND', `There is no sweep "${id}".`);
    let parsed: unknown;
    try {
      parsed = JSON.parse(await readFile(file, 'utf8'));
    } catch {
      throw new StudioError('SWEEP_FILE', `${file} is not valid JSON; the sweep file is corrupt.`);
    }
    const record = sweepRecordSchema.safeParse(parsed);
    if (!record.success) throw new StudioError('SWEEP_FILE', `${file} is not a valid sweep record.`);
    return record.data;
  }

  async list(): Promise<SweepRecord[]> {
    if (!existsSync(this.directory)) return [];
    const records: SweepRecord[] = [];
    for (const entry of await readdir(this.directory)) {
      if (isPartial(entry) || !entry.endsWith('.json')) continue;
      try {
        records.push(await this.get(entry.slice(0, -'.json'.length)));
      } catch {
        // Unreadable files are skipped in the list; opening one by id reports why.
      }
    }
    return records.sort((a, b) => b.createdAt.localeCompare(a.createdAt));
  }

  async remove(id: string): Promise<boolean> {
    const file = this.file(id);
    if (!existsSync(file)) throw new StudioError('NOT_FOUND', `There is no sweep "${id}".`);
    await removeAtomically(file);
    return true;
  }
}
