/** Manifests for the auth-method tests: one protected action, the auth block under test. */
import type { Authentication, ConnectorManifest, CredentialsSchema } from '../../sdk/manifest/types.gen.js';

/** Credentials schema: every listed field is a required string, those in `secrets` marked x-secret. */
export function credentialFields(fields: string[], secrets: string[] = []): CredentialsSchema {
  return {
    type: 'object',
    required: fields,
    properties: Object.fromEntries(fields.map((name) => [name, { type: 'string', ...(secrets.includes(name) ? { 'x-secret': true } : {}) }])),
  };
}

export function authManifest(
  baseUrl: string,
  auth: Authentication,
  credentials: CredentialsSchema,
  extra: Partial<ConnectorManifest> = {},
): ConnectorManifest {
  return {
    id: `auth-${auth.type.replace(/_/g, '-')}`,
    name: `Auth test (${auth.type})`,
    version: '1.0.0',
    base_url: baseUrl,
    headers: { 'User-Agent': 'connector-sdk-auth-tests/1.0' },
    credentials,
    auth,
    actions: {
      whoami: { method: 'GET', path: '/api/whoami', output: '$.data' },
      items: { method: 'GET', path: '/api/items', output: '$.data' },
    },
    ...extra,
  };
}
