/**
 * The suite-wide secret scanner. Tests register the secrets they use (credentials, tokens a
 * test server issues, cookies) and route every error and event they see through `record`;
 * after each file, `assertNoSecretsLeaked` fails if any message, cause chain, stack or event
 * contains one of them.
 */
const secrets = new Set<string>();
const seen: string[] = [];
let recorded = 0;

export function registerSecret(...values: string[]): void {
  for (const value of values) if (value.length >= 4) secrets.add(value);
}

/** Records an error (message, stack and the whole cause chain) or any event-like value. */
export function record(value: unknown): void {
  recorded++;
  seen.push(...describe(value, 0));
}

/** An onEvent listener that records and also keeps the events for assertions. */
export function eventLog(): { events: { type: string; [key: string]: unknown }[]; listener: (event: unknown) => void } {
  const events: { type: string; [key: string]: unknown }[] = [];
  return {
    events,
    listener: (event) => {
      record(event);
      events.push(event as { type: string });
    },
  };
}

/** Awaits a promise that must reject, records the error and returns it. */
export async function rejection(promise: Promise<unknown>): Promise<Error & { code?: string; [key: string]: unknown }> {
  try {
    await promise;
  } catch (error) {
    record(error);
    return error as Error & { code?: string; [key: string]: unknown };
  }
  throw new Error('expected the promise to reject');
}

export function scanReport(): { recorded: number; leaks: string[] } {
  const leaks: string[] = [];
  for (const text of seen) {
    for (const secret of secrets) if (text.includes(secret)) leaks.push(`${secret.slice(0, 6)}… in ${text.slice(0, 120)}`);
  }
  return { recorded, leaks };
}

function describe(value: unknown, depth: number): string[] {
  if (depth > 8 || value === undefined || value === null) return [];
  if (value instanceof Error) {
    const own = JSON.stringify(Object.fromEntries(Object.entries(value)), replacer);
    return [value.message, value.stack ?? '', own ?? '', ...describe((value as { cause?: unknown }).cause, depth + 1)];
  }
  return [typeof value === 'string' ? value : (JSON.stringify(value, replacer) ?? String(value))];
}

function replacer(_key: string, value: unknown): unknown {
  return typeof value === 'bigint' ? String(value) : value;
}
