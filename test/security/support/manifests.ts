/**
 * Manifests and canary credentials for the security tests. Every canary is registered with the
 * secret scanner by `registerCanaries()`, so any error or event a test records that contains one
 * fails the test file.
 */
import type { Authentication, ConnectorManifest, CredentialsSchema } from '../../../sdk/manifest/types.gen.js';
import { registerSecret } from '../../helpers/secret-scan.js';
import { credentialFields } from '../../helpers/auth-manifests.js';

export const CANARY = {
  apiKey: 'SECRET-canary-apikey-4b1d9e',
  tenantSecret: 'SECRET-canary-tenant-77c2aa',
  clientSecret: 'SECRET-canary-client-secret-5e0f',
  password: 'SECRET-canary-password-a19c',
  bearer: 'SECRET-canary-static-bearer-3d8e',
} as const;

export function registerCanaries(): void {
  registerSecret(...Object.values(CANARY));
}

/** Credentials schema: required strings, `secrets` marked x-secret. */
export const fields = credentialFields;

export function manifest(
  baseUrl: string,
  auth: Authentication,
  credentials: CredentialsSchema,
  extra: Partial<ConnectorManifest> = {},
): ConnectorManifest {
  return {
    id: 'security-test',
    name: 'Security test',
    version: '1.0.0',
    base_url: baseUrl,
    credentials,
    auth,
    actions: {
      get: { method: 'GET', path: '/api/data', output: '$.data' },
      raw: { method: 'GET', path: '/api/data' },
    },
    ...extra,
  };
}

/**
 * API key in a header, plus a shared header and an action header built from another secret
 * credential: three headers that must never cross to another origin.
 */
export function apiKeyManifest(baseUrl: string, extra: Partial<ConnectorManifest> = {}): ConnectorManifest {
  return manifest(
    baseUrl,
    { type: 'api_key', in: 'header', name: 'X-API-Key', value: '{{ credentials.api_key }}' },
    fields(['api_key', 'tenant_secret'], ['api_key', 'tenant_secret']),
    {
      headers: { 'User-Agent': 'security-tests/1.0', 'X-Tenant-Secret': '{{ credentials.tenant_secret }}' },
      ...extra,
    },
  );
}

export const apiKeyCredentials = { api_key: CANARY.apiKey, tenant_secret: CANARY.tenantSecret };

export function clientCredentialsManifest(baseUrl: string, tokenUrl: string, extra: Partial<ConnectorManifest> = {}): ConnectorManifest {
  return manifest(
    baseUrl,
    {
      type: 'oauth2_client_credentials',
      token_url: tokenUrl,
      client_id: '{{ credentials.client_id }}',
      client_secret: '{{ credentials.client_secret }}',
    },
    fields(['client_id', 'client_secret'], ['client_secret']),
    extra,
  );
}

export const clientCredentials = { client_id: 'client-sec', client_secret: CANARY.clientSecret };

/** Locoia's refreshable token with a separate refresh endpoint, login form body with a password. */
export function refreshableManifest(baseUrl: string, extra: Partial<ConnectorManifest> = {}, auth: Record<string, unknown> = {}): ConnectorManifest {
  return manifest(
    baseUrl,
    {
      type: 'refreshable_token',
      authorization_request_url: `${baseUrl}/login`,
      authorization_request_body_template:
        'username={{ credentials.username | url_encode }}&password={{ credentials.password | url_encode }}',
      authorization_request_headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      response_access_token_path: 'access_token',
      response_refresh_token_path: 'refresh_token',
      refresh_request_url: `${baseUrl}/refresh`,
      refresh_request_body_template: 'refresh_token={{ auth.refresh_token | url_encode }}',
      refresh_request_headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      ...auth,
    } as Authentication,
    fields(['username', 'password'], ['password']),
    extra,
  );
}

export const loginCredentials = { username: 'user-sec', password: CANARY.password };
