/**
 * The signing stage: the innermost stage, right above dispatch, so it sees every hop exactly as
 * it goes out — each retry and each redirect hop — after every other stage has built it. It
 * hands the hop to the auth type's signer (auth/request-signer.ts). A hop that has left the
 * origin the call was built for is sent unsigned: credentials never follow a redirect there.
 *
 * A signature covers the body, so the body is turned into the bytes that will be sent (a
 * FormData body is encoded here, once); a streamed body cannot be signed without buffering it
 * whole, which an upload must not do, so it is refused with the action's field named.
 */
import { ConfigurationError } from '../errors.js';
import { escapePointerToken } from '../json-pointer.js';
import { withoutHeaders } from '../http/headers.js';
import type { Stage } from '../http/pipeline.js';
import type { RequestSigner, SignableRequest } from '../auth/request-signer.js';
import type { ActionRequest } from './action-request.js';

const NO_BYTES = new Uint8Array(0);

export function signRequest(signer: RequestSigner | undefined, now: () => number): Stage<ActionRequest> | undefined {
  if (signer === undefined) return undefined;
  return (next) => async (request) => {
    if (!request.call.action.applyAuth || request.url.origin !== request.call.origin) return next(request);
    const { body, headers } = await bodyBytes(request);
    const signable: SignableRequest = { method: request.method, url: request.url, headers, body, now: now() };
    await signer.sign(signable, request.call.scope);
    return next({ ...request, url: signable.url, headers, body: body.byteLength === 0 && request.body === undefined ? undefined : body });
  };
}

/** The body as the bytes that go out, and the headers with a FormData body's boundary. */
async function bodyBytes(request: ActionRequest): Promise<{ body: Uint8Array; headers: Record<string, string> }> {
  const { body } = request;
  // A copy: the hop may be signed again (a retry), and each signature starts from the built request.
  // Assigned, not spread: the signer adds headers to it (docs/architecture.md, "Hot-path rules").
  const headers: Record<string, string> = Object.assign({}, request.headers);
  if (body === undefined) return { body: NO_BYTES, headers };
  if (typeof body === 'string') return { body: Buffer.from(body, 'utf8'), headers };
  if (body instanceof Uint8Array) return { body, headers };
  if (body instanceof FormData) {
    const encoded = new Response(body);
    const type = encoded.headers.get('content-type') ?? 'multipart/form-data';
    return { body: new Uint8Array(await encoded.arrayBuffer()), headers: { ...withoutHeaders(headers, ['content-type']), 'content-type': type } };
  }
  // What is left is a stream (binary input).
  const id = request.call.action.id;
  throw new ConfigurationError(`/actions/${escapePointerToken(id)}/body_format`, `action "${id}" streams its body, and a signed request must sign the whole body: send it as a string or bytes, or set apply_auth to false on this action`);
}
