/**
 * Static host patterns are checked by the validator with the runtime's parser
 * (sdk/manifest/host-pattern-rules.ts): what validates also loads, and a bad pattern is named
 * where it is written — in allowed_host_patterns and in a chain step value's host_patterns.
 * Templated patterns are left to connect.
 */
import { describe, expect, it } from 'vitest';
import { validateManifest } from '../../sdk/manifest/validate.js';
import { Connector } from '../../sdk/runtime/connector.js';
import type { ConnectorManifest } from '../../sdk/manifest/types.gen.js';

const manifest = (allowed: string[], stepPatterns: string[] = ['*.example.com']) => ({
  id: 'hosts',
  name: 'Hosts',
  version: '1.0.0',
  base_url: '{{ auth.extras.api_url }}',
  allowed_host_patterns: allowed,
  credentials: { type: 'object', required: ['key'], properties: { key: { type: 'string', 'x-secret': true }, host: { type: 'string' } } },
  auth: {
    type: 'token_chain',
    steps: [
      {
        name: 'login',
        method: 'POST',
        url: 'https://login.example.com/session',
        body_format: 'json',
        body: { key: '{{ credentials.key }}' },
        values: { token: { json: '$.token' }, api_url: { json: '$.api_url', secret: false, host_patterns: stepPatterns } },
      },
    ],
    token: { access_token: 'login.token', extras: { api_url: 'login.api_url' } },
    apply: { headers: { Authorization: 'Bearer {{ auth.access_token }}' } },
  },
  actions: { get: { method: 'GET', path: '/x' } },
});
const errorsOf = (value: unknown) => validateManifest(value).diagnostics.filter((d) => d.severity === 'error').map((d) => [d.pointer, d.message]);

describe('static host patterns', () => {
  it('accepts patterns the runtime compiles, and templated ones, and then the manifest loads', () => {
    const good = manifest(['*.example.com', 'api.{eu,com}.example.net', '{{ credentials.host }}']);
    expect(errorsOf(good)).toEqual([]);
    expect(() => new Connector(good as unknown as ConnectorManifest)).not.toThrow();
  });

  it('refuses a regular expression in allowed_host_patterns, at its index', () => {
    expect(errorsOf(manifest(['*.example.com', '^(a+)+$']))).toEqual([
      ['/allowed_host_patterns/1', 'host pattern cannot be used: "^(a+)+$" contains "^", which a host pattern cannot hold'],
    ]);
  });

  it("refuses a URL in a step value's host_patterns, at its pointer", () => {
    expect(errorsOf(manifest(['*.example.com'], ['https://api.example.com']))).toEqual([
      ['/auth/steps/0/values/api_url/host_patterns/0', 'host pattern cannot be used: "https://api.example.com" is a URL or a path: write the host alone (for example "*.example.com")'],
    ]);
  });
});
