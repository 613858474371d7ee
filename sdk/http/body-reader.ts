/**
 * Reading a response body within the request's limits: a total deadline (undici's bodyTimeout
 * only bounds the gap between two chunks, so a trickle would never end) and, when buffering, a
 * byte cap counted as the data arrives. On any failure the body is destroyed (or the hop
 * aborted), which closes its socket, so nothing half-read goes back to the pool.
 */
import { PassThrough, type Readable } from 'node:stream';
import { util, type Dispatcher } from 'undici';
import { abortError } from '../abort.js';
import { bodyDeadlines, type Expiring } from './deadlines.js';
import { Exchange } from './exchange.js';
import type { HttpRequest, HttpResponse } from './http-client.js';
import type { Stage } from './pipeline.js';

/**
 * The body stage of a download: the final response's body (after redirects) handed on as a
 * bounded stream. A buffered body needs no stage: the hop read it already (bufferedHop).
 */
export function boundDownloadBody<R extends HttpRequest>(redact: ((text: string) => string) | undefined): Stage<R> {
  return (next) => (request) => {
    if (request.responseType !== 'stream') return next(request);
    return next(request).then((response) => {
      // The response object is this request's own (the terminal made it): no copy on the hot path.
      response.body = streamBody(response.body as Readable, new Exchange(response.request, redact));
      return response;
    });
  };
}

/**
 * One hop whose answer is read whole into a Buffer, through undici's handler protocol: the
 * response never becomes a stream. `dispatcher.request` makes a Readable per response and reads
 * it through stream events and the microtasks they bring; this handler collects the chunks
 * undici hands it (bench: the stream machinery was the largest cost of a request that was not
 * undici's socket work). undici's `util.parseHeaders` makes the headers as `request` does.
 */
export function bufferedHop(dispatcher: Dispatcher, options: Dispatcher.DispatchOptions, exchange: Exchange): Promise<HttpResponse> {
  return new Promise((resolve, reject) => {
    const handler = new BufferingHandler(exchange, options.body, resolve, reject);
    const { signal } = exchange.request;
    // Aborted already: nothing is sent (an upload stream is closed all the same).
    if (signal?.aborted) return handler.fail(abortError(signal));
    try {
      dispatcher.dispatch(options, handler);
    } catch (error) {
      // A host's dispatcher that throws instead of calling back fails the hop the same way.
      handler.onError(error);
    }
  });
}

/**
 * undici's (legacy, the core's own) handler protocol for one buffered hop. The handler is its own
 * deadline entry: a read allocates this object and its chunk list, not closures and a timer.
 */
class BufferingHandler implements Expiring {
  at = Infinity;
  // Declared, so that linking a read into the deadline list keeps its hidden class.
  previousDeadline: Expiring | undefined = undefined;
  nextDeadline: Expiring | undefined = undefined;
  #abort: ((reason: Error) => void) | undefined = undefined;
  #status = 0;
  #headers: Record<string, string | string[] | undefined> = NO_HEADERS;
  #chunks: Buffer[] = [];
  #size = 0;
  #settled = false;
  #onAbort: (() => void) | undefined = undefined;

  constructor(
    readonly exchange: Exchange,
    readonly requestBody: unknown,
    readonly resolve: (response: HttpResponse) => void,
    readonly reject: (error: unknown) => void,
  ) {
    const signal = exchange.request.signal;
    if (signal === undefined) return;
    this.#onAbort = () => this.fail(abortError(signal));
    signal.addEventListener('abort', this.#onAbort, { once: true });
  }

  onConnect(abort: (reason: Error) => void): void {
    // Settled before undici took the request (aborted while queued): it is dropped unsent.
    if (this.#settled) abort(ABANDONED);
    else this.#abort = abort;
  }

  onHeaders(status: number, rawHeaders: Buffer[]): boolean {
    if (status < 200) return true;
    this.#status = status;
    const headers = util.parseHeaders(rawHeaders) as Record<string, string | string[] | undefined>;
    this.#headers = headers;
    const exchange = this.exchange;
    // A declared length over the cap fails at once; HEAD, 204 and 304 declare one without sending it.
    const bodyless = exchange.request.method === 'HEAD' || status === 204 || status === 304;
    if (!bodyless && Number(headers['content-length']) > exchange.maxResponseBytes) {
      this.fail(exchange.tooLarge());
      return false;
    }
    this.at = performance.now() + exchange.bodyMs;
    bodyDeadlines.start(this);
    return true;
  }

  onData(chunk: Buffer): boolean {
    if (this.#settled) return false;
    this.#size += chunk.length;
    if (this.#size > this.exchange.maxResponseBytes) {
      this.fail(this.exchange.tooLarge());
      return false;
    }
    this.#chunks.push(chunk);
    return true;
  }

  onComplete(): void {
    if (!this.#settle()) return;
    const chunks = this.#chunks;
    const { request } = this.exchange;
    const headers = this.#headers;
    // A body of one chunk is passed on as it is, not copied.
    const body = chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks, this.#size);
    this.resolve(hopResponse(this.#status, headers, body, request));
  }

  onError(error: unknown): void {
    this.fail(error);
  }

  onUpgrade(): void {
    this.fail(this.exchange.unusable('the server switched protocols'));
  }

  expire(): void {
    this.fail(this.exchange.timeout('body'));
  }

  /**
   * The one way a hop fails: settles with the SDK's own error, aborts the hop (which closes its
   * socket; undici then calls onError, which finds it settled) and closes an upload stream, as
   * undici's request() does.
   */
  fail(error: unknown): void {
    if (!this.#settle()) return;
    this.reject(this.exchange.failure(error, this.#status !== 0));
    this.#abort?.(ABANDONED);
    const body = this.requestBody;
    if (isStream(body) && !body.destroyed) body.on('error', ignore).destroy();
  }

  /** False when already settled; else marks it settled and releases its deadline and abort listener. */
  #settle(): boolean {
    if (this.#settled) return false;
    this.#settled = true;
    bodyDeadlines.cancel(this);
    if (this.#onAbort) this.exchange.request.signal?.removeEventListener('abort', this.#onAbort);
    return true;
  }
}

const ignore = (): void => undefined;
const isStream = (body: unknown): body is Readable => typeof (body as Readable | null)?.pipe === 'function' && typeof (body as Readable).destroy === 'function';
/** What an abandoned hop is aborted with: undici hands it to onError, which has settled already. */
const ABANDONED = new Error('connector-sdk: the hop was abandoned');
const NO_HEADERS: Record<string, string | string[] | undefined> = Object.freeze({});
const NONE: never[] = Object.freeze([]) as never[];

/** The answer to one hop, before any redirect was followed. */
export function hopResponse(status: number, headers: Record<string, string | string[] | undefined>, body: Buffer | Readable, request: HttpRequest): HttpResponse {
  return { status, headers, body, url: request.url, setCookies: setCookiesOf(headers), redirects: NONE, redirectSetCookies: NONE, request };
}

/** The Set-Cookie lines of a response's headers. */
function setCookiesOf(headers: Record<string, string | string[] | undefined>): string[] {
  const value = headers['set-cookie'];
  return value === undefined ? NONE : Array.isArray(value) ? value : [value];
}

/** The body as a stream that ends by the deadline and fails only with the SDK's own errors. */
function streamBody(body: Readable, exchange: Exchange): Readable {
  const out = new PassThrough();
  const deadline = setTimeout(() => body.destroy(exchange.timeout('body')), exchange.bodyMs);
  body.on('error', (error) => out.destroy(exchange.failure(error, true) as Error));
  out.once('close', () => {
    clearTimeout(deadline);
    body.destroy();
  });
  body.pipe(out);
  return out;
}
