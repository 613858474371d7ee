/**
 * An action's request on its way through the pipeline: the HTTP request, plus the call it
 * belongs to (the action, the template scope it was rendered with, the token record it is sent
 * with), which the connection's own stages read.
 */
import type { HttpRequest } from '../http/http-client.js';
import type { TokenRecord } from '../store/token-store.js';
import type { TemplateScope } from '../template/liquid.js';
import type { CompiledAction } from './action.js';

export interface ActionCall {
  readonly action: CompiledAction;
  /** credentials, env, input, `auth` (the record's view) and `now`. */
  readonly scope: TemplateScope;
  /** The token record this attempt carries; undefined for auth types without tokens. */
  readonly record?: TokenRecord;
  /** The origin the request was built for: a signer signs only hops to it (runtime/sign-request.ts). */
  readonly origin: string;
}

export interface ActionRequest extends HttpRequest {
  readonly call: ActionCall;
}
