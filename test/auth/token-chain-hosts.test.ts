/**
 * Hosts a server chose: a step value with host_patterns is checked the moment it is read, a
 * stored (kept) copy each time it is reused, and a base_url built from a token extra
 * (Salesforce's instance_url) on every request against allowed_host_patterns. A host no pattern
 * allows gets no request at all: each test counts the attacker's requests (0).
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ConfigurationError, loadConnector, MemoryTokenStore, type Connector } from '../../sdk/index.js';
import { HostNotAllowedError } from '../../sdk/manifest/host-pattern.js';
import type { AuthTokenChain, ConnectorManifest } from '../../sdk/manifest/types.gen.js';
import { startFakeOAuth, type FakeOAuth } from '../helpers/fake-oauth/index.js';
import { authManifest, credentialFields } from '../helpers/auth-manifests.js';
import { eventLog, registerSecret, rejection } from '../helpers/secret-scan.js';
import { sendJson, startRouted, type RoutedServer } from '../security/support/servers.js';

const PASSWORD = 'host-test-pass-canary-5521';
const CLIENT_SECRET = 'sf-client-secret-canary-0042';
registerSecret(PASSWORD, CLIENT_SECRET);

let idp: FakeOAuth;
let attacker: RoutedServer;
let connector: Connector | undefined;
let clockMs = Date.UTC(2026, 10, 23, 12, 0, 0);
const clock = { now: () => clockMs };

beforeEach(async () => {
  clockMs = Date.UTC(2026, 10, 23, 12, 0, 0);
  idp = await startFakeOAuth({ now: clock.now, expiresIn: 900, clients: [{ id: 'app' }], users: { user: PASSWORD }, issueRefreshTokens: false });
  // Answers everything, so a request that reached it would be counted, never refused by a 404.
  attacker = await startRouted();
  attacker.routes.set('/', (_req, res) => sendJson(res, 200, {}));
});

afterEach(async () => {
  await connector?.close();
  connector = undefined;
  await Promise.all([idp.close(), attacker.close()]);
});

const hostOf = (origin: string) => new URL(origin).host;

describe('a step value that names a host', () => {
  /** Discovery at the idp, then the password grant at the endpoint it names. */
  const chain = (): AuthTokenChain => ({
    type: 'token_chain',
    steps: [
      {
        name: 'discovery',
        method: 'GET',
        url: `${idp.url}/.well-known/openid-configuration`,
        keep: true,
        values: { token_endpoint: { json: '$.token_endpoint', secret: false, host_patterns: ['*.example.com', '{{ credentials.idp_host }}'] } },
      },
      {
        name: 'token',
        method: 'POST',
        url: '{{ steps.discovery.token_endpoint }}',
        body_format: 'form',
        body: { grant_type: 'password', username: 'user', password: '{{ credentials.password }}', client_id: 'app' },
        values: { access_token: { json: '$.access_token' }, expires_in: { json: '$.expires_in', secret: false } },
      },
    ],
    token: { access_token: 'token.access_token', expires_in: 'token.expires_in' },
  });
  let endpoint = '';
  beforeEach(() => {
    endpoint = idp.tokenUrl;
    idp.routes['/.well-known/openid-configuration'] = () => ({ status: 200, body: { token_endpoint: endpoint } });
  });

  async function connect(idpHost: string, store = new MemoryTokenStore()) {
    connector = await loadConnector(authManifest(idp.url, chain(), credentialFields(['idp_host', 'password'], ['password'])));
    const log = eventLog();
    const connection = connector.connect({ connectionId: 'h-1', credentials: { idp_host: idpHost, password: PASSWORD }, store, clock, onEvent: log.listener, allowPrivateNetwork: true });
    return { connection, log, store };
  }

  it('outside the patterns: HostNotAllowedError naming the step, the value and the patterns; 0 requests to that host', async () => {
    endpoint = `${attacker.origin}/oauth/token`;
    const { connection, log, store } = await connect(hostOf(idp.url));
    const error = await rejection(connection.execute('whoami'));
    expect(error).toBeInstanceOf(HostNotAllowedError);
    expect(error).toMatchObject({ field: '/auth/steps/0/values/token_endpoint/host_patterns', host: hostOf(attacker.origin), patterns: ['*.example.com', hostOf(idp.url)] });
    expect(error.message).toBe(
      `step "discovery" (/auth/steps/0): the value "token_endpoint" (/auth/steps/0/values/token_endpoint/host_patterns): refusing to send credentials to "${hostOf(attacker.origin)}": it matches none of the allowed host patterns "*.example.com", "${hostOf(idp.url)}"`,
    );
    expect(attacker.received).toHaveLength(0);
    expect(idp.counts['/.well-known/openid-configuration']).toBe(1);
    expect(idp.tokenRequestCount()).toBe(0);
    expect(await store.get('h-1')).toBeUndefined();
    expect(log.events.some((event) => event.type === 'auth.reauthorization_required')).toBe(false);
  });

  it('a value that is no http(s) URL is refused without being quoted', async () => {
    endpoint = 'javascript:alert(1)//not-a-url';
    const { connection } = await connect(hostOf(idp.url));
    const error = await rejection(connection.execute('whoami'));
    expect(error).toBeInstanceOf(HostNotAllowedError);
    expect(error.message).toContain('refusing to send credentials to "(not an http(s) URL)"');
    expect(error.message).not.toContain('alert');
  });

  it('a stored kept value no longer allowed (a poisoned store) is not reused: discovery runs again, 0 requests to that host', async () => {
    const { connection, store } = await connect(hostOf(idp.url));
    await connection.execute('whoami');
    const record = await store.get('h-1');
    if (!record) throw new Error('no record');
    const poisoned = { ...record, version: record.version + 1, expiresAt: clockMs - 1, extras: { steps: { discovery: { token_endpoint: `${attacker.origin}/oauth/token` } } } };
    expect(await store.compareAndSet('h-1', record.version, poisoned)).toBe(true);
    clockMs += 901_000;
    expect((await connection.execute('whoami')).status).toBe(200);
    expect(attacker.received).toHaveLength(0);
    expect(idp.counts['/.well-known/openid-configuration']).toBe(2);
    expect(idp.tokenRequestCount()).toBe(2);
    expect((await store.get('h-1'))?.extras.steps).toEqual({ discovery: { token_endpoint: idp.tokenUrl } });
  });

  it('a templated pattern that renders unusable: ConfigurationError naming the pattern field', async () => {
    const { connection } = await connect('*');
    const error = await rejection(connection.execute('whoami'));
    expect(error).toBeInstanceOf(ConfigurationError);
    expect(error).toMatchObject({ field: '/auth/steps/0/values/token_endpoint/host_patterns/1' });
    expect(idp.tokenRequestCount()).toBe(0);
  });
});

describe('base_url from a token extra (Salesforce instance_url)', () => {
  const instances: RoutedServer[] = [];
  /** The instance each login names, and the tokens the instances accept. */
  let instanceUrl = '';
  const live = new Set<string>();

  beforeEach(async () => {
    instances.length = 0;
    live.clear();
    for (let i = 0; i < 2; i++) {
      const instance = await startRouted();
      instance.routes.set('/services/data/v59.0/sobjects', (req, res) => {
        const token = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1];
        if (token === undefined || !live.has(token)) return sendJson(res, 401, [{ errorCode: 'INVALID_SESSION_ID' }]);
        sendJson(res, 200, { sobjects: [{ name: 'Account' }], instance: i });
      });
      instances.push(instance);
    }
    instanceUrl = instances[0]?.origin ?? '';
    idp.routes['/services/oauth2/token'] = ({ method, body, issue }) => {
      const params = new URLSearchParams(body);
      if (method !== 'POST' || params.get('client_secret') !== CLIENT_SECRET || params.get('password') !== PASSWORD) return { status: 400, body: { error: 'invalid_grant' } };
      const { accessToken } = issue({ clientId: 'app', username: 'user' });
      live.add(accessToken);
      return { status: 200, body: { access_token: accessToken, instance_url: instanceUrl, token_type: 'Bearer', issued_at: String(clockMs), signature: 'sig' } };
    };
  });
  afterEach(async () => {
    await Promise.all(instances.map((instance) => instance.close()));
  });

  const salesforce = (): ConnectorManifest => {
    const auth: AuthTokenChain = {
      type: 'token_chain',
      steps: [
        {
          name: 'login',
          method: 'POST',
          url: `${idp.url}/services/oauth2/token`,
          body_format: 'form',
          body: { grant_type: 'password', client_id: 'app', client_secret: '{{ credentials.client_secret }}', username: 'user', password: '{{ credentials.password }}' },
          values: { access_token: { json: '$.access_token' }, instance_url: { json: '$.instance_url', secret: false } },
        },
      ],
      token: { access_token: 'login.access_token', extras: { instance_url: 'login.instance_url' } },
    };
    return authManifest('https://placeholder.invalid', auth, credentialFields(['client_secret', 'password', 'instance_host'], ['client_secret', 'password']), {
      base_url: '{{ auth.extras.instance_url }}/services/data/v59.0',
      // One pattern from the credentials (rendered at connect), one written out.
      allowed_host_patterns: ['{{ credentials.instance_host }}', hostOf(instances[1]?.origin ?? '')],
      actions: { sobjects: { method: 'GET', path: '/sobjects', output: '$.sobjects' } },
    });
  };

  async function connect() {
    connector = await loadConnector(salesforce());
    const log = eventLog();
    const connection = connector.connect({
      connectionId: 'sf-1',
      credentials: { client_secret: CLIENT_SECRET, password: PASSWORD, instance_host: hostOf(instances[0]?.origin ?? '') },
      clock,
      onEvent: log.listener,
      allowPrivateNetwork: true,
    });
    return { connection, log };
  }

  it('actions go to the instance the token answer names; a renewal naming another instance moves them', async () => {
    const { connection } = await connect();
    const first = await connection.execute('sobjects');
    expect(first.data).toEqual([{ name: 'Account' }]);
    expect(instances[0]?.hits('/services/data/v59.0/sobjects')).toBe(1);
    await connection.execute('sobjects');
    expect(instances[0]?.hits('/services/data/v59.0/sobjects')).toBe(2);
    expect(idp.counts['/services/oauth2/token']).toBe(1);

    // The session dies and the next login names the other instance: one renewal, the replay goes there.
    live.clear();
    instanceUrl = instances[1]?.origin ?? '';
    const replayed = await connection.execute('sobjects');
    expect(replayed.status).toBe(200);
    expect(idp.counts['/services/oauth2/token']).toBe(2);
    expect(instances[0]?.hits('/services/data/v59.0/sobjects')).toBe(3);
    expect(instances[1]?.hits('/services/data/v59.0/sobjects')).toBe(1);
    expect(instances[1]?.on('/services/data/v59.0/sobjects')[0]?.headers.authorization).toMatch(/^Bearer at-canary-/);
  });

  it('an instance outside allowed_host_patterns: HostNotAllowedError naming /allowed_host_patterns, 0 requests to it', async () => {
    instanceUrl = attacker.origin;
    const { connection } = await connect();
    const error = await rejection(connection.execute('sobjects'));
    expect(error).toBeInstanceOf(HostNotAllowedError);
    expect(error).toMatchObject({ field: '/allowed_host_patterns', host: hostOf(attacker.origin) });
    expect(error.message).toContain('the base URL built from the token record (/base_url)');
    expect(attacker.received).toHaveLength(0);
    expect(instances.map((instance) => instance.received.length)).toEqual([0, 0]);
    expect(idp.counts['/services/oauth2/token']).toBe(1);
  });

  it('an instance_url that is no http(s) URL: ConfigurationError naming /base_url, nothing sent', async () => {
    instanceUrl = 'ftp://files.example.com';
    const { connection } = await connect();
    const error = await rejection(connection.execute('sobjects'));
    expect(error).toBeInstanceOf(ConfigurationError);
    expect(error).toMatchObject({ field: '/base_url' });
    expect(instances.map((instance) => instance.received.length)).toEqual([0, 0]);
  });
});
