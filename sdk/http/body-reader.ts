/**
 * Reading a response body within the request's limits: a total deadline (undici's bodyTimeout
 * only bounds the gap between two chunks, so a trickle would never end) and, when buffering, a
 * byte cap counted as the data arrives. On any failure the body is destroyed, which closes its
 * socket, so nothing half-read goes back to the pool.
 */
import { PassThrough, type Readable } from 'node:stream';
import { bodyDeadlines, type Expiring } from './deadlines.js';
import { Exchange } from './exchange.js';
import type { HttpRequest, HttpResponse } from './http-client.js';
import type { Stage } from './pipeline.js';

/**
 * The body stage: the final response's body (after redirects) read whole into a Buffer, or handed
 * on as a bounded stream when the request asks for one (downloads).
 */
export function readResponseBody<R extends HttpRequest>(redact: ((text: string) => string) | undefined): Stage<R> {
  // One promise, settled by the read itself: a `.then` that returned the read's own promise cost
  // two more microtasks and a promise per request (resolving with a thenable).
  return (next) => (request) =>
    new Promise((resolve, reject) => {
      next(request).then((response) => {
        try {
          const exchange = new Exchange(response.request, redact);
          const raw = response.body as Readable;
          if (request.responseType !== 'stream') return readBody(response, raw, exchange, resolve, reject);
          // The response object is this request's own (the terminal made it): no copy on the hot path.
          response.body = streamBody(raw, exchange);
          resolve(response);
        } catch (error) {
          reject(error);
        }
      }, reject);
    });
}

/** Reads the body whole into the response (in place: the terminal made the object for this request alone), then settles. */
function readBody(response: HttpResponse, body: Readable, exchange: Exchange, resolve: (response: HttpResponse) => void, reject: (error: unknown) => void): void {
  const { status, headers } = response;
  // A declared length over the cap fails at once; HEAD, 204 and 304 declare one without sending it.
  const bodyless = exchange.request.method === 'HEAD' || status === 204 || status === 304;
  if (!bodyless && Number(headers['content-length']) > exchange.maxResponseBytes) {
    // Destroying an unread body makes undici emit an abort error: nobody is left to hear it.
    body.on('error', () => undefined);
    body.destroy();
    return reject(exchange.tooLarge());
  }
  // Collected from 'data' events, not undici's body.bytes(): bytes() copies every body into an
  // ArrayBuffer of its own, and that allocation (with the GC it brings) cost 19 µs a request
  // more than the events; a body of one chunk is then passed on as it is, not copied.
  new BodyRead(response, body, exchange, resolve, reject).begin();
}

const READ: unique symbol = Symbol('connector-sdk.body-read');
type Tagged = Readable & { [READ]?: BodyRead };

/**
 * One buffered body read. The stream's listeners are the shared functions below, which find
 * their read on the stream, and the read is its own deadline entry: a read allocates this
 * object and its chunk list, not four closures and a timer (bench: 2 KB a request before).
 */
class BodyRead implements Expiring {
  readonly at: number;
  // Declared, so that linking a read into the deadline list keeps its hidden class.
  previousDeadline: Expiring | undefined = undefined;
  nextDeadline: Expiring | undefined = undefined;
  readonly #chunks: Buffer[] = [];
  #size = 0;
  #settled = false;

  constructor(
    readonly response: HttpResponse,
    readonly body: Tagged,
    readonly exchange: Exchange,
    readonly resolve: (response: HttpResponse) => void,
    readonly reject: (error: unknown) => void,
  ) {
    this.at = performance.now() + exchange.bodyMs;
  }

  begin(): void {
    this.body[READ] = this;
    bodyDeadlines.start(this);
    this.body.on('data', onData);
    // Stays attached after a failure: destroy() emits one more error, which must not go unhandled.
    this.body.on('error', onError);
    this.body.on('end', onEnd);
  }

  data(chunk: Buffer): void {
    this.#size += chunk.length;
    if (this.#size > this.exchange.maxResponseBytes) this.fail(this.exchange.tooLarge());
    else this.#chunks.push(chunk);
  }

  end(): void {
    if (this.#settled) return;
    this.#settled = true;
    bodyDeadlines.cancel(this);
    const chunks = this.#chunks;
    this.response.body = chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, this.#size);
    this.resolve(this.response);
  }

  fail(error: unknown): void {
    if (this.#settled) return;
    this.#settled = true;
    bodyDeadlines.cancel(this);
    this.reject(this.exchange.failure(error, true));
    this.body.destroy();
  }

  expire(): void {
    this.fail(this.exchange.timeout('body'));
  }
}

function onData(this: Tagged, chunk: Buffer): void {
  this[READ]?.data(chunk);
}

function onError(this: Tagged, error: unknown): void {
  this[READ]?.fail(error);
}

function onEnd(this: Tagged): void {
  this[READ]?.end();
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
