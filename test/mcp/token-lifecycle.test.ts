/**
 * The token lifecycle through MCP tool calls is the runtime's: 50 concurrent calls on an expired
 * token (the injected clock moved past its expiry, at the sandbox too) make exactly one token
 * request; a refused credential is a tool error with CONNECTOR_REAUTHORIZATION_REQUIRED naming the
 * connection, and no secret; for the authorization code grant that error carries the URL to
 * authorize at, the same one on a retry, and completing it makes the next call succeed.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadConnector, MemoryTokenStore, type Connection, type Connector } from '../../sdk/index.js';
import { startSnovSandbox, type SnovSandbox } from '../../sandboxes/snov-io/server.js';
import { startFakeOAuth, type FakeOAuth } from '../helpers/fake-oauth/index.js';
import { authManifest, credentialFields } from '../helpers/auth-manifests.js';
import { eventLog, record, registerSecret } from '../helpers/secret-scan.js';
import { call, errorCodeOf, linkedClient, textOf, type LinkedClient } from './mcp-client.js';

const SNOV = { client_id: 'sandbox-client-id', client_secret: 'sandbox-client-secret' };
const WRONG_SECRET = 'refused-canary-secret-9f3e';
const APP = { id: 'mcp-app', secret: 'mcp-app-canary-secret' };
registerSecret(SNOV.client_secret, WRONG_SECRET, APP.secret);
const TOKEN_PATH = '/v1/oauth/access_token';

let clockMs = Date.UTC(2026, 2, 1, 8, 0, 0);
const clock = { now: () => clockMs };
const cleanup: (() => Promise<unknown>)[] = [];

afterEach(async () => {
  for (const step of cleanup.reverse()) await step();
  cleanup.length = 0;
});

async function snovSetup(secret: string): Promise<{ sandbox: SnovSandbox; connection: Connection; linked: LinkedClient }> {
  const sandbox = await startSnovSandbox({ now: clock.now });
  cleanup.push(() => sandbox.close());
  const connector = await loadConnector('connectors/snov-io.json');
  cleanup.push(() => connector.close());
  const connection = connector.connect({
    connectionId: 'tenant-7',
    credentials: { client_id: SNOV.client_id, client_secret: secret, api_base: sandbox.url },
    clock,
    onEvent: eventLog().listener,
    allowPrivateNetwork: true,
  });
  const linked = await linkedClient({ connectors: [connector], connectionFor: () => connection });
  cleanup.push(() => linked.close());
  return { sandbox, connection, linked };
}

describe('concurrent calls on an expired token', () => {
  it('50 calls after the token expired: one token request, 50 API calls, 50 results', async () => {
    const { sandbox, linked } = await snovSetup(SNOV.client_secret);
    expect((await call(linked.client, 'snov-io.get-balance')).isError).toBeFalsy();
    expect(sandbox.count(TOKEN_PATH)).toBe(1);
    clockMs += 3601 * 1000;
    const results = await Promise.all(Array.from({ length: 50 }, () => call(linked.client, 'snov-io.get-balance')));
    results.forEach((result) => record(result, 'tool result'));
    expect(results.filter((result) => result.isError)).toEqual([]);
    expect(new Set(results.map((result) => (result.structuredContent as { balance?: string }).balance))).toEqual(new Set(['25000.00']));
    expect(sandbox.count(TOKEN_PATH)).toBe(2);
    expect(sandbox.count('/v1/get-balance')).toBe(51);
  });
});

describe('a refused credential', () => {
  it('is a tool error with CONNECTOR_REAUTHORIZATION_REQUIRED naming the connection, without the secret; no second token request', async () => {
    const { sandbox, linked } = await snovSetup(WRONG_SECRET);
    const result = await call(linked.client, 'snov-io.get-balance');
    record(result, 'tool result');
    record(textOf(result), 'tool result text');
    expect(result.isError).toBe(true);
    expect(errorCodeOf(result)).toBe('CONNECTOR_REAUTHORIZATION_REQUIRED');
    const text = textOf(result);
    expect(text.startsWith('CONNECTOR_REAUTHORIZATION_REQUIRED: connection "tenant-7" needs to be authorized again')).toBe(true);
    expect(text).toContain('The user must authorize connection "tenant-7" of snov.io (connector "snov-io") again.');
    expect(text).not.toContain('authorize at');
    expect(result._meta?.['connector-sdk/error']).toEqual({ code: 'CONNECTOR_REAUTHORIZATION_REQUIRED', connectionId: 'tenant-7' });
    expect(sandbox.count(TOKEN_PATH)).toBe(1);
    expect(sandbox.count('/v1/get-balance')).toBe(0);
    // The connection stays flagged: the next call asks for the user again without another token request.
    const again = await call(linked.client, 'snov-io.get-balance');
    record(again, 'tool result');
    expect(errorCodeOf(again)).toBe('CONNECTOR_REAUTHORIZATION_REQUIRED');
    expect(sandbox.count(TOKEN_PATH)).toBe(1);
  });
});

describe('the authorization code grant', () => {
  let server: FakeOAuth;
  let connector: Connector;

  beforeEach(async () => {
    server = await startFakeOAuth({ now: clock.now, expiresIn: 3600, clients: [{ ...APP, auth: 'basic' }] });
    cleanup.push(() => server.close());
    connector = await loadConnector(
      authManifest(
        server.url,
        {
          type: 'oauth2_authorization_code',
          authorization_url: server.authorizeUrl,
          token_url: server.tokenUrl,
          client_id: '{{ credentials.client_id }}',
          client_secret: '{{ credentials.client_secret }}',
          client_auth: 'basic',
          redirect_uri: server.callbackUrl,
          scope: 'files.read offline_access',
        },
        credentialFields(['client_id', 'client_secret'], ['client_secret']),
      ),
    );
    cleanup.push(() => connector.close());
  });

  /** The user agent: open the URL, follow the one redirect to the callback, return the callback URL. */
  async function userAgent(authorizationUrl: string): Promise<string> {
    const answer = await fetch(authorizationUrl, { redirect: 'manual' });
    expect(answer.status).toBe(302);
    const location = answer.headers.get('location') ?? '';
    await (await fetch(location)).text();
    return location;
  }

  it('says the URL to authorize at, the same on a retry; once the user completed it the call succeeds', async () => {
    const connection = connector.connect({
      connectionId: 'user-3',
      credentials: { client_id: APP.id, client_secret: APP.secret },
      store: new MemoryTokenStore(),
      clock,
      onEvent: eventLog().listener,
      allowPrivateNetwork: true,
      allowInsecureHttp: true,
    });
    const linked = await linkedClient({ connectors: [connector], connectionFor: () => connection });
    cleanup.push(() => linked.close());
    const tool = `${connector.id}.whoami`;
    const first = await call(linked.client, tool);
    record(first, 'tool result');
    expect(errorCodeOf(first)).toBe('CONNECTOR_REAUTHORIZATION_REQUIRED');
    const url = (first._meta?.['connector-sdk/error'] as { authorizationUrl?: string }).authorizationUrl ?? '';
    expect(url.startsWith(`${server.authorizeUrl}?`)).toBe(true);
    expect(textOf(first)).toContain(`The user must authorize connection "user-3" of ${connector.manifest.name} (connector "${connector.id}") again: open ${url}`);
    expect(url).not.toContain(APP.secret);
    // An agent retrying before the user acted gets the same URL: the pending authorization it names stays valid.
    const retry = await call(linked.client, tool);
    expect((retry._meta?.['connector-sdk/error'] as { authorizationUrl?: string }).authorizationUrl).toBe(url);
    expect(server.tokenRequestCount()).toBe(0);

    await connection.completeAuthorization(await userAgent(url));
    const done = await call(linked.client, tool);
    record(done, 'tool result');
    expect(done.isError).toBeFalsy();
    expect(done.structuredContent).toMatchObject({ path: '/api/whoami', client_id: APP.id });
    expect(server.grants).toEqual({ authorization_code: 1 });
    expect(server.counts['/api/whoami']).toBe(1);
  });
});
