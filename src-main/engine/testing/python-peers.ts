/**
 * Finds a Python that imports what a peer needs (Keras for the interop tests, torch for the
 * benchmark): MNIST_STUDIO_PYTHON, the project's .venv-peers (`npm run setup:peers`), then the
 * system's python3. MNIST_STUDIO_REQUIRE_PEERS=1 (CI) turns "not found" from a skip into a failure.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const PROJECT_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
export const PEERS_VENV_PYTHON = path.join(PROJECT_ROOT, '.venv-peers', 'bin', 'python');

export type PythonLookup = { python: string } | { python?: undefined; reason: string };

function candidates(explicit?: string): string[] {
  if (explicit) return [explicit];
  const found = [process.env.MNIST_STUDIO_PYTHON, PEERS_VENV_PYTHON, 'python3', '/usr/bin/python3'];
  return [...new Set(found.filter((python): python is string => Boolean(python)))].filter(
    (python) => !path.isAbsolute(python) || existsSync(python),
  );
}

const cache = new Map<string, PythonLookup>();

/** The first candidate Python that imports every module in `modules`. */
export function findPython(modules: string[], explicit?: string): PythonLookup {
  const key = `${explicit ?? ''}|${modules.join(',')}`;
  const cached = cache.get(key);
  if (cached) return cached;
  const tried = candidates(explicit);
  const script = modules.map((name) => `import ${name}`).join('; ');
  let lookup: PythonLookup = {
    reason: `no Python here imports ${modules.join(' and ')} (tried ${tried.join(', ') || 'nothing'}; run \`npm run setup:peers\`)`,
  };
  for (const python of tried) {
    const probe = spawnSync(python, ['-c', script], { encoding: 'utf8', timeout: 120_000 });
    if (probe.status === 0) {
      lookup = { python };
      break;
    }
  }
  cache.set(key, lookup);
  return lookup;
}

/** True when a missing peer must fail the run instead of skipping (CI sets it). */
export function peersRequired(): boolean {
  return process.env.MNIST_STUDIO_REQUIRE_PEERS === '1';
}
