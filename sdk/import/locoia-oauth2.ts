/**
 * Locoia's `oauth2` config as a standard grant: the authorization code grant (`step1_authorize_url`,
 * `step3_access_url`), or the client credentials grant when its (deprecated) `grant_type` says so.
 * The app's client id and secret, which Locoia keeps in the connector, become credentials (a
 * secret does not belong in a manifest); so does the redirect URI, since Locoia's own callback
 * cannot be reused. Deviations the manifest cannot express (renamed parameters, a custom Accept)
 * are reported, not dropped.
 */
import type { AuthOAuth2AuthorizationCode, AuthOAuth2ClientCredentials, CredentialsSchema, DataSchema, TokenPlacement } from '../manifest/types.gen.js';
import { objectOf, pointerTo, type ImportContext } from './import-context.js';

const KEYS = new Set([
  'client_id',
  'client_secret',
  'step1_authorize_url',
  'step3_access_url',
  'token_refresh_url',
  'extra_authorization_url',
  'extra_access_url',
  'client_id_and_secret_in_headers',
  'alternative_code_key',
  'alternative_client_id_key',
  'alternative_client_secret_key',
  'grant_type',
  'accept_header',
  'content_type',
]);

type OAuthAuth = AuthOAuth2AuthorizationCode | AuthOAuth2ClientCredentials;

/**
 * @example
 * oauth2(ctx, { step1_authorize_url: 'https://x/authorize', step3_access_url: 'https://x/token', client_id: 'app' }, '/auth_config/oauth2/config', credentials, undefined)
 * // { type: 'oauth2_authorization_code', authorization_url: 'https://x/authorize', token_url: 'https://x/token', client_id: '{{ credentials.client_id }}', … }
 */
export function oauth2(ctx: ImportContext, config: Record<string, unknown>, pointer: string, credentials: CredentialsSchema, apply: TokenPlacement | undefined): OAuthAuth {
  const at = (key: string) => pointerTo(pointer, key);
  for (const key of Object.keys(config)) {
    if (!KEYS.has(key)) ctx.report(at(key), 'warning', `"${key}" is not an oauth2 setting: not imported`, undefined, 'key');
  }
  const accessParams = objectOf(config.extra_access_url) ?? {};
  const grant = config.grant_type ?? accessParams.grant_type ?? 'authorization_code';
  const common = {
    token_url: urlOf(ctx, config, 'step3_access_url', at),
    client_id: clientValue(ctx, config, 'client_id', at, credentials),
    client_secret: clientValue(ctx, config, 'client_secret', at, credentials),
    ...(config.client_id_and_secret_in_headers === true && { client_auth: 'basic' as const }),
    ...requestFormat(ctx, config.content_type, at('content_type')),
    ...scopeAndParams(ctx, accessParams, at('extra_access_url'), 'params'),
  };
  const placement = apply ? { apply } : {};
  reportDeviations(ctx, config, at);
  if (grant === 'client_credentials') {
    if (config.step1_authorize_url !== undefined) ctx.report(at('step1_authorize_url'), 'warning', 'the client credentials grant has no authorization page: not imported', undefined, 'key');
    return { type: 'oauth2_client_credentials', ...common, ...placement };
  }
  if (grant !== 'authorization_code') {
    const where = at(config.grant_type === undefined ? 'extra_access_url' : 'grant_type');
    ctx.report(where, 'error', `the grant_type ${JSON.stringify(grant)} is not translated`, 'authorization_code and client_credentials are');
  }
  const authorizationParams = objectOf(config.extra_authorization_url) ?? {};
  return {
    type: 'oauth2_authorization_code',
    authorization_url: urlOf(ctx, config, 'step1_authorize_url', at),
    ...common,
    redirect_uri: redirectUri(ctx, credentials, pointer),
    ...scopeAndParams(ctx, authorizationParams, at('extra_authorization_url'), 'authorization_params'),
    ...placement,
  };
}

function urlOf(ctx: ImportContext, config: Record<string, unknown>, key: string, at: (key: string) => string): string {
  const value = config[key];
  if (typeof value === 'string' && value !== '') return ctx.translate(at(key), value);
  ctx.report(at(key), 'error', `the config has no ${key}`, undefined, 'key');
  return '';
}

/** `{{ credentials.<name> }}`, adding the credential; a template in the source is translated instead. */
function clientValue(ctx: ImportContext, config: Record<string, unknown>, name: 'client_id' | 'client_secret', at: (key: string) => string, credentials: CredentialsSchema): string {
  const value = config[name];
  if (typeof value === 'string' && value.includes('{{')) return ctx.translate(at(name), value);
  if (!ctx.fields.has(name)) {
    const secret = name === 'client_secret';
    // The secret is required when Locoia's config has one: the app is a confidential client.
    addCredential(ctx, credentials, name, { type: 'string', title: secret ? 'Client secret' : 'Client ID', ...(secret && { 'x-secret': true }) }, !secret || value !== undefined);
    if (value !== undefined) {
      const why = secret ? 'a secret does not belong in a manifest' : "the app's id is entered with the other credentials";
      ctx.report(at(name), 'warning', `the value of ${name} is not copied: ${why}`, `enter it as the credential ${name}`);
    }
  }
  return `{{ credentials.${name} }}`;
}

function redirectUri(ctx: ImportContext, credentials: CredentialsSchema, pointer: string): string {
  const description = "The redirect URI registered with the provider (Locoia's was https://api.locoia.com/v1/oauth2/callback/<connector>).";
  addCredential(ctx, credentials, 'redirect_uri', { type: 'string', format: 'uri', title: 'Redirect URI', description }, true);
  const hint = 'register your callback URL with the provider and enter it as redirect_uri';
  ctx.report(pointer, 'warning', "Locoia's redirect URI is Locoia's own: the manifest reads it from the credential redirect_uri", hint, 'key');
  return '{{ credentials.redirect_uri }}';
}

function addCredential(ctx: ImportContext, credentials: CredentialsSchema, name: string, schema: DataSchema, required: boolean): void {
  if (ctx.fields.has(name)) return;
  ctx.fields.add(name);
  credentials.properties[name] = schema;
  if (required) credentials.required = [...(credentials.required ?? []), name];
}

/** extra_*_url: `scope` goes to `scope`; response_type=code and grant_type are what the grant sends anyway. */
function scopeAndParams(ctx: ImportContext, extra: Record<string, unknown>, pointer: string, field: 'params' | 'authorization_params'): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const params: Record<string, string> = {};
  for (const [name, value] of Object.entries(extra)) {
    const at = pointerTo(pointer, name);
    if ((name === 'response_type' && value === 'code') || name === 'grant_type') continue;
    if (typeof value !== 'string') ctx.report(at, 'error', `the parameter ${name} is not a string`);
    else if (name === 'scope') out.scope = ctx.translate(at, value);
    else params[name] = ctx.translate(at, value);
  }
  if (Object.keys(params).length > 0) out[field] = params;
  return out;
}

function requestFormat(ctx: ImportContext, contentType: unknown, pointer: string): { token_request_format?: 'json' } {
  if (contentType === undefined || contentType === 'application/x-www-form-urlencoded') return {};
  if (contentType === 'application/json') return { token_request_format: 'json' };
  ctx.report(pointer, 'error', `the token request content_type ${JSON.stringify(contentType)} is not translated`, 'form (the default) and application/json are');
  return {};
}

/** Deviations the manifest's standard grants do not take. */
function reportDeviations(ctx: ImportContext, config: Record<string, unknown>, at: (key: string) => string): void {
  for (const key of ['alternative_code_key', 'alternative_client_id_key', 'alternative_client_secret_key']) {
    if (config[key] !== undefined && config[key] !== null) {
      ctx.report(at(key), 'error', `not translated: ${key} renames a token request parameter`, 'the manifest sends the names of RFC 6749 (code, client_id, client_secret)');
    }
  }
  if (config.accept_header !== undefined && config.accept_header !== null) {
    ctx.report(at('accept_header'), 'error', 'not translated: accept_header sets a header on the token request', "the manifest's OAuth token requests take no extra headers");
  }
  const refresh = config.token_refresh_url;
  if (typeof refresh === 'string' && refresh !== '' && refresh !== config.step3_access_url) {
    ctx.report(at('token_refresh_url'), 'error', 'not translated: a refresh URL other than step3_access_url', 'the manifest refreshes at token_url');
  }
}
