/**
 * The authorization callback reader on its own (no server: it is a pure function): the shapes a
 * host may hand over, repeated parameters (RFC 6749 §3.1), RFC 9207 `iss`, the error response,
 * and the order of the checks (iss before error, as oauth4webapi does). The end-to-end cases,
 * with a token server counting requests, are in oauth2-authorization-code.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { AuthError } from '../../sdk/index.js';
import { readAuthorizationCallback } from '../../sdk/auth/authorization-callback.js';
import type { CallbackRules } from '../../sdk/auth/auth-strategy.js';
import { record, registerSecret } from '../helpers/secret-scan.js';

const CODE = 'code-canary-callback-unit-1';
const STATE = 'state-0123456789abcdef';
const ISSUER = 'https://login.example.com';
registerSecret(CODE);

const none = () => ({});
const NO_RULES: CallbackRules = { pointer: '/auth', issRequired: false, values: none };
const DECLARED: CallbackRules = { pointer: '/auth', issuer: ISSUER, issRequired: false, values: none };
const ADVERTISED: CallbackRules = { pointer: '/auth', issuer: ISSUER, issRequired: true, values: none };

function refusal(run: () => unknown): AuthError {
  try {
    run();
  } catch (error) {
    record(error);
    expect(error).toBeInstanceOf(AuthError);
    return error as AuthError;
  }
  throw new Error('expected the callback to be refused');
}

describe('the shapes a host hands over', () => {
  const query = `code=${CODE}&state=${STATE}`;
  it.each([
    ['a callback URL string', `https://app.example.com/callback?${query}`],
    ['a URL', new URL(`http://127.0.0.1:8976/callback?${query}`)],
    ['a query string with its "?"', `?${query}`],
    ['a query string', query],
    ['URLSearchParams', new URLSearchParams(query)],
    ['a parsed query object', { code: CODE, state: STATE }],
  ])('%s gives the code and state', (_name, callback) => {
    expect(readAuthorizationCallback(callback, NO_RULES)).toEqual({ code: CODE, state: STATE, values: {} });
  });

  it('a callback without code or without state is refused', () => {
    expect(refusal(() => readAuthorizationCallback({ state: STATE }, NO_RULES)).message).toContain('carries no code or no state');
    expect(refusal(() => readAuthorizationCallback({ code: CODE }, NO_RULES)).message).toContain('carries no code or no state');
  });

  it('a string that is not a URL is a typed error, not a TypeError', () => {
    expect(refusal(() => readAuthorizationCallback('http://[not-a-host/callback?code=x', NO_RULES)).message).toContain('not a valid URL');
  });
});

describe('repeated parameters (RFC 6749 §3.1)', () => {
  it.each(['code', 'state', 'iss', 'error', 'error_description'])('"%s" twice is refused, naming it and not the code', (name) => {
    const params = new URLSearchParams({ code: CODE, state: STATE, iss: ISSUER });
    if (!params.has(name)) params.append(name, 'first');
    params.append(name, name === 'code' ? `${CODE}-other` : 'second');
    const error = refusal(() => readAuthorizationCallback(params, DECLARED));
    expect(error.message).toContain(`carries "${name}" more than once`);
    expect(error.message).not.toContain(CODE);
  });

  it('in a callback URL as well', () => {
    const url = `https://app.example.com/callback?code=${CODE}&state=${STATE}&state=attacker-state`;
    expect(refusal(() => readAuthorizationCallback(url, NO_RULES)).message).toContain('carries "state" more than once');
  });

  it('a framework query object with an array value (a repeated parameter) is refused too', () => {
    const parsed = { code: [CODE, 'code-canary-injected'], state: STATE } as unknown as Record<string, string>;
    expect(refusal(() => readAuthorizationCallback(parsed, NO_RULES)).message).toContain('carries "code" more than once');
  });

  it('other parameters may repeat (they are not read)', () => {
    const params = new URLSearchParams({ code: CODE, state: STATE, session_state: 'a' });
    params.append('session_state', 'b');
    expect(readAuthorizationCallback(params, NO_RULES)).toEqual({ code: CODE, state: STATE, values: {} });
  });
});

describe('RFC 9207 iss', () => {
  it('an iss equal to the declared issuer is accepted', () => {
    expect(readAuthorizationCallback({ code: CODE, state: STATE, iss: ISSUER }, ADVERTISED)).toEqual({ code: CODE, state: STATE, values: {} });
  });

  it.each([
    ['another server', 'https://attacker.example'],
    ['a trailing slash (simple string comparison, §2.4)', `${ISSUER}/`],
    ['another case', ISSUER.toUpperCase()],
  ])('an iss of %s is refused as a mix-up, naming /auth/issuer', (_name, iss) => {
    const error = refusal(() => readAuthorizationCallback({ code: CODE, state: STATE, iss }, DECLARED));
    expect(error.message).toContain('mix-up protection (RFC 9207) refused the authorization callback');
    expect(error.message).toContain(JSON.stringify(iss));
    expect(error.message).toContain('/auth/issuer');
    expect(error.message).not.toContain(CODE);
  });

  it('no iss while the server advertises it: refused, naming the manifest field', () => {
    const error = refusal(() => readAuthorizationCallback({ code: CODE, state: STATE }, ADVERTISED));
    expect(error.message).toContain('carries no "iss"');
    expect(error.message).toContain('/auth/authorization_response_iss_parameter_supported');
  });

  it('no iss from a server that does not advertise it: accepted (most providers send none)', () => {
    expect(readAuthorizationCallback({ code: CODE, state: STATE }, DECLARED)).toEqual({ code: CODE, state: STATE, values: {} });
  });

  it('an iss while the manifest declares no issuer is ignored: there is nothing to compare it with', () => {
    expect(readAuthorizationCallback({ code: CODE, state: STATE, iss: 'https://anyone.example' }, NO_RULES)).toEqual({ code: CODE, state: STATE, values: {} });
  });
});

describe('error responses', () => {
  it('an error ends in an AuthError with the OAuth error code and its description', () => {
    const error = refusal(() => readAuthorizationCallback({ error: 'access_denied', error_description: 'The user said no', state: STATE }, NO_RULES));
    expect(error).toMatchObject({ oauthError: 'access_denied' });
    expect(error.message).toBe('the user\'s authorization ended with "access_denied": The user said no');
  });

  it('iss is checked before the error: an error response from another server is a mix-up, not the user\'s answer', () => {
    const error = refusal(() => readAuthorizationCallback({ error: 'access_denied', state: STATE, iss: 'https://attacker.example' }, DECLARED));
    expect(error.message).toContain('mix-up protection');
    expect(error.oauthError).toBeUndefined();
  });
});
