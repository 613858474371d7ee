/**
 * One hop of a request as the transport stages see it: its limits (defaults applied once) and
 * every error that describes it. Messages name `METHOD origin/path?query` with credential query
 * values masked and the host's redact hook applied; they never hold a header value, a body or a
 * library's own message.
 */
import { abortError } from '../abort.js';
import { ConnectorError, ERROR_CODES, NetworkError, RequestRefusedError, ResponseError, TimeoutError, safeErrorCode } from '../errors.js';
import type { HttpRequest } from './http-client.js';

/** The limits a request has when it names none (the manifest's `timeouts` override them per connection). */
export const DEFAULT_LIMITS = Object.freeze({
  connectMs: 10_000,
  headersMs: 30_000,
  bodyMs: 30_000,
  maxResponseBytes: 10 * 1024 * 1024,
});

/** RFC 9110 §5.1 token; anything else could split the request. */
const HEADER_NAME = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
const HEADER_VALUE_BREAK = /[\r\n\0]/;
/** What undici sends as a header value: tab, visible ASCII and Latin-1 (it refuses the rest). */
const HEADER_VALUE_OCTETS = /^[\t\x20-\x7e\x80-\xff]*$/;
/** OpenSSL and Node TLS codes: the handshake failed, so the server never took the request. */
const TLS_CODE = /^(?:ERR_SSL_|ERR_TLS_|ERR_OSSL_|CERT_|UNABLE_TO_|DEPTH_ZERO_|SELF_SIGNED_|HOSTNAME_MISMATCH)/;
const REASONS: Readonly<Record<string, string>> = {
  ECONNREFUSED: 'connection refused',
  ECONNRESET: 'connection reset',
  UND_ERR_SOCKET: 'connection closed by the server',
  EPIPE: 'connection closed while sending',
  ENOTFOUND: 'host name not found',
  EAI_AGAIN: 'host name lookup failed',
  ETIMEDOUT: 'connection timed out',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
};

export class Exchange {
  /** The hop being sent (after a redirect, the request it led to). */
  readonly request: HttpRequest;
  readonly connectMs: number;
  readonly headersMs: number;
  readonly bodyMs: number;
  readonly maxResponseBytes: number;
  readonly #redact: ((text: string) => string) | undefined;

  constructor(request: HttpRequest, redact: ((text: string) => string) | undefined) {
    this.request = request;
    this.#redact = redact;
    this.connectMs = request.timeouts?.connectMs ?? DEFAULT_LIMITS.connectMs;
    this.headersMs = request.timeouts?.headersMs ?? DEFAULT_LIMITS.headersMs;
    this.bodyMs = request.timeouts?.bodyMs ?? DEFAULT_LIMITS.bodyMs;
    this.maxResponseBytes = request.maxResponseBytes ?? DEFAULT_LIMITS.maxResponseBytes;
  }

  /**
   * RequestRefusedError for a header that could split the request (its value is never echoed).
   * The SDK's own agents need no such check per request: undici checks every name and value before
   * it writes a byte (failure() then says which header); a host-supplied dispatcher may not.
   */
  checkHeaders(): void {
    const problem = this.#headerProblem();
    if (problem !== undefined) throw this.refused(problem);
  }

  #headerProblem(): string | undefined {
    const headers = this.request.headers;
    for (const name in headers) {
      const value = headers[name]!;
      if (!HEADER_NAME.test(name)) return 'a header name is not a valid token';
      if (HEADER_VALUE_BREAK.test(value)) return `the value of header "${name}" contains a line break or NUL`;
      if (!HEADER_VALUE_OCTETS.test(value)) return `the value of header "${name}" contains a control character or a character beyond Latin-1`;
    }
    return undefined;
  }

  /** The error to throw for a transport failure: the caller's abort reason, a ConnectorError as is, or a mapped one. */
  failure(error: unknown, afterHeaders: boolean): unknown {
    const signal = this.request.signal;
    if (signal?.aborted) return abortError(signal);
    if (ConnectorError.isConnectorError(error)) return error;
    const { syscall } = (error ?? {}) as { syscall?: unknown };
    const safeCode = safeErrorCode(error) ?? 'UNKNOWN';
    switch (safeCode) {
      case 'UND_ERR_CONNECT_TIMEOUT':
        return this.timeout('connect');
      case 'UND_ERR_HEADERS_TIMEOUT':
        return this.timeout('headers');
      case 'UND_ERR_BODY_TIMEOUT':
        return this.timeout('body');
      case 'UND_ERR_INVALID_ARG':
        return this.refused(this.#headerProblem() ?? 'the request is malformed (UND_ERR_INVALID_ARG)');
    }
    const tls = TLS_CODE.test(safeCode);
    // Before the headers, only a failed lookup, connect or TLS handshake proves nothing was processed.
    const sent = afterHeaders || !(tls || syscall === 'connect' || syscall === 'getaddrinfo');
    const reason = tls ? 'TLS handshake failed' : (REASONS[safeCode] ?? 'transport failure');
    return new NetworkError(this.request.method, this.target(), this.#clean(`${reason} (${safeCode})`), sent, !tls);
  }

  timeout(phase: TimeoutError['phase']): TimeoutError {
    const ms = phase === 'connect' ? this.connectMs : phase === 'headers' ? this.headersMs : this.bodyMs;
    return new TimeoutError(this.request.method, this.target(), phase, ms);
  }

  /** The policy refuses this request or redirect. */
  refused(reason: string): RequestRefusedError {
    return new RequestRefusedError(`${this.request.method} ${this.target()} refused: ${this.#clean(reason)}`);
  }

  /** The server's answer cannot be used (bad or endless redirects). */
  unusable(reason: string): ResponseError {
    return new ResponseError(`${this.request.method} ${this.target()}: ${this.#clean(reason)}`);
  }

  tooLarge(): ResponseError {
    return new ResponseError(
      `${this.request.method} ${this.target()}: the response body exceeds the ${this.maxResponseBytes}-byte limit (maxResponseBytes)`,
      ERROR_CODES.responseTooLarge,
    );
  }

  /** A URL as messages show it (see printableUrl). */
  describe(url: URL): string {
    return this.#clean(printableUrl(url, this.request.credentialQueryParams));
  }

  target(): string {
    return this.describe(this.request.url);
  }

  #clean(text: string): string {
    return this.#redact ? this.#redact(text) : text;
  }
}

/**
 * A URL as messages and events show it: origin and path, and the query with the values of
 * credential parameters masked as `***`. The one place that decides it (the caller redacts).
 */
export function printableUrl(url: URL, credentialQueryParams: readonly string[] | undefined): string {
  const text = url.origin + url.pathname;
  if (url.search === '') return text;
  const pairs: string[] = [];
  for (const [name, value] of url.searchParams) {
    pairs.push(`${encodeURIComponent(name)}=${credentialQueryParams?.includes(name) ? '***' : encodeURIComponent(value)}`);
  }
  return `${text}?${pairs.join('&')}`;
}
