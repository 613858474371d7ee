/**
 * OpenAPI security schemes as the manifest's one auth block and its credential fields: apiKey
 * (header, query, cookie), http basic and bearer, oauth2 (authorization code with PKCE, client
 * credentials, password) and openIdConnect (an authorization code grant from the provider's
 * discovery document, which the caller supplies: importers use no network). The scheme used is
 * the one named (`scheme`), else the first expressible one the document's `security` asks for,
 * else the first expressible one declared; every scheme left out is said in a diagnostic.
 */
import type { Authentication, DataSchema } from '../manifest/types.gen.js';
import { objectOf, pointerTo } from './import-context.js';
import type { Reporter } from './openapi-operation.js';

/** The auth block and the credential fields it reads. */
export interface ImportedAuth {
  auth: Authentication;
  credentials: Record<string, DataSchema>;
  required: string[];
  /** The scheme's name in the document; undefined for none. */
  scheme?: string;
}

const SECRET: DataSchema = { type: 'string', 'x-secret': true };
const TEXT: DataSchema = { type: 'string' };

/**
 * The auth of a document (its securitySchemes and top-level security).
 *
 * @example
 * authOf({ components: { securitySchemes: { key: { type: 'apiKey', in: 'header', name: 'X-Key' } } } }, undefined, undefined, () => {}).auth;
 * // { type: 'api_key', in: 'header', name: 'X-Key', value: '{{ credentials.api_key }}' }
 */
export function authOf(document: Record<string, unknown>, wanted: string | undefined, discovery: Record<string, unknown> | undefined, report: Reporter): ImportedAuth {
  const schemes = objectOf(objectOf(document.components)?.securitySchemes) ?? {};
  const requested = (Array.isArray(document.security) ? document.security : []).flatMap((requirement) => Object.keys(objectOf(requirement) ?? {}));
  if (wanted !== undefined && !Object.hasOwn(schemes, wanted)) {
    report('/components/securitySchemes', 'error', `the document has no security scheme "${wanted}"`, `it has: ${Object.keys(schemes).join(', ') || 'none'}`);
  }
  const order = [...new Set([...(wanted === undefined ? [] : [wanted]), ...requested, ...Object.keys(schemes)])].filter((name) => Object.hasOwn(schemes, name));
  let chosen: ImportedAuth | undefined;
  for (const name of order) {
    const pointer = pointerTo('/components/securitySchemes', name);
    const imported = chosen || (wanted !== undefined && name !== wanted) ? undefined : schemeOf(objectOf(schemes[name]) ?? {}, scopesOf(document, name), discovery, pointer, report);
    if (imported) chosen = { ...imported, scheme: name };
    else if (chosen && name !== chosen.scheme) report(pointer, 'warning', `the security scheme "${name}" is not imported: a manifest has one auth, "${chosen.scheme}"`, 'import it instead with --auth <scheme>');
  }
  return chosen ?? { auth: { type: 'none' }, credentials: {}, required: [] };
}

/** The scopes the document's security requirements ask of the scheme. */
function scopesOf(document: Record<string, unknown>, name: string): string[] {
  const requirements = Array.isArray(document.security) ? document.security : [];
  const scopes = requirements.flatMap((requirement) => {
    const listed = objectOf(requirement)?.[name];
    return Array.isArray(listed) ? listed.filter((scope): scope is string => typeof scope === 'string') : [];
  });
  return [...new Set(scopes)];
}

/** One scheme, or undefined (reported) when the manifest cannot express it. */
function schemeOf(scheme: Record<string, unknown>, scopes: string[], discovery: Record<string, unknown> | undefined, pointer: string, report: Reporter): Omit<ImportedAuth, 'scheme'> | undefined {
  switch (scheme.type) {
    case 'apiKey':
      if (scheme.in === 'header' || scheme.in === 'query' || scheme.in === 'cookie') {
        const auth: Authentication = { type: 'api_key', in: scheme.in, name: String(scheme.name), value: '{{ credentials.api_key }}' };
        return { auth, credentials: { api_key: { ...SECRET, description: `Sent as the ${scheme.in} ${String(scheme.name)}.` } }, required: ['api_key'] };
      }
      break;
    case 'http': {
      const kind = String(scheme.scheme).toLowerCase();
      if (kind === 'basic') return { auth: { type: 'basic', username: '{{ credentials.username }}', password: '{{ credentials.password }}' }, credentials: { username: TEXT, password: SECRET }, required: ['username', 'password'] };
      if (kind === 'bearer') return { auth: { type: 'bearer', token: '{{ credentials.token }}' }, credentials: { token: SECRET }, required: ['token'] };
      report(pointer, 'warning', `the http scheme "${kind}" is not imported: the manifest's http auth is basic or bearer`);
      return undefined;
    }
    case 'oauth2':
      return oauth2(objectOf(scheme.flows) ?? {}, scopes, pointer, report);
    case 'openIdConnect':
      return openIdConnect(scheme, discovery, scopes, pointer, report);
    case 'mutualTLS':
      report(pointer, 'warning', 'the mutualTLS scheme is not imported as auth', 'a manifest presents a client certificate with client_certificate (cert and key from credentials): add it by hand');
      return undefined;
  }
  report(pointer, 'warning', `the security scheme of type "${String(scheme.type)}"${scheme.in === undefined ? '' : ` in ${String(scheme.in)}`} cannot be expressed by the manifest: not imported`);
  return undefined;
}

const CLIENT = { client_id: TEXT, client_secret: SECRET };

function oauth2(flows: Record<string, unknown>, scopes: string[], pointer: string, report: Reporter): Omit<ImportedAuth, 'scheme'> | undefined {
  const scope = scopes.length > 0 ? { scope: scopes.join(' ') } : {};
  const code = objectOf(flows.authorizationCode);
  const client = objectOf(flows.clientCredentials);
  const password = objectOf(flows.password);
  for (const flow of Object.keys(flows).filter((flow) => !['authorizationCode', 'clientCredentials', 'password'].includes(flow))) {
    report(pointerTo(pointer, 'flows', flow), 'warning', `the oauth2 ${flow} flow cannot be expressed by the manifest: not imported`, flow === 'implicit' ? 'the implicit flow has no token endpoint; use the authorization code flow with PKCE if the provider offers it' : undefined);
  }
  if (code) {
    const auth: Authentication = { type: 'oauth2_authorization_code', authorization_url: String(code.authorizationUrl), token_url: String(code.tokenUrl), client_id: '{{ credentials.client_id }}', client_secret: '{{ credentials.client_secret }}', redirect_uri: '{{ credentials.redirect_uri }}', pkce: true, ...scope };
    return { auth, credentials: { ...CLIENT, redirect_uri: { type: 'string', format: 'uri' } }, required: ['client_id', 'redirect_uri'] };
  }
  if (client) {
    const auth: Authentication = { type: 'oauth2_client_credentials', token_url: String(client.tokenUrl), client_id: '{{ credentials.client_id }}', client_secret: '{{ credentials.client_secret }}', ...scope };
    return { auth, credentials: CLIENT, required: ['client_id', 'client_secret'] };
  }
  if (password) {
    const auth: Authentication = { type: 'oauth2_password', token_url: String(password.tokenUrl), username: '{{ credentials.username }}', password: '{{ credentials.password }}', client_id: '{{ credentials.client_id }}', client_secret: '{{ credentials.client_secret }}', ...scope };
    return { auth, credentials: { username: TEXT, password: SECRET, ...CLIENT }, required: ['username', 'password'] };
  }
  return undefined;
}

function openIdConnect(scheme: Record<string, unknown>, discovery: Record<string, unknown> | undefined, scopes: string[], pointer: string, report: Reporter): Omit<ImportedAuth, 'scheme'> | undefined {
  const { authorization_endpoint: authorize, token_endpoint: token, issuer } = discovery ?? {};
  if (typeof authorize !== 'string' || typeof token !== 'string') {
    report(pointerTo(pointer, 'openIdConnectUrl'), 'warning', `openIdConnect needs the discovery document at ${String(scheme.openIdConnectUrl)}: not imported`, 'download it and give it to the importer (--openid-configuration <file>)');
    return undefined;
  }
  const auth: Authentication = {
    type: 'oauth2_authorization_code',
    authorization_url: authorize,
    token_url: token,
    ...(typeof issuer === 'string' && { issuer }),
    client_id: '{{ credentials.client_id }}',
    client_secret: '{{ credentials.client_secret }}',
    redirect_uri: '{{ credentials.redirect_uri }}',
    pkce: true,
    scope: [...new Set(['openid', ...scopes])].join(' '),
  };
  return { auth, credentials: { ...CLIENT, redirect_uri: { type: 'string', format: 'uri' } }, required: ['client_id', 'redirect_uri'] };
}
