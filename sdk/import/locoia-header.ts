/**
 * Where a Locoia connector puts the token on its API calls, as the manifest's `auth.apply`:
 * the `header` block (`token_in_header`, `header_key`, `token_prefix` with its
 * `{{token_format}}`, `token_format` with its `{{token}}`) and `url_token_extension`
 * (`{{endpoint}}hapikey={{token}}`: query parameters). `{{ token }}` is the access token (or,
 * for basic_auth with a single token field, that field).
 */
import type { TokenPlacement } from '../manifest/types.gen.js';
import { objectOf, pointerTo, type ExtraNames, type ImportContext } from './import-context.js';

/** Stands for the translated token_format inside token_prefix until it is put in. */
const FORMAT_SLOT = '__locoia_token_format__';
const HEADER_KEYS = new Set(['encode', 'token_in_header', 'content_type', 'header_key', 'token_format', 'token_prefix']);

/** The base connector keys that place the token. */
export interface ConnectorParts {
  header?: unknown;
  url_token_extension?: unknown;
}

/**
 * The token placement the connector describes, `{{ token }}` read as `tokenPath`; undefined
 * when it describes none (then the auth type's default applies: `noPlacement` says so).
 *
 * @example
 * tokenPlacement(ctx, { header: { token_in_header: true, header_key: 'Authorization', token_format: '{{token}}', token_prefix: 'Bearer {{token_format}}' } }, '')
 * // { headers: { Authorization: 'Bearer {{ auth.access_token }}' } }
 */
export function tokenPlacement(ctx: ImportContext, parts: ConnectorParts, base: string, tokenPath = 'auth.access_token'): TokenPlacement | undefined {
  const header = objectOf(parts.header);
  const token: ExtraNames = { token: { path: tokenPath } };
  const placement: TokenPlacement = {};
  if (header) Object.assign(placement, headerPlacement(ctx, header, pointerTo(base, 'header'), token));
  const query = queryPlacement(ctx, parts.url_token_extension, pointerTo(base, 'url_token_extension'), token);
  if (query) placement.query = query;
  return placement.headers || placement.query ? placement : undefined;
}

/**
 * The warning for a connector without a token placement: what the manifest does instead.
 *
 * @example
 * noPlacement(ctx, {}, '', 'the token is sent as "Authorization: Bearer <token>"');
 */
export function noPlacement(ctx: ImportContext, parts: ConnectorParts, base: string, instead: string): void {
  const at = parts.header === undefined ? base : pointerTo(base, 'header');
  const hint = 'add /auth/apply to the manifest if the API expects it elsewhere';
  ctx.report(at, 'warning', `no token placement (header block or url_token_extension): ${instead}`, hint, parts.header === undefined ? 'value' : 'key');
}

function headerPlacement(ctx: ImportContext, header: Record<string, unknown>, pointer: string, token: ExtraNames): TokenPlacement {
  for (const key of Object.keys(header)) {
    if (!HEADER_KEYS.has(key)) ctx.report(pointerTo(pointer, key), 'warning', `"${key}" of the header block is not imported`, undefined, 'key');
  }
  if (header.encode === true) {
    const hint = 'write the header in /auth/apply by hand (e.g. with `| base64_encode`)';
    ctx.report(pointerTo(pointer, 'encode'), 'error', '"encode": true is not translated: Locoia does not document what it encodes', hint);
  }
  if (typeof header.content_type === 'string' && header.content_type !== 'application/json') {
    ctx.report(pointerTo(pointer, 'content_type'), 'warning', `content_type "${header.content_type}" is not imported`, "each action's body_format sets its Content-Type");
  }
  if (header.token_in_header === false) return {};
  const name = typeof header.header_key === 'string' && header.header_key !== '' ? header.header_key : 'Authorization';
  const format = typeof header.token_format === 'string' ? ctx.translate(pointerTo(pointer, 'token_format'), header.token_format, token) : `{{ ${token.token?.path} }}`;
  if (typeof header.token_prefix !== 'string') return { headers: { [name]: format } };
  const prefix = ctx.translate(pointerTo(pointer, 'token_prefix'), header.token_prefix, { ...token, token_format: { path: FORMAT_SLOT } });
  const value = prefix.replaceAll(`{{ ${FORMAT_SLOT} }}`, format);
  if (value.includes(FORMAT_SLOT)) {
    ctx.report(pointerTo(pointer, 'token_prefix'), 'error', 'not translated: `token_format` with filters or in a condition', 'write the header in /auth/apply by hand');
    return {};
  }
  return { headers: { [name]: value } };
}

/** `{{endpoint}}name={{token}}&…` → query parameters. */
function queryPlacement(ctx: ImportContext, extension: unknown, pointer: string, token: ExtraNames): Record<string, string> | undefined {
  if (extension === undefined || extension === null || extension === '') return undefined;
  if (typeof extension !== 'string') {
    ctx.report(pointer, 'error', 'url_token_extension is not a string');
    return undefined;
  }
  const endpoint = /^\{\{\s*endpoint\s*\}\}[?&]?/.exec(extension);
  if (!endpoint) {
    ctx.report(pointer, 'error', 'url_token_extension does not start with {{endpoint}}', 'the documented form is {{endpoint}}name={{token}}; write /auth/apply/query by hand');
    return undefined;
  }
  const query: Record<string, string> = {};
  let offset = endpoint[0].length;
  for (const pair of extension.slice(offset).split('&')) {
    const equals = pair.indexOf('=');
    if (equals <= 0) {
      ctx.report(pointer, 'error', `not translated: "${pair}" is no name=value pair`, undefined, offset);
    } else {
      query[pair.slice(0, equals)] = ctx.translate(pointer, pair.slice(equals + 1), token, offset + equals + 1);
    }
    offset += pair.length + 1;
  }
  return Object.keys(query).length > 0 ? query : undefined;
}
