/**
 * refresh_token_rotation where no refresh can be sent (sdk/manifest/rotation-rules.ts): a warning
 * at the declaration, with line and column, the manifest still valid; where a refresh is
 * configured, no diagnostic. Each case starts from a valid sample of test/manifest/valid/.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { validateManifest } from '../../sdk/manifest/validate.js';

type Manifest = Record<string, any>;

/** The sample after `change`, validated as text: its diagnostics as [severity, pointer, message, hint], and its validity. */
function validate(sample: string, change: (manifest: Manifest) => void) {
  const manifest = JSON.parse(readFileSync(fileURLToPath(new URL(`valid/${sample}.json`, import.meta.url)), 'utf8')) as Manifest;
  change(manifest);
  const result = validateManifest(JSON.stringify(manifest, null, 2));
  return { valid: result.valid, diagnostics: result.diagnostics.map((d) => [d.severity, d.pointer, d.message, d.hint]), located: result.diagnostics.every((d) => d.line > 0 && d.column > 0) };
}

describe('declared where no refresh is sent: a warning, the manifest still valid', () => {
  it('oauth2_client_credentials (a new token is requested, never refreshed)', () => {
    const result = validate('oauth2-client-credentials', (m) => (m.auth.token_response = { ...m.auth.token_response, refresh_token_rotation: false }));
    expect(result.diagnostics).toEqual([
      ['warning', '/auth/token_response/refresh_token_rotation', 'refresh_token_rotation has no effect: the client credentials grant never refreshes: it requests a new token', 'remove refresh_token_rotation'],
    ]);
    expect(result.valid).toBe(true);
    expect(result.located).toBe(true);
  });

  it('refreshable_token without refresh_request_url (absent, or null as Locoia writes it)', () => {
    const expected = [
      [
        'warning',
        '/auth/refresh_token_rotation',
        'refresh_token_rotation has no effect: without refresh_request_url no refresh is sent: an expired token is obtained again with the credentials',
        'set refresh_request_url (with its body, headers and the refresh token path), or remove refresh_token_rotation',
      ],
    ];
    expect(validate('refreshable-token-body', (m) => (m.auth.refresh_token_rotation = true)).diagnostics).toEqual(expected);
    const nulled = validate('refreshable-token-body', (m) => Object.assign(m.auth, { refresh_request_url: null, refresh_token_rotation: false }));
    expect(nulled.diagnostics).toEqual(expected);
    expect(nulled.valid).toBe(true);
  });

  it('token_chain whose token names no refresh_token (the refresh steps never run)', () => {
    const result = validate('token-chain', (m) => {
      delete m.auth.token.refresh_token;
      m.auth.refresh.refresh_token_rotation = false;
    });
    expect(result.diagnostics).toContainEqual([
      'warning',
      '/auth/refresh/refresh_token_rotation',
      'refresh_token_rotation has no effect: token names no refresh_token, so the refresh steps never run: the chain runs again instead',
      'name the value that is the refresh token in token.refresh_token, or remove refresh_token_rotation',
    ]);
  });
});

describe('declared where a refresh is sent: no diagnostic', () => {
  it.each([
    ['oauth2-authorization-code', (m: Manifest) => (m.auth.token_response = { ...m.auth.token_response, refresh_token_rotation: true })],
    ['oauth2-password', (m: Manifest) => (m.auth.token_response = { ...m.auth.token_response, refresh_token_rotation: false })],
    ['refreshable-token-refresh-endpoint', (m: Manifest) => (m.auth.refresh_token_rotation = false)],
    ['token-chain', (m: Manifest) => (m.auth.refresh.refresh_token_rotation = true)],
  ])('%s', (sample, change) => {
    const result = validate(sample, change);
    expect(result.diagnostics.filter(([, pointer]) => String(pointer).endsWith('refresh_token_rotation'))).toEqual([]);
    expect(result.valid).toBe(true);
  });

  it('not declared at all, where no refresh is sent: nothing to warn about', () => {
    expect(validate('oauth2-client-credentials', () => undefined).diagnostics).toEqual([]);
    expect(validate('refreshable-token-body', () => undefined).diagnostics).toEqual([]);
  });
});
