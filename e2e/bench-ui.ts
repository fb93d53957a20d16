/**
 * `npm run bench:ui`: how responsive MNIST Studio stays while it trains, measured end to end
 * through the browser host in Chromium (the e2e helpers build, start the host with a throwaway
 * MNIST_STUDIO_HOME, and the e2e config's launch options open the page). A benchmark that
 * reports figures, not a test: nothing is asserted against the targets.
 *
 * In one run:
 * 1. Frame time (requestAnimationFrame deltas in the page) on the Train view, charts visible:
 *    idle before training, then during a full training run (first batch event to train.end).
 * 2. The Draw view's prediction latency: from pen-up (the pointerup's timeStamp) to the moment
 *    the role="status" element shows the reading of the finished drawing (a MutationObserver,
 *    same page clock), over a set of digits drawn with pointer moves; idle, then while a second
 *    training run started from the Train view goes on in the engine. Frame time is recorded
 *    while drawing too.
 *
 * `--json` prints one JSON object as the last line and writes it to --out.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium, expect, type Page } from '@playwright/test';
import { Command } from 'commander';
import config from '../playwright.config';
import { describeMachine, quantile, type Machine } from '../src-main/cli/bench-stats';
import { integerOption, runCli } from '../src-main/cli/common';
import { buildRenderer, killTestEngine, startTestHost, type TestHost } from './browser-host';
import { drawStroke, openView, SEVEN } from './journey';

interface Options {
  epochs: number;
  samples: number;
  strokes: number;
  idleSeconds: number;
  json: boolean;
  out: string;
}

const options = new Command('bench:ui')
  .description('Measure frame time and the Draw pad’s prediction latency, idle and while training, in Chromium.')
  .option('--epochs <n>', 'epochs of the measured training run (Train view)', integerOption, 3)
  .option('--samples <n>', 'training images of the measured run', integerOption, 60000)
  .option('--strokes <n>', 'digits drawn on the pad in each phase (idle, training)', integerOption, 24)
  .option('--idle-seconds <n>', 'seconds of idle frame recording on the Train view', integerOption, 5)
  .option('--json', 'print the figures as one JSON object on the last line and write them to --out', false)
  .option('--out <file>', 'where --json writes the figures', path.join('.bench', 'bench-ui.json'))
  .parse()
  .opts<Options>();

// ---------------------------------------------------------------------------------------------
// In-page instrumentation (runs before the app's own scripts).

interface Recorded {
  /** rAF timestamps while recording. */
  frames: number[];
  /** Long tasks (start, duration) while recording. */
  longTasks: [number, number][];
  /** Long animation frames (start, duration, blocking duration, longest script) while recording. */
  longFrames: [number, number, number, string][];
  /** Engine events received over the socket: [time, kind]. */
  events: [number, string][];
  /** model.predict calls: [sent, answered or -1]. */
  predicts: [number, number][];
  /** Status element changes: [time, text]. */
  status: [number, string][];
  /** Pointer-up timeStamps on the drawing pad. */
  penUps: number[];
  backend: string | null;
}

interface BenchWindow {
  __bench: {
    data: Recorded;
    startFrames(): void;
    stopFrames(): void;
    watchStatus(): void;
    /** Forgets status changes and pen-ups (frames and events are kept, sliced by time). */
    reset(): void;
  };
}

function instrument(): void {
  const data: Recorded = {
    frames: [],
    longTasks: [],
    longFrames: [],
    events: [],
    predicts: [],
    status: [],
    penUps: [],
    backend: null,
  };
  let recording = false;
  const loop = (time: number) => {
    if (!recording) return;
    data.frames.push(time);
    requestAnimationFrame(loop);
  };
  try {
    new PerformanceObserver((list) => {
      if (!recording) return;
      for (const entry of list.getEntries()) data.longTasks.push([entry.startTime, entry.duration]);
    }).observe({ type: 'longtask' });
    new PerformanceObserver((list) => {
      if (!recording) return;
      for (const entry of list.getEntries()) {
        const frame = entry as PerformanceEntry & {
          blockingDuration?: number;
          scripts?: { duration: number; invoker: string; sourceFunctionName: string; sourceURL: string }[];
        };
        const longest = [...(frame.scripts ?? [])].sort((a, b) => b.duration - a.duration)[0];
        const where = longest
          ? `${longest.invoker} ${longest.sourceFunctionName}@${longest.sourceURL.split('/').pop()} ${Math.round(longest.duration)}ms`
          : 'no script (style, layout, paint)';
        data.longFrames.push([frame.startTime, frame.duration, frame.blockingDuration ?? 0, where]);
      }
    }).observe({ type: 'long-animation-frame' });
  } catch {
    // No long-task or long-animation-frame timing in this browser: those figures stay empty.
  }

  // Watch the app's socket without changing it: which calls go out, what comes back, when.
  const NativeSocket = window.WebSocket;
  const calls = new Map<number, { method: string; index: number }>();
  class WatchedSocket extends NativeSocket {
    constructor(url: string | URL, protocols?: string | string[]) {
      super(url, protocols);
      this.addEventListener('message', (event) => {
        const now = performance.now();
        let message: { type?: string; event?: { kind?: string }; response?: { id?: number; result?: unknown } };
        try {
          message = JSON.parse(String(event.data));
        } catch {
          return;
        }
        if (message.type === 'event' && message.event?.kind) data.events.push([now, message.event.kind]);
        const id = message.response?.id;
        const call = id === undefined ? undefined : calls.get(id);
        if (!call || id === undefined) return;
        calls.delete(id);
        if (call.method === 'model.predict') data.predicts[call.index][1] = now;
        if (call.method === 'engine.info') {
          const info = message.response?.result as { name?: string; accelerations?: string[] } | undefined;
          data.backend = [info?.name, ...(info?.accelerations ?? [])].filter(Boolean).join('; ');
        }
      });
    }
    override send(message: Parameters<WebSocket['send']>[0]): void {
      if (typeof message === 'string') {
        try {
          const { id, method } = JSON.parse(message) as { id: number; method: string };
          const index = method === 'model.predict' ? data.predicts.push([performance.now(), -1]) - 1 : -1;
          calls.set(id, { method, index });
        } catch {
          // Not a call: nothing to watch.
        }
      }
      super.send(message);
    }
  }
  window.WebSocket = WatchedSocket;

  window.addEventListener(
    'pointerup',
    (event) => {
      if ((event.target as Element | null)?.getAttribute?.('aria-label') === 'Drawing pad')
        data.penUps.push(event.timeStamp);
    },
    true,
  );

  let statusObserver: MutationObserver | undefined;
  (window as unknown as BenchWindow).__bench = {
    data,
    startFrames() {
      if (recording) return;
      recording = true;
      requestAnimationFrame(loop);
    },
    stopFrames() {
      recording = false;
    },
    watchStatus() {
      statusObserver?.disconnect();
      const status = document.querySelector('[role="status"]');
      if (!status) throw new Error('No role="status" element on this view.');
      statusObserver = new MutationObserver(() =>
        data.status.push([performance.now(), (status.textContent ?? '').replace(/\s+/g, ' ').trim()]),
      );
      statusObserver.observe(status, { childList: true, subtree: true, characterData: true });
    },
    reset() {
      data.status.length = 0;
      data.penUps.length = 0;
    },
  };
}

async function recorded(page: Page): Promise<Recorded> {
  return page.evaluate(() => structuredClone((window as unknown as BenchWindow).__bench.data));
}

/** The small part of the record a stroke needs: cheap to read while frames are being recorded. */
async function peek(page: Page): Promise<Pick<Recorded, 'predicts' | 'status' | 'penUps'> & { now: number }> {
  return page.evaluate(() => {
    const { predicts, status, penUps } = (window as unknown as BenchWindow).__bench.data;
    return { predicts, status, penUps, now: performance.now() };
  });
}

async function eventsOf(page: Page, kinds: string[]): Promise<[number, string][]> {
  return page.evaluate(
    (wanted) => (window as unknown as BenchWindow).__bench.data.events.filter(([, kind]) => wanted.includes(kind)),
    kinds,
  );
}

const call = (page: Page, name: 'startFrames' | 'stopFrames' | 'watchStatus' | 'reset') =>
  page.evaluate((method) => (window as unknown as BenchWindow).__bench[method](), name);

// ---------------------------------------------------------------------------------------------
// Statistics.

interface Distribution {
  count: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
}

function distribution(values: number[]): Distribution {
  const sorted = [...values].sort((a, b) => a - b);
  const round = (value: number) => Math.round(value * 10) / 10;
  return {
    count: sorted.length,
    p50: round(quantile(sorted, 0.5)),
    p95: round(quantile(sorted, 0.95)),
    p99: round(quantile(sorted, 0.99)),
    max: round(sorted.at(-1) ?? NaN),
  };
}

interface FramePhase extends Distribution {
  name: string;
  seconds: number;
  fps: number;
  over50: number;
  longTasks: number;
  longTaskMs: number;
  /** Long animation frames (>= 50 ms of main-thread work for one frame, script plus rendering). */
  longFrames: number;
  /** The longest of them: duration and its longest script. */
  worstFrames: string[];
  /** Engine events per second in the window (train.batch and others). */
  eventsPerSecond: number;
}

function framePhase(name: string, data: Recorded, from: number, to: number): FramePhase {
  const times = data.frames.filter((time) => time >= from && time <= to);
  const deltas = times.slice(1).map((time, i) => time - times[i]);
  const seconds = (to - from) / 1000;
  const tasks = data.longTasks.filter(([start]) => start >= from && start <= to);
  const events = data.events.filter(([time]) => time >= from && time <= to);
  return {
    name,
    seconds: Math.round(seconds * 10) / 10,
    ...distribution(deltas),
    fps: Math.round((deltas.length / seconds) * 10) / 10,
    over50: deltas.filter((delta) => delta > 50).length,
    longTasks: tasks.length,
    longTaskMs: Math.round(tasks.reduce((sum, [, duration]) => sum + duration, 0)),
    longFrames: data.longFrames.filter(([start]) => start >= from && start <= to).length,
    worstFrames: data.longFrames
      .filter(([start]) => start >= from && start <= to)
      .sort((a, b) => b[1] - a[1])
      .slice(0, 3)
      .map(([, duration, , where]) => `${Math.round(duration)}ms: ${where}`),
    eventsPerSecond: Math.round((events.length / seconds) * 10) / 10,
  };
}

// ---------------------------------------------------------------------------------------------
// The app, driven as a person would.

async function configure(page: Page, settings: { epochs: number; samples: number }): Promise<void> {
  await openView(page, 'Model');
  await page.getByRole('button', { name: /Keras example: Dense 512/ }).click();
  await expect(page.getByTestId('total-params')).toHaveText('407,050');
  await page.getByLabel('Epochs', { exact: true }).fill(String(settings.epochs));
  await page.getByLabel('Training images', { exact: true }).fill(String(settings.samples));
  await page.getByLabel('Validation split', { exact: true }).fill('0');
  await expect(page.getByText('Ready to train.')).toBeVisible();
}

/** Digits as single strokes in pad units (0..1). */
const DIGITS: [number, number][][] = [
  // 0
  [
    [0.5, 0.18],
    [0.32, 0.3],
    [0.28, 0.55],
    [0.38, 0.8],
    [0.55, 0.82],
    [0.7, 0.62],
    [0.7, 0.35],
    [0.52, 0.18],
  ],
  // 1
  [
    [0.45, 0.25],
    [0.52, 0.18],
    [0.52, 0.5],
    [0.51, 0.82],
  ],
  // 2
  [
    [0.3, 0.3],
    [0.45, 0.18],
    [0.65, 0.25],
    [0.62, 0.45],
    [0.35, 0.8],
    [0.72, 0.8],
  ],
  // 3
  [
    [0.3, 0.22],
    [0.6, 0.2],
    [0.65, 0.35],
    [0.45, 0.48],
    [0.68, 0.6],
    [0.6, 0.8],
    [0.3, 0.8],
  ],
  SEVEN,
  // 4 (as one stroke: down, across, then the long stem)
  [
    [0.35, 0.18],
    [0.28, 0.55],
    [0.7, 0.55],
    [0.6, 0.35],
    [0.6, 0.85],
  ],
];

interface Stroke {
  /** Pen-up to the status showing the reading of the finished drawing, ms. */
  latency: number;
  /** Pen-up to the status's first change, ms (a live reading still in flight may come first). */
  firstChange: number | null;
  /** model.predict calls answered after pen-up (2 when a live reading was in flight at pen-up). */
  callsAfterPenUp: number;
  /** The last of those calls, sent to answered, ms. */
  roundTrip: number | null;
  reading: string;
  duringTraining: boolean;
}

async function drawDigit(page: Page, shape: [number, number][], isTraining: () => Promise<boolean>): Promise<Stroke> {
  const status = page.getByRole('status');
  await page.keyboard.press('Escape');
  await expect(status).toContainText('The pad is empty');
  // A person pauses between digits: live readings of the previous one are long answered.
  await page.waitForTimeout(250);
  const trainingBefore = await isTraining();
  const predictsBefore = (await peek(page)).predicts.length;
  await drawStroke(page, shape);
  // Settled: every prediction answered and the status quiet for 300 ms.
  const deadline = Date.now() + 10_000;
  let data = await peek(page);
  for (;;) {
    const open = data.predicts.slice(predictsBefore).some(([, answered]) => answered < 0);
    const lastChange = data.status.at(-1)?.[0] ?? 0;
    if (!open && data.now - lastChange > 300 && data.penUps.length > 0) break;
    if (Date.now() > deadline) throw new Error('The pad gave no reading within 10 s.');
    await page.waitForTimeout(50);
    data = await peek(page);
  }
  const trainingAfter = await isTraining();
  const penUp = data.penUps.at(-1) as number;
  const changes = data.status.filter(([time]) => time >= penUp);
  const readings = changes.filter(([, text]) => /Predicted: \d/.test(text));
  const answered = data.predicts.slice(predictsBefore).filter(([, time]) => time >= penUp);
  const lastAnswer = answered.at(-1);
  // Where the final reading's text equals the live one already shown there is no change to
  // see: the reading is final when its answer arrives.
  const shown = Math.max(readings.at(-1)?.[0] ?? -Infinity, lastAnswer?.[1] ?? -Infinity);
  if (!Number.isFinite(shown)) throw new Error(`No reading after pen-up: ${JSON.stringify(changes)}`);
  const text = readings.at(-1)?.[1] ?? data.status.filter(([, t]) => /Predicted/.test(t)).at(-1)?.[1] ?? '';
  await call(page, 'reset');
  return {
    latency: shown - penUp,
    firstChange: changes.length > 0 ? changes[0][0] - penUp : null,
    callsAfterPenUp: answered.length,
    roundTrip: lastAnswer ? lastAnswer[1] - lastAnswer[0] : null,
    reading: /Predicted: (\d)/.exec(text)?.[1] ?? '?',
    duringTraining: trainingBefore && trainingAfter,
  };
}

interface PadPhase extends Distribution {
  name: string;
  firstChange: Distribution;
  roundTrip: Distribution;
  twoCalls: number;
  readings: string;
  note?: string;
}

function padPhase(name: string, strokes: Stroke[], note?: string): PadPhase {
  return {
    name,
    ...distribution(strokes.map((stroke) => stroke.latency)),
    firstChange: distribution(strokes.flatMap((stroke) => (stroke.firstChange === null ? [] : [stroke.firstChange]))),
    roundTrip: distribution(strokes.flatMap((stroke) => (stroke.roundTrip === null ? [] : [stroke.roundTrip]))),
    twoCalls: strokes.filter((stroke) => stroke.callsAfterPenUp > 1).length,
    readings: strokes.map((stroke) => stroke.reading).join(''),
    note,
  };
}

// ---------------------------------------------------------------------------------------------

/** The machine and its 1-minute load average before the run: other work on it skews every figure. */
type MachineAtStart = Machine & { loadAverage: number };

async function main(): Promise<void> {
  const loadBefore = os.loadavg()[0];
  const log = (line: string) => process.stderr.write(`${line}\n`);
  log('Building the renderer…');
  buildRenderer();
  const host: TestHost = await startTestHost();
  const launchOptions = config.use?.launchOptions ?? {};
  const browser = await chromium.launch(launchOptions);
  try {
    const context = await browser.newContext({ viewport: config.use?.viewport ?? { width: 1440, height: 900 } });
    const page = await context.newPage();
    const errors: string[] = [];
    page.on('pageerror', (error) => errors.push(error.message));
    // tsx (esbuild keepNames) wraps named functions in __name(): give the page a stand-in.
    await page.addInitScript({ content: `var __name = (target) => target;\n(${instrument.toString()})();` });
    await page.goto(host.url);
    const isTraining = async () => (await eventsOf(page, ['train.begin', 'train.end'])).at(-1)?.[1] === 'train.begin';
    const now = () => page.evaluate(() => performance.now());
    const eventTime = async (kind: string, after: number) => {
      for (;;) {
        const found = (await eventsOf(page, [kind])).find(([time]) => time >= after);
        if (found) return found[0];
        await page.waitForTimeout(50);
      }
    };

    // 1. Train view: idle, then one training run, charts visible.
    log(`Model: the Keras example, ${options.epochs} epoch(s) on ${options.samples} images.`);
    await configure(page, options);
    await openView(page, 'Train');
    await expect(page.getByTestId('backend-name')).not.toBeEmpty({ timeout: 60_000 });
    await call(page, 'startFrames');
    const idleFrom = await now();
    log(`Idle on the Train view for ${options.idleSeconds} s…`);
    await page.waitForTimeout(options.idleSeconds * 1000);
    const idleTo = await now();
    log('Training with the Train view on screen…');
    const clicked = await now();
    await page.getByRole('button', { name: 'Start training' }).click();
    const firstBatch = await eventTime('train.batch', clicked);
    await expect(page.getByTestId('train-status')).toHaveText(/^Finished/, { timeout: 600_000 });
    const trainEnd = await eventTime('train.end', clicked);
    await call(page, 'stopFrames');
    let data = await recorded(page);
    const frames: FramePhase[] = [
      framePhase('Train view, idle', data, idleFrom, idleTo),
      framePhase('Train view, training', data, firstBatch, trainEnd),
    ];
    const speed =
      (
        await page
          .getByText(/samples\/s$/)
          .first()
          .textContent()
      )?.trim() ?? '';
    const trainedSeconds = (trainEnd - firstBatch) / 1000;
    await call(page, 'reset');

    // 2. Draw view, idle engine.
    await openView(page, 'Draw');
    await call(page, 'watchStatus');
    log(`Drawing ${options.strokes} digits with the engine idle…`);
    const idleStrokes: Stroke[] = [];
    const drawIdleFrom = await now();
    await call(page, 'startFrames');
    for (let i = 0; i < options.strokes; i++)
      idleStrokes.push(await drawDigit(page, DIGITS[i % DIGITS.length], async () => false));
    const drawIdleTo = await now();
    await call(page, 'stopFrames');

    // 3. Draw view while a second run trains (long enough for every digit; stopped afterwards).
    log(`Drawing ${options.strokes} digits while a second training run goes on…`);
    await configure(page, { epochs: 50, samples: options.samples });
    await openView(page, 'Train');
    const secondClicked = await now();
    await page.getByRole('button', { name: 'Start training' }).click();
    await eventTime('train.batch', secondClicked);
    await openView(page, 'Draw');
    await call(page, 'watchStatus');
    const busyStrokes: Stroke[] = [];
    let skipped = 0;
    const drawBusyDrawingFrom = await now();
    await call(page, 'startFrames');
    while (busyStrokes.length < options.strokes) {
      const stroke = await drawDigit(page, DIGITS[(busyStrokes.length + skipped) % DIGITS.length], isTraining);
      if (stroke.duringTraining) busyStrokes.push(stroke);
      else if (++skipped > options.strokes)
        throw new Error('The second training run ended before the digits were drawn.');
    }
    const drawBusyDrawingTo = await now();
    // Frame time on the Draw view while training, without the pen.
    const drawBusyFrom = await now();
    await page.waitForTimeout(options.idleSeconds * 1000);
    const drawBusyTo = await now();
    await call(page, 'stopFrames');
    data = await recorded(page);
    frames.push(
      framePhase('Draw view, idle (drawing)', data, drawIdleFrom, drawIdleTo),
      framePhase('Draw view, training (drawing)', data, drawBusyDrawingFrom, drawBusyDrawingTo),
      framePhase('Draw view, training (pen idle)', data, drawBusyFrom, drawBusyTo),
    );
    await openView(page, 'Train');
    await page.getByRole('button', { name: 'Stop' }).click();
    await expect(page.getByTestId('train-status')).toHaveText(/^Stopped/, { timeout: 60_000 });

    // 3. A crashed engine: from the kill to the banner, then to the banner clearing (engine back).
    log('Killing the engine process…');
    const bannerShown = (expected: boolean) =>
      [...document.querySelectorAll('[role="alert"]')].some((node) =>
        node.textContent?.includes('The engine stopped.'),
      ) === expected;
    const killedAt = Date.now();
    const killed = killTestEngine(host);
    let crash: { noticeMs: number; recoveredMs: number } | { skipped: string };
    if (killed) {
      await page.waitForFunction(bannerShown, true, { polling: 'raf', timeout: 30_000 });
      const noticeMs = Date.now() - killedAt;
      await page.waitForFunction(bannerShown, false, { polling: 'raf', timeout: 60_000 });
      crash = { noticeMs, recoveredMs: Date.now() - killedAt };
    } else {
      crash = { skipped: 'the engine process could not be found to kill (Linux only)' };
    }

    const pad: PadPhase[] = [
      padPhase('Draw view, engine idle', idleStrokes),
      padPhase(
        'Draw view, engine training',
        busyStrokes,
        'The UI allows drawing while training; the engine answers with the model trained before.',
      ),
    ];
    const report = {
      kind: 'bench-ui',
      date: new Date().toISOString(),
      machine: { ...describeMachine(), loadAverage: Math.round(loadBefore * 100) / 100 },
      browser: `${browser.browserType().name()} ${browser.version()}${launchOptions.executablePath ? ` (${launchOptions.executablePath})` : ''}`,
      backend: data.backend,
      command: `npm run bench:ui -- ${process.argv.slice(2).join(' ')}`.trim(),
      training: {
        epochs: options.epochs,
        samples: options.samples,
        seconds: Math.round(trainedSeconds * 10) / 10,
        speed,
      },
      targets: { frameP95Ms: 50, padMs: 50 },
      frames,
      pad,
      crash,
      pageErrors: errors,
    };
    printTable(report);
    console.log(
      'noticeMs' in crash
        ? `Engine crash: the UI said so ${crash.noticeMs} ms after the kill; a new engine answered after ${crash.recoveredMs} ms.`
        : `Engine crash: not measured (${crash.skipped}).`,
    );
    if (options.json) {
      mkdirSync(path.dirname(options.out), { recursive: true });
      writeFileSync(options.out, `${JSON.stringify(report, null, 2)}\n`);
      console.log(JSON.stringify(report));
    }
  } finally {
    await browser.close();
    await host.stop();
  }
}

function printTable(report: {
  machine: MachineAtStart;
  browser: string;
  backend: string | null;
  training: { epochs: number; samples: number; seconds: number; speed: string };
  frames: FramePhase[];
  pad: PadPhase[];
  pageErrors: string[];
}): void {
  const { machine: m } = report;
  const pad = (value: unknown, width: number) => String(value).padStart(width);
  const lines = [
    `Machine: ${m.cores} cores, ${m.cpu}${m.avx512 ? ' (AVX-512)' : ''}, ${m.memoryGb} GB, load average ${m.loadAverage} before the run; ${report.browser}`,
    `Engine: ${report.backend ?? 'unknown backend'}; measured run ${report.training.epochs} epoch(s) × ${report.training.samples} images in ${report.training.seconds} s (${report.training.speed})`,
    '',
    'Frame time (requestAnimationFrame deltas, ms); target p95 <= 50 while training',
    `${'phase'.padEnd(34)}${pad('s', 6)}${pad('fps', 7)}${pad('p50', 7)}${pad('p95', 7)}${pad('p99', 7)}${pad('max', 8)}${pad('>50ms', 7)}${pad('long tasks', 12)}${pad('LoAF', 6)}${pad('events/s', 10)}`,
    ...report.frames.map(
      (f) =>
        `${f.name.padEnd(34)}${pad(f.seconds, 6)}${pad(f.fps, 7)}${pad(f.p50, 7)}${pad(f.p95, 7)}${pad(f.p99, 7)}${pad(f.max, 8)}${pad(f.over50, 7)}${pad(`${f.longTasks}/${f.longTaskMs}ms`, 12)}${pad(f.longFrames, 6)}${pad(f.eventsPerSecond, 10)}`,
    ),
    '',
    'Pad: pen-up to the status showing the finished drawing’s reading (ms); target <= 50',
    `${'phase'.padEnd(34)}${pad('n', 4)}${pad('p50', 7)}${pad('p95', 7)}${pad('max', 8)}${pad('1st change p50', 16)}${pad('call p50', 10)}${pad('2 calls', 9)}  readings`,
    ...report.pad.map(
      (p) =>
        `${p.name.padEnd(34)}${pad(p.count, 4)}${pad(p.p50, 7)}${pad(p.p95, 7)}${pad(p.max, 8)}${pad(p.firstChange.p50, 16)}${pad(p.roundTrip.p50, 10)}${pad(p.twoCalls, 9)}  ${p.readings}`,
    ),
    ...report.pad.flatMap((p) => (p.note ? [`  ${p.name}: ${p.note}`] : [])),
    ...(report.pageErrors.length > 0 ? ['', `Page errors: ${report.pageErrors.join(' | ')}`] : []),
  ];
  console.log(lines.join('\n'));
}

await runCli(main);
