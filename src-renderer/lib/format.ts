/** Number and text formatting shared by the views. Pure. */

const integer = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });

/** 407050 -> "407,050", as `model.summary()` prints parameter counts. */
export function formatInt(value: number): string {
  return integer.format(value);
}

/** 0.9812 -> "98.12%". */
export function formatPercent(fraction: number, digits = 2): string {
  return `${(fraction * 100).toFixed(digits)}%`;
}

/** Keras-style metric value: 4 decimals. */
export function formatMetric(value: number | undefined): string {
  return value === undefined || !Number.isFinite(value) ? '—' : value.toFixed(4);
}

/** Seconds as "45 s", "3 min 05 s" or "1 h 02 min". */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '—';
  if (seconds < 1) return '< 1 s';
  const whole = Math.round(seconds);
  if (whole < 60) return `${whole} s`;
  const minutes = Math.floor(whole / 60);
  if (minutes < 60) return `${minutes} min ${String(whole % 60).padStart(2, '0')} s`;
  return `${Math.floor(minutes / 60)} h ${String(minutes % 60).padStart(2, '0')} min`;
}

/** [null, 26, 26, 16] -> "(None, 26, 26, 16)", as Keras prints output shapes. */
export function formatShape(shape: (number | null)[]): string {
  return `(${shape.map((size) => (size === null ? 'None' : String(size))).join(', ')})`;
}

/** A count with its noun, singular or plural: "1 image", "2,000 images". */
export function plural(count: number, noun: string, nouns = `${noun}s`): string {
  return `${formatInt(count)} ${count === 1 ? noun : nouns}`;
}

/**
 * The one sentence a person should read from anything thrown by a call. Electron prefixes
 * errors that cross IPC ("Error invoking remote method 'x': Error: ..."); that is noise here.
 */
export function errorMessage(error: unknown): string {
  const raw = error instanceof Error ? error.message : typeof error === 'string' ? error : '';
  const text = raw
    .split('\n')[0]
    .replace(/^Error invoking remote method '[^']*':\s*/, '')
    .replace(/^(?:[A-Za-z]*Error:\s*)+/, '')
    .trim();
  return text || 'Something went wrong; please try again.';
}
