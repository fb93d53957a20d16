/**
 * The Draw view's request scheduler: while a reading is in flight, newer drawings wait and only
 * the latest is sent next; live readings go at most once per interval; the reading at pen-up
 * goes at once (even with a live one unanswered, since during training the engine answers only
 * between batches); an answer older than the one shown is dropped. Pure: the request, the clock
 * and the timers are passed in.
 */
export interface LatestRequestOptions<Input, Answer> {
  /** The input to send now (the latest drawing), or null when there is nothing to send. */
  read: () => Input | null;
  /** Should report its own failures and resolve (a rejection reaches the caller of the scheduler unhandled). */
  send: (input: Input) => Promise<Answer>;
  /** Gets each answer that is newer than the one shown before it. */
  show: (answer: Answer) => void;
  /** Least time between two live requests. */
  intervalMs: number;
  now?: () => number;
  setTimer?: (run: () => void, ms: number) => unknown;
  clearTimer?: (timer: unknown) => void;
}

export interface LatestRequests {
  /** The input changed while drawing: send it when the interval and the request in flight allow. */
  changed(): void;
  /** Send the input now (pen-up, undo). */
  flush(): void;
  /** Forget waiting requests and ignore the answers still to come (the pad was cleared). */
  cancel(): void;
}

export function latestRequests<Input, Answer>(options: LatestRequestOptions<Input, Answer>): LatestRequests {
  const now = options.now ?? (() => performance.now());
  const setTimer = options.setTimer ?? ((run, ms) => setTimeout(run, ms));
  const clearTimer = options.clearTimer ?? ((timer) => clearTimeout(timer as ReturnType<typeof setTimeout>));

  let inFlight = 0;
  /** A live change arrived while a request was in flight: send the latest input when it answers. */
  let waiting = false;
  let timer: unknown;
  let lastSent = -Infinity;
  /** Numbers of the last request sent and of the last answer shown. */
  let sent = 0;
  let shown = 0;

  function stopTimer(): void {
    if (timer !== undefined) clearTimer(timer);
    timer = undefined;
  }

  async function send(): Promise<void> {
    const input = options.read();
    if (input === null) return;
    const number = ++sent;
    inFlight++;
    lastSent = now();
    try {
      const answer = await options.send(input);
      if (number > shown) {
        shown = number;
        options.show(answer);
      }
    } finally {
      inFlight--;
      if (waiting && inFlight === 0) {
        waiting = false;
        void send();
      }
    }
  }

  function live(): void {
    timer = undefined;
    if (inFlight > 0) waiting = true;
    else void send();
  }

  return {
    changed() {
      if (timer !== undefined) return;
      const wait = options.intervalMs - (now() - lastSent);
      if (wait <= 0) live();
      else timer = setTimer(live, wait);
    },
    flush() {
      stopTimer();
      waiting = false;
      void send();
    },
    cancel() {
      stopTimer();
      waiting = false;
      shown = sent;
    },
  };
}
