import { svelte } from '@sveltejs/vite-plugin-svelte';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    environment: 'node',
    pool: 'forks',
    testTimeout: 120_000,
    hookTimeout: 120_000,
    projects: [
      { extends: true, test: { name: 'main', include: ['src-main/**/*.test.ts'] } },
      {
        // The renderer's feature state is written in runes (.svelte.ts). In Node, vitest would
        // compile them for the server, where effects never run: compile them as the browser gets
        // them, against svelte's client runtime.
        extends: true,
        plugins: [svelte({ dynamicCompileOptions: () => ({ generate: 'client' }) })],
        ssr: { resolve: { conditions: ['browser'], externalConditions: ['browser'] } },
        test: {
          name: 'renderer',
          include: ['src-renderer/**/*.test.ts'],
          server: { deps: { inline: ['svelte'] } },
        },
      },
    ],
  },
});
