/**
 * Unit tests of sdk/manifest/template-fields.ts: every string of a collected template field must
 * parse and use variables in scope; Locoia's headers-as-JSON-text are checked header by header;
 * a JSON body written as Liquid text warns about outputs without `| json`; a secret credential
 * in an action's path or query warns.
 */
import { describe, expect, it } from 'vitest';
import type { Finding } from '../../sdk/manifest/finding.js';
import type { TemplateField } from '../../sdk/manifest/schema-validator.js';
import { checkTemplateFields } from '../../sdk/manifest/template-fields.js';

const ALL = ['credentials', 'input', 'auth', 'env', 'now'];
const LOGIN = ['credentials', 'env', 'now'];

const manifest = {
  credentials: { type: 'object', properties: { host: { type: 'string' }, key: { type: 'string', 'x-secret': true } } },
  actions: { 'a/b': { input: { type: 'object', properties: { id: { type: 'string' } } } }, plain: {} },
};

function field(pointer: string, value: unknown, scopes = ALL, schema: TemplateField['schema'] = {}): TemplateField {
  return { pointer, value, scopes, schema };
}

function findings(...fields: TemplateField[]): Finding[] {
  const out: Finding[] = [];
  checkTemplateFields(manifest, fields, out);
  return out;
}

const error = (pointer: string, message: string, hint?: string): Finding => ({ pointer, at: 'value', message, ...(hint ? { hint } : {}), severity: 'error' });
const warning = (pointer: string, message: string, hint: string): Finding => ({ pointer, at: 'value', message, hint, severity: 'warning' });
const PARSE_HINT = 'check that every {{ and {% is closed and that filters and tags exist';

describe('checkTemplateFields', () => {
  it('accepts templates whose variables are declared', () => {
    expect(findings(field('/base_url', 'https://{{ credentials.host }}', ['credentials', 'env']), field('/actions/a~1b/path', '/items/{{ input.id }}'))).toEqual([]);
  });

  it('reports a template that does not parse', () => {
    expect(findings(field('/base_url', 'https://{{ credentials.host', ['credentials', 'env']))).toEqual([
      error('/base_url', 'template at /base_url does not parse: output "{{ credentials.host" not closed, line:1, col:9', PARSE_HINT),
    ]);
  });

  it('reports a variable out of scope, with the field description as the fallback hint', () => {
    expect(findings(field('/base_url', '{{ auth.access_token }}', ['credentials', 'env'], { description: 'The API root.' }))).toEqual([
      error('/base_url', 'variable auth.access_token is not available here: this field may use credentials, env', 'The API root.'),
    ]);
  });

  it('checks input against the action named by the (escaped) pointer', () => {
    expect(findings(field('/actions/a~1b/headers/X-Id', '{{ input.idd }}'))).toEqual([
      error('/actions/a~1b/headers/X-Id', 'input.idd is not declared in the input schema of action "a/b"', 'did you mean "id"?'),
    ]);
    expect(findings(field('/actions/plain/path', '/{{ input.id }}'))).toEqual([
      error('/actions/plain/path', 'input.id is not declared in the input schema of action "plain"', 'declare it under actions.plain.input.properties'),
    ]);
  });

  it('checks every string of a JSON value, at its escaped pointer', () => {
    const body = { a: ['{{ input.idd }}', { 'c/d': '{{ input.id | nofilter }}' }], n: 5, ok: '{{ input.id }}' };
    expect(findings(field('/actions/a~1b/body', body))).toEqual([
      error('/actions/a~1b/body/a/0', 'input.idd is not declared in the input schema of action "a/b"', 'did you mean "id"?'),
      error('/actions/a~1b/body/a/1/c~1d', 'template at /actions/a~1b/body/a/1/c~1d does not parse: undefined filter: nofilter, line:1, col:1', PARSE_HINT),
    ]);
  });

  describe('secrets in URLs', () => {
    const SECRET_HINT = 'send it in a header or the body if the API allows';

    it('warns about a secret credential in an action path or query', () => {
      expect(
        findings(
          field('/actions/plain/path', '/items?k={{ credentials.key }}'),
          field('/actions/plain/query/key', '{{ credentials.key }}'),
          field('/actions/plain/query/host', '{{ credentials.host }}'),
        ),
      ).toEqual([
        warning('/actions/plain/path', 'secret credentials.key is put in the URL, and URLs end up in logs', SECRET_HINT),
        warning('/actions/plain/query/key', 'secret credentials.key is put in the URL, and URLs end up in logs', SECRET_HINT),
      ]);
    });

    it('does not warn about a secret in headers, bodies or outside actions', () => {
      expect(
        findings(
          field('/actions/plain/headers', { 'X-Key': '{{ credentials.key }}' }),
          field('/actions/plain/body', { key: '{{ credentials.key }}' }),
          field('/base_url', 'https://x/{{ credentials.key }}', ['credentials', 'env']),
          field('/actions/plain/query', { nested: '{{ credentials.key }}' }),
        ),
      ).toEqual([]);
    });
  });

  describe('JSON bodies written as text', () => {
    const at = '/auth/authorization_request_body_template';
    const pasted = (expression: string, fixed: string) =>
      warning(
        at,
        `{{ ${expression} }} is pasted into JSON as it is: a value with a quote or a backslash breaks the body or adds fields`,
        `write {{ ${fixed} | json }} without surrounding quotes; | json writes them`,
      );

    it('warns about each output without | json in an object or array text', () => {
      const text = '{"user": "{{ credentials.host }}", "key": {{ credentials.key | json }}, "k": "{{ credentials.key | url_encode }}"}';
      expect(findings(field(at, text, LOGIN))).toEqual([pasted('credentials.host', 'credentials.host'), pasted('credentials.key | url_encode', 'credentials.key')]);
      expect(findings(field('/actions/a~1b/body_template', '  ["{{ input.id }}"]'))).toEqual([
        warning(
          '/actions/a~1b/body_template',
          '{{ input.id }} is pasted into JSON as it is: a value with a quote or a backslash breaks the body or adds fields',
          'write {{ input.id | json }} without surrounding quotes; | json writes them',
        ),
      ]);
    });

    it('does not warn when the text is not JSON or every output ends in | json', () => {
      expect(findings(field(at, 'grant_type=password&username={{ credentials.host | url_encode }}', LOGIN))).toEqual([]);
      expect(findings(field(at, '{{ credentials.host }}', LOGIN))).toEqual([]);
      expect(findings(field(at, '{% if true %}{"a": "{{ credentials.host }}"}{% endif %}', LOGIN))).toEqual([]);
      expect(findings(field(at, '{"a": {{ credentials.host | json }} }', LOGIN))).toEqual([]);
    });

    it('does not look at a JSON body given as JSON', () => {
      expect(findings(field('/actions/plain/body', { a: '{{ credentials.host }}' }))).toEqual([]);
    });
  });

  describe("Locoia's headers as JSON text", () => {
    const at = '/auth/authorization_request_headers';
    const schema = { $ref: '#/$defs/locoia_headers', description: 'Headers of the token request.' };

    it('checks each header template of the text', () => {
      const text = '{"X-Key": "{{ credentials.key }}", "X-Bad": 5, "X-U": "{{ credentials.nope }}"}';
      expect(findings(field(at, text, LOGIN, schema))).toEqual([
        error(at, 'header "X-Bad" in authorization_request_headers must be a string', 'Headers of the token request.'),
        error(at, 'credentials.nope is not declared', 'declare it under credentials.properties'),
      ]);
    });

    it.each(['not json', '[1]', '"text"', 'null'])('refuses the text %j, which is not an object', (text) => {
      expect(findings(field(at, text, LOGIN, schema))).toEqual([
        error(at, 'authorization_request_headers is a string but not the JSON text of an object', 'write an object, or its JSON text as Locoia stores it: "{\\"Content-Type\\": \\"application/json\\"}"'),
      ]);
    });

    it('checks an object given as an object like any template field', () => {
      expect(findings(field(at, { 'X-U': '{{ credentials.nope }}' }, LOGIN, schema))).toEqual([
        error(`${at}/X-U`, 'credentials.nope is not declared', 'declare it under credentials.properties'),
      ]);
    });
  });
});
