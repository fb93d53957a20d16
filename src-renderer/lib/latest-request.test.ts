import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { latestRequests } from './latest-request';

/** A request function whose answers the test releases one by one, in any order. */
function controlledEngine() {
  const pending: { input: number; answer: (value: string) => void }[] = [];
  return {
    pending,
    send: (input: number) => new Promise<string>((resolve) => pending.push({ input, answer: resolve })),
    sentInputs: () => pending.map((request) => request.input),
  };
}

describe('latestRequests', () => {
  let drawing: number | null;
  let shown: string[];
  const interval = 100;

  beforeEach(() => {
    vi.useFakeTimers();
    drawing = 1;
    shown = [];
  });
  afterEach(() => vi.useRealTimers());

  function scheduler(engine: ReturnType<typeof controlledEngine>) {
    return latestRequests({
      read: () => drawing,
      send: engine.send,
      show: (answer) => shown.push(answer),
      intervalMs: interval,
      now: () => Date.now(),
    });
  }

  it('sends a first change at once, then only the latest drawing once the answer is in', async () => {
    const engine = controlledEngine();
    const requests = scheduler(engine);
    requests.changed();
    expect(engine.sentInputs()).toEqual([1]);
    for (const next of [2, 3, 4]) {
      drawing = next;
      vi.advanceTimersByTime(interval);
      requests.changed();
    }
    expect(engine.sentInputs(), 'nothing more while the first is in flight').toEqual([1]);
    engine.pending[0].answer('one');
    await vi.advanceTimersByTimeAsync(0);
    expect(shown).toEqual(['one']);
    expect(engine.sentInputs(), 'then only the latest drawing').toEqual([1, 4]);
    engine.pending[1].answer('four');
    await vi.advanceTimersByTimeAsync(0);
    expect(shown).toEqual(['one', 'four']);
    expect(engine.pending).toHaveLength(2);
  });

  it('spaces live requests by the interval', async () => {
    const engine = controlledEngine();
    const requests = scheduler(engine);
    requests.changed();
    engine.pending[0].answer('a');
    await vi.advanceTimersByTimeAsync(0);
    drawing = 2;
    vi.advanceTimersByTime(30);
    requests.changed();
    requests.changed();
    expect(engine.sentInputs()).toEqual([1]);
    drawing = 3;
    vi.advanceTimersByTime(interval - 31);
    expect(engine.sentInputs()).toEqual([1]);
    vi.advanceTimersByTime(1);
    expect(engine.sentInputs(), 'one request at the end of the interval, with the latest drawing').toEqual([1, 3]);
  });

  it('sends the pen-up reading at once, and a late live answer never replaces it', async () => {
    const engine = controlledEngine();
    const requests = scheduler(engine);
    requests.changed();
    drawing = 2;
    requests.flush();
    expect(engine.sentInputs(), 'pen-up does not wait for the live request').toEqual([1, 2]);
    engine.pending[1].answer('pen-up');
    await vi.advanceTimersByTimeAsync(0);
    engine.pending[0].answer('stale live');
    await vi.advanceTimersByTimeAsync(0);
    expect(shown).toEqual(['pen-up']);
  });

  it('pen-up replaces a waiting live request instead of adding one', async () => {
    const engine = controlledEngine();
    const requests = scheduler(engine);
    requests.changed();
    vi.advanceTimersByTime(interval);
    drawing = 2;
    requests.changed();
    requests.flush();
    engine.pending[0].answer('live');
    engine.pending[1].answer('pen-up');
    await vi.advanceTimersByTimeAsync(interval * 2);
    expect(engine.sentInputs()).toEqual([1, 2]);
    expect(shown).toEqual(['live', 'pen-up']);
  });

  it('after cancel, answers still to come are dropped and nothing waiting is sent', async () => {
    const engine = controlledEngine();
    const requests = scheduler(engine);
    requests.changed();
    vi.advanceTimersByTime(10);
    requests.changed();
    requests.cancel();
    engine.pending[0].answer('from before the clear');
    await vi.advanceTimersByTimeAsync(interval * 2);
    expect(shown).toEqual([]);
    expect(engine.sentInputs()).toEqual([1]);
  });

  it('sends nothing while there is nothing to read', async () => {
    const engine = controlledEngine();
    const requests = scheduler(engine);
    drawing = null;
    requests.changed();
    requests.flush();
    await vi.advanceTimersByTimeAsync(interval * 2);
    expect(engine.sentInputs()).toEqual([]);
  });
});
