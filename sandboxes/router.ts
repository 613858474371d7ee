/**
 * Route tables: each sandbox lists its endpoints as data (method, path pattern, handler and its
 * own flags) and asks here which one a request hits.
 */

/** What the router needs of a route; sandboxes add their handler and flags. */
export interface RouteShape {
  methods: readonly string[];
  /** Anchored pattern of the path; its groups become `params` (URL-decoded). */
  path: RegExp;
}

export type RouteMatch<R extends RouteShape> =
  | { kind: 'found'; route: R; params: string[] }
  /** The path exists but not for this method (ASP.NET answers 405, others 404). */
  | { kind: 'wrong-method' }
  | { kind: 'not-found' };

/**
 * Finds the route of `method` and `pathname`.
 *
 * @example
 * const match = findRoute(routes, 'GET', '/v2/domain-search/result/abc');
 * if (match.kind === 'found') match.params[0]; // 'abc'
 */
export function findRoute<R extends RouteShape>(routes: readonly R[], method: string, pathname: string): RouteMatch<R> {
  let pathExists = false;
  for (const route of routes) {
    const match = route.path.exec(pathname);
    if (!match) continue;
    pathExists = true;
    if (route.methods.includes(method)) {
      const params = decodeAll(match.slice(1));
      return params ? { kind: 'found', route, params } : { kind: 'not-found' };
    }
  }
  return pathExists ? { kind: 'wrong-method' } : { kind: 'not-found' };
}

/** A malformed escape (`%zz`) names no resource: undefined, so the caller answers 404. */
function decodeAll(parts: (string | undefined)[]): string[] | undefined {
  try {
    return parts.map((p) => decodeURIComponent(p ?? ''));
  } catch {
    return undefined;
  }
}
