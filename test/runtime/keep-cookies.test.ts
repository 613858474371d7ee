/**
 * The cookie stage (sdk/runtime/keep-cookies.ts) alone: left out without a token manager; it
 * hands the token manager an answer's Set-Cookie lines, with the record the request was sent
 * with and the URL that answered (after redirects), and does nothing for an answer without them
 * or a request sent without a record.
 */
import { describe, expect, it } from 'vitest';
import type { TokenManager } from '../../sdk/auth/token-manager.js';
import type { HttpResponse } from '../../sdk/http/http-client.js';
import type { TokenRecord } from '../../sdk/store/token-store.js';
import type { ActionRequest } from '../../sdk/runtime/action-request.js';
import type { CompiledAction } from '../../sdk/runtime/action.js';
import { keepCookies } from '../../sdk/runtime/keep-cookies.js';

const record = { accessToken: 'a', version: 3, cookies: [], extras: {} } as unknown as TokenRecord;
const url = new URL('http://127.0.0.1:1/api/x');
const final = new URL('http://127.0.0.1:1/api/moved');

function request(withRecord: boolean): ActionRequest {
  return {
    call: { action: { id: 'x' } as CompiledAction, scope: {}, origin: url.origin, ...(withRecord ? { record } : {}) },
    method: 'GET',
    url,
    headers: {},
    maxRedirects: 3,
    responseType: 'buffer',
  } as ActionRequest;
}

function answer(req: ActionRequest, setCookies: string[]): HttpResponse {
  return { status: 200, headers: {}, body: Buffer.from(''), url: final, setCookies, redirects: [url], redirectSetCookies: [[]], request: req };
}

/** The token manager's one method this stage calls, recording its arguments. */
function recorder() {
  const calls: unknown[][] = [];
  const tokens = { rememberCookies: async (...args: unknown[]) => void calls.push(args) } as unknown as TokenManager;
  return { tokens, calls };
}

describe('keepCookies', () => {
  it('is left out for an auth type without tokens', () => {
    expect(keepCookies(undefined)).toBeUndefined();
  });

  it('keeps the cookies an answer sets, for the record sent and the URL that answered', async () => {
    const { tokens, calls } = recorder();
    const req = request(true);
    const response = await keepCookies(tokens)!(async (r) => answer(r, ['SESSION=s1; Path=/', 'LB=n2']))(req);
    expect(response.status).toBe(200);
    expect(calls).toEqual([[record, ['SESSION=s1; Path=/', 'LB=n2'], final]]);
  });

  it('does nothing for an answer without Set-Cookie, or a request sent without a record', async () => {
    const { tokens, calls } = recorder();
    await keepCookies(tokens)!(async (r) => answer(r, []))(request(true));
    await keepCookies(tokens)!(async (r) => answer(r, ['SESSION=s1']))(request(false));
    expect(calls).toEqual([]);
  });
});
