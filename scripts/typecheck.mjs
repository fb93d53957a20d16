// Type-checks each runtime with its own tsconfig (the list is tsconfig.json's references).
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

const { references } = JSON.parse(readFileSync(new URL('../tsconfig.json', import.meta.url), 'utf8'));
let failed = false;
for (const { path } of references) {
  const result = spawnSync('npx', ['tsc', '-p', path, '--noEmit'], { stdio: 'inherit' });
  if (result.status !== 0) {
    console.error(`Type errors in ${path}.`);
    failed = true;
  }
}
process.exit(failed ? 1 : 0);
