/**
 * connectors/trello.json (OAuth 1.0a three-legged, HMAC-SHA1) against a loopback Trello
 * (test/helpers/fake-oauth1.ts on Trello's paths) behind the fixture dispatcher, so the requests
 * go to https://trello.com and https://api.trello.com as the manifest says and every signature
 * is verified over those origins by the test's own RFC 5849 implementation: the flow through
 * authorizationUrl() / completeAuthorization(), the authorize URL's name/scope/expiration, the
 * three actions signed with the stored token (their query parameters covered), exact counts per
 * route, and a refused verifier as the refusal class.
 */
import { describe, expect, it } from 'vitest';
import { CredentialsRefusedError, MemoryTokenStore } from '../../sdk/index.js';
import { ORIGIN_HEADER } from '../../sdk/http/fixture-dispatcher.js';
import { FakeOAuth1 } from '../helpers/fake-oauth1.js';
import { SampleClock, useSampleProvider } from '../helpers/sample-harness.js';
import { registerSecret, rejection } from '../helpers/secret-scan.js';

const CREDENTIALS = { api_key: 'trello-api-key-5e1', api_secret: 'trello-api-secret-canary-7730', callback_url: 'http://127.0.0.1:8976/callback', scope: 'read,write', expiration: 'never' };
registerSecret(CREDENTIALS.api_secret);
const clock = new SampleClock(Date.UTC(2026, 11, 4, 9, 0, 0));
const PATHS = { requestToken: '/1/OAuthGetRequestToken', authorize: '/1/OAuthAuthorizeToken', accessToken: '/1/OAuthGetAccessToken', api: '/1/' };
const ANSWERS = {
  '/1/members/me': { id: '5abbe4b7ddc1b351ef961414', username: 'ada', fullName: 'Ada L.' },
  '/1/members/me/boards': [{ id: '5abbe4b7ddc1b351ef961415', name: 'Roadmap', closed: false }],
  '/1/boards/5abbe4b7ddc1b351ef961415/cards': [{ id: 'c1', name: 'Ship it' }],
};

const sample = useSampleProvider(
  () => new FakeOAuth1({ consumerKey: CREDENTIALS.api_key, consumerSecret: CREDENTIALS.api_secret, paths: PATHS, originHeader: ORIGIN_HEADER, answers: ANSWERS, now: clock.now }).start(),
  'connectors/trello.json',
  { connectionId: 'trello-user', credentials: CREDENTIALS, clock, allowInsecureHttp: false },
);

/** The user consents on the (loopback) Trello page; the callback the page redirects to. */
async function consent(authorizationUrl: string): Promise<string> {
  const url = new URL(authorizationUrl);
  const answer = await fetch(`${sample.server.origin}${url.pathname}${url.search}`, { redirect: 'manual' });
  return answer.headers.get('location') ?? '';
}

describe('Trello (OAuth 1.0a three-legged)', () => {
  it('authorizes through Trello\'s three endpoints and signs every action with the stored token', async () => {
    const store = new MemoryTokenStore();
    const connection = sample.connect({ store });
    const url = new URL(await connection.authorizationUrl());
    expect(`${url.origin}${url.pathname}`).toBe('https://trello.com/1/OAuthAuthorizeToken');
    expect(Object.fromEntries(url.searchParams)).toEqual({ oauth_token: 'temp-token-1', name: 'connector-sdk', scope: 'read,write', expiration: 'never' });
    await connection.completeAuthorization(await consent(url.toString()));
    expect((await store.get('trello-user'))?.accessToken).toBe('access-token-canary-1-77c2');

    clock.ms += 1000;
    expect((await connection.execute('get-me')).data).toEqual(ANSWERS['/1/members/me']);
    expect((await connection.execute('list-boards', { filter: 'starred' })).data).toEqual(ANSWERS['/1/members/me/boards']);
    expect((await connection.execute('list-cards', { board_id: '5abbe4b7ddc1b351ef961415' })).data).toEqual(ANSWERS['/1/boards/5abbe4b7ddc1b351ef961415/cards']);
    expect(Object.fromEntries(sample.server.counts)).toEqual({
      'POST /1/OAuthGetRequestToken': 1,
      'GET /1/OAuthAuthorizeToken': 1,
      'POST /1/OAuthGetAccessToken': 1,
      'GET /1/members/me': 1,
      'GET /1/members/me/boards': 1,
      'GET /1/boards/5abbe4b7ddc1b351ef961415/cards': 1,
    });
  });

  it('a refused verifier is a CredentialsRefusedError naming the field; the API is never called', async () => {
    sample.server.refuseVerifier = true;
    const connection = sample.connect({ store: new MemoryTokenStore() });
    const callback = await consent(await connection.authorizationUrl());
    const error = await rejection(connection.completeAuthorization(callback));
    expect(error).toBeInstanceOf(CredentialsRefusedError);
    expect(error).toMatchObject({ status: 401, oauthError: 'permission_denied' });
    expect(error.message).toContain('/auth/authorization/access_token_url');
    expect(sample.server.count('POST /1/OAuthGetAccessToken')).toBe(1);
    expect(sample.server.count('GET /1/members/me')).toBe(0);
  });
});
