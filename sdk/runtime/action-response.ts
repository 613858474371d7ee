/**
 * Turns an action's HTTP response into its result: status check, body format (JSON, text,
 * or the stream of a download), and the output JSONPath. Failures say which action, which
 * URL (already masked) and what was expected.
 */
import type { Readable } from 'node:stream';
import { HttpError, ResponseError } from '../errors.js';
import { parseJsonSafely } from '../extract/json-body.js';
import type { HttpResponse } from '../http/http-client.js';
import type { Redactor } from '../redact.js';
import type { CompiledAction } from './action.js';

export interface ActionResult<T = unknown> {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  /** Parsed JSON (selected by the action's output path), text, or a stream for binary responses. */
  data: T;
}

export interface ReadResult {
  result: ActionResult;
  /** The whole parsed body, for pagination. */
  json: unknown;
  /** The URL that answered (after redirects), for relative Link headers. */
  url: URL;
}

export function readActionResult(action: CompiledAction, response: HttpResponse, printableUrl: string, redactor: Redactor): ReadResult {
  const { result, json } = read(action, response, printableUrl, redactor);
  return { result, json, url: response.url };
}

function read(action: CompiledAction, response: HttpResponse, printableUrl: string, redactor: Redactor): Omit<ReadResult, 'url'> {
  const { status, headers } = response;
  const ok = action.expected ? action.expected.has(status) : status >= 200 && status < 300;
  if (!ok) {
    const body = bodyExcerpt(response);
    throw new HttpError(status, action.method, printableUrl, redactor.redactValue(body));
  }
  if (!Buffer.isBuffer(response.body)) return { result: { status, headers, data: response.body }, json: undefined };
  const format = action.spec.response_format ?? formatOf(headers['content-type']);
  if (format === 'text') return { result: { status, headers, data: response.body.toString('utf8') }, json: undefined };
  if (response.body.length === 0 && !action.output) return { result: { status, headers, data: null }, json: undefined };
  const json = jsonOf(response);
  if (json === undefined) {
    throw new ResponseError(
      `action "${action.id}": ${action.method} ${printableUrl} answered ${status} with a body that is not JSON (${String(headers['content-type'] ?? 'no content type')})`,
    );
  }
  if (!action.output) return { result: { status, headers, data: json }, json };
  const data = action.output.first(json);
  if (data === undefined) throw new ResponseError(`action "${action.id}": the response has nothing at ${action.output.normalized}`);
  return { result: { status, headers, data }, json };
}

const jsonCache = new WeakMap<HttpResponse, unknown>();

/** The parsed JSON body (parsed once per response), or undefined. */
export function jsonOf(response: HttpResponse): unknown {
  if (!Buffer.isBuffer(response.body) || response.body.length === 0) return undefined;
  if (jsonCache.has(response)) return jsonCache.get(response);
  const json = parseJsonSafely(response.body.toString('utf8'));
  jsonCache.set(response, json);
  return json;
}

/** Releases a response we will not read (its socket goes back to the pool or is closed). */
export function discard(response: HttpResponse): void {
  if (!Buffer.isBuffer(response.body)) (response.body as Readable).destroy();
}

function formatOf(contentType: string | string[] | undefined): 'json' | 'text' {
  const type = (Array.isArray(contentType) ? contentType[0] : contentType) ?? '';
  return /json/i.test(type) || type === '' ? 'json' : 'text';
}

function bodyExcerpt(response: HttpResponse): unknown {
  if (!Buffer.isBuffer(response.body)) {
    discard(response);
    return undefined;
  }
  return jsonOf(response) ?? response.body.subarray(0, 2048).toString('utf8');
}
