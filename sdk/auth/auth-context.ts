/**
 * What an auth strategy receives from its connection to make token requests: the HTTP
 * client, the shared headers already rendered, the clock, the redactor and the event sink.
 */
import type { HttpClient } from '../http/http-client.js';
import type { Redactor } from '../redact.js';
import type { ConnectorEvent } from '../events.js';
import type { TemplateScope } from '../template/liquid.js';

/** Distributes Omit over the event union, so each event keeps its own fields. */
type WithoutBase<T> = T extends unknown ? Omit<T, 'connectionId' | 'at'> : never;
export type AuthEvent = WithoutBase<ConnectorEvent>;

export interface AuthContext {
  readonly http: HttpClient;
  readonly redactor: Redactor;
  /** The manifest's shared headers, rendered for this connection: they go on token requests too. */
  readonly sharedHeaders: Readonly<Record<string, string>>;
  /** credentials and env of the connection; strategies add `now` and `auth`. */
  readonly scope: Readonly<TemplateScope>;
  readonly timeouts: { connectMs: number; headersMs: number; bodyMs: number };
  readonly maxResponseBytes: number;
  /** The host allowed the standard OAuth grants to use plain-http token URLs (ConnectOptions.allowInsecureHttp). */
  readonly allowInsecureHttp: boolean;
  /** Every request carries the W3C traceparent of its span (ConnectOptions.propagateTraceContext). */
  readonly propagateTraceContext: boolean;
  now(): number;
  emit(event: AuthEvent): void;
}
