/**
 * One action, compiled at load: its templates, input validator and output path. At execute
 * time it turns input into a request (URL, query, headers, body) and a response into data.
 */
import type { Action } from '../manifest/types.gen.js';
import { compileDataSchema, type DataValidator } from '../manifest/data-validator.js';
import { compileTemplate, type CompiledTemplate, type TemplateScope } from '../template/liquid.js';
import { compileTemplateMap } from '../template/template-map.js';
import { compileJsonTemplate, type JsonTemplate } from '../template/json-template.js';
import { compileJsonPath, type CompiledJsonPath } from '../extract/json-path.js';
import { InputError, RequestRefusedError } from '../errors.js';
import { compilePagination, type PageRequest, type Pager } from './pagination.js';

export type BodyFormat = NonNullable<Action['body_format']>;
export type RequestBody = string | Uint8Array | FormData | undefined;

export interface BuiltRequest {
  /** Absolute URL text, the action's and the page's query parameters included. */
  href: string;
  /** Whether href came from a relative path, which must stay under the base URL's path. */
  relative: boolean;
  body: RequestBody;
}

export interface CompiledAction {
  readonly id: string;
  readonly method: string;
  readonly spec: Action;
  readonly input: DataValidator;
  readonly output?: CompiledJsonPath;
  readonly applyAuth: boolean;
  readonly expected?: ReadonlySet<number>;
  readonly idempotent: boolean;
  readonly pager?: Pager;
  /** The attributes of its execute span, made once. */
  readonly spanAttributes: Readonly<Record<string, string>>;
  /**
   * Validates and completes the input (defaults; declared but absent fields become null for
   * templates). File content given as a stream is read once here, so a request can be replayed.
   */
  prepareInput(input: unknown): Record<string, unknown> | Promise<Record<string, unknown>>;
  /** Renders the request; the action's headers are written into `headers` (which holds the shared ones). */
  build(scope: TemplateScope, baseHref: string, headers: Record<string, string>, page?: PageRequest): BuiltRequest;
}

const IDEMPOTENT = new Set(['GET', 'HEAD', 'PUT', 'DELETE', 'OPTIONS']);

export function compileAction(id: string, spec: Action): CompiledAction {
  const pointer = `/actions/${id}`;
  const path = compileTemplate(spec.path, `${pointer}/path`);
  // Names encoded once here: per request only the rendered values are.
  const query = compileTemplateMap(spec.query, `${pointer}/query`).map(([name, template]) => ({ name, encoded: encodeURIComponent(name), template }));
  const headers = compileTemplateMap(spec.headers, `${pointer}/headers`);
  const format: BodyFormat = spec.body_format ?? 'json';
  const body = compileBody(spec, format, pointer);
  const input = compileDataSchema(spec.input);
  return {
    id,
    method: spec.method,
    spec,
    input,
    output: spec.output ? compileJsonPath(spec.output) : undefined,
    applyAuth: spec.apply_auth ?? true,
    expected: spec.expected_status ? new Set(spec.expected_status) : undefined,
    idempotent: spec.idempotent ?? IDEMPOTENT.has(spec.method),
    pager: compilePagination(spec.pagination),
    spanAttributes: Object.freeze({ 'connector.action': id }),
    prepareInput: (raw) => prepareInput(id, input, raw),
    build(scope, baseHref, rendered, page) {
      let href: string;
      let relative = false;
      if (page?.url) href = page.url.href;
      else {
        const target = path.render(scope);
        relative = !ABSOLUTE.test(target);
        href = relative ? `${baseHref}${target.startsWith('/') ? '' : '/'}${target}` : target;
      }
      for (const [name, template] of headers) {
        const value = template.render(scope);
        if (value !== '') rendered[name] = value;
      }
      const { content, contentType } = body(scope, page?.bodyFields);
      if (contentType && !hasHeader(rendered, 'content-type')) rendered['content-type'] = contentType;
      return { href: withQuery(href, page?.url ? '' : renderQuery(query, scope, page), page?.query ?? NO_QUERY), relative, body: content };
    },
  };
}

interface QueryParameter {
  readonly name: string;
  readonly encoded: string;
  readonly template: CompiledTemplate;
}

const NO_QUERY: readonly [string, string][] = [];

/** The action's query parameters as URL text (empty values and those the page sets left out). */
function renderQuery(query: readonly QueryParameter[], scope: TemplateScope, page: PageRequest | undefined): string {
  let text = '';
  for (let i = 0; i < query.length; i++) {
    const { name, encoded, template } = query[i] as QueryParameter;
    const value = template.render(scope);
    if (value === '' || page?.query.some(([pageName]) => pageName === name)) continue;
    text += `${text === '' ? '' : '&'}${encoded}=${encodeURIComponent(value)}`;
  }
  return text;
}

/** CompiledAction.prepareInput. */
function prepareInput(id: string, input: DataValidator, raw: unknown): Record<string, unknown> | Promise<Record<string, unknown>> {
  if (raw !== undefined && (raw === null || typeof raw !== 'object' || Array.isArray(raw))) {
    throw new InputError(id, '', `input of action "${id}" must be an object`);
  }
  // Assigned, not spread: defaults and nulls are added to it (docs/architecture.md, "Hot-path rules").
  const value: Record<string, unknown> = Object.assign({}, raw as Record<string, unknown> | undefined);
  const problems = input.validate(value);
  const first = problems[0];
  if (first) {
    const more = problems.length > 1 ? ` (and ${problems.length - 1} more)` : '';
    throw new InputError(id, first.field, `input of action "${id}": ${first.message}${more}`);
  }
  for (const name of input.declared) if (!Object.hasOwn(value, name)) value[name] = null;
  if (input.binaries.length === 0) return value;
  const streams = input.binaries.filter((name) => isReadable(value[name]));
  // Only uploads given as streams pay for a promise.
  return streams.length === 0 ? value : readStreams(value, streams);
}

interface RenderedBody {
  content: RequestBody;
  contentType?: string;
}

type BodyRenderer = (scope: TemplateScope, extraFields?: Record<string, unknown>) => RenderedBody;

function compileBody(spec: Action, format: BodyFormat, pointer: string): BodyRenderer {
  const none: RenderedBody = { content: undefined };
  if (spec.body_template !== undefined) {
    const template = compileTemplate(spec.body_template, `${pointer}/body_template`);
    const contentType = format === 'form' ? FORM : format === 'json' ? JSON_TYPE : undefined;
    return (scope) => ({ content: template.render(scope), contentType});
  }
  if (spec.body === undefined) return () => none;
  const template: JsonTemplate = compileJsonTemplate(spec.body, `${pointer}/body`);
  const render = (scope: TemplateScope, extraFields?: Record<string, unknown>): unknown => {
    const value = template(scope);
    return extraFields && value !== null && typeof value === 'object' ? { ...value, ...extraFields } : value;
  };
  switch (format) {
    case 'json':
      return (scope, extraFields) => ({ content: JSON.stringify(render(scope, extraFields)), contentType: JSON_TYPE });
    case 'form':
      return (scope, extraFields) => ({ content: formEncode(render(scope, extraFields)), contentType: FORM });
    case 'multipart':
      return (scope) => multipart(render(scope));
    case 'raw':
      return (scope) => raw(render(scope));
    default: {
      const unknown: never = format;
      throw new TypeError(`unknown body format ${String(unknown)}`);
    }
  }
}

const JSON_TYPE = 'application/json';
const FORM = 'application/x-www-form-urlencoded';

/** Arrays repeat the key (`emails[]=a&emails[]=b`), as PHP-style APIs such as snov.io expect. */
function formEncode(value: unknown): string {
  const params = new URLSearchParams();
  if (value !== null && typeof value === 'object') {
    for (const [key, item] of Object.entries(value)) {
      for (const entry of Array.isArray(item) ? item : [item]) {
        if (entry === null || entry === undefined) continue;
        params.append(key, typeof entry === 'object' ? JSON.stringify(entry) : String(entry));
      }
    }
  }
  return params.toString();
}

/**
 * A multipart part is a string, a JSON value (sent as application/json), file content, or
 * `{ content, filename?, content_type? }` where content is text, a JSON value or file content.
 */
function multipart(value: unknown): RenderedBody {
  const form = new FormData();
  if (value !== null && typeof value === 'object') {
    for (const [name, part] of Object.entries(value)) {
      if (part === null || part === undefined) continue;
      appendPart(form, name, part);
    }
  }
  return { content: form};
}

function appendPart(form: FormData, name: string, part: unknown): void {
  if (typeof part === 'string') return form.append(name, part);
  if (isFileContent(part)) return form.append(name, toBlob(part, undefined), name);
  if (typeof part === 'object' && part !== null && Object.hasOwn(part, 'content')) {
    const { content, filename, content_type: contentType } = part as { content: unknown; filename?: unknown; content_type?: unknown };
    const type = typeof contentType === 'string' ? contentType : undefined;
    const blob = isFileContent(content)
      ? toBlob(content, type)
      : new Blob([typeof content === 'string' ? content : JSON.stringify(content)], {
          type: type ?? (typeof content === 'string' ? 'text/plain' : JSON_TYPE),
        });
    return form.append(name, blob, typeof filename === 'string' ? filename : name);
  }
  form.append(name, new Blob([JSON.stringify(part)], { type: JSON_TYPE }), `${name}.json`);
}

function raw(value: unknown): RenderedBody {
  if (value instanceof Uint8Array || typeof value === 'string') return { content: value};
  if (value instanceof Blob) throw new TypeError('raw bodies take text or bytes; give a Buffer instead of a Blob');
  return { content: JSON.stringify(value)};
}

const ABSOLUTE = /^[a-z][a-z0-9+.-]*:/i;

async function readStreams(value: Record<string, unknown>, names: readonly string[]): Promise<Record<string, unknown>> {
  for (const name of names) value[name] = await readAll(value[name] as AsyncIterable<Uint8Array>);
  return value;
}

function isReadable(value: unknown): value is AsyncIterable<Uint8Array> {
  return typeof value === 'object' && value !== null && typeof (value as { pipe?: unknown }).pipe === 'function';
}

async function readAll(stream: AsyncIterable<Uint8Array>): Promise<Buffer> {
  const chunks: Uint8Array[] = [];
  for await (const chunk of stream) chunks.push(chunk);
  return Buffer.concat(chunks);
}

function isFileContent(value: unknown): value is Uint8Array | Blob {
  return value instanceof Uint8Array || value instanceof Blob;
}

function toBlob(content: Uint8Array | Blob, type: string | undefined): Blob {
  if (content instanceof Blob) return type ? new Blob([content], { type }) : content;
  return new Blob([content], { type: type ?? 'application/octet-stream' });
}

/** What checkTarget needs of a base URL, computed once per base (connection.ts BaseTarget). */
export interface TargetBase {
  readonly host: string;
  /** The base URL's path without trailing slashes ('' for the root). */
  readonly pathPrefix: string;
}

/**
 * Credentials go only to the base URL's host and the hosts the manifest allows, and a relative
 * path may not climb (`/../`) out of the base path onto another API of the same host.
 */
export function checkTarget(url: URL, base: TargetBase, allowedHosts: ReadonlySet<string>, relative: boolean, action: string): void {
  const host = url.host;
  if (host !== base.host && !allowedHosts.has(host) && !allowedHosts.has(url.hostname)) {
    throw new RequestRefusedError(
      `action "${action}" points at ${url.protocol}//${host}, which is neither the base URL's host nor in allowed_hosts`,
    );
  }
  if (!relative) return;
  // On a segment boundary: "/api/../api-admin" must not pass as being under "/api".
  const prefix = base.pathPrefix;
  const path = url.pathname;
  if (path !== prefix && !(path.startsWith(prefix) && path.charCodeAt(prefix.length) === 47)) {
    throw new RequestRefusedError(`action "${action}" resolves outside the base URL's path`);
  }
}

function hasHeader(headers: Record<string, string>, name: string): boolean {
  for (const key in headers) if (key.toLowerCase() === name) return true;
  return false;
}

/**
 * Query parameters appended as RFC 3986 percent-encoding, after any query the URL text already
 * has: `encoded` (URL text already, may be '') first, then `query`.
 */
export function withQuery(href: string, encoded: string, query: readonly (readonly [string, string])[]): string {
  let text = encoded;
  for (let i = 0; i < query.length; i++) {
    const [name, value] = query[i] as readonly [string, string];
    text += `${text === '' ? '' : '&'}${encodeURIComponent(name)}=${encodeURIComponent(value)}`;
  }
  if (text === '') return href;
  return `${href}${href.includes('?') ? '&' : '?'}${text}`;
}
