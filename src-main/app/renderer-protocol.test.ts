import { mkdtemp, mkdir, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it, vi } from 'vitest';

vi.mock('electron', () => ({ protocol: { registerSchemesAsPrivileged: vi.fn() } }));

const { rendererFileFor, serveRenderer } = await import('./renderer-protocol');

const root = path.resolve('/opt/mnist-studio/out/renderer');

describe('rendererFileFor', () => {
  it('maps app://studio/ paths into the renderer folder', () => {
    expect(rendererFileFor(root, 'app://studio/')).toBe(path.join(root, 'index.html'));
    expect(rendererFileFor(root, 'app://studio/assets/index-1.js?v=2')).toBe(path.join(root, 'assets/index-1.js'));
  });

  it('keeps dot segments inside the folder (the URL parser resolves them first)', () => {
    expect(rendererFileFor(root, 'app://studio/%2e%2e/%2e%2e/secret.txt')).toBe(path.join(root, 'secret.txt'));
  });

  it.each([
    'app://studio/..%2f..%2fsecret.txt',
    'app://other/index.html',
    'file:///opt/mnist-studio/out/renderer/index.html',
    'app://studio/%E0%A4%A',
    'not a url',
  ])('serves nothing for %s', (url) => {
    expect(rendererFileFor(root, url)).toBeNull();
  });
});

describe('serveRenderer', () => {
  it('answers with the file, its type, and the Content-Security-Policy header', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'renderer-'));
    await mkdir(path.join(dir, 'assets'));
    await writeFile(path.join(dir, 'index.html'), '<!doctype html>');
    await writeFile(path.join(dir, 'assets', 'main.js'), 'export {}');
    let handler: ((request: Request) => Promise<Response>) | undefined;
    serveRenderer({ protocol: { handle: (_scheme: string, h: typeof handler) => (handler = h) } } as never, dir);

    const page = await handler!(new Request('app://studio/index.html'));
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toContain('text/html');
    expect(page.headers.get('content-security-policy')).toContain("default-src 'self'");
    expect(page.headers.get('content-security-policy')).toContain("object-src 'none'");
    expect(await page.text()).toBe('<!doctype html>');
    const script = await handler!(new Request('app://studio/assets/main.js'));
    expect(script.headers.get('content-type')).toContain('text/javascript');
    expect((await handler!(new Request('app://studio/missing.js'))).status).toBe(404);
  });
});
