#!/usr/bin/env node
// Before the end-to-end tests: make sure a Chromium exists. Playwright cannot download its own
// browser on an offline machine, so Debian's chromium is used; as root it is installed here.
import { execSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chromium } from '@playwright/test';

const DEBIAN_CHROMIUM = '/usr/bin/chromium';
const PLAYWRIGHT_CHROMIUM = chromium.executablePath();
if (existsSync(DEBIAN_CHROMIUM) || existsSync(PLAYWRIGHT_CHROMIUM) || process.env.MNIST_STUDIO_CHROMIUM)
  process.exit(0);

const isRoot = process.getuid?.() === 0;
const hasApt = spawnSync('sh', ['-c', 'command -v apt-get'], { stdio: 'ignore' }).status === 0;
if (!isRoot || !hasApt) {
  console.error(
    'Chromium is missing: install it (Debian/Ubuntu: sudo apt-get install -y chromium) or point MNIST_STUDIO_CHROMIUM at a Chromium binary.',
  );
  process.exit(1);
}
console.log('Installing Debian chromium for the end-to-end tests (apt-get install -y chromium)...');
try {
  execSync(
    'apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends chromium',
    {
      stdio: 'inherit',
    },
  );
} catch {
  console.error('Installing chromium with apt-get failed; install it by hand and run the tests again.');
  process.exit(1);
}
