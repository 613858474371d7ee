/**
 * Locoia's `refreshable_token` config as the manifest's `refreshable_token` auth block, which
 * takes Locoia's own field names: values carry over as they are (JSON-text headers, null
 * fields, paths without `$`), templates are translated from Jinja, unknown keys reported.
 */
import type { AuthRefreshableToken, TokenPlacement } from '../manifest/types.gen.js';
import { objectOf, pointerTo, type ExtraNames, type ImportContext } from './import-context.js';

/** Locoia's config keys, all of which the manifest's block has under the same name. */
const KEYS = [
  'authorization_request_url',
  'authorization_request_method',
  'authorization_request_body_template',
  'authorization_request_headers',
  'response_access_token_path',
  'response_access_token_path_in_header',
  'response_access_token_path_in_cookie',
  'response_refresh_token_path',
  'refresh_request_url',
  'refresh_request_method',
  'refresh_request_body_template',
  'refresh_request_headers',
  'refresh_response_access_token_path',
  'refresh_response_refresh_token_path',
] as const;

const TEMPLATES = new Set<string>(['authorization_request_url', 'authorization_request_body_template', 'authorization_request_headers']);
const REFRESH_TEMPLATES = new Set<string>(['refresh_request_url', 'refresh_request_body_template', 'refresh_request_headers']);
const REQUIRED = ['authorization_request_url', 'authorization_request_body_template', 'authorization_request_headers'] as const;
const TOKEN_SOURCES = ['response_access_token_path', 'response_access_token_path_in_header', 'response_access_token_path_in_cookie'] as const;

/** Names a refresh template may use besides the form's fields; Locoia's documentation shows none, hence the warning. */
const REFRESH_NAMES: ExtraNames = {
  refresh_token: { path: 'auth.refresh_token', warning: "Locoia's documentation names no variables of refresh templates: check that it means the stored refresh token" },
  access_token: { path: 'auth.access_token', warning: "Locoia's documentation names no variables of refresh templates: check that it means the current access token" },
};

/**
 * @example
 * refreshableToken(ctx, { authorization_request_url: 'https://api.snov.io/v1/oauth/access_token?client_id={{ username }}', … }, '/refreshable_token/config', undefined)
 * // { type: 'refreshable_token', authorization_request_url: 'https://api.snov.io/v1/oauth/access_token?client_id={{ credentials.username }}', … }
 */
export function refreshableToken(ctx: ImportContext, config: Record<string, unknown>, pointer: string, apply: TokenPlacement | undefined): AuthRefreshableToken {
  const auth: Record<string, unknown> = { type: 'refreshable_token' };
  for (const key of Object.keys(config)) {
    if (!(KEYS as readonly string[]).includes(key)) ctx.report(pointerTo(pointer, key), 'warning', `"${key}" is not a refreshable_token setting: not imported`, undefined, 'key');
  }
  for (const key of KEYS) {
    if (!Object.hasOwn(config, key)) continue;
    const value = config[key];
    const at = pointerTo(pointer, key);
    if (TEMPLATES.has(key)) auth[key] = templateValue(ctx, at, value, {});
    else if (REFRESH_TEMPLATES.has(key)) auth[key] = templateValue(ctx, at, value, REFRESH_NAMES);
    else auth[key] = value;
  }
  for (const key of REQUIRED) {
    if (!Object.hasOwn(config, key)) ctx.report(pointer, 'error', `the config has no ${key}`, 'Locoia requires it ("" for no body, "{}" for no headers)', 'key');
  }
  if (!TOKEN_SOURCES.some((key) => typeof config[key] === 'string')) {
    ctx.report(pointer, 'error', `the config says nowhere where the access token is: none of ${TOKEN_SOURCES.join(', ')}`, undefined, 'key');
  }
  if (apply) auth.apply = apply;
  return auth as unknown as AuthRefreshableToken;
}

/** A template string, or headers: a JSON text (one template) or an object of templates. */
function templateValue(ctx: ImportContext, pointer: string, value: unknown, extra: ExtraNames): unknown {
  if (typeof value === 'string') return ctx.translate(pointer, value, extra);
  const headers = objectOf(value);
  if (!headers) return value;
  return Object.fromEntries(Object.entries(headers).map(([name, item]) => [name, ctx.translateValue(pointerTo(pointer, name), item, extra)]));
}
