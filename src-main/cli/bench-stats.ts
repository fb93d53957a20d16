/** What the benchmarks (`npm run bench`, `npm run bench:ui`) share: percentiles and the machine they ran on. */
import { readFileSync } from 'node:fs';
import os from 'node:os';

/** The nearest-rank q-quantile (0 < q <= 1) of values sorted ascending; NaN when there are none. */
export function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))];
}

export interface Machine {
  cpu: string;
  /** CPUs this process may run on (nproc), not all the machine has. */
  cores: number;
  avx512: boolean;
  memoryGb: number;
  platform: string;
  node: string;
}

export function describeMachine(): Machine {
  let cpuinfo = '';
  try {
    cpuinfo = readFileSync('/proc/cpuinfo', 'utf8');
  } catch {
    // Not Linux: the model from os.cpus() and no flags.
  }
  const flags = /^flags\s*:\s*(.+)$/m.exec(cpuinfo)?.[1]?.split(' ') ?? [];
  return {
    cpu: /^model name\s*:\s*(.+)$/m.exec(cpuinfo)?.[1]?.trim() ?? os.cpus()[0]?.model ?? 'unknown',
    cores: os.availableParallelism(),
    avx512: flags.includes('avx512f'),
    memoryGb: Math.round(os.totalmem() / 2 ** 30),
    platform: `${os.platform()} ${os.arch()}`,
    node: process.version,
  };
}
