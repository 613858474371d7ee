/**
 * Reading a response body within the request's limits: a total deadline (undici's bodyTimeout
 * only bounds the gap between two chunks, so a trickle would never end) and, when buffering, a
 * byte cap counted as the data arrives. On any failure the body is destroyed, which closes its
 * socket, so nothing half-read goes back to the pool.
 */
import { PassThrough, type Readable } from 'node:stream';
import { Exchange } from './exchange.js';
import type { HttpRequest } from './http-client.js';
import type { Stage } from './pipeline.js';

/**
 * The body stage: the final response's body (after redirects) read whole into a Buffer, or handed
 * on as a bounded stream when the request asks for one (downloads).
 */
export function readResponseBody<R extends HttpRequest>(redact: ((text: string) => string) | undefined): Stage<R> {
  return (next) => async (request) => {
    const response = await next(request);
    const exchange = new Exchange(response.request, redact);
    const raw = response.body as Readable;
    // The response object is this request's own (the terminal made it): no copy on the hot path.
    response.body =
      request.responseType === 'stream' ? streamBody(raw, exchange) : await readBody(response.status, response.headers, raw, exchange);
    return response;
  };
}

function readBody(statusCode: number, headers: Record<string, string | string[] | undefined>, body: Readable, exchange: Exchange): Promise<Buffer> {
  // A declared length over the cap fails at once; HEAD, 204 and 304 declare one without sending it.
  const bodyless = exchange.request.method === 'HEAD' || statusCode === 204 || statusCode === 304;
  if (!bodyless && Number(headers['content-length']) > exchange.maxResponseBytes) {
    // Destroying an unread body makes undici emit an abort error: nobody is left to hear it.
    body.on('error', () => undefined);
    body.destroy();
    return Promise.reject(exchange.tooLarge());
  }
  // Collected from 'data' events, not undici's body.bytes(): bytes() copies every body into an
  // ArrayBuffer of its own, and that allocation (with the GC it brings) cost 19 µs a request
  // more than the events; a body of one chunk is then passed on as it is, not copied.
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let settled = false;
    const fail = (error: unknown): void => {
      if (settled) return;
      settled = true;
      clearTimeout(deadline);
      reject(exchange.failure(error, true));
      body.destroy();
    };
    const deadline = setTimeout(() => fail(exchange.timeout('body')), exchange.bodyMs);
    body.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > exchange.maxResponseBytes) fail(exchange.tooLarge());
      else chunks.push(chunk);
    });
    // Stays attached after a failure: destroy() emits one more error, which must not go unhandled.
    body.on('error', fail);
    body.once('end', () => {
      settled = true;
      clearTimeout(deadline);
      resolve(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size));
    });
  });
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
