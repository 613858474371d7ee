/**
 * The random values of one outgoing request (the results of the `nonce` and `uuid` filters),
 * made on first use and then kept, so every header, query parameter and body field of that
 * request sees the same value.
 *
 * Which request a render belongs to is decided by the scope object it is rendered with:
 *
 * 1. A scope made by `requestScope(base)` carries its own `RequestValues` under the symbol
 *    `REQUEST_VALUES`. Object spread copies own symbol properties, so `{ ...scope, auth }` (as
 *    the auth strategies build for their templates) is still the same request. `requestScope`
 *    on a scope that already has values gives new ones: a new request.
 * 2. Any other scope object is its own request: its values are kept in a WeakMap keyed by the
 *    object itself (nothing is written to it; frozen scopes work). Rendering every template of
 *    a request with one scope object gives one value; a spread copy of such a scope is another
 *    object, hence another request.
 *
 * A pipeline therefore calls `requestScope` once per outgoing request (a retry or the next
 * page that is rendered again is a new request and gets new values) and renders everything of
 * that request from the result or spreads of it.
 */

/** Where a scope made by `requestScope` keeps its request's values. Invisible to templates (not a string key). */
export const REQUEST_VALUES: unique symbol = Symbol('connector-sdk.request-values');

/** At most this many distinct nonces and uuids per request: a loop over names cannot hoard memory. */
export const MAX_REQUEST_VALUES = 64;

/** The values of one request, by kind and name. */
export class RequestValues {
  /** Made on first use: most requests use no nonce at all, and every request gets a RequestValues. */
  #values: Map<string, unknown> | undefined;

  /** The value under `key`, made by `make` the first time. */
  get<T>(key: string, make: () => T): T {
    const values = (this.#values ??= new Map());
    if (values.has(key)) return values.get(key) as T;
    if (values.size >= MAX_REQUEST_VALUES) {
      throw new Error(`at most ${MAX_REQUEST_VALUES} different nonces and uuids may be made for one request`);
    }
    const value = make();
    values.set(key, value);
    return value;
  }

  get size(): number {
    return this.#values?.size ?? 0;
  }
}

const implicit = new WeakMap<object, RequestValues>();

/** A copy of `scope` that is a new request: its nonces and uuids are made afresh, and spreads of it share them. */
export function requestScope<T extends object>(scope: T): T & { readonly [REQUEST_VALUES]: RequestValues } {
  // Assigned, not spread: a scope without the key would get a hidden class of its own (docs/architecture.md, "Hot-path rules").
  return Object.assign({}, scope, { [REQUEST_VALUES]: new RequestValues() });
}

/** The request values a render with this scope object uses (see the module comment). */
export function requestValuesOf(scope: object): RequestValues {
  if (Object.hasOwn(scope, REQUEST_VALUES)) {
    const own = (scope as { [REQUEST_VALUES]?: unknown })[REQUEST_VALUES];
    if (own instanceof RequestValues) return own;
  }
  let values = implicit.get(scope);
  if (!values) {
    values = new RequestValues();
    implicit.set(scope, values);
  }
  return values;
}
