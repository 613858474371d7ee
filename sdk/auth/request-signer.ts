/**
 * A credential computed over the outgoing request itself (an HMAC over method, host, path and
 * query; OAuth 1.0a; AWS SigV4). The signing stage (runtime/sign-request.ts) calls the auth
 * type's signer once per hop that goes out — every retry and every same-origin redirect hop —
 * after every other stage has finished building it, so what is signed is exactly what is sent.
 * A hop to another origin is never signed: credentials never follow a redirect there.
 */
import type { TemplateScope } from '../template/liquid.js';

/** The hop about to be sent, as the signer sees it and may change it. */
export interface SignableRequest {
  readonly method: string;
  /** Replace it (new URL) to add query parameters; never mutate the one given. */
  url: URL;
  /** Written in place: the signature headers. */
  readonly headers: Record<string, string>;
  /** The body exactly as it goes out, as bytes (empty when there is none). */
  readonly body: Uint8Array;
  /** When the hop is signed, epoch milliseconds from the connection's clock. */
  readonly now: number;
}

export interface RequestSigner {
  /**
   * Signs the hop: adds headers or query parameters. `scope` is the call's template scope
   * (credentials, env, input, auth). Called again for every hop; it must not keep state per
   * request.
   */
  sign(request: SignableRequest, scope: TemplateScope): void | Promise<void>;
}
