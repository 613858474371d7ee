/**
 * connectors/docuware.json (cookie logon) and docuware-oauth.json (password grant) end to end
 * against the DocuWare sandbox: every action, a refused cookie followed by exactly one
 * re-logon, the User-Agent binding, streamed downloads, multipart uploads.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { readFile } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { AuthError, loadConnector, type Connection, type Connector } from '../../sdk/index.js';
import type { ConnectorManifest } from '../../sdk/manifest/types.gen.js';
import { patternByte, startDocuwareSandbox, type DocuwareSandbox } from '../../sandboxes/docuware/server.js';
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

describe('OAuth connector (password grant through the identity service)', () => {
  it('obtains a bearer token, renews it on expiry and after a 401', async () => {
    const oauth = await loadConnector('connectors/docuware-oauth.json');
    try {
      const connection = oauth.connect({
        connectionId: 'dw-oauth',
        credentials: { scheme: 'http', host: sandbox.host, username: 'sandbox-user', password: 'sandbox-password' },
        clock,
        onEvent: log.listener,
        allowPrivateNetwork: true,
        allowInsecureHttp: true,
      });
      await connection.execute('list-organizations');
      expect(sandbox.count(TOKEN)).toBe(1);
      const call = sandbox.requests.find((r) => r.path.startsWith('/DocuWare/Platform/Organizations'));
      expect(call?.headers.authorization).toMatch(/^Bearer /);
      // Only the load balancer's cookie travels; there is no session cookie in this style.
      expect(String(call?.headers.cookie)).not.toContain('.DWPLATFORMAUTH');
      clockMs += 3600_000;
      await connection.execute('list-file-cabinets');
      expect(sandbox.count(TOKEN)).toBe(2);
      sandbox.expireSessions();
      await connection.execute('list-file-cabinets');
      expect(sandbox.count(TOKEN)).toBe(3);
      expect(sandbox.count('/DocuWare/Platform/FileCabinets')).toBe(3);
    } finally {
      await oauth.close();
    }
  });

  it('a wrong password: ReauthorizationRequired naming invalid_grant, without the password', async () => {
    const oauth = await loadConnector('connectors/docuware-oauth.json');
    try {
      registerSecret('wrong-password-canary');
      const connection = oauth.connect({
        connectionId: 'dw-oauth-bad',
        credentials: { scheme: 'http', host: sandbox.host, username: 'sandbox-user', password: 'wrong-password-canary' },
        onEvent: log.listener,
        allowPrivateNetwork: true,
        allowInsecureHttp: true,
      });
      const error = await rejection(connection.execute('list-organizations'));
      expect(error.code).toBe('CONNECTOR_REAUTHORIZATION_REQUIRED');
      expect(error.message).toContain('invalid_grant');
      expect(sandbox.count(TOKEN)).toBe(1);
    } finally {
      await oauth.close();
    }
  });
});
