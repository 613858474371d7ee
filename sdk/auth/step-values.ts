/**
 * The values a token chain's step takes from its answer (JSONPath, header, cookie, XML path or
 * the whole body), read once per answer. A value is secret unless the manifest says
 * `"secret": false`, and a secret is registered with the redactor the moment it is read, before
 * anything else can quote it. A value that names a host a server chose (a discovered endpoint)
 * is checked against its host patterns right there, so no request ever goes to a host the
 * manifest does not allow.
 */
import type { ChainValue, StepValues } from '../manifest/types.gen.js';
import { ConfigurationError, ResponseError, TokenResponseError } from '../errors.js';
import { escapePointerToken } from '../json-pointer.js';
import type { Redactor } from '../redact.js';
import { compileJsonPath } from '../extract/json-path.js';
import { compileXmlPath } from '../extract/xml-path.js';
import { parseXmlSafely, type XmlDocument } from '../extract/xml.js';
import { parseJsonSafely } from '../extract/json-body.js';
import { parseSetCookies, type ParsedCookie } from '../extract/cookie.js';
import { compileHostPattern, HostNotAllowedError, type HostPattern } from '../manifest/host-pattern.js';
import type { HttpResponse } from '../http/http-client.js';
import { compileTemplate, type TemplateScope } from '../template/liquid.js';
import { keysHint } from './token-request.js';

/** What a value holds: a JSON scalar as the answer had it, or text. null: an optional value the answer lacked. */
export type StepValue = string | number | boolean | null;

/** One step's answer, parsed at most once whatever the number of values read from it. */
export interface StepAnswer {
  readonly response: HttpResponse;
  readonly text: string;
  /** undefined when the body is not JSON. */
  readonly json: unknown;
  readonly cookies: readonly ParsedCookie[];
  /** The XML document, parsed on first use (XmlResponseError when the body is not XML). */
  xml(): XmlDocument;
}

export type ValueSource = 'json' | 'header' | 'cookie' | 'xml' | 'text';

export interface CompiledValue {
  readonly name: string;
  /** The value's manifest field, e.g. /auth/steps/0/values/url. */
  readonly pointer: string;
  readonly source: ValueSource;
  readonly secret: boolean;
  readonly optional: boolean;
  /** The raw value in the answer (undefined when absent). */
  read(answer: StepAnswer): unknown;
  /** Where the value was looked for, for messages: `at $.a.b`, `in header x-token`. */
  readonly where: string;
  /** The host patterns, rendered for a connection's scope; undefined when the value names no host. */
  hostPatterns?(scope: TemplateScope): readonly HostPattern[];
}

/**
 * A URL a manifest field holds (a step value, a base URL built from token values) names a host
 * none of its patterns allow: refused before any request goes there. `field` is the manifest
 * field to check.
 */
export class FieldHostNotAllowedError extends HostNotAllowedError {
  readonly field: string;
  constructor(field: string, subject: string, host: string, patterns: readonly string[]) {
    super(host, patterns);
    const base = this.message;
    this.field = field;
    this.message = `${subject} (${field}): ${base}`;
    if (this.stack) this.stack = this.stack.replace(base, this.message);
  }
}

export function compileStepValues(values: StepValues | undefined, pointer: string): CompiledValue[] {
  return Object.entries(values ?? {})
    .filter((entry): entry is [string, ChainValue] => entry[1] !== undefined)
    .map(([name, spec]) => compileValue(name, spec, `${pointer}/${escapePointerToken(name)}`));
}

function compileValue(name: string, spec: ChainValue, pointer: string): CompiledValue {
  const reader = compileReader(spec, pointer);
  return {
    name,
    pointer,
    ...reader,
    secret: spec.secret !== false,
    optional: spec.optional === true,
    ...(spec.host_patterns ? { hostPatterns: compileHostPatterns(spec.host_patterns, `${pointer}/host_patterns`) } : {}),
  };
}

type Reader = Pick<CompiledValue, 'source' | 'read' | 'where'>;

/** The validator checked that exactly one source is given and that its path compiles. */
function compileReader(spec: ChainValue, pointer: string): Reader {
  if (spec.json !== undefined) {
    const path = compileJsonPath(spec.json);
    return { source: 'json', where: `at ${path.normalized}`, read: (answer) => (answer.json === undefined ? undefined : path.first(answer.json)) };
  }
  if (spec.header !== undefined) {
    const header = spec.header.toLowerCase();
    return { source: 'header', where: `in the "${header}" header`, read: (answer) => firstHeader(answer.response.headers[header]) };
  }
  if (spec.cookie !== undefined) {
    const cookie = spec.cookie;
    return { source: 'cookie', where: `in the cookie "${cookie}"`, read: (answer) => answer.cookies.find((c) => c.name === cookie)?.value };
  }
  if (spec.xml !== undefined) {
    const path = compileXmlPath(spec.xml);
    return { source: 'xml', where: `at the XML path ${path.source}`, read: (answer) => path.first(answer.xml()) };
  }
  if (spec.text === true) return { source: 'text', where: 'in the body', read: (answer) => answer.text };
  throw new ConfigurationError(pointer, `${pointer} says nowhere to read the value: give one of json, header, cookie, xml or text`);
}

/**
 * Patterns without templates are compiled once here; templated ones (`{{ credentials.host }}`)
 * are rendered and compiled for each check, which happens once per token request at most.
 */
export function compileHostPatterns(sources: readonly string[], pointer: string): (scope: TemplateScope) => readonly HostPattern[] {
  const compiled = sources.map((source, i) => {
    const template = compileTemplate(source, `${pointer}/${i}`);
    return template.isStatic ? hostPattern(source, `${pointer}/${i}`) : template;
  });
  if (compiled.every((item): item is HostPattern => 'matches' in item)) return () => compiled;
  return (scope) => compiled.flatMap((item, i) => ('matches' in item ? [item] : renderedPattern(item.render(scope), `${pointer}/${i}`)));
}

/**
 * A templated pattern that renders empty (an optional credential such as DocuWare's identity_host
 * left out) allows nothing, rather than failing the connection: the other patterns still apply.
 */
function renderedPattern(source: string, pointer: string): HostPattern[] {
  return source.trim() === '' ? [] : [hostPattern(source, pointer)];
}

/** A host pattern, or a ConfigurationError naming the field it came from. */
export function hostPattern(source: string, pointer: string): HostPattern {
  try {
    return compileHostPattern(source);
  } catch (error) {
    throw new ConfigurationError(pointer, `host pattern ${pointer} cannot be used: ${error instanceof Error ? error.message : String(error)}`);
  }
}

/** Reads a step's answer once: text, JSON, cookies; XML only when a value asks for it. */
export function readAnswer(response: HttpResponse): StepAnswer {
  const text = Buffer.isBuffer(response.body) ? response.body.toString('utf8') : '';
  let document: XmlDocument | undefined;
  return {
    response,
    text,
    json: parseJsonSafely(text),
    cookies: parseSetCookies(response.setCookies),
    xml: () => (document ??= parseXmlSafely(text)),
  };
}

/**
 * The step's values from its answer. Every secret is registered before any is checked, so no
 * message that follows can carry one; a required value that is missing, or a value that is no
 * scalar, is a TokenResponseError naming its field.
 */
export function readStepValues(
  values: readonly CompiledValue[],
  answer: StepAnswer,
  redactor: Redactor,
  where: string,
): Record<string, StepValue> {
  const raw = values.map((value) => [value, readRaw(value, answer, where)] as const);
  for (const [value, held] of raw) if (value.secret && isScalar(held)) redactor.add(String(held));
  const out: Record<string, StepValue> = {};
  for (const [value, held] of raw) out[value.name] = checkedValue(value, held, answer, where);
  return out;
}

function readRaw(value: CompiledValue, answer: StepAnswer, where: string): unknown {
  try {
    return value.read(answer);
  } catch (error) {
    // The XML module never quotes the document; its message says what is wrong with it.
    if (error instanceof ResponseError) {
      throw new TokenResponseError(`${where}: ${error.message}, so there is no value ${value.where}; check ${value.pointer}`, { status: answer.response.status });
    }
    throw error;
  }
}

function checkedValue(value: CompiledValue, held: unknown, answer: StepAnswer, where: string): StepValue {
  if (isScalar(held) && held !== '') return held;
  const status = answer.response.status;
  if (held === undefined || held === null || held === '') {
    if (value.optional) return null;
    const notJson = value.source === 'json' && answer.json === undefined ? ' (the answer is not JSON)' : '';
    throw new TokenResponseError(`${where}: expected the value "${value.name}" ${value.where}, found nothing${notJson}${value.source === 'json' ? keysHint(answer.json) : ''}; check ${value.pointer}`, { status });
  }
  const kind = Array.isArray(held) ? 'an array' : 'an object';
  throw new TokenResponseError(`${where}: the value "${value.name}" ${value.where} is ${kind}, not a string, number or boolean; check ${value.pointer}`, { status });
}

/**
 * A value that names a host must hold a URL whose host one of its patterns matches (checked when
 * it is read, and again whenever a stored copy is reused). `subject` says whose value it is.
 */
export function checkValueHost(value: Pick<CompiledValue, 'name' | 'pointer' | 'hostPatterns'>, held: StepValue, scope: TemplateScope, subject: string): void {
  if (!value.hostPatterns || held === null) return;
  const patterns = value.hostPatterns(scope);
  const parsed = typeof held === 'string' && URL.canParse(held) ? new URL(held) : undefined;
  const url = parsed && (parsed.protocol === 'https:' || parsed.protocol === 'http:') && parsed.host !== '' ? parsed : undefined;
  if (url && patterns.some((pattern) => pattern.matches(url.host))) return;
  // The text itself is never echoed when it is no http(s) URL: it may be anything a server sent.
  const host = url ? url.host : '(not an http(s) URL)';
  throw new FieldHostNotAllowedError(`${value.pointer}/host_patterns`, `${subject}: the value "${value.name}"`, host, patterns.map((p) => p.source));
}

function isScalar(value: unknown): value is string | number | boolean {
  return typeof value === 'string' || (typeof value === 'number' && Number.isFinite(value)) || typeof value === 'boolean';
}

function firstHeader(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}
