/**
 * The main job (`npm start`): starts the local snov.io and DocuWare sandboxes and runs the
 * sample connectors end to end through the public API — authorize, call, let the token
 * expire, renew (new token, re-logon or refresh), call again — printing what happened.
 * A virtual clock shared by the sandboxes and the connections moves time without waiting.
 */
import { fileURLToPath } from 'node:url';
import type { Readable } from 'node:stream';
import { loadConnector, MemoryTokenStore, type Connection, type ConnectorEvent } from '../sdk/index.js';
import { startDocuwareSample, startSnovSample } from '../sandboxes/samples.js';

const connectorsDir = fileURLToPath(new URL('../connectors/', import.meta.url));
let virtualNow = Date.now();
const clock = { now: () => virtualNow };
const started = performance.now();

function say(scope: string, text: string): void {
  process.stdout.write(`${scope.padEnd(15)} ${text}\n`);
}

function advance(scope: string, seconds: number): void {
  virtualNow += seconds * 1000;
  say(scope, `… ${seconds} s later (virtual clock)`);
}

function tracer(scope: string): (event: ConnectorEvent) => void {
  return (event) => {
    switch (event.type) {
      case 'request':
      case 'response':
        return;
      case 'token.acquired':
        return say(scope, `  ⚿ token acquired${expiry(event.expiresAt)}`);
      case 'token.refreshed':
        return say(scope, `  ⚿ token refreshed${expiry(event.expiresAt)}`);
      case 'auth.token_rejected':
        return say(scope, `  ✗ ${event.action} refused with ${event.status}: renewing the token once, then replaying`);
      case 'request.retry':
        return say(scope, `  ↻ ${event.action} retry ${event.attempt} in ${event.delayMs} ms (${event.reason})`);
      default:
        return say(scope, `  • ${event.type}`);
    }
  };
}

function expiry(expiresAt: number | undefined): string {
  return expiresAt === undefined ? ', no stated expiry' : `, expires in ${Math.round((expiresAt - virtualNow) / 1000)} s`;
}

async function call(scope: string, connection: Connection, action: string, input?: Record<string, unknown>): Promise<unknown> {
  const { status, data } = await connection.execute(action, input);
  say(scope, `→ ${action} ${status} ${summary(data)}`);
  return data;
}

function summary(data: unknown): string {
  if (Array.isArray(data)) return `[${data.length} items]`;
  const text = JSON.stringify(data) ?? '';
  return text.length > 90 ? `${text.slice(0, 87)}...` : text;
}

async function snov(): Promise<void> {
  const scope = 'snov.io';
  const { sandbox, manifest, credentials } = await startSnovSample({ now: clock.now });
  const connector = await loadConnector(manifest);
  try {
    say(scope, `sandbox at ${sandbox.url}`);
    const connection = connector.connect({
      connectionId: 'demo-snov',
      credentials,
      store: new MemoryTokenStore(),
      clock,
      onEvent: tracer(scope),
      allowPrivateNetwork: true,
    });
    await call(scope, connection, 'get-balance');
    await call(scope, connection, 'get-user-lists');
    const search = (await call(scope, connection, 'start-domain-search', { domain: 'snov.io' })) as { task_hash: string };
    await call(scope, connection, 'get-domain-search-result', { task_hash: search.task_hash });
    let pages = 0;
    let emails = 0;
    for await (const page of connection.paginate<{ emails?: unknown[] }>('domain-emails-with-info', { domain: 'snov.io', limit: 3 })) {
      pages++;
      emails += page.data.emails?.length ?? 0;
    }
    say(scope, `→ domain-emails-with-info: ${emails} emails in ${pages} pages (cursor lastId)`);
    advance(scope, 3600);
    await call(scope, connection, 'get-balance');
    sandbox.expireTokens();
    say(scope, 'the sandbox revokes every token it issued');
    await call(scope, connection, 'get-balance');
    say(scope, `token requests: ${sandbox.count('/v1/oauth/access_token')}, API requests: ${sandbox.requests.length - sandbox.count('/v1/oauth/access_token')}`);
  } finally {
    await connector.close();
    await sandbox.close();
  }
}

async function docuware(): Promise<void> {
  const scope = 'DocuWare';
  const { sandbox, manifest, credentials } = await startDocuwareSample({ now: clock.now, largeDocumentBytes: 5 * 1024 * 1024 });
  const connector = await loadConnector(manifest);
  try {
    say(scope, `sandbox at ${sandbox.url}/DocuWare/Platform (cookie logon)`);
    const connection = connector.connect({
      connectionId: 'demo-docuware',
      credentials,
      clock,
      onEvent: tracer(scope),
      allowPrivateNetwork: true,
    });
    await call(scope, connection, 'list-organizations');
    await call(scope, connection, 'list-file-cabinets');
    const { invoicesCabinetId, searchDialogId, archiveCabinetId, largeDocumentId } = sandbox.ids;
    let found = 0;
    let pages = 0;
    for await (const page of connection.paginate<{ Items?: unknown[] }>('search-documents', { file_cabinet_id: invoicesCabinetId, dialog_id: searchDialogId })) {
      pages++;
      found += page.data.Items?.length ?? 0;
    }
    say(scope, `→ search-documents: ${found} documents in ${pages} page(s)`);
    if (largeDocumentId !== undefined) {
      const { data } = await connection.execute<Readable>('download-document', { file_cabinet_id: archiveCabinetId, document_id: largeDocumentId });
      let bytes = 0;
      for await (const chunk of data) bytes += (chunk as Buffer).length;
      say(scope, `→ download-document streamed ${bytes} bytes`);
    }
    const uploaded = (await connection.execute('upload-document', {
      file_cabinet_id: invoicesCabinetId,
      fields: [{ FieldName: 'COMPANY', Item: 'ACME' }],
      file: Buffer.from('%PDF-1.7 demo invoice'),
      filename: 'invoice.pdf',
      content_type: 'application/pdf',
    })).data as { Id: number };
    say(scope, `→ upload-document (multipart) stored document ${uploaded.Id}`);
    sandbox.expireSessions();
    say(scope, 'the sandbox ends every session (as an administrator\'s automatic log-out would)');
    await call(scope, connection, 'list-file-cabinets');
    await call(scope, connection, 'logoff');
    say(scope, `logons: ${sandbox.count('/DocuWare/Platform/Account/Logon')}`);
  } finally {
    await connector.close();
    await sandbox.close();
  }
}

/** connectors/docuware-oauth.json in both layouts: the Identity Service under the Platform host, or (Cloud) on another origin. */
async function docuwareOAuth(layout: 'self-hosted' | 'cloud'): Promise<void> {
  const scope = layout === 'cloud' ? 'DocuWare Cloud' : 'DocuWare OAuth';
  const sample = await startDocuwareSample({ now: clock.now, oauthTokenLifetimeSeconds: 3600, identityLayout: layout });
  const { sandbox } = sample;
  // docuware-oauth.json has no organization: the Identity Service knows the user's.
  const { organization: _organization, ...credentials } = sample.credentials;
  const connector = await loadConnector(`${connectorsDir}docuware-oauth.json`);
  try {
    say(scope, `Platform at ${sandbox.url}, Identity Service at ${sandbox.identityUrl} (discovered)`);
    // A sandbox's identity origin cannot be *.docuware.cloud: identity_host allows its loopback port.
    const identityHost = sandbox.identityServer ? { identity_host: sandbox.identityServer.host } : {};
    const connection = connector.connect({
      connectionId: `demo-docuware-${layout}`,
      credentials: { ...credentials, ...identityHost },
      clock,
      onEvent: tracer(scope),
      allowPrivateNetwork: true,
      // The sandbox's identity service is plain http on loopback; a real DocuWare host is https.
      allowInsecureHttp: true,
    });
    await call(scope, connection, 'list-organizations');
    advance(scope, 3600);
    await call(scope, connection, 'list-file-cabinets');
    const identity = sandbox.identityServer ?? sandbox;
    say(scope, `discovery requests: ${sandbox.count('/DocuWare/Platform/Home/IdentityServiceInfo') + identity.count(`${new URL(sandbox.identityUrl).pathname}/.well-known`)}, token requests: ${identity.count(`${new URL(sandbox.identityUrl).pathname}/connect/token`)}`);
  } finally {
    await connector.close();
    await sandbox.close();
  }
}

await snov();
await docuware();
await docuwareOAuth('self-hosted');
await docuwareOAuth('cloud');
say('done', `in ${Math.round(performance.now() - started)} ms; no secret was printed (events and errors are redacted)`);
