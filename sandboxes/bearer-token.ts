/**
 * Reading `Authorization: Bearer <token>` (RFC 6750), as both vendors' servers do. Any other
 * scheme, or a bare token without the `Bearer ` prefix, counts as no token at all.
 */
import type { IncomingMessage } from 'node:http';

/**
 * The request's Bearer token, if it sends one.
 *
 * @example
 * bearerToken(req); // 'abc' for "Authorization: Bearer abc"
 */
export function bearerToken(req: IncomingMessage): string | undefined {
  return /^Bearer\s+(\S+)\s*$/i.exec(req.headers.authorization ?? '')?.[1];
}
