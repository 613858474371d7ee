/**
 * Deadlines of body reads, all on one timer. A Node timer per request cost an object of about
 * 600 bytes and a timer-list insert and removal each time (bench: 0.5–1 µs a request); here a
 * read links itself into a list when it starts and unlinks itself when it ends, and the one
 * timer is re-armed only when a deadline comes before the one it is set for. The timer is
 * unref'd: a pending read keeps the process alive through its socket, not through its deadline.
 *
 * The list is intrusive (the links are fields of the items): a Set cost a hash of the item on
 * every add and delete, 0.6–0.9 µs a request in the profile, and linking is a few field writes.
 */

/** What waits for a deadline: the reader itself, so starting one allocates nothing of its own. */
export interface Expiring {
  /** performance.now() ms at which `expire` is called. */
  readonly at: number;
  expire(): void;
  /** The items around it in the pending list: the Deadlines' own, never set by the item. */
  previousDeadline?: Expiring | undefined;
  nextDeadline?: Expiring | undefined;
}

export class Deadlines {
  /** The pending items, newest first. */
  #head: Expiring | undefined;
  #timer: NodeJS.Timeout | undefined;
  /** When the timer fires (performance.now() ms); Infinity while it is not set. */
  #armedFor = Infinity;

  /** Calls `item.expire()` once at `item.at`, unless `cancel(item)` comes first. An item is started once. */
  start(item: Expiring): void {
    const head = this.#head;
    item.previousDeadline = undefined;
    item.nextDeadline = head;
    if (head !== undefined) head.previousDeadline = item;
    this.#head = item;
    if (item.at < this.#armedFor) this.#arm(item.at);
  }

  /**
   * Takes the item off the list; an item that is not on it (cancelled already, expired, never
   * started) is left as it is. The timer stays set: it fires for nothing once, instead of being
   * reset per request.
   */
  cancel(item: Expiring): void {
    const { previousDeadline: previous, nextDeadline: next } = item;
    if (previous !== undefined) previous.nextDeadline = next;
    else if (this.#head === item) this.#head = next;
    else return;
    if (next !== undefined) next.previousDeadline = previous;
    item.previousDeadline = undefined;
    item.nextDeadline = undefined;
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
    for (let item = this.#head; item !== undefined; item = item.nextDeadline) {
      if (item.at <= now) due.push(item);
      else if (item.at < next) next = item.at;
    }
    for (const item of due) this.cancel(item);
    if (next !== Infinity) this.#arm(next);
    for (const item of due) item.expire();
  }
}

/** The process's body deadlines: one timer however many clients and connections. */
export const bodyDeadlines = new Deadlines();
