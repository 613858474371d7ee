/**
 * Checks every template field the schema validation collected: each string in it must parse,
 * and each variable must be in scope (template-scope.ts). Also warns when a secret credential
 * is put in an action's URL.
 */
import type { Schema } from './connector-schema.js';
import { error, warning, type Finding } from './finding.js';
import { isRecord } from './json-value.js';
import { escapePointerToken, unescapePointerToken } from '../json-pointer.js';
import { cut, show, subjectOf } from './message-text.js';
import type { TemplateField } from './schema-validator.js';
import { gatherFacts, variableProblem, type FieldContext, type ScopeFacts } from './template-scope.js';
import { chainPlace } from './chain-rules.js';
import { variablesOf } from './template-variables.js';

const ACTION_URL_FIELD = /^\/actions\/[^/]+\/(?:path|query\/[^/]+)$/;
const BASE_URL_FIELD = /^(?:\/environments\/[^/]+)?\/base_url$/;
/** The only auth-code fields whose scope has auth (see the schema's x-template). */
const GRANT_URL_FIELD = /^\/auth\/(?:token_url|revocation_url)$/;
/** Body templates written as Liquid text: when that text is JSON, values must go through `| json`. */
const BODY_TEXT_FIELD = /\/(?:body_template|authorization_request_body_template|refresh_request_body_template)$/;
const OUTPUT = /\{\{-?\s*([^{}]*?)\s*-?\}\}/g;
const LOCOIA_HEADERS = '#/$defs/locoia_headers';

/** Checks the template fields the schema validation collected from `manifest`. */
export function checkTemplateFields(manifest: Schema, fields: readonly TemplateField[], out: Finding[]): void {
  const facts = gatherFacts(manifest);
  for (const field of fields) checkTemplateField(field, facts, out);
}

function checkTemplateField(field: TemplateField, facts: ScopeFacts, out: Finding[]): void {
  const { pointer, value } = field;
  const id = pointer.startsWith('/actions/') ? unescapePointerToken(pointer.split('/')[2] ?? '') : undefined;
  const action = id === undefined ? undefined : facts.actions[id];
  const inBaseUrl = BASE_URL_FIELD.test(pointer);
  const place = chainPlace(pointer);
  const context: FieldContext = {
    // An auth type without tokens has no auth view for base_url to use.
    scopes: inBaseUrl && !facts.tokenAuth ? field.scopes.filter((scope) => scope !== 'auth') : field.scopes,
    ...(typeof field.schema.description === 'string' ? { description: field.schema.description } : {}),
    ...(id === undefined ? {} : { action: { id, input: isRecord(action) ? action.input : undefined } }),
    inUrl: ACTION_URL_FIELD.test(pointer),
    ...(inBaseUrl ? { inBaseUrl } : {}),
    ...(place ? { chainStep: place } : {}),
    ...(GRANT_URL_FIELD.test(pointer) ? { inGrantUrl: true } : {}),
  };
  if (typeof value === 'string' && field.schema.$ref === LOCOIA_HEADERS) checkHeadersText(pointer, value, context, facts, out);
  else forEachString(value, pointer, (at, source) => checkTemplate(at, source, context, facts, out));
}

/** Locoia stores token request headers as the JSON text of an object; each value is a template. */
function checkHeadersText(pointer: string, text: string, context: FieldContext, facts: ScopeFacts, out: Finding[]): void {
  const name = subjectOf(pointer);
  let headers: unknown;
  try {
    headers = JSON.parse(text);
  } catch {
    headers = undefined;
  }
  if (!isRecord(headers)) {
    out.push(error(pointer, `${name} is a string but not the JSON text of an object`, 'write an object, or its JSON text as Locoia stores it: "{\\"Content-Type\\": \\"application/json\\"}"'));
    return;
  }
  for (const [header, template] of Object.entries(headers)) {
    if (typeof template === 'string') checkTemplate(pointer, template, context, facts, out);
    else out.push(error(pointer, `header ${show(header)} in ${name} must be a string`, context.description));
  }
}

/**
 * A JSON body written as text pastes each value as it is: a `"` or `\\` in a password breaks the
 * JSON or adds fields. Every output should end in `| json` (which also writes the quotes).
 */
function checkJsonText(pointer: string, source: string, out: Finding[]): void {
  const text = source.trimStart();
  if (!(text.startsWith('[') || (text.startsWith('{') && !/^\{[{%]/.test(text)))) return;
  for (const match of source.matchAll(OUTPUT)) {
    const expression = match[1] ?? '';
    if (/\|\s*json\s*$/.test(expression)) continue;
    out.push(
      warning(
        pointer,
        `{{ ${cut(expression)} }} is pasted into JSON as it is: a value with a quote or a backslash breaks the body or adds fields`,
        `write {{ ${cut(expression.replace(/\s*\|.*$/, ''))} | json }} without surrounding quotes; | json writes them`,
      ),
    );
  }
}

function forEachString(value: unknown, pointer: string, visit: (pointer: string, text: string) => void): void {
  if (typeof value === 'string') visit(pointer, value);
  else if (Array.isArray(value)) value.forEach((item, i) => forEachString(item, `${pointer}/${i}`, visit));
  else if (isRecord(value)) {
    for (const [key, item] of Object.entries(value)) forEachString(item, `${pointer}/${escapePointerToken(key)}`, visit);
  }
}

function checkTemplate(pointer: string, source: string, context: FieldContext, facts: ScopeFacts, out: Finding[]): void {
  if (BODY_TEXT_FIELD.test(pointer)) checkJsonText(pointer, source, out);
  const variables = variablesOf(source, pointer);
  if (typeof variables === 'string') {
    out.push(error(pointer, variables, 'check that every {{ and {% is closed and that filters and tags exist'));
    return;
  }
  for (const segments of variables) {
    const problem = variableProblem(segments, context, facts);
    if (problem) out.push(error(pointer, problem.message, problem.hint ?? context.description));
    const [root, name] = segments;
    if (context.inUrl && root === 'credentials' && name !== undefined && facts.secrets.has(name)) {
      out.push(warning(pointer, `secret credentials.${cut(name)} is put in the URL, and URLs end up in logs`, 'send it in a header or the body if the API allows'));
    }
  }
}

