/**
 * connectors/aws-s3.json (auth aws_sigv4, signed by @smithy/signature-v4) against a loopback S3
 * whose verifier is written here from AWS's Signature Version 4 documentation, independently of
 * the signer: canonical request from the request as received (raw path, query decoded and
 * re-encoded per RFC 3986 and sorted, the signed headers, the payload hash checked against the
 * body's SHA-256), string to sign, the derived signing key, the signature. Proves: list, put,
 * get, head and delete signed; temporary credentials' session token signed and sent; a retried
 * request signed again; path-style URLs on an S3-compatible endpoint; a wrong secret reported
 * once as an HTTP error; the secret key and the session token in no error or event.
 */
import { createHash, createHmac } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { HttpError, runManifestTests, type Connection } from '../../sdk/index.js';
import { ORIGIN_HEADER } from '../../sdk/http/fixture-dispatcher.js';
import { startLoopback, type Loopback } from '../http/loopback.js';
import { SampleClock, useSampleProvider, type EventLog } from '../helpers/sample-harness.js';
import { registerSecret, rejection } from '../helpers/secret-scan.js';

const MANIFEST = 'connectors/aws-s3.json';
const ACCESS_KEY = 'AKIAIOSFODNN7EXAMPLE';
const SECRET_KEY = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY';
const SESSION_TOKEN = 'session-token-canary-9117';
registerSecret(SECRET_KEY, SESSION_TOKEN);
const REGION = 'eu-west-1';

const clock = new SampleClock(Date.UTC(2026, 10, 23, 9, 0, 0));

const hmac = (key: string | Buffer, data: string) => createHmac('sha256', key).update(data).digest();
const sha256 = (data: string | Buffer) => createHash('sha256').update(data).digest('hex');
/** RFC 3986: only the unreserved characters stay. */
const awsEncode = (text: string) => encodeURIComponent(text).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);

/** SigV4 verification of one request, as AWS documents it for S3 (the path is not escaped again). */
function verify(req: IncomingMessage, body: string, secret: string): string {
  const auth = /^AWS4-HMAC-SHA256 Credential=([^/]+)\/(\d{8})\/([^/]+)\/s3\/aws4_request, SignedHeaders=([a-z0-9;-]+), Signature=([0-9a-f]{64})$/.exec(String(req.headers.authorization));
  if (!auth) return 'no sigv4 authorization';
  const [, keyId, day, region, signedHeaders, signature] = auth as unknown as string[];
  const amzDate = String(req.headers['x-amz-date']);
  if (keyId !== ACCESS_KEY || region !== REGION || !amzDate.startsWith(day as string)) return 'wrong scope';
  if (Math.abs(Date.parse(amzDate.replace(/^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/, '$1-$2-$3T$4:$5:$6Z')) - clock.ms) > 15 * 60_000) return 'stale date';
  if (req.headers['x-amz-content-sha256'] !== sha256(Buffer.from(body, 'utf8'))) return 'payload hash mismatch';
  const names = (signedHeaders as string).split(';');
  if (!names.includes('host') || !names.includes('x-amz-date')) return 'host or date unsigned';
  const url = new URL(req.url ?? '/', 'http://x');
  const query = [...url.searchParams].map(([k, v]) => [awsEncode(k), awsEncode(v)]).sort(([a, x], [b, y]) => (a! < b! ? -1 : a! > b! ? 1 : x! < y! ? -1 : 1));
  const canonical = [
    req.method,
    (req.url ?? '/').split('?')[0],
    query.map(([k, v]) => `${k}=${v}`).join('&'),
    names.map((name) => `${name}:${String(req.headers[name]).trim().replace(/\s+/g, ' ')}\n`).join(''),
    signedHeaders,
    req.headers['x-amz-content-sha256'],
  ].join('\n');
  const scope = `${day}/${region}/s3/aws4_request`;
  const toSign = ['AWS4-HMAC-SHA256', amzDate, scope, sha256(canonical)].join('\n');
  const key = hmac(hmac(hmac(hmac(`AWS4${secret}`, day as string), region as string), 's3'), 'aws4_request');
  return createHmac('sha256', key).update(toSign).digest('hex') === signature ? 'valid' : 'signature mismatch';
}

/** The loopback S3 bucket: objects by key; answers only requests whose signature verifies. */
class FakeS3 {
  readonly log: string[] = [];
  readonly objects = new Map<string, string>([['reports/2026-11.csv', 'month,total\n2026-11,42\n']]);
  slowDown = 0;
  requireSessionToken = false;
  #server!: Loopback;

  async start(): Promise<this> {
    this.#server = await startLoopback((req, res, body) => this.#handle(req, res, body));
    return this;
  }

  get origin(): string {
    return this.#server.origin;
  }

  close(): Promise<void> {
    return this.#server.close();
  }

  #handle(req: IncomingMessage, res: ServerResponse, body: string): void {
    let verdict = verify(req, body, SECRET_KEY);
    if (this.requireSessionToken && (req.headers['x-amz-security-token'] !== SESSION_TOKEN || !String(req.headers.authorization).includes('x-amz-security-token'))) verdict = 'session token missing or unsigned';
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    this.log.push(`${req.method} ${req.headers[ORIGIN_HEADER]}${path} ${verdict}`);
    if (verdict !== 'valid') return xml(res, 403, '<Error><Code>SignatureDoesNotMatch</Code><Message>The request signature we calculated does not match the signature you provided.</Message></Error>');
    if (this.slowDown-- > 0) return xml(res, 503, '<Error><Code>SlowDown</Code><Message>Please reduce your request rate.</Message></Error>');
    const key = decodeURIComponent(path.replace(/^\/(?:example-bucket\/)?/, ''));
    if (key === '') return xml(res, 200, `<ListBucketResult><Name>example-bucket</Name><KeyCount>${this.objects.size}</KeyCount>${[...this.objects.keys()].map((k) => `<Contents><Key>${k}</Key></Contents>`).join('')}</ListBucketResult>`);
    if (req.method === 'PUT') this.objects.set(key, body);
    if (req.method === 'DELETE') this.objects.delete(key);
    const stored = this.objects.get(key);
    if (req.method === 'GET' && stored === undefined) return xml(res, 404, '<Error><Code>NoSuchKey</Code></Error>');
    res.writeHead(req.method === 'DELETE' ? 204 : 200, { 'content-type': 'text/csv', 'content-length': String(req.method === 'GET' ? Buffer.byteLength(stored ?? '') : 0) });
    res.end(req.method === 'GET' ? stored : undefined);
  }
}

function xml(res: ServerResponse, status: number, text: string): void {
  res.writeHead(status, { 'content-type': 'application/xml', 'content-length': String(Buffer.byteLength(text)) });
  res.end(text);
}

const sample = useSampleProvider(() => new FakeS3().start(), MANIFEST, {
  connectionId: 's3-1',
  credentials: { access_key_id: ACCESS_KEY, secret_access_key: SECRET_KEY, region: REGION, bucket: 'example-bucket' },
  clock,
  lazy: true,
  allowInsecureHttp: false,
});

async function connect(credentials: Record<string, string> = {}): Promise<{ connection: Connection; log: EventLog }> {
  await sample.load();
  return sample.connectWithLog({ credentials });
}

async function text(stream: Readable): Promise<string> {
  let out = '';
  for await (const chunk of stream) out += String(chunk);
  return out;
}

const BUCKET = 'https://example-bucket.s3.eu-west-1.amazonaws.com';

describe('Amazon S3 (AWS Signature Version 4)', () => {
  it('list, put, get, head and delete: every request verifies', async () => {
    const { connection } = await connect();
    expect(String((await connection.execute('list-objects', { prefix: 'reports/', max_keys: 10 })).data)).toContain('<Key>reports/2026-11.csv</Key>');
    await connection.execute('put-object', { key: 'reports/2026-12 (draft).csv', content: 'month,total\n2026-12,7\n', content_type: 'text/csv' });
    expect(sample.server.objects.get('reports/2026-12 (draft).csv')).toBe('month,total\n2026-12,7\n');
    expect(await text((await connection.execute<Readable>('get-object', { key: 'reports/2026-11.csv' })).data)).toBe('month,total\n2026-11,42\n');
    await connection.execute('head-object', { key: 'reports/2026-11.csv' });
    await connection.execute('delete-object', { key: 'reports/2026-11.csv' });
    expect(sample.server.log).toEqual([
      `GET ${BUCKET}/ valid`,
      `PUT ${BUCKET}/reports%2F2026-12%20(draft).csv valid`,
      `GET ${BUCKET}/reports%2F2026-11.csv valid`,
      `HEAD ${BUCKET}/reports%2F2026-11.csv valid`,
      `DELETE ${BUCKET}/reports%2F2026-11.csv valid`,
    ]);
  });

  it('temporary credentials: the session token is sent and signed', async () => {
    sample.server.requireSessionToken = true;
    const { connection } = await connect({ session_token: SESSION_TOKEN });
    await connection.execute('list-objects');
    expect(sample.server.log).toEqual([`GET ${BUCKET}/ valid`]);
  });

  it('an S3-compatible endpoint gets path-style URLs, signed for its host', async () => {
    const { connection } = await connect({ endpoint: 'https://minio.example.com:9000' });
    await connection.execute('list-objects', { prefix: 'reports/' });
    expect(sample.server.log).toEqual(['GET https://minio.example.com:9000/example-bucket/ valid']);
  });

  it('a 503 SlowDown is retried, signed again', async () => {
    sample.server.slowDown = 1;
    const { connection } = await connect();
    await connection.execute('list-objects');
    expect(sample.server.log).toEqual([`GET ${BUCKET}/ valid`, `GET ${BUCKET}/ valid`]);
  });

  it('a wrong secret: one 403 SignatureDoesNotMatch as an HttpError, and no secret anywhere', async () => {
    registerSecret('wrong-secret-canary-5230');
    const { connection, log } = await connect({ secret_access_key: 'wrong-secret-canary-5230', session_token: SESSION_TOKEN });
    const error = await rejection(connection.execute('list-objects'));
    expect(error).toBeInstanceOf(HttpError);
    expect(error.status).toBe(403);
    expect(sample.server.log).toEqual([`GET ${BUCKET}/ signature mismatch`]);
    expect(log.events.filter((event) => event.type.startsWith('token'))).toEqual([]);
  });

  it('the manifest\'s own scenarios pass', async () => {
    const report = await runManifestTests(MANIFEST);
    expect(report.scenarios.length).toBeGreaterThanOrEqual(3);
    for (const scenario of report.scenarios) expect(scenario.failures, scenario.name).toEqual([]);
  });
});
