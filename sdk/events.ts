/**
 * Events a connection reports to the host through `onEvent`. Every field is redacted before
 * it leaves the SDK: events carry statuses, timings and reasons, never a secret.
 */

import type { ErrorCode } from './errors.js';

interface EventBase {
  connectionId: string;
  /** Epoch milliseconds, from the connection's clock. */
  at: number;
}

/**
 * One thing a connection reports through `onEvent`, discriminated by `type`: token lifecycle
 * (`token.*`, `auth.*`), each request and response, retries, a store that keeps tokens in plain text.
 *
 * @example
 * const onEvent = (event: ConnectorEvent) => {
 *   if (event.type === 'response') metrics.histogram('api_ms', event.durationMs, { action: event.action, status: event.status });
 *   if (event.type === 'auth.reauthorization_required') notifyUser(event.connectionId, event.reason);
 * };
 */
export type ConnectorEvent =
  | (EventBase & { type: 'token.acquired'; expiresAt?: number; source: 'authorization' })
  | (EventBase & { type: 'token.refreshed'; expiresAt?: number; refreshTokenRotated: boolean })
  | (EventBase & { type: 'token.refresh_failed'; reason: string; code: ErrorCode; willReauthorize: boolean })
  | (EventBase & { type: 'token.expiry_warning'; reason: string })
  | (EventBase & { type: 'token.request_retry'; attempt: number; delayMs: number; reason: string })
  | (EventBase & { type: 'auth.reauthorized' })
  | (EventBase & { type: 'token.revoked'; outcome: 'revoked' | 'retry_later' })
  | (EventBase & { type: 'auth.reauthorization_required'; reason: string; code: ErrorCode })
  | (EventBase & { type: 'auth.token_rejected'; action: string; status: number })
  | (EventBase & { type: 'request'; action: string; method: string; url: string; attempt: number })
  | (EventBase & { type: 'response'; action: string; method: string; url: string; status: number; durationMs: number })
  | (EventBase & { type: 'request.retry'; action: string; attempt: number; delayMs: number; reason: string })
  | (EventBase & { type: 'store.unencrypted'; store: string });

/**
 * The `type` of a ConnectorEvent.
 *
 * @example
 * const alerting: ReadonlySet<ConnectorEventType> = new Set(['token.refresh_failed', 'auth.reauthorization_required', 'store.unencrypted']);
 * const onEvent: EventListener = (event) => { if (alerting.has(event.type)) alert(event); };
 */
export type ConnectorEventType = ConnectorEvent['type'];
/**
 * The host's `onEvent` callback (ConnectOptions). Called synchronously: keep it cheap. One that
 * throws or rejects never changes a call's outcome (it is reported once, as a process warning).
 *
 * @example
 * const onEvent: EventListener = (event) => logger.info({ connection: event.connectionId, at: event.at }, event.type);
 * const connection = connector.connect({ connectionId: 'tenant-42', credentials, onEvent });
 */
export type EventListener = (event: ConnectorEvent) => void;
