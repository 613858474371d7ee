/** One request as the fake handles it, and the small HTTP helpers its endpoints share. */
import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';

export const SESSION_COOKIE = 'SESSIONAUTH';

export interface Exchange {
  method: string;
  url: URL;
  headers: IncomingHttpHeaders;
  body: string;
  response: ServerResponse;
  /** Set by a 'lost' fault: the server acts, then drops the connection instead of answering. */
  lost?: boolean;
}

export async function readExchange(request: IncomingMessage, response: ServerResponse): Promise<Exchange> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return {
    method: request.method ?? '',
    url: new URL(request.url ?? '/', 'http://127.0.0.1'),
    headers: request.headers,
    body: Buffer.concat(chunks).toString('utf8'),
    response,
  };
}

export function send(exchange: Exchange, status: number, body: unknown, headers: Record<string, string | string[]> = {}): void {
  if (exchange.lost) return void exchange.response.socket?.destroy();
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  exchange.response.writeHead(status, {
    'content-type': typeof body === 'string' ? 'text/plain' : 'application/json',
    'content-length': Buffer.byteLength(text),
    ...headers,
  });
  exchange.response.end(text);
}

export function redirect(exchange: Exchange, status: number, location: string): void {
  if (exchange.lost) return void exchange.response.socket?.destroy();
  exchange.response.writeHead(status, { location, 'content-length': 0 });
  exchange.response.end();
}

export function oauthError(exchange: Exchange, status: number, error: string, description: string, headers: Record<string, string> = {}): void {
  send(exchange, status, { error, error_description: description }, headers);
}

export function isForm(headers: IncomingHttpHeaders): boolean {
  return /^application\/x-www-form-urlencoded\b/i.test(headers['content-type'] ?? '');
}

/**
 * Why a token or revocation request is not in the encoding the server takes, or undefined. JSON
 * is parsed, not sniffed: an object whose every value is a string, as a form's parameters are.
 */
export function bodyFormatProblem(exchange: Exchange, format: 'form' | 'json' = 'form', what: string): string | undefined {
  if (format === 'form') return isForm(exchange.headers) ? undefined : `the ${what} must be form-encoded`;
  if (!/^application\/json\s*(?:;|$)/i.test(exchange.headers['content-type'] ?? '')) return `the ${what} must be application/json`;
  let parsed: unknown;
  try {
    parsed = JSON.parse(exchange.body);
  } catch {
    return `the ${what} is not JSON`;
  }
  const strings = parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed) && Object.values(parsed).every((value) => typeof value === 'string');
  return strings ? undefined : `the ${what} must be a JSON object of strings`;
}

/** The body as parameters: JSON (by content type, or a body that looks like an object) flattened one level, else form. */
export function paramsOf(body: string, headers: IncomingHttpHeaders): URLSearchParams {
  const json = /json/i.test(headers['content-type'] ?? '') || (!isForm(headers) && body.trim().startsWith('{'));
  if (!json) return new URLSearchParams(body);
  try {
    const parsed = JSON.parse(body) as Record<string, unknown>;
    return new URLSearchParams(
      Object.entries(parsed).map(([key, value]): [string, string] => [key, typeof value === 'string' ? value : JSON.stringify(value)]),
    );
  } catch {
    return new URLSearchParams();
  }
}

/** The access token a request presents: RFC 6750 §2.1 header, §2.3 query parameter, or the session cookie. */
export function presentedToken(exchange: Exchange): string | undefined {
  const bearer = /^Bearer (.+)$/i.exec(exchange.headers.authorization ?? '')?.[1];
  const cookie = new RegExp(`(?:^|;\\s*)${SESSION_COOKIE}=([^;]+)`).exec(exchange.headers.cookie ?? '')?.[1];
  return bearer ?? exchange.url.searchParams.get('access_token') ?? cookie;
}

/** application/x-www-form-urlencoded decoding of one value. */
export function formDecode(value: string): string {
  return decodeURIComponent(value.replace(/\+/g, ' '));
}

export const delay = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
