/**
 * Issue 15, item 8: a host's onEvent listener that throws or rejects never changes the outcome
 * of a call (connect, execute, renewal). Its failure is reported once per listener as a process
 * warning, with the message redacted; the events keep coming.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { FileTokenStore, loadConnector, type Connector, type ConnectorEvent } from '../../sdk/index.js';
import type { Authentication } from '../../sdk/manifest/types.gen.js';
import { record, registerSecret } from '../helpers/secret-scan.js';
import { fields, manifest } from '../security/support/manifests.js';
import { sendJson, startRouted, type RoutedServer } from '../security/support/servers.js';

const PASSWORD = 'SECRET-listener-password-93be';
const TOKEN = 'tok-listener-issued-0c11';
registerSecret(PASSWORD, TOKEN);

let api: RoutedServer;
let dir: string;
const connectors: Connector[] = [];
const warnings: Error[] = [];
const onWarning = (warning: Error) => {
  if ((warning as Error & { code?: string }).code === 'CONNECTOR_EVENT_LISTENER_FAILED') warnings.push(warning);
};

beforeAll(async () => {
  api = await startRouted({
    '/login': (_req, res) => sendJson(res, 200, { access_token: TOKEN, expires_in: 3600 }),
    '/api/data': (_req, res) => sendJson(res, 200, { data: 'ok' }),
  });
  dir = await mkdtemp(join(tmpdir(), 'listener-'));
  process.on('warning', onWarning);
});
afterEach(async () => {
  await Promise.all(connectors.splice(0).map((connector) => connector.close()));
  warnings.length = 0;
});
afterAll(async () => {
  process.off('warning', onWarning);
  await api.close();
  await rm(dir, { recursive: true, force: true });
});

async function connectWith(onEvent: (event: ConnectorEvent) => unknown, file: string) {
  const connector = await loadConnector(
    manifest(
      api.origin,
      {
        type: 'refreshable_token',
        authorization_request_url: `${api.origin}/login`,
        authorization_request_method: 'POST',
        authorization_request_headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
        authorization_request_body_template: 'password={{ credentials.password | url_encode }}',
        response_access_token_path: 'access_token',
      } as Authentication,
      fields(['password'], ['password']),
    ),
  );
  connectors.push(connector);
  // An unencrypted file store makes connect() itself emit store.unencrypted.
  const store = new FileTokenStore(join(dir, file));
  return connector.connect({ connectionId: 'listener', credentials: { password: PASSWORD }, store, onEvent: onEvent as never, allowPrivateNetwork: true });
}

/** Lets a rejected listener promise reach its handler and the warning its listeners. */
const settle = () => new Promise((resolve) => setTimeout(resolve, 20));

describe('a failing onEvent listener', () => {
  it('throwing on every event: connect and execute succeed, one warning, every event still delivered', async () => {
    const seen: string[] = [];
    const connection = await connectWith((event) => {
      seen.push(event.type);
      throw new Error(`listener broke while holding ${PASSWORD}`);
    }, 'throwing.json');
    expect((await connection.execute('get')).data).toBe('ok');
    expect((await connection.execute('get')).data).toBe('ok');
    await settle();
    expect(seen).toEqual(['store.unencrypted', 'token.acquired', 'request', 'response', 'request', 'response']);
    expect(api.hits('/login')).toBe(1);
    expect(api.hits('/api/data')).toBe(2);
    expect(warnings).toHaveLength(1);
    record(warnings[0]);
    expect(warnings[0]!.message).toContain('an onEvent listener threw');
    expect(warnings[0]!.message).not.toContain(PASSWORD);
  });

  it('an async listener that rejects: the call succeeds, one warning', async () => {
    const connection = await connectWith(async () => {
      throw new Error('async listener failed');
    }, 'rejecting.json');
    expect((await connection.execute('get')).data).toBe('ok');
    await settle();
    expect(warnings).toHaveLength(1);
    expect(warnings[0]!.message).toContain('async listener failed');
  });
});
