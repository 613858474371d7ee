/**
 * Where a connection's events go: the host's `onEvent`, given the envelope (connection id, time)
 * and redacted whole. A listener that throws (or rejects) never changes the outcome of a call:
 * its failure is reported once per listener through `process.emitWarning` and otherwise ignored.
 */
import type { ConnectorEvent, EventListener } from '../events.js';
import type { Redactor } from '../redact.js';
import type { AuthEvent } from '../auth/auth-context.js';

export interface EventSink {
  /** False without a listener: callers skip building events nobody reads. */
  readonly enabled: boolean;
  emit(event: AuthEvent): void;
}

const warned = new WeakSet<EventListener>();

export function createEventSink(
  listener: EventListener | undefined,
  connectionId: string,
  redactor: Redactor,
  now: () => number,
): EventSink {
  if (!listener) return { enabled: false, emit: () => undefined };
  const fail = (error: unknown): void => reportListenerFailure(listener, error, redactor);
  return {
    enabled: true,
    emit(event) {
      // Assigned, not spread: the added keys would give every event a hidden class of its own (docs/architecture.md, "Hot-path rules").
      const full = redactor.redactValue(Object.assign({}, event, { connectionId, at: now() })) as ConnectorEvent;
      try {
        const returned: unknown = listener(full);
        if (isThenable(returned)) returned.then(undefined, fail);
      } catch (error) {
        fail(error);
      }
    },
  };
}

function reportListenerFailure(listener: EventListener, error: unknown, redactor: Redactor): void {
  if (warned.has(listener)) return;
  warned.add(listener);
  const reason = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  process.emitWarning(`an onEvent listener threw (${redactor.redact(reason)}); its events are still delivered, its errors ignored`, {
    type: 'ConnectorSdkWarning',
    code: 'CONNECTOR_EVENT_LISTENER_FAILED',
  });
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return typeof value === 'object' && value !== null && typeof (value as { then?: unknown }).then === 'function';
}
