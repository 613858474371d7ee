/**
 * Writing complete responses. Every sandbox response carries an exact Content-Length, as the
 * imitated servers do for these small bodies, so clients' length handling is exercised.
 */
import type { OutgoingHttpHeaders, ServerResponse } from 'node:http';

/**
 * Sends `body` with `contentType` and the given extra headers.
 *
 * @example
 * reply(res, 401, 'text/html; charset=utf-8', '<html>…</html>');
 */
export function reply(
  res: ServerResponse,
  status: number,
  contentType: string,
  body: string | Buffer,
  headers: OutgoingHttpHeaders = {},
): void {
  res.writeHead(status, { ...headers, 'Content-Type': contentType, 'Content-Length': Buffer.byteLength(body) });
  res.end(body);
}

/**
 * Sends `body` as `application/json; charset=utf-8`.
 *
 * @example
 * replyJson(res, 200, { success: true });
 */
export function replyJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: OutgoingHttpHeaders = {},
): void {
  reply(res, status, 'application/json; charset=utf-8', JSON.stringify(body), headers);
}
