/**
 * What token chains read from their answers and send on: a token exchange (RFC 8693: step 2
 * sends step 1's token as a Bearer header and in its form body), a login whose session id comes
 * in the body and whose cookies must go on every action (SAP Business One style), an XML session
 * answer (Sage Intacct's getAPISession), a token that is the whole body, and a one-step chain,
 * which behaves as a refreshable_token login does. Loopback servers check every request exactly
 * and count them; every secret is a registered canary that no error or event may carry.
 */
import { randomBytes } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  ConfigurationError,
  CredentialsRefusedError,
  HttpError,
  loadConnector,
  MemoryTokenStore,
  ReauthorizationRequired,
  TokenResponseError,
  type Connector,
} from '../../sdk/index.js';
import type { AuthTokenChain, ConnectorManifest } from '../../sdk/manifest/types.gen.js';
import { startFakeOAuth, type FakeOAuth } from '../helpers/fake-oauth/index.js';
import { authManifest, credentialFields } from '../helpers/auth-manifests.js';
import { eventLog, registerSecret, rejection } from '../helpers/secret-scan.js';
import { sendJson, startRouted, type RoutedServer } from '../security/support/servers.js';

const CLIENT_SECRET = 'sts-client-secret-canary-9034';
const PASSWORD = 'p<a&s"s-canary-6620';
registerSecret(CLIENT_SECRET, PASSWORD);

let clockMs = Date.UTC(2026, 10, 23, 12, 0, 0);
const clock = { now: () => clockMs };
let connector: Connector | undefined;
let server: RoutedServer;

/** A fresh secret canary, registered with the scanner. */
function canary(prefix: string): string {
  const value = `${prefix}-canary-${randomBytes(6).toString('hex')}`;
  registerSecret(value);
  return value;
}

beforeEach(async () => {
  clockMs = Date.UTC(2026, 10, 23, 12, 0, 0);
  server = await startRouted();
});

afterEach(async () => {
  await connector?.close();
  connector = undefined;
  await server.close();
});

async function connect(manifest: ConnectorManifest, credentials: Record<string, string>, store = new MemoryTokenStore()) {
  connector = await loadConnector(manifest);
  const log = eventLog();
  const connection = connector.connect({ connectionId: 'c-1', credentials, store, clock, onEvent: log.listener, allowPrivateNetwork: true });
  return { connection, log, store };
}

describe('token exchange (RFC 8693)', () => {
  let sts: FakeOAuth;
  let subject = '';
  const EXCHANGE = 'urn:ietf:params:oauth:grant-type:token-exchange';
  const ACCESS_TOKEN_TYPE = 'urn:ietf:params:oauth:token-type:access_token';

  beforeEach(async () => {
    sts = await startFakeOAuth({ now: clock.now, expiresIn: 600 });
    sts.routes['/sts/login'] = ({ method, headers, body }) => {
      if (method !== 'POST' || headers['content-type'] !== 'application/json') return { status: 415, body: {} };
      if (body !== JSON.stringify({ client_id: 'svc', client_secret: CLIENT_SECRET })) return { status: 401, body: { message: 'bad client' } };
      subject = canary('subject');
      return { status: 200, body: { subject_token: subject, expires_in: 300 } };
    };
    sts.routes['/sts/exchange'] = ({ method, headers, body, issue }) => {
      const params = new URLSearchParams(body);
      if (method !== 'POST' || headers['content-type'] !== 'application/x-www-form-urlencoded') return { status: 415, body: {} };
      if (headers.authorization !== `Bearer ${subject}`) return { status: 401, body: { error: 'invalid_client' } };
      const expected = [['grant_type', EXCHANGE], ['subject_token', subject], ['subject_token_type', ACCESS_TOKEN_TYPE], ['audience', 'https://api.example.com']];
      if (JSON.stringify([...params]) !== JSON.stringify(expected)) {
        return { status: 400, body: { error: 'invalid_target', error_description: `audience not allowed for subject ${params.get('subject_token')}` } };
      }
      const { accessToken, expiresIn } = issue({ clientId: 'svc', username: 'exchanged' });
      return { status: 200, body: { access_token: accessToken, issued_token_type: ACCESS_TOKEN_TYPE, token_type: 'Bearer', expires_in: expiresIn } };
    };
  });
  afterEach(async () => {
    await sts.close();
  });

  const exchange = (audience = 'https://api.example.com'): ConnectorManifest => {
    const auth: AuthTokenChain = {
      type: 'token_chain',
      steps: [
        {
          name: 'login',
          method: 'POST',
          url: `${sts.url}/sts/login`,
          body: { client_id: 'svc', client_secret: '{{ credentials.client_secret }}' },
          values: { subject_token: { json: '$.subject_token' } },
        },
        {
          name: 'exchange',
          method: 'POST',
          url: `${sts.url}/sts/exchange`,
          headers: { Authorization: 'Bearer {{ steps.login.subject_token }}' },
          body_format: 'form',
          body: { grant_type: EXCHANGE, subject_token: '{{ steps.login.subject_token }}', subject_token_type: ACCESS_TOKEN_TYPE, audience },
          values: { access_token: { json: '$.access_token' }, expires_in: { json: '$.expires_in', secret: false } },
        },
      ],
      token: { access_token: 'exchange.access_token', expires_in: 'exchange.expires_in' },
    };
    return authManifest(sts.url, auth, credentialFields(['client_secret'], ['client_secret']));
  };

  it('step 2 sends step 1\'s token as Bearer and in its form body; renewal runs both steps again', async () => {
    const { connection } = await connect(exchange(), { client_secret: CLIENT_SECRET });
    const result = await connection.execute('whoami');
    expect(result.data).toMatchObject({ client_id: 'svc', username: 'exchanged' });
    expect([sts.counts['/sts/login'], sts.counts['/sts/exchange'], sts.counts['/api/whoami']]).toEqual([1, 1, 1]);
    await connection.execute('whoami');
    expect([sts.counts['/sts/login'], sts.counts['/sts/exchange'], sts.counts['/api/whoami']]).toEqual([1, 1, 2]);
    clockMs += 601_000;
    await connection.execute('whoami');
    expect([sts.counts['/sts/login'], sts.counts['/sts/exchange'], sts.counts['/api/whoami']]).toEqual([2, 2, 3]);
  });

  it('an exchange that is refused as malformed: ConfigurationError naming the body, the subject token masked, nothing flagged', async () => {
    const { connection, store, log } = await connect(exchange('https://other.example.com'), { client_secret: CLIENT_SECRET });
    const error = await rejection(connection.execute('whoami'));
    expect(error).toBeInstanceOf(ConfigurationError);
    expect(error).toMatchObject({ field: '/auth/steps/1/body', status: 400 });
    expect(error.message).toContain('invalid_target: audience not allowed for subject [REDACTED]');
    expect(error.message).not.toContain(subject);
    expect([sts.counts['/sts/login'], sts.counts['/sts/exchange']]).toEqual([1, 1]);
    expect(await store.get('c-1')).toBeUndefined();
    expect(log.events.some((event) => event.type === 'auth.reauthorization_required')).toBe(false);
  });
});

describe('a login answering a session id in the body and cookies (SAP Business One style)', () => {
  let session = '';
  beforeEach(() => {
    server.routes.set('/b1s/v1/Login', (req, res, body) => {
      if (req.method !== 'POST' || req.headers['content-type'] !== 'application/json') return sendJson(res, 415, {});
      if (body !== JSON.stringify({ CompanyDB: 'SBODEMO', UserName: 'manager', Password: PASSWORD })) return sendJson(res, 401, { error: { code: 100000027, message: 'Login failed' } });
      session = canary('b1session');
      sendJson(res, 200, { SessionId: session, Version: '1000190', SessionTimeout: 1800 }, { 'set-cookie': [`B1SESSION=${session}; HttpOnly; Path=/b1s`, 'ROUTEID=.node3; Path=/b1s'] });
    });
    server.routes.set('/b1s/v1/Items', (req, res) => {
      const cookie = req.headers.cookie ?? '';
      const ok = req.headers['x-session-id'] === session && cookie.includes(`B1SESSION=${session}`) && cookie.includes('ROUTEID=.node3');
      sendJson(res, ok ? 200 : 401, ok ? { value: [{ ItemCode: 'A1' }] } : { error: { code: 301, message: 'Invalid session' } });
    });
  });

  const b1 = (): ConnectorManifest => {
    const auth: AuthTokenChain = {
      type: 'token_chain',
      steps: [
        {
          name: 'login',
          method: 'POST',
          url: `${server.origin}/b1s/v1/Login`,
          body: { CompanyDB: 'SBODEMO', UserName: 'manager', Password: '{{ credentials.password }}' },
          values: { session: { json: '$.SessionId' }, timeout: { json: '$.SessionTimeout', secret: false }, route: { cookie: 'ROUTEID', secret: false } },
        },
      ],
      token: { access_token: 'login.session', expires_in: 'login.timeout' },
      apply: { headers: { 'X-Session-Id': '{{ auth.access_token }}' } },
    };
    return authManifest(`${server.origin}/b1s/v1`, auth, credentialFields(['password'], ['password']), {
      actions: { items: { method: 'GET', path: '/Items', output: '$.value' } },
    });
  };

  it('the session id goes in the header and both cookies go on every action; one login until the session expires', async () => {
    const { connection, store } = await connect(b1(), { password: PASSWORD });
    expect((await connection.execute('items')).data).toEqual([{ ItemCode: 'A1' }]);
    await connection.execute('items');
    expect([server.hits('/b1s/v1/Login'), server.hits('/b1s/v1/Items')]).toEqual([1, 2]);
    expect(server.on('/b1s/v1/Items').map((request) => request.headers.cookie)).toEqual([
      `B1SESSION=${session}; ROUTEID=.node3`,
      `B1SESSION=${session}; ROUTEID=.node3`,
    ]);
    expect((await store.get('c-1'))?.cookies.map((cookie) => [cookie.name, cookie.path])).toEqual([
      ['B1SESSION', '/b1s'],
      ['ROUTEID', '/b1s'],
    ]);
    clockMs += 1_801_000;
    await connection.execute('items');
    expect([server.hits('/b1s/v1/Login'), server.hits('/b1s/v1/Items')]).toEqual([2, 3]);
  });

  it('behaves as a refreshable_token login: a 401 is a refusal (ReauthorizationRequired, flagged), after one request', async () => {
    const { connection, store } = await connect(b1(), { password: 'wrong-password-canary-1' });
    registerSecret('wrong-password-canary-1');
    const error = await rejection(connection.execute('items'));
    expect(error).toBeInstanceOf(ReauthorizationRequired);
    expect(error.cause).toBeInstanceOf(CredentialsRefusedError);
    expect(error.message).toContain('the token endpoint (/auth/steps/0/url) refused the credentials (status 401)');
    expect(server.hits('/b1s/v1/Login')).toBe(1);
    expect((await store.get('c-1'))?.reauthorizationRequired).toBe(true);
  });

  it('a 503 is transient: retried, then thrown as HttpError; nothing flagged', async () => {
    let calls = 0;
    server.routes.set('/b1s/v1/Login', (_req, res) => {
      calls++;
      sendJson(res, 503, { error: 'maintenance' });
    });
    const { connection, store } = await connect(b1(), { password: PASSWORD });
    const error = await rejection(connection.execute('items'));
    expect(error).toBeInstanceOf(HttpError);
    expect(error).toMatchObject({ status: 503 });
    expect(calls).toBe(3);
    expect(await store.get('c-1')).toBeUndefined();
  });
});

describe('an XML session answer (Sage Intacct getAPISession) and a text answer', () => {
  const XML_BODY =
    '<?xml version="1.0" encoding="UTF-8"?><request><control><senderid>{{ credentials.sender_id | escape }}</senderid><password>{{ credentials.password | escape }}</password></control>' +
    '<operation><content><function controlid="s1"><getAPISession/></function></content></operation></request>';
  let sessionId = '';

  beforeEach(() => {
    server.routes.set('/ia/xml/xmlgw.phtml', (req, res, body) => {
      const expected = XML_BODY.replace('{{ credentials.sender_id | escape }}', 'acme&amp;co').replace('{{ credentials.password | escape }}', 'p&lt;a&amp;s&#34;s-canary-6620');
      if (req.method !== 'POST' || req.headers['content-type'] !== 'application/xml' || body !== expected) {
        res.writeHead(400, { 'content-type': 'application/xml' });
        return res.end('<response><control><status>failure</status></control></response>');
      }
      sessionId = canary('intacct-session');
      res.writeHead(200, { 'content-type': 'text/xml' });
      res.end(
        `<?xml version="1.0" encoding="UTF-8"?><response><control><status>success</status></control><operation><result><status>success</status>` +
          `<data><api><sessionid>${sessionId}</sessionid><endpoint>${server.origin}/ia/xml/api</endpoint><locationid></locationid></api></data></result>` +
          `<authentication><sessiontimeout>${new Date(clockMs + 3_600_000).toISOString()}</sessiontimeout></authentication></operation></response>`,
      );
    });
    server.routes.set('/ia/xml/api', (req, res) => sendJson(res, req.headers['x-intacct-session'] === sessionId ? 200 : 401, { ok: req.headers['x-intacct-session'] === sessionId }));
  });

  const intacct = (): ConnectorManifest => {
    const auth: AuthTokenChain = {
      type: 'token_chain',
      steps: [
        {
          name: 'session',
          method: 'POST',
          url: `${server.origin}/ia/xml/xmlgw.phtml`,
          headers: { 'Content-Type': 'application/xml' },
          body_format: 'raw',
          body: XML_BODY,
          values: {
            id: { xml: '/response/operation/result/data/api/sessionid' },
            endpoint: { xml: '//api/endpoint', secret: false, host_patterns: ['{{ credentials.host }}'] },
            timeout: { xml: '/response/operation/authentication/sessiontimeout', secret: false },
          },
        },
      ],
      token: { access_token: 'session.id', expires_at: 'session.timeout', extras: { endpoint: 'session.endpoint' } },
      apply: { headers: { 'X-Intacct-Session': '{{ auth.access_token }}' } },
    };
    return authManifest(server.origin, auth, credentialFields(['sender_id', 'password', 'host'], ['password']), {
      actions: { call: { method: 'POST', path: '/ia/xml/api', body_format: 'raw', body_template: '<request/>' } },
    });
  };

  it('sends the XML body escaped, reads the session from the XML answer, keeps the endpoint, expires at sessiontimeout', async () => {
    const { connection, store } = await connect(intacct(), { sender_id: 'acme&co', password: PASSWORD, host: new URL(server.origin).host });
    expect((await connection.execute('call')).status).toBe(200);
    const stored = await store.get('c-1');
    expect(stored?.extras).toEqual({ endpoint: `${server.origin}/ia/xml/api` });
    expect(stored?.expiresAt).toBe(clockMs + 3_600_000);
    clockMs += 3_000_000;
    await connection.execute('call');
    expect([server.hits('/ia/xml/xmlgw.phtml'), server.hits('/ia/xml/api')]).toEqual([1, 2]);
    clockMs += 600_001;
    await connection.execute('call');
    expect([server.hits('/ia/xml/xmlgw.phtml'), server.hits('/ia/xml/api')]).toEqual([2, 3]);
  });

  it('an answer that is not XML: TokenResponseError naming the value field', async () => {
    server.routes.set('/ia/xml/xmlgw.phtml', (_req, res) => sendJson(res, 200, { not: 'xml' }));
    const { connection } = await connect(intacct(), { sender_id: 'acme&co', password: PASSWORD, host: new URL(server.origin).host });
    const error = await rejection(connection.execute('call'));
    expect(error).toBeInstanceOf(TokenResponseError);
    expect(error.message).toBe(
      'step "session" (/auth/steps/0): the response is not XML (it does not start with "<"), so there is no value at the XML path /response/operation/result/data/api/sessionid; check /auth/steps/0/values/id',
    );
  });

  it('a token that is the whole body (text), with the default lifetime of the expiry block', async () => {
    let token = '';
    server.routes.set('/auth/plain', (req, res, body) => {
      if (req.method !== 'POST' || body !== `key=${encodeURIComponent(PASSWORD)}`) return sendJson(res, 403, {});
      token = canary('plain-token');
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.end(token);
    });
    server.routes.set('/api/plain', (req, res) => sendJson(res, req.headers.authorization === `Bearer ${token}` ? 200 : 401, {}));
    const auth: AuthTokenChain = {
      type: 'token_chain',
      steps: [{ name: 'key', method: 'POST', url: `${server.origin}/auth/plain`, body_format: 'form', body: { key: '{{ credentials.password }}' }, values: { token: { text: true } } }],
      token: { access_token: 'key.token' },
      expiry: { default_lifetime_seconds: 600 },
    };
    const manifest = authManifest(server.origin, auth, credentialFields(['password'], ['password']), { actions: { plain: { method: 'GET', path: '/api/plain' } } });
    const { connection, store } = await connect(manifest, { password: PASSWORD });
    expect((await connection.execute('plain')).status).toBe(200);
    expect((await store.get('c-1'))?.expiresAt).toBe(clockMs + 600_000);
  });
});
