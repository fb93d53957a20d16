/** Words and numbers about sweeps, shared by the Experiments components. Pure. */
import type { SweepRecord } from '../../src-main/shared/contract';
import { IMAGE_PIXELS, NUM_CLASSES } from '../../src-main/shared/spec';
import { formatDuration, formatInt, plural } from './format';

/** Trainable parameters of the example's model with `units` hidden units (Dense(U) -> Dense(10)). */
export function exampleParams(units: number): number {
  return IMAGE_PIXELS * units + units + units * NUM_CLASSES + NUM_CLASSES;
}

/** [8, 16, 32] -> "8, 16, 32"; long lists keep both ends: "8, 16, …, 1024 (8 sizes)". */
export function describeUnits(units: number[]): string {
  if (units.length <= 4) return units.join(', ');
  return `${units[0]}, ${units[1]}, …, ${units[units.length - 1]} (${units.length} sizes)`;
}

const dateFormat = new Intl.DateTimeFormat('en-GB', {
  day: 'numeric',
  month: 'short',
  year: 'numeric',
  hour: '2-digit',
  minute: '2-digit',
});

/** "28 Nov 2025, 15:42" in the local time zone. */
export function formatWhen(iso: string): string {
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? '—' : dateFormat.format(date);
}

/** "5 epochs · all 60,000 images" or "1 epoch · 2,000 images". */
export function describeSettings(settings: SweepRecord['settings'], trainImages = 60000): string {
  const images =
    settings.trainLimit === undefined || settings.trainLimit >= trainImages
      ? `all ${formatInt(trainImages)} images`
      : plural(settings.trainLimit, 'image');
  return `${plural(settings.epochs, 'epoch')} · ${images}`;
}

/** "Run 3 of 8 — 32 units, epoch 1/5". */
export function describeRun(progress: {
  run: number;
  runs: number;
  units: number;
  epoch: number;
  epochs: number;
}): string {
  return `Run ${progress.run} of ${progress.runs} — ${progress.units} units, epoch ${progress.epoch}/${progress.epochs}`;
}

/** Training time of one run: tenths under 10 s ("0.4 s"), then like formatDuration ("1 min 05 s"). */
export function formatSeconds(seconds: number): string {
  return Number.isFinite(seconds) && seconds >= 0 && seconds < 9.95
    ? `${seconds.toFixed(1)} s`
    : formatDuration(seconds);
}
