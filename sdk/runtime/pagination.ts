/**
 * Pagination strategies: cursor (a JSONPath to the next cursor), offset/limit, page number,
 * `Link: <…>; rel="next"` (RFC 8288), and a next URL in the body (Salesforce, OData, JSON:API).
 * Each turns the page just read into the next page's parameters, or says the pages are done.
 */
import type { Pagination, PaginationCursor, PaginationNextUrl, PaginationOffset, PaginationPage } from '../manifest/types.gen.js';
import { compileJsonPath, type CompiledJsonPath } from '../extract/json-path.js';

/** What a page adds to the action's own request. */
export interface PageRequest {
  query: [string, string][];
  /** Fields merged into a JSON or form body (cursor pagination `in: body`). */
  bodyFields?: Record<string, unknown>;
  /** The next page's whole URL, query included (Link header and next-URL pagination): the action's query is not added again. */
  url?: URL;
  /** Where the walk stands: the offset or page number this request asks for. */
  position?: number;
}

export interface PageResponse {
  json: unknown;
  headers: Record<string, string | string[] | undefined>;
  url: URL;
}

export interface Pager {
  readonly maxPages: number;
  /** Where a page's items are (`results_path`), when the manifest says. */
  readonly results?: CompiledJsonPath;
  first(): PageRequest;
  /** The request after `current`, whose answer is `page`; undefined when the pages are done. */
  next(page: PageResponse, current: PageRequest): PageRequest | undefined;
}

export function compilePagination(spec: Pagination | undefined): Pager | undefined {
  if (!spec) return undefined;
  const maxPages = spec.max_pages ?? 100;
  switch (spec.type) {
    case 'cursor':
      return cursorPager(spec, maxPages);
    case 'offset':
      return offsetPager(spec, maxPages);
    case 'page':
      return pageNumberPager(spec, maxPages);
    case 'link_header':
      return linkHeaderPager(maxPages);
    case 'next_url':
      return nextUrlPager(spec, maxPages);
    default: {
      const unknown: never = spec;
      throw new TypeError(`unknown pagination type ${String((unknown as { type: unknown }).type)}`);
    }
  }
}

/** The next cursor from the page, sent as a query parameter or a body field; done at no cursor or an empty page. */
function cursorPager(spec: PaginationCursor, maxPages: number): Pager {
  const cursorPath = compileJsonPath(spec.cursor_path);
  const place = (cursor: string): PageRequest =>
    spec.in === 'body' ? { query: [], bodyFields: { [spec.param]: cursor } } : { query: [[spec.param, cursor]] };
  return pointerPager(maxPages, spec.results_path, (page) => {
    const cursor = cursorPath.first(page.json);
    return cursor === undefined || cursor === null || cursor === '' ? undefined : place(String(cursor));
  });
}

/** The offset moves by the items read; done at a page shorter than the limit. */
function offsetPager(spec: PaginationOffset, maxPages: number): Pager {
  const results = compileJsonPath(spec.results_path);
  const request = (offset: number): PageRequest => ({ query: [[spec.offset_param, String(offset)], [spec.limit_param, String(spec.limit)]], position: offset });
  return {
    maxPages,
    results,
    first: () => request(0),
    next(page, current) {
      const count = countOf(results, page.json);
      return count < spec.limit ? undefined : request((current.position ?? 0) + count);
    },
  };
}

/** The page number counts up from `start`; done at an empty page or one shorter than `size`. */
function pageNumberPager(spec: PaginationPage, maxPages: number): Pager {
  const results = compileJsonPath(spec.results_path);
  const start = spec.start ?? 1;
  const request = (number: number): PageRequest => {
    const query: [string, string][] = [[spec.page_param, String(number)]];
    if (spec.size_param && spec.size !== undefined) query.push([spec.size_param, String(spec.size)]);
    return { query, position: number };
  };
  return {
    maxPages,
    results,
    first: () => request(start),
    next(page, current) {
      const count = countOf(results, page.json);
      if (count === 0 || (spec.size !== undefined && count < spec.size)) return undefined;
      return request((current.position ?? start) + 1);
    },
  };
}

/** The next page is the `Link` header's `rel="next"` target; done when there is none. */
function linkHeaderPager(maxPages: number): Pager {
  return {
    maxPages,
    first: () => ({ query: [] }),
    next(page) {
      const next = nextLink(page.headers.link);
      return next === undefined ? undefined : { query: [], url: new URL(next, page.url) };
    },
  };
}

/** The next page is the URL (or path) the body names; done when it names none or the page is empty. */
function nextUrlPager(spec: PaginationNextUrl, maxPages: number): Pager {
  const nextPath = compileJsonPath(spec.next_url_path);
  return pointerPager(maxPages, spec.results_path, (page) => {
    const next = nextPath.first(page.json);
    if (typeof next !== 'string' || next === '' || !URL.canParse(next, page.url.href)) return undefined;
    return { query: [], url: new URL(next, page.url) };
  });
}

/** A walk where each page points at the next (a cursor, a URL): the first page is the action as it is; an empty page ends it. */
function pointerPager(maxPages: number, resultsPath: string | undefined, nextOf: (page: PageResponse) => PageRequest | undefined): Pager {
  const results = resultsPath === undefined ? undefined : compileJsonPath(resultsPath);
  return {
    maxPages,
    ...(results ? { results } : {}),
    first: () => ({ query: [] }),
    next: (page) => (results && countOf(results, page.json) === 0 ? undefined : nextOf(page)),
  };
}

/** Items on the page: an array's length; anything else present counts as one. */
function countOf(path: CompiledJsonPath, json: unknown): number {
  const value = path.first(json);
  if (Array.isArray(value)) return value.length;
  return value === undefined || value === null ? 0 : 1;
}

/** The target of `rel="next"` in one or more Link headers (RFC 8288 §3). */
export function nextLink(header: string | string[] | undefined): string | undefined {
  if (header === undefined) return undefined;
  for (const value of Array.isArray(header) ? header : [header]) {
    for (const match of value.matchAll(/<([^>]*)>((?:\s*;\s*[^;,]+)*)/g)) {
      const params = match[2] ?? '';
      if (/;\s*rel\s*=\s*"?(?:[^";,]*\s)?next(?:\s[^";,]*)?"?/i.test(params)) return match[1];
    }
  }
  return undefined;
}
