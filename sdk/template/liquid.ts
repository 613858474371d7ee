/**
 * The one door to liquidjs. Templates come from manifests that may be third-party, so the
 * engine reads only own properties, has no file system, refuses undefined variables and
 * filters, and stops runaway loops and allocations. Templates are compiled once at load;
 * static strings and the subset direct-render.ts compiles (text, outputs through the SDK's
 * filters, captures) skip the engine on the hot path.
 *
 * The SDK's filters (hashes, hmac, encodings, nonce, uuid, time) live in filters.ts, which
 * this module registers; their arguments are checked when a template is parsed.
 *
 * One request, one nonce: the `nonce` and `uuid` filters keep their value per scope object
 * (request-values.ts). Render every template of one outgoing request — headers, query, body,
 * the auth strategy's templates — from ONE scope made by `requestScope(base)` (or spreads of
 * it, which keep its values), and make a new one for the next request. A plain scope object
 * that is not from `requestScope` is a request of its own: the same object gives the same
 * values, another object (a spread copy too) new ones.
 */
import { createRequire } from 'node:module';
import type * as LiquidModule from 'liquidjs';
import type { LiquidOptions, Template } from 'liquidjs';
import { TemplateError } from '../errors.js';
import { compileDirect, FALLBACK, lookup, MISS, SIMPLE_PATH } from './direct-render.js';
import { registerFilters } from './filters.js';
import type { REQUEST_VALUES, RequestValues } from './request-values.js';

export { MAX_INPUT_BYTES, MAX_NONCE_BYTES, SDK_FILTERS } from './filters.js';
export { MAX_REQUEST_VALUES, REQUEST_VALUES, RequestValues, requestScope } from './request-values.js';

/** The variables a template may read; which roots exist depends on the field (see the schema's x-template). */
export interface TemplateScope {
  credentials?: Readonly<Record<string, unknown>>;
  input?: Readonly<Record<string, unknown>>;
  auth?: Readonly<Record<string, unknown>>;
  env?: string;
  /** Epoch seconds of the connection's clock (virtual in `connector test`): the time filters' "now". */
  now?: number;
  /** The request's nonces and uuids (set by `requestScope`; not visible to templates). */
  readonly [REQUEST_VALUES]?: RequestValues;
}

export interface CompiledTemplate {
  readonly source: string;
  /** True when the template has no tags or outputs: render returns the source. */
  readonly isStatic: boolean;
  render(scope: TemplateScope): string;
  /** Like render, but a template that is exactly one `{{ expression }}` keeps the value's JSON type. */
  renderValue(scope: TemplateScope): unknown;
}

// Required, not imported: the package's entry is CommonJS, and importing it from ESM makes Node
// scan its 180 KB for export names at every start (~15 ms of `connector validate`).
const { Liquid, TypeGuards, toValue, toValueSync } = createRequire(import.meta.url)('liquidjs') as typeof LiquidModule;

/**
 * The options the SDK's liquidjs engine is built with (the tags and filters below are registered
 * on top). Exported so tests can build a plain engine that is configured the same way.
 */
export const ENGINE_OPTIONS: Readonly<LiquidOptions> = Object.freeze({
  strictVariables: true,
  strictFilters: true,
  ownPropertyOnly: true,
  // `{% if input.optional %}` must work for inputs the caller left out.
  lenientIf: true,
  // No file system: templates resolve against this empty, frozen map.
  templates: Object.freeze({}),
  parseLimit: 65_536,
  renderLimit: 200,
  memoryLimit: 10_000_000,
  outputEscape: undefined,
  // Dates print in UTC with English names, whatever the host's TZ and LANG: the same
  // manifest renders the same text everywhere (and in `connector test`).
  timezoneOffset: 0,
  locale: 'en-US',
});

const engine = new Liquid(ENGINE_OPTIONS);

// No template may reach another template or a file.
for (const tag of ['include', 'render', 'layout']) {
  engine.registerTag(tag, {
    parse() {
      throw new Error(`the {% ${tag} %} tag is not available in connector templates`);
    },
    render() {
      return '';
    },
  });
}

const inspectFilters = registerFilters(engine, { TypeGuards, toValue, toValueSync });

const OUTPUT_ONLY = /^\{\{-?\s*([^{}]*?)\s*-?\}\}$/;

/**
 * Compiles a template once. `where` names the field (a JSON pointer into the manifest) for
 * error messages. Throws TemplateError when the source does not parse.
 */
export function compileTemplate(source: string, where: string): CompiledTemplate {
  if (!source.includes('{{') && !source.includes('{%')) return staticTemplate(source);
  const parsed = parse(source, where);
  const direct = compileDirect(source);
  const exact = OUTPUT_ONLY.exec(source);
  const expression = exact?.[1];
  const simpleValuePath = expression !== undefined && SIMPLE_PATH.test(expression) ? expression.split('.') : undefined;
  return {
    source,
    isStatic: false,
    render: direct
      ? (scope) => {
          const text = direct(scope);
          return text === FALLBACK ? renderParsed(parsed, scope, where) : text;
        }
      : (scope) => renderParsed(parsed, scope, where),
    renderValue(scope) {
      if (simpleValuePath) {
        const value = lookup(scope, simpleValuePath);
        if (value !== MISS) return value;
      }
      if (expression !== undefined) return evalExpression(expression, scope, where);
      return this.render(scope);
    },
  };
}

/** compileTemplate for optional manifest fields. */
export function compileOptionalTemplate(source: string | undefined, where: string): CompiledTemplate | undefined {
  return source === undefined ? undefined : compileTemplate(source, where);
}

/** The variables a template reads, as path segments (`[["credentials", "host"]]`). */
export function templateVariables(source: string, where = ''): string[][] {
  const parsed = parse(source, where);
  try {
    const variables = engine
      .globalVariableSegmentsSync(parsed)
      .map((segments) => segments.map((segment) => (Array.isArray(segment) ? segment.join('.') : String(segment))));
    // `{{ "now" | unix_time }}` reads the scope's now as surely as `{{ now | unix_time }}`.
    if (readsClock.has(parsed) && !variables.some((segments) => segments.length === 1 && segments[0] === 'now')) variables.push(['now']);
    return variables;
  } catch (error) {
    throw new TemplateError(where, `template at ${where || '/'} cannot be analysed: ${messageOf(error)}`);
  }
}

function staticTemplate(source: string): CompiledTemplate {
  return { source, isStatic: true, render: () => source, renderValue: () => source };
}

/** Parsed templates that pipe a `"now"` literal into a time filter. */
const readsClock = new WeakSet<Template[]>();

function parse(source: string, where: string): Template[] {
  try {
    const parsed = engine.parse(source);
    if (inspectFilters(parsed).readsClock) readsClock.add(parsed);
    return parsed;
  } catch (error) {
    throw new TemplateError(where, `template at ${where || '/'} does not parse: ${messageOf(error)}`);
  }
}

function renderParsed(parsed: Template[], scope: TemplateScope, where: string): string {
  try {
    return engine.renderSync(parsed, scope) as string;
  } catch (error) {
    throw new TemplateError(where, `template at ${where || '/'} failed: ${messageOf(error)}`);
  }
}

function evalExpression(expression: string, scope: TemplateScope, where: string): unknown {
  try {
    return engine.evalValueSync(expression, scope);
  } catch (error) {
    throw new TemplateError(where, `template at ${where || '/'} failed: ${messageOf(error)}`);
  }
}

/** liquidjs messages name the template position, never scope values; keep the first line only. */
function messageOf(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  return text.split('\n')[0] ?? text;
}
