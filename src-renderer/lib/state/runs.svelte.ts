/**
 * Feature: every recorded training run (app, CLI, sweeps), the list's filters, the runs selected
 * for the overlay (with their full records, batch curves included) and the chart's settings.
 */
import type { EngineEvent, RunRecord, RunStatus, RunSummary } from '../../../src-main/shared/contract';
import { PRESETS } from '../../../src-main/shared/spec';
import type { CurveAxis, CurveMetric } from '../run-curves';
import type { DraftFeature } from './draft.svelte';
import type { EngineCall } from './engine-port';
import type { NoticesFeature } from './notices.svelte';

export interface RunFilters {
  preset: string;
  dataset: string;
  status: RunStatus | '';
}

/** More than this many curves on one chart is no longer readable. */
const MAX_SELECTED = 8;

/** Each value once, sorted: the choices of a filter. */
function distinct(values: string[]): string[] {
  return values.filter((value, index) => values.indexOf(value) === index).sort();
}

export class RunsFeature {
  list = $state.raw<RunSummary[]>([]);
  loaded = $state(false);
  filters = $state<RunFilters>({ preset: '', dataset: '', status: '' });
  selectedIds = $state<string[]>([]);
  /** Full records of the selected runs, fetched on selection. */
  records = $state.raw<Record<string, RunRecord>>({});
  metric = $state<CurveMetric>('loss');
  axis = $state<CurveAxis>('epoch');
  smoothing = $state(0.6);

  presets = $derived(distinct(this.list.map((run) => run.preset ?? 'custom')));
  datasets = $derived(distinct(this.list.map((run) => run.dataset.name)));
  shown = $derived(
    this.list.filter(
      (run) =>
        (!this.filters.preset || (run.preset ?? 'custom') === this.filters.preset) &&
        (!this.filters.dataset || run.dataset.name === this.filters.dataset) &&
        (!this.filters.status || run.status === this.filters.status),
    ),
  );
  /** Selected runs in list order (newest first), once their records have arrived. */
  selected = $derived(
    this.list
      .filter((run) => this.selectedIds.includes(run.id) && this.records[run.id])
      .map((run) => this.records[run.id]),
  );

  constructor(
    private readonly call: EngineCall,
    private readonly notices: NoticesFeature,
    private readonly others: { draft: DraftFeature },
  ) {}

  handle(event: EngineEvent): void {
    const ended = event.kind === 'train.end' || event.kind === 'sweep.end' || event.kind === 'sweep.point';
    // A new engine after a crash: the run it was training now reads as crashed.
    const restarted = event.kind === 'engine.status' && event.state === 'ready';
    if (event.kind === 'train.begin' || ended || restarted) void this.refresh();
    // Short epochs can end many times a second: the list follows at most once a second.
    else if (event.kind === 'train.epoch') this.refreshSoon();
  }

  private refreshTimer: ReturnType<typeof setTimeout> | undefined;

  private refreshSoon(): void {
    this.refreshTimer ??= setTimeout(() => {
      this.refreshTimer = undefined;
      void this.refresh();
    }, 1000);
  }

  async refresh(): Promise<void> {
    const list = await this.call('runs.list', {});
    if (!list) return;
    this.list = list;
    this.loaded = true;
    const known = list.map((run) => run.id);
    this.selectedIds = this.selectedIds.filter((id) => known.includes(id));
    // Selected runs that changed (a running one gained epochs, a crash was noticed): fetch again.
    await Promise.all(
      this.selectedIds
        .filter((id) => this.records[id]?.updatedAt !== list.find((run) => run.id === id)?.updatedAt)
        .map((id) => this.fetch(id)),
    );
  }

  private async fetch(id: string): Promise<void> {
    const record = await this.call('runs.get', { id });
    if (record) this.records = { ...this.records, [id]: record };
  }

  isSelected(id: string): boolean {
    return this.selectedIds.includes(id);
  }

  async toggle(id: string): Promise<void> {
    if (this.isSelected(id)) {
      this.selectedIds = this.selectedIds.filter((known) => known !== id);
      return;
    }
    if (this.selectedIds.length >= MAX_SELECTED) {
      this.notices.fail(`At most ${MAX_SELECTED} runs can be compared at once; clear one first.`);
      return;
    }
    this.selectedIds = [...this.selectedIds, id];
    await this.fetch(id);
  }

  /** Opens the Runs view with just this run selected (links from saved models and sweeps). */
  async show(id: string): Promise<void> {
    this.filters = { preset: '', dataset: '', status: '' };
    this.selectedIds = [id];
    await this.fetch(id);
  }

  async rename(id: string, name: string): Promise<boolean> {
    const renamed = await this.call('runs.rename', { id, name });
    if (!renamed) return false;
    await this.refresh();
    if (this.records[id]) this.records = { ...this.records, [id]: { ...this.records[id], name: renamed.name } };
    return true;
  }

  async remove(id: string): Promise<void> {
    if (!(await this.call('runs.delete', { id }))) return;
    this.selectedIds = this.selectedIds.filter((known) => known !== id);
    await this.refresh();
  }

  /** "Use these settings": the run's model and settings become the Model view's draft. */
  useSettings(run: RunSummary): void {
    const { draft } = this.others;
    draft.adopt(run.spec, run.settings);
    draft.presetId = PRESETS.find((preset) => preset.name === run.preset)?.id ?? null;
  }
}
