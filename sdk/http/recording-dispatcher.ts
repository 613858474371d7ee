/**
 * `connector record`'s transport: a keep-alive agent with an interceptor that keeps a copy of
 * every exchange — the request as dispatched (method, origin, path with query, headers, body)
 * and the response (status, headers with every Set-Cookie, body) — while the connection reads
 * the response as usual. Bodies are copied up to a cap; a streamed request body is not copied.
 * The copies hold secrets in clear: whoever writes them anywhere must scrub them first.
 */
import { Agent, type Dispatcher } from 'undici';
import { createGuardedLookup } from './address-policy.js';

export interface RecordedRequest {
  method: string;
  origin: string;
  /** Path and query string, as sent. */
  path: string;
  /** Lower-case names. */
  headers: Record<string, string>;
  /** undefined: no body; 'stream': a streamed body, not copied. */
  body?: Buffer | 'stream';
}

export interface RecordedResponse {
  status: number;
  /** Lower-case names; set-cookie as the list of its lines. */
  headers: Record<string, string | string[]>;
  body: Buffer;
  /** The body was longer than the cap: `body` holds its beginning. */
  truncated: boolean;
  /** When the response headers arrived, epoch ms. */
  receivedAt: number;
}

export interface RecordedExchange {
  request: RecordedRequest;
  /** Absent when the request failed before or while the response arrived. */
  response?: RecordedResponse;
}

export interface RecordingDispatcher {
  /** Pass it as `connect({ dispatcher })`. */
  readonly dispatcher: Dispatcher;
  /** Every exchange so far, in the order the requests were dispatched. */
  readonly exchanges: readonly RecordedExchange[];
  close(): Promise<void>;
}

export interface RecordingOptions {
  /** Bodies are copied up to this many bytes. Default 1 MiB. */
  maxBodyBytes?: number;
  /** Off by default: host names resolving to private addresses are refused, as the SDK's own agents do. */
  allowPrivateNetwork?: boolean;
}

/**
 * @example
 * const recording = createRecordingDispatcher();
 * const connection = connector.connect({ connectionId: 'rec', credentials, dispatcher: recording.dispatcher });
 * await connection.execute('get-balance');
 * recording.exchanges; // the token request and the call, secrets in clear
 * await recording.close();
 */
export function createRecordingDispatcher(options: RecordingOptions = {}): RecordingDispatcher {
  const maxBodyBytes = options.maxBodyBytes ?? 1024 * 1024;
  const exchanges: RecordedExchange[] = [];
  const agent = new Agent(options.allowPrivateNetwork ? {} : { connect: { lookup: createGuardedLookup((text) => text) } });
  const dispatcher = agent.compose((dispatch) => (dispatchOptions, handler) => {
    const exchange: RecordedExchange = {
      request: {
        method: dispatchOptions.method,
        origin: String(dispatchOptions.origin ?? ''),
        path: dispatchOptions.path,
        headers: headerRecord(dispatchOptions.headers),
        body: copyBody(dispatchOptions.body),
      },
    };
    exchanges.push(exchange);
    return dispatch(dispatchOptions, new CapturingHandler(handler, exchange, maxBodyBytes));
  });
  return { dispatcher, exchanges, close: () => agent.close() };
}

/** Passes every callback on, keeping a copy of the response. */
class CapturingHandler implements Dispatcher.DispatchHandler {
  readonly #inner: Dispatcher.DispatchHandler;
  readonly #exchange: RecordedExchange;
  readonly #max: number;
  #chunks: Buffer[] = [];
  #size = 0;
  #truncated = false;
  #status = 0;
  #headers: Record<string, string | string[]> = {};
  #receivedAt = 0;

  constructor(inner: Dispatcher.DispatchHandler, exchange: RecordedExchange, max: number) {
    this.#inner = inner;
    this.#exchange = exchange;
    this.#max = max;
  }

  onRequestStart(controller: Dispatcher.DispatchController, context: unknown): void {
    this.#inner.onRequestStart?.(controller, context);
  }

  onRequestUpgrade(...args: Parameters<NonNullable<Dispatcher.DispatchHandler['onRequestUpgrade']>>): void {
    this.#inner.onRequestUpgrade?.(...args);
  }

  onResponseStart(controller: Dispatcher.DispatchController, statusCode: number, headers: Record<string, string | string[] | undefined>, statusMessage?: string): void {
    // 1xx informational answers come before the real one: keep the last.
    this.#status = statusCode;
    this.#receivedAt = Date.now();
    this.#headers = {};
    for (const [name, value] of Object.entries(headers)) if (value !== undefined) this.#headers[name.toLowerCase()] = value;
    this.#inner.onResponseStart?.(controller, statusCode, headers, statusMessage);
  }

  onResponseData(controller: Dispatcher.DispatchController, chunk: Buffer): void {
    const room = this.#max - this.#size;
    if (room > 0) {
      const kept = chunk.length > room ? chunk.subarray(0, room) : chunk;
      this.#chunks.push(Buffer.from(kept));
      this.#size += kept.length;
    }
    if (chunk.length > room) this.#truncated = true;
    this.#inner.onResponseData?.(controller, chunk);
  }

  onResponseEnd(controller: Dispatcher.DispatchController, trailers: Record<string, string | string[] | undefined>): void {
    this.#exchange.response = {
      status: this.#status,
      headers: this.#headers,
      body: Buffer.concat(this.#chunks, this.#size),
      truncated: this.#truncated,
      receivedAt: this.#receivedAt,
    };
    this.#inner.onResponseEnd?.(controller, trailers);
  }

  onResponseError(controller: Dispatcher.DispatchController, error: Error): void {
    this.#inner.onResponseError?.(controller, error);
  }
}

function copyBody(body: Dispatcher.DispatchOptions['body']): RecordedRequest['body'] {
  if (body === undefined || body === null) return undefined;
  if (typeof body === 'string') return Buffer.from(body, 'utf8');
  if (body instanceof Uint8Array) return Buffer.from(body);
  return 'stream';
}

function headerRecord(headers: Dispatcher.DispatchOptions['headers']): Record<string, string> {
  const out: Record<string, string> = {};
  const put = (name: string, value: unknown): void => {
    if (value === undefined || value === null) return;
    out[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : String(value);
  };
  if (headers === undefined || headers === null) return out;
  if (Array.isArray(headers)) {
    for (let i = 0; i + 1 < headers.length; i += 2) put(String(headers[i]), headers[i + 1]);
  } else if (typeof (headers as Iterable<unknown>)[Symbol.iterator] === 'function') {
    for (const [name, value] of headers as Iterable<[string, unknown]>) put(name, value);
  } else {
    for (const [name, value] of Object.entries(headers)) put(name, value);
  }
  return out;
}
