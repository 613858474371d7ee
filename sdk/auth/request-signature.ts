/**
 * A credential computed over each outgoing request by the manifest's own templates: an HMAC of
 * the date, method, host, path and sorted parameters (Cisco Duo's Admin API), a body hash, a
 * nonce header. The templates see the hop as `request` (request-view.ts) besides credentials and
 * env, and are rendered by the signing stage for every hop that goes out — each retry and each
 * same-origin redirect hop gets its own date, nonce and signature. No token is involved.
 */
import type { AuthRequestSignature } from '../manifest/types.gen.js';
import { escapePointerToken } from '../json-pointer.js';
import { templateVariables } from '../template/liquid.js';
import { compileTemplateMap, type TemplateMap } from '../template/template-map.js';
import { RequestValues, REQUEST_VALUES } from '../template/request-values.js';
import type { AuthStrategy } from './auth-strategy.js';
import { compileExpiredSignal } from './expired-signal.js';
import type { RequestSigner } from './request-signer.js';
import { requestFieldsRead, requestViewOf, strictEncode } from './request-view.js';

export function createRequestSignature(spec: AuthRequestSignature, pointer = '/auth'): AuthStrategy {
  const headers = compileTemplateMap(spec.headers, `${pointer}/headers`);
  const query = compileTemplateMap(spec.query, `${pointer}/query`);
  const requestView = requestViewOf(requestFieldsRead([...variablesOf(headers, `${pointer}/headers`), ...variablesOf(query, `${pointer}/query`)]));
  const signer: RequestSigner = {
    sign(request, callScope) {
      const view = requestView(request);
      // The hop's own time and random values: `now` filters and nonces agree with request.*.
      // Assigned, not spread: `request` is a key the call's scope lacks (docs/architecture.md, "Hot-path rules").
      const scope = Object.assign({}, callScope, { request: view, now: Math.floor(request.now / 1000), [REQUEST_VALUES]: new RequestValues() });
      for (const [name, template] of headers) {
        const value = template.render(scope);
        for (const existing of Object.keys(request.headers)) if (existing.toLowerCase() === name.toLowerCase()) delete request.headers[existing];
        if (value !== '') request.headers[name] = value;
      }
      if (query.length === 0) return;
      // Appended, not re-serialised: the parameters already signed keep their exact encoding.
      const added = query.map(([name, template]) => `${strictEncode(name)}=${strictEncode(template.render(scope))}`).join('&');
      const url = new URL(request.url);
      url.search = url.search === '' ? added : `${url.search.slice(1)}&${added}`;
      request.url = url;
    },
  };
  return {
    type: 'request_signature',
    credentialHeaders: headers.map(([name]) => name.toLowerCase()),
    credentialQueryParams: query.map(([name]) => name),
    apply: () => undefined,
    // What the templates compute from secrets is a signature over one request: it may be shown.
    derivedSecrets: () => [],
    signer,
    isExpired: compileExpiredSignal({ statuses: [] }),
  };
}

/** Every variable the signing templates read (to see which `request.*` fields they use). */
function variablesOf(map: TemplateMap, pointer: string): string[][] {
  return map.flatMap(([name, template]) => templateVariables(template.source, `${pointer}/${escapePointerToken(name)}`));
}
