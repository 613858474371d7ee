/**
 * Cancellation: what a call that its host aborted rejects with, wherever it was waiting — the
 * standard AbortError (a DOMException named "AbortError", as fetch rejects with), its `cause`
 * the signal's reason — and the waits that stop at once when the signal fires. In L0 because
 * every layer waits somewhere: a store's rate budget as well as the transport.
 */

/** The AbortError of an aborted signal. */
export function abortError(signal: AbortSignal): DOMException {
  return new DOMException('the call was aborted', { name: 'AbortError', cause: signal.reason });
}

/** An AbortError this module made (or any standard one). */
export function isAbortError(error: unknown): error is DOMException {
  return error instanceof DOMException && error.name === 'AbortError';
}

export function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw abortError(signal);
}

/**
 * Waits `ms`, or rejects with the AbortError as soon as the signal fires (and clears the timer
 * then, so an aborted long wait — a rate budget's next window — holds nothing).
 *
 * @example await sleep(250, signal);
 */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  if (!signal) return new Promise((resolve) => setTimeout(resolve, ms));
  let timer: NodeJS.Timeout | undefined;
  const slept = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, ms);
  });
  const onAbort = (): void => clearTimeout(timer);
  signal.addEventListener('abort', onAbort, { once: true });
  return untilAborted(slept, signal).finally(() => signal.removeEventListener('abort', onAbort));
}

/**
 * `work`, or the AbortError as soon as the signal fires. The work itself goes on (a token
 * renewal other callers wait for too): only this caller stops waiting for it.
 */
export function untilAborted<T>(work: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) return work;
  if (signal.aborted) {
    // The work still settles later: its rejection is nobody's to hear now.
    work.catch(() => undefined);
    return Promise.reject(abortError(signal));
  }
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(abortError(signal));
    signal.addEventListener('abort', onAbort, { once: true });
    work.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
}
