/**
 * A run's batch curve, kept small whatever the run's length. A chart is a few hundred pixels
 * wide, so a few hundred points show everything a curve has to show: when the curve holds more
 * than `maxPoints`, every second point is dropped and new points must be twice as far apart
 * (in samples seen), so the points stay evenly spread over the whole run.
 */
import type { RunBatchPoint } from '../shared/contract';

const MAX_BATCH_POINTS = 400;

/** Five significant digits: what a curve needs, and a third of the JSON of a full double. */
export function roundMetric(value: number): number {
  return Number.isFinite(value) ? Number(value.toPrecision(5)) : value;
}

export class BatchCurve {
  private readonly points: RunBatchPoint[];
  private minGap = 0;

  constructor(
    readonly maxPoints = MAX_BATCH_POINTS,
    initial: RunBatchPoint[] = [],
  ) {
    this.points = [...initial];
  }

  add(point: RunBatchPoint): void {
    const last = this.points.at(-1);
    if (last && point.samples - last.samples < this.minGap) return;
    this.points.push({ ...point, loss: roundMetric(point.loss), acc: roundMetric(point.acc) });
    if (this.points.length > this.maxPoints) this.thin();
  }

  private thin(): void {
    const kept = this.points.filter((_, i) => i % 2 === 1 || i === this.points.length - 1);
    this.points.splice(0, this.points.length, ...kept);
    const first = this.points[0];
    const last = this.points[this.points.length - 1];
    this.minGap = (last.samples - first.samples) / Math.max(1, this.points.length - 1);
  }

  toArray(): RunBatchPoint[] {
    return [...this.points];
  }
}
