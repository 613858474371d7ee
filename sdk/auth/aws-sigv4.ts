/**
 * AWS Signature Version 4 on every hop, through @smithy/signature-v4 (the AWS SDK's own signer:
 * canonical request, credential scope, signing-key derivation are not ours to get subtly wrong).
 * The signing stage hands it the hop exactly as it goes out; the signer adds Host, X-Amz-Date,
 * the session token, optionally X-Amz-Content-SHA256 (S3), and Authorization. Credentials are
 * rendered from the manifest's templates for the hop's scope, so a connection's own keys sign
 * its requests; nothing is cached across connections.
 */
import { Hash } from '@smithy/hash-node';
import { SignatureV4 } from '@smithy/signature-v4';
import type { AuthAwsSigv4 } from '../manifest/types.gen.js';
import { compileOptionalTemplate, compileTemplate, type TemplateScope } from '../template/liquid.js';
import type { AuthStrategy } from './auth-strategy.js';
import { compileExpiredSignal } from './expired-signal.js';
import type { RequestSigner, SignableRequest } from './request-signer.js';

/** The headers SigV4 adds; Authorization and the session token carry credentials. */
const SIGNED_HEADERS = ['authorization', 'x-amz-security-token', 'x-amz-date', 'x-amz-content-sha256'];

export function createAwsSigv4(spec: AuthAwsSigv4, pointer = '/auth'): AuthStrategy {
  const accessKeyId = compileTemplate(spec.access_key_id, `${pointer}/access_key_id`);
  const secretAccessKey = compileTemplate(spec.secret_access_key, `${pointer}/secret_access_key`);
  const sessionToken = compileOptionalTemplate(spec.session_token, `${pointer}/session_token`);
  const region = compileTemplate(spec.region, `${pointer}/region`);
  const service = compileTemplate(spec.service, `${pointer}/service`);
  const signerFor = (scope: TemplateScope): SignatureV4 =>
    new SignatureV4({
      credentials: { accessKeyId: accessKeyId.render(scope), secretAccessKey: secretAccessKey.render(scope), sessionToken: sessionToken?.render(scope) || undefined },
      region: region.render(scope),
      service: service.render(scope),
      sha256: Hash.bind(null, 'sha256'),
      uriEscapePath: spec.uri_escape_path ?? true,
      applyChecksum: spec.content_sha256_header ?? false,
    });
  const signer: RequestSigner = {
    async sign(request, scope) {
      const signed = await signerFor(scope).sign(toSmithy(request), { signingDate: new Date(request.now) });
      for (const name of Object.keys(request.headers)) if (name.toLowerCase() === 'host' || SIGNED_HEADERS.includes(name.toLowerCase())) delete request.headers[name];
      Object.assign(request.headers, signed.headers);
    },
  };
  return {
    type: 'aws_sigv4',
    credentialHeaders: ['authorization', 'x-amz-security-token'],
    credentialQueryParams: [],
    apply: () => undefined,
    derivedSecrets: (scope) => [sessionToken?.render(scope) ?? ''].filter((value) => value !== ''),
    signer,
    isExpired: compileExpiredSignal({ statuses: [] }),
  };
}

/** The hop as the signer's HttpRequest: decoded query values (it encodes them canonically), Host set. */
function toSmithy(request: SignableRequest) {
  const query: Record<string, string | string[]> = {};
  for (const [name, value] of request.url.searchParams) {
    const held = query[name];
    query[name] = held === undefined ? value : Array.isArray(held) ? [...held, value] : [held, value];
  }
  const headers: Record<string, string> = { ...request.headers, host: request.url.host };
  return {
    method: request.method,
    protocol: request.url.protocol,
    hostname: request.url.hostname,
    port: request.url.port === '' ? undefined : Number(request.url.port),
    path: request.url.pathname,
    query,
    headers,
    body: request.body.byteLength === 0 ? undefined : request.body,
  };
}
