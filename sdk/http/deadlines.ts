/**
 * Deadlines of body reads, all on one timer. A Node timer per request cost an object of about
 * 600 bytes and a timer-list insert and removal each time (bench: 0.5–1 µs a request); here a
 * read adds an entry to a set and removes it when it ends, and the one timer is re-armed only
 * when a deadline comes before the one it is set for. The timer is unref'd: a pending read keeps
 * the process alive through its socket, not through its deadline.
 */

/** What waits for a deadline: the reader itself, so starting one allocates nothing of its own. */
export interface Expiring {
  /** performance.now() ms at which `expire` is called. */
  readonly at: number;
  expire(): void;
}

export class Deadlines {
  readonly #pending = new Set<Expiring>();
  #timer: NodeJS.Timeout | undefined;
  /** When the timer fires (performance.now() ms); Infinity while it is not set. */
  #armedFor = Infinity;

  /** Calls `item.expire()` once at `item.at`, unless `cancel(item)` comes first. */
  start(item: Expiring): void {
    this.#pending.add(item);
    if (item.at < this.#armedFor) this.#arm(item.at);
  }

  /** The timer stays set for a cancelled deadline: it fires for nothing once, instead of being reset per request. */
  cancel(item: Expiring): void {
    this.#pending.delete(item);
  }

  #arm(at: number): void {
    clearTimeout(this.#timer);
    this.#armedFor = at;
    this.#timer = setTimeout(() => this.#fire(), Math.max(0, Math.ceil(at - performance.now())));
    this.#timer.unref();
  }

  #fire(): void {
    this.#timer = undefined;
    this.#armedFor = Infinity;
    const now = performance.now();
    let next = Infinity;
    const due: Expiring[] = [];
    for (const item of this.#pending) {
      if (item.at <= now) due.push(item);
      else if (item.at < next) next = item.at;
    }
    for (const item of due) this.#pending.delete(item);
    if (next !== Infinity) this.#arm(next);
    for (const item of due) item.expire();
  }
}

/** The process's body deadlines: one timer however many clients and connections. */
export const bodyDeadlines = new Deadlines();
