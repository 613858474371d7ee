/**
 * One request on its way through redirects: the hop being sent, the request's limits (defaults
 * applied once), and every error that describes it. Messages name `METHOD origin/path?query`
 * with credential query values masked and the host's redact hook applied; they never hold a
 * header value, a body or a library's own message.
 */
import { ConnectorError, ERROR_CODES, NetworkError, RequestRefusedError, ResponseError, TimeoutError, safeErrorCode } from '../errors.js';
import { encodeFormData } from './form-data-body.js';
import type { HttpRequest } from './http-client.js';

/** What is sent on one hop; a redirect replaces it. */
export interface Hop {
  method: string;
  url: URL;
  headers: Record<string, string>;
  body: HttpRequest['body'];
}

const DEFAULT_CONNECT_MS = 10_000;
const DEFAULT_HEADERS_MS = 30_000;
const DEFAULT_BODY_MS = 30_000;
const DEFAULT_MAX_RESPONSE_BYTES = 10 * 1024 * 1024;

/** RFC 9110 §5.1 token; anything else could split the request. */
const HEADER_NAME = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
const HEADER_VALUE_BREAK = /[\r\n\0]/;
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
  hop: Hop;
  readonly request: HttpRequest;
  readonly connectMs: number;
  readonly headersMs: number;
  readonly bodyMs: number;
  readonly maxResponseBytes: number;
  readonly #redact: ((text: string) => string) | undefined;

  /** Throws RequestRefusedError for a header that could split the request (its value is not echoed). */
  constructor(request: HttpRequest, redact: ((text: string) => string) | undefined) {
    this.request = request;
    this.#redact = redact;
    this.connectMs = request.timeouts?.connectMs ?? DEFAULT_CONNECT_MS;
    this.headersMs = request.timeouts?.headersMs ?? DEFAULT_HEADERS_MS;
    this.bodyMs = request.timeouts?.bodyMs ?? DEFAULT_BODY_MS;
    this.maxResponseBytes = request.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES;
    this.hop = { method: request.method, url: request.url, headers: request.headers, body: request.body };
    for (const name of Object.keys(request.headers)) {
      if (!HEADER_NAME.test(name)) throw this.refused('a header name is not a valid token');
      if (HEADER_VALUE_BREAK.test(request.headers[name]!)) {
        throw this.refused(`the value of header "${name}" contains a line break or NUL`);
      }
    }
    if (request.body instanceof FormData) this.hop = { ...this.hop, ...encodeFormData(request.body, request.headers) };
  }

  /** The error to throw for a transport failure: the caller's abort reason, a ConnectorError as is, or a mapped one. */
  failure(error: unknown, afterHeaders: boolean): unknown {
    const signal = this.request.signal;
    if (signal?.aborted) return signal.reason;
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
        return this.refused('the request is malformed (UND_ERR_INVALID_ARG)');
    }
    const tls = TLS_CODE.test(safeCode);
    // Before the headers, only a failed lookup, connect or TLS handshake proves nothing was processed.
    const sent = afterHeaders || !(tls || syscall === 'connect' || syscall === 'getaddrinfo');
    const reason = tls ? 'TLS handshake failed' : (REASONS[safeCode] ?? 'transport failure');
    return new NetworkError(this.hop.method, this.target(), this.#clean(`${reason} (${safeCode})`), sent, !tls);
  }

  timeout(phase: TimeoutError['phase']): TimeoutError {
    const ms = phase === 'connect' ? this.connectMs : phase === 'headers' ? this.headersMs : this.bodyMs;
    return new TimeoutError(this.hop.method, this.target(), phase, ms);
  }

  /** The policy refuses this request or redirect. */
  refused(reason: string): RequestRefusedError {
    return new RequestRefusedError(`${this.hop.method} ${this.target()} refused: ${this.#clean(reason)}`);
  }

  /** The server's answer cannot be used (bad or endless redirects). */
  unusable(reason: string): ResponseError {
    return new ResponseError(`${this.hop.method} ${this.target()}: ${this.#clean(reason)}`);
  }

  tooLarge(): ResponseError {
    return new ResponseError(
      `${this.hop.method} ${this.target()}: the response body exceeds the ${this.maxResponseBytes}-byte limit (maxResponseBytes)`,
      ERROR_CODES.responseTooLarge,
    );
  }

  /** A URL as messages show it: origin and path, query values masked for credential parameters. */
  describe(url: URL): string {
    let text = url.origin + url.pathname;
    if (url.search !== '') {
      const secret = this.request.credentialQueryParams;
      const pairs: string[] = [];
      for (const [name, value] of url.searchParams) {
        pairs.push(`${encodeURIComponent(name)}=${secret?.includes(name) ? '***' : encodeURIComponent(value)}`);
      }
      text += `?${pairs.join('&')}`;
    }
    return this.#clean(text);
  }

  target(): string {
    return this.describe(this.hop.url);
  }

  #clean(text: string): string {
    return this.#redact ? this.#redact(text) : text;
  }
}
