/**
 * connectors/docuware.json (cookie logon) and docuware-oauth.json (Identity Service discovery,
 * self-hosted and Cloud layout, then the password grant) end to end
 * against the DocuWare sandbox: every action, a refused cookie followed by exactly one
 * re-logon, the User-Agent binding, streamed downloads, multipart uploads.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { readFile } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { AuthError, loadConnector, RequestRefusedError, type Connection, type Connector } from '../../sdk/index.js';
import type { ConnectorManifest } from '../../sdk/manifest/types.gen.js';
import { CLOUD_ORGANIZATION_GUID, patternByte, startDocuwareSandbox, type DocuwareSandbox } from '../../sandboxes/docuware/server.js';
import { eventLog, registerSecret, rejection } from '../helpers/secret-scan.js';

const LOGON = '/DocuWare/Platform/Account/Logon';
const TOKEN = '/DocuWare/Identity/connect/token';
let sandbox: DocuwareSandbox;
let connector: Connector;
let clockMs = Date.UTC(2026, 10, 23, 9, 0, 0);
const clock = { now: () => clockMs };
let log = eventLog();

function connect(target: Connector, id = 'dw-tenant'): Connection {
  return target.connect({
    connectionId: id,
    credentials: { scheme: 'http', host: sandbox.host, username: 'sandbox-user', password: 'sandbox-password', organization: 'Sandbox Org' },
    clock,
    onEvent: log.listener,
    allowPrivateNetwork: true,
  });
}

beforeEach(async () => {
  log = eventLog();
  registerSecret('sandbox-password');
  clockMs = Date.UTC(2026, 10, 23, 9, 0, 0);
  sandbox = await startDocuwareSandbox({ now: clock.now, largeDocumentBytes: 8 * 1024 * 1024 });
  connector = await loadConnector('connectors/docuware.json');
});

afterEach(async () => {
  await connector.close();
  await sandbox.close();
});

describe('cookie logon connector', () => {
  it('logs on once and sends the session cookie and the same User-Agent on every call', async () => {
    const connection = connect(connector);
    const organizations = (await connection.execute('list-organizations')).data as { Name: string }[];
    expect(organizations[0]?.Name).toBe('Sandbox Org');
    const cabinets = (await connection.execute('list-file-cabinets')).data as { Id: string }[];
    expect(cabinets.map((cabinet) => cabinet.Id)).toContain(sandbox.ids.invoicesCabinetId);
    const dialogs = (await connection.execute('list-dialogs', { file_cabinet_id: sandbox.ids.invoicesCabinetId })).data as unknown[];
    expect(dialogs.length).toBeGreaterThan(0);
    expect(sandbox.count(LOGON)).toBe(1);
    const agents = new Set(sandbox.requests.map((request) => request.headers['user-agent']));
    expect([...agents]).toEqual(['connector-sdk docuware/1.0']);
    const calls = sandbox.requests.filter((request) => !request.path.startsWith(LOGON));
    expect(calls.every((request) => String(request.headers.cookie).includes('.DWPLATFORMAUTH='))).toBe(true);
    expect(sandbox.requests[0]?.headers.cookie).toBeUndefined();
  });

  it('search-documents pages with start/count: 3 pages of 3, 3 and 1', async () => {
    const manifest = JSON.parse(await readFile('connectors/docuware.json', 'utf8')) as ConnectorManifest;
    const search = manifest.actions['search-documents'];
    if (!search?.pagination || search.pagination.type !== 'offset') throw new Error('search-documents has offset pagination');
    search.pagination.limit = 3;
    const small = await loadConnector(manifest);
    try {
      const connection = connect(small);
      const sizes: number[] = [];
      for await (const page of connection.paginate<{ Items: unknown[] }>('search-documents', {
        file_cabinet_id: sandbox.ids.invoicesCabinetId,
        dialog_id: sandbox.ids.searchDialogId,
      })) {
        sizes.push(page.data.Items.length);
      }
      expect(sizes).toEqual([3, 3, 1]);
      const queries = sandbox.requests.filter((r) => r.path.includes('/Query/DialogExpression')).map((r) => new URL(r.path, sandbox.url).searchParams);
      expect(queries.map((q) => [q.get('start'), q.get('count')])).toEqual([['0', '3'], ['3', '3'], ['6', '3']]);
    } finally {
      await small.close();
    }
  });

  it('get-document, a streamed 8 MB download, an upload and logoff', async () => {
    const connection = connect(connector);
    const { archiveCabinetId, largeDocumentId, invoicesCabinetId } = sandbox.ids;
    const download = await connection.execute<Readable>('download-document', { file_cabinet_id: archiveCabinetId, document_id: largeDocumentId });
    expect(download.data).toBeInstanceOf(Readable);
    let bytes = 0;
    let wrong = 0;
    for await (const chunk of download.data) {
      for (const byte of chunk as Buffer) if (byte !== patternByte(bytes++)) wrong++;
    }
    expect(bytes).toBe(8 * 1024 * 1024);
    expect(wrong).toBe(0);

    const file = Buffer.from('%PDF-1.7 sandbox upload');
    const uploaded = (await connection.execute('upload-document', {
      file_cabinet_id: invoicesCabinetId,
      fields: [{ FieldName: 'COMPANY', Item: 'ACME' }],
      file,
      filename: 'invoice.pdf',
      content_type: 'application/pdf',
    })).data as { Id: number };
    const stored = sandbox.documents.get(invoicesCabinetId, uploaded.Id)?.file?.content;
    expect(Buffer.isBuffer(stored) && stored.equals(file)).toBe(true);
    const document = (await connection.execute('get-document', { file_cabinet_id: invoicesCabinetId, document_id: uploaded.Id })).data as { Fields: { FieldName: string; Item: unknown }[] };
    expect(document.Fields).toEqual(expect.arrayContaining([expect.objectContaining({ FieldName: 'COMPANY', Item: 'ACME' })]));

    await connection.execute('logoff');
    // The session is gone: the next call logs on again, once.
    await connection.execute('list-organizations');
    expect(sandbox.count(LOGON)).toBe(2);
  });

  it('an upload given as a stream is read once and sent whole', async () => {
    const connection = connect(connector);
    const uploaded = (await connection.execute('upload-document', {
      file_cabinet_id: sandbox.ids.invoicesCabinetId,
      file: Readable.from([Buffer.from('part one, '), Buffer.from('part two')]),
      filename: 'notes.txt',
      content_type: 'text/plain',
    })).data as { Id: number };
    expect(String(sandbox.documents.get(sandbox.ids.invoicesCabinetId, uploaded.Id)?.file?.content)).toBe('part one, part two');
  });

  it('a refused cookie is followed by exactly one re-logon and one replay', async () => {
    const connection = connect(connector);
    await connection.execute('list-file-cabinets');
    sandbox.expireSessions();
    await connection.execute('list-file-cabinets');
    expect(sandbox.count(LOGON)).toBe(2);
    expect(sandbox.count('/DocuWare/Platform/FileCabinets')).toBe(3);
    expect(log.events.filter((event) => event.type === 'auth.token_rejected' && event.connectionId === 'dw-tenant')).toHaveLength(1);
  });

  it('a cookie with a lifetime is renewed before it lapses', async () => {
    await sandbox.close();
    sandbox = await startDocuwareSandbox({ now: clock.now, cookieLifetimeSeconds: 600 });
    const connection = connect(connector);
    await connection.execute('list-file-cabinets');
    clockMs += 570_000;
    await connection.execute('list-file-cabinets');
    expect(sandbox.count(LOGON)).toBe(2);
    expect(sandbox.count('/DocuWare/Platform/FileCabinets')).toBe(2);
  });

  it('a User-Agent that differs from the logon is caught: one re-logon, then a typed AuthError', async () => {
    const manifest = JSON.parse(await readFile('connectors/docuware.json', 'utf8')) as ConnectorManifest;
    const action = manifest.actions['list-file-cabinets'];
    if (!action) throw new Error('list-file-cabinets exists');
    action.headers = { 'User-Agent': 'another-client/2.0' };
    const mismatched = await loadConnector(manifest);
    try {
      const connection = connect(mismatched, 'dw-mismatch');
      const error = await rejection(connection.execute('list-file-cabinets'));
      expect(error).toBeInstanceOf(AuthError);
      expect(error.message).toContain('refused (401) again right after the token was renewed');
      expect(sandbox.count(LOGON)).toBe(2);
      expect(sandbox.count('/DocuWare/Platform/FileCabinets')).toBe(2);
    } finally {
      await mismatched.close();
    }
  });
});

describe('OAuth connector (the Identity Service discovered, then the password grant)', () => {
  const INFO = '/DocuWare/Platform/Home/IdentityServiceInfo';
  const WELL_KNOWN = '/DocuWare/Identity/.well-known/openid-configuration';

  async function oauthConnection(target: DocuwareSandbox, credentials: Record<string, string> = {}, id = 'dw-oauth') {
    const oauth = await loadConnector('connectors/docuware-oauth.json');
    const connection = oauth.connect({
      connectionId: id,
      credentials: { scheme: 'http', host: target.host, username: 'sandbox-user', password: 'sandbox-password', ...credentials },
      clock,
      onEvent: log.listener,
      allowPrivateNetwork: true,
      allowInsecureHttp: true,
    });
    return { oauth, connection };
  }

  it('self-hosted: discovers once, obtains a bearer token, renews only the grant on expiry and after a 401', async () => {
    const { oauth, connection } = await oauthConnection(sandbox);
    try {
      await connection.execute('list-organizations');
      expect([sandbox.count(INFO), sandbox.count(WELL_KNOWN), sandbox.count(TOKEN)]).toEqual([1, 1, 1]);
      const call = sandbox.requests.find((r) => r.path.startsWith('/DocuWare/Platform/Organizations'));
      expect(call?.headers.authorization).toMatch(/^Bearer /);
      // Only the load balancer's cookie travels; there is no session cookie in this style.
      expect(String(call?.headers.cookie)).not.toContain('.DWPLATFORMAUTH');
      clockMs += 3600_000;
      await connection.execute('list-file-cabinets');
      sandbox.expireSessions();
      await connection.execute('list-file-cabinets');
      expect([sandbox.count(INFO), sandbox.count(WELL_KNOWN), sandbox.count(TOKEN)]).toEqual([1, 1, 3]);
      expect(sandbox.count('/DocuWare/Platform/FileCabinets')).toBe(3);
    } finally {
      await oauth.close();
    }
  });

  it('Cloud layout: the Identity Service on another origin gets the discovery and the grant; the Platform host none of them', async () => {
    const cloud = await startDocuwareSandbox({ now: clock.now, identityLayout: 'cloud' });
    const identity = cloud.identityServer as NonNullable<DocuwareSandbox['identityServer']>;
    // A sandbox cannot be *.docuware.cloud: the identity_host credential allows its loopback port.
    const { oauth, connection } = await oauthConnection(cloud, { identity_host: identity.host }, 'dw-cloud');
    try {
      await connection.execute('list-file-cabinets');
      clockMs += 3600_000;
      await connection.execute('list-file-cabinets');
      const guid = `/${CLOUD_ORGANIZATION_GUID}`;
      expect(identity.requests.map((r) => `${r.method} ${r.path}`)).toEqual([
        `GET ${guid}/.well-known/openid-configuration`,
        `POST ${guid}/connect/token`,
        `POST ${guid}/connect/token`,
      ]);
      expect(cloud.count(INFO)).toBe(1);
      expect(cloud.count('/DocuWare/Identity')).toBe(0);
      expect(cloud.count('/DocuWare/Platform/FileCabinets')).toBe(2);
    } finally {
      await oauth.close();
      await cloud.close();
    }
  });

  it('Cloud layout without identity_host: the discovered Identity Service is refused before the password goes there', async () => {
    const cloud = await startDocuwareSandbox({ now: clock.now, identityLayout: 'cloud' });
    const { oauth, connection } = await oauthConnection(cloud, {}, 'dw-cloud-refused');
    try {
      const error = await rejection(connection.execute('list-file-cabinets'));
      expect(error).toBeInstanceOf(RequestRefusedError);
      expect(error.message).toContain(cloud.identityServer?.host);
      expect(error.message).toContain('"*.docuware.cloud"');
      expect(cloud.identityServer?.requests).toEqual([]);
      expect(cloud.count(INFO)).toBe(1);
    } finally {
      await oauth.close();
      await cloud.close();
    }
  });

  it('a wrong password: ReauthorizationRequired naming invalid_grant, without the password', async () => {
    registerSecret('wrong-password-canary');
    const { oauth, connection } = await oauthConnection(sandbox, { password: 'wrong-password-canary' }, 'dw-oauth-bad');
    try {
      const error = await rejection(connection.execute('list-organizations'));
      expect(error.code).toBe('CONNECTOR_REAUTHORIZATION_REQUIRED');
      expect(error.message).toContain('invalid_grant');
      expect(sandbox.count(TOKEN)).toBe(1);
    } finally {
      await oauth.close();
    }
  });
});
