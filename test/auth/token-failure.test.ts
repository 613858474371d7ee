/**
 * The failure classes of a token request, on the errors the HTTP layer and the token request
 * throw: which are retried, which flag the connection, which may have spent a refresh token.
 */
import { describe, expect, it } from 'vitest';
import {
  AuthError,
  ConfigurationError,
  CredentialsError,
  CredentialsRefusedError,
  HttpError,
  NetworkError,
  RequestRefusedError,
  ResponseError,
  StoreError,
  TimeoutError,
  TokenResponseError,
} from '../../sdk/errors.js';
import { isInvalidAnswer, isRefusal, isRetryableRefreshFailure, isTransient, nothingConsumed } from '../../sdk/auth/token-failure.js';

const URL_ = 'https://auth.vendor.com/token';
const cases = {
  'status 503': new HttpError(503, 'POST', URL_),
  'status 429': new HttpError(429, 'POST', URL_),
  'status 400': new HttpError(400, 'POST', URL_),
  'reset before sending': new NetworkError('POST', URL_, 'ECONNREFUSED', false),
  'reset after sending': new NetworkError('POST', URL_, 'ECONNRESET', true),
  'TLS refused': new NetworkError('POST', URL_, 'certificate refused', false, false),
  'connect timeout': new TimeoutError('POST', URL_, 'connect', 1000),
  'headers timeout': new TimeoutError('POST', URL_, 'headers', 1000),
  'invalid_grant': new CredentialsRefusedError('refused', { status: 400, oauthError: 'invalid_grant' }),
  'no token at the path': new TokenResponseError('no token'),
  'HTML answer': new ResponseError('not JSON'),
  'token URL 404': new ConfigurationError('/auth/authorization_request_url', 'not found', { status: 404 }),
  'SSRF guard': new RequestRefusedError('private address'),
  'missing credential': new CredentialsError('client_id', 'missing'),
  'lost answer marker': new AuthError('lost'),
  'store down': new StoreError('down'),
} as const;
type Case = keyof typeof cases;

function classes(predicate: (error: unknown) => boolean): Case[] {
  return (Object.keys(cases) as Case[]).filter((name) => predicate(cases[name]));
}

describe('token failure classes', () => {
  it('transient: 5xx, 429, retryable network failures and every timeout', () => {
    expect(classes(isTransient)).toEqual(['status 503', 'status 429', 'reset before sending', 'reset after sending', 'connect timeout', 'headers timeout']);
  });

  it('refusal: only the provider refusing the credentials or grant', () => {
    expect(classes(isRefusal)).toEqual(['invalid_grant']);
  });

  it('invalid answer: an answer that is no token answer', () => {
    expect(classes(isInvalidAnswer)).toEqual(['no token at the path', 'HTML answer']);
  });

  it('a refresh is repeated only when the server cannot have acted on it', () => {
    expect(classes(isRetryableRefreshFailure)).toEqual(['status 503', 'status 429', 'reset before sending', 'connect timeout']);
  });

  it('nothing consumed: never sent, refused by policy or configuration, or a transient answer that says so', () => {
    expect(classes(nothingConsumed)).toEqual([
      'status 503',
      'status 429',
      'reset before sending',
      'connect timeout',
      'token URL 404',
      'SSRF guard',
      'missing credential',
    ]);
  });
});
