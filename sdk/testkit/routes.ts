/**
 * Routes of test responses and expectations: "METHOD /path", the request path without its
 * query, where `*` stands for one path segment. Path segments are compared decoded.
 */

export interface CompiledRoute {
  /** As declared. */
  readonly key: string;
  matches(method: string, path: string): boolean;
}

/**
 * @example
 * compileRoute('GET /FileCabinets/*\/Dialogs').matches('GET', '/FileCabinets/abc/Dialogs?x=1'); // true
 */
export function compileRoute(key: string): CompiledRoute {
  const space = key.indexOf(' ');
  const method = key.slice(0, space);
  const segments = segmentsOf(key.slice(space + 1));
  return {
    key,
    matches(requestMethod, path) {
      if (requestMethod !== method) return false;
      const actual = segmentsOf(pathOnly(path));
      return actual.length === segments.length && segments.every((segment, i) => segment === '*' ? actual[i] !== '' : segment === actual[i]);
    },
  };
}

/** The route a request falls under, written as declared routes are: "GET /v1/items". */
export function routeOf(method: string, path: string): string {
  return `${method} ${segmentsOf(pathOnly(path)).map((s) => `/${s}`).join('') || '/'}`;
}

function pathOnly(path: string): string {
  const end = path.search(/[?#]/);
  return end === -1 ? path : path.slice(0, end);
}

function segmentsOf(path: string): string[] {
  const trimmed = path.replace(/^\/+/, '');
  if (trimmed === '') return [];
  return trimmed.split('/').map((segment) => {
    try {
      return decodeURIComponent(segment);
    } catch {
      return segment;
    }
  });
}
