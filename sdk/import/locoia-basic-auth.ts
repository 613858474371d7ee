/**
 * Locoia's `basic_auth` as the manifest's auth: a form with one password field and one plain
 * field (or a plain field named as a user name beside others) is HTTP Basic (`basic`, the header block is not needed); a form with a single password
 * field is Locoia's "Auth token" (the whole header value, e.g. `Bearer …`, or what the header
 * block builds from `{{ token }}`), an `api_key` in that header or query parameter.
 */
import type { AuthApiKey, AuthBasic, CredentialsSchema } from '../manifest/types.gen.js';
import { pointerTo, type ImportContext } from './import-context.js';
import { tokenPlacement, type ConnectorParts } from './locoia-header.js';

/** Names that say a plain field is the Basic user name. */
const USER_NAMES = new Set(['username', 'user', 'user_name', 'login', 'email']);

/**
 * @example
 * basicAuth(ctx, credentials, {}, '') // with fields username, password (type password)
 * // { type: 'basic', username: '{{ credentials.username }}', password: '{{ credentials.password }}' }
 */
export function basicAuth(ctx: ImportContext, credentials: CredentialsSchema, parts: ConnectorParts, base: string, formPointer: string): AuthBasic | AuthApiKey | undefined {
  const fields = Object.entries(credentials.properties);
  const secret = fields.filter(([, schema]) => schema?.['x-secret'] === true).map(([name]) => name);
  const plain = fields.filter(([, schema]) => schema?.['x-secret'] !== true).map(([name]) => name);
  // Other plain fields (a tenant for base_domain) may sit beside the user name, if it is named as one.
  const user = plain.length === 1 ? plain[0] : plain.find((name) => USER_NAMES.has(name.toLowerCase()));
  if (secret.length === 1 && user !== undefined) {
    if (parts.header !== undefined) {
      ctx.report(pointerTo(base, 'header'), 'warning', 'the header block is not imported: basic auth sends "Authorization: Basic base64(username:password)"', undefined, 'key');
    }
    return { type: 'basic', username: `{{ credentials.${user} }}`, password: `{{ credentials.${secret[0]} }}` };
  }
  if (secret.length === 1 && plain.length === 0) return tokenField(ctx, secret[0] as string, parts, base);
  const hint = 'it translates with a password field and a user name field (Basic), or a single password field (the whole token)';
  ctx.report(formPointer, 'error', 'basic_auth with this auth form is not translated', hint, 'key');
  return undefined;
}

/** A single secret field: sent where the header block or url_token_extension says, or as the whole Authorization header. */
function tokenField(ctx: ImportContext, field: string, parts: ConnectorParts, base: string): AuthApiKey | undefined {
  const placement = tokenPlacement(ctx, parts, base, `credentials.${field}`);
  const headers = Object.entries(placement?.headers ?? {});
  const query = Object.entries(placement?.query ?? {});
  if (headers.length + query.length > 1) {
    ctx.report(base, 'error', 'the token goes to more than one place: not translated', 'an api_key auth sends one header or one query parameter');
    return undefined;
  }
  const [name, value] = headers[0] ?? query[0] ?? ['Authorization', `{{ credentials.${field} }}`];
  if (value === undefined) return undefined;
  return { type: 'api_key', in: headers.length > 0 || query.length === 0 ? 'header' : 'query', name, value };
}
