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

/**
 * What one call of an action returns (one page, for paginate): the status, the response
 * headers, and the data.
 *
 * @example
 * const result: ActionResult<{ balance: string }> = await connection.execute<{ balance: string }>('get-balance');
 * console.log(result.status, result.headers['content-type'], result.data.balance);
 */
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

/** `json` is the body parsed by jsonBody; `printableUrl` is only built when a message needs it. */
export function readActionResult(
  action: CompiledAction,
  response: HttpResponse,
  json: unknown,
  printableUrl: () => string,
  redactor: Redactor,
): ReadResult {
  const { status, headers, url } = response;
  const ok = action.expected ? action.expected.has(status) : status >= 200 && status < 300;
  if (!ok) {
    throw new HttpError(status, action.method, printableUrl(), bodyExcerpt(response, json, redactor));
  }
  if (!Buffer.isBuffer(response.body)) return { result: { status, headers, data: response.body }, json: undefined, url };
  if (formatOf(action, headers) === 'text') return { result: { status, headers, data: response.body.toString('utf8') }, json: undefined, url };
  if (response.body.length === 0 && !action.output) return { result: { status, headers, data: null }, json: undefined, url };
  if (json === undefined) {
    throw new ResponseError(
      `action "${action.id}": ${action.method} ${printableUrl()} answered ${status} with a body that is not JSON (${String(headers['content-type'] ?? 'no content type')})`,
    );
  }
  if (!action.output) return { result: { status, headers, data: json }, json, url };
  const data = action.output.first(json);
  if (data === undefined) throw new ResponseError(`action "${action.id}": the response has nothing at ${action.output.normalized}`);
  return { result: { status, headers, data }, json, url };
}

/** The body parsed as JSON when the action reads JSON (or the server says it sent JSON); else undefined. */
export function jsonBody(action: CompiledAction, response: HttpResponse): unknown {
  const body = response.body;
  if (!Buffer.isBuffer(body) || body.length === 0) return undefined;
  if (formatOf(action, response.headers) === 'text' && !/json/i.test(String(response.headers['content-type']))) return undefined;
  return parseJsonSafely(body.toString('utf8'));
}

/** Releases a response we will not read (its socket goes back to the pool or is closed). */
export function discard(response: HttpResponse): void {
  if (!Buffer.isBuffer(response.body)) (response.body as Readable).destroy();
}

function formatOf(action: CompiledAction, headers: HttpResponse['headers']): 'json' | 'text' | 'binary' {
  if (action.spec.response_format) return action.spec.response_format;
  // An output path says the answer is JSON, whatever its content type claims: an HTML page is then an error, not data.
  if (action.output) return 'json';
  const contentType = headers['content-type'];
  const type = (Array.isArray(contentType) ? contentType[0] : contentType) ?? '';
  return type === '' || JSON_TYPE.test(type) ? 'json' : 'text';
}

const JSON_TYPE = /json/i;

/** Characters of a non-JSON error body kept for diagnosis. */
const EXCERPT_CHARS = 2048;

/** The error body, redacted and then cut: cut first, a secret across the limit would leave its head behind. */
function bodyExcerpt(response: HttpResponse, json: unknown, redactor: Redactor): unknown {
  if (!Buffer.isBuffer(response.body)) {
    discard(response);
    return undefined;
  }
  if (json !== undefined) return redactor.redactValue(json);
  return redactor.redact(response.body.toString('utf8')).slice(0, EXCERPT_CHARS);
}
