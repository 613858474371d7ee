/**
 * Events a connection reports to the host through `onEvent`. Every field is redacted before
 * it leaves the SDK: events carry statuses, timings and reasons, never a secret.
 */

interface EventBase {
  connectionId: string;
  /** Epoch milliseconds, from the connection's clock. */
  at: number;
}

export type ConnectorEvent =
  | (EventBase & { type: 'token.acquired'; expiresAt?: number; source: 'authorization' })
  | (EventBase & { type: 'token.refreshed'; expiresAt?: number; refreshTokenRotated: boolean })
  | (EventBase & { type: 'token.refresh_failed'; reason: string; code: string; willReauthorize: boolean })
  | (EventBase & { type: 'token.expiry_warning'; reason: string })
  | (EventBase & { type: 'token.request_retry'; attempt: number; delayMs: number; reason: string })
  | (EventBase & { type: 'auth.reauthorized' })
  | (EventBase & { type: 'token.revoked'; outcome: 'revoked' | 'retry_later' })
  | (EventBase & { type: 'auth.reauthorization_required'; reason: string; code: string })
  | (EventBase & { type: 'auth.token_rejected'; action: string; status: number })
  | (EventBase & { type: 'request'; action: string; method: string; url: string; attempt: number })
  | (EventBase & { type: 'response'; action: string; method: string; url: string; status: number; durationMs: number })
  | (EventBase & { type: 'request.retry'; action: string; attempt: number; delayMs: number; reason: string })
  | (EventBase & { type: 'store.unencrypted'; store: string });

export type ConnectorEventType = ConnectorEvent['type'];
export type EventListener = (event: ConnectorEvent) => void;
