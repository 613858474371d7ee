/**
 * Unit tests of sdk/manifest/manifest-rules.ts: the rules beyond the schema (JSONPaths, the
 * oauth2_password warning, refreshable_token's token source and refresh section, action paths
 * and bodies, declared required names, safe patterns), on whatever shape the manifest has, and
 * the delegation to the template, scenario and pattern checks.
 *
 * Rules may be added to the module; each test looks only at the findings at the pointers its
 * rule reports, so a new rule elsewhere does not disturb it.
 */
import { describe, expect, it } from 'vitest';
import { connectorSchema, describeProperty } from '../../sdk/manifest/connector-schema.js';
import type { Finding } from '../../sdk/manifest/finding.js';
import { checkRules } from '../../sdk/manifest/manifest-rules.js';
import type { JsonPathField, TemplateField } from '../../sdk/manifest/schema-validator.js';

function rules(value: unknown, collected: { templates?: TemplateField[]; jsonPaths?: JsonPathField[] } = {}): Finding[] {
  const out: Finding[] = [];
  checkRules(value, { templates: collected.templates ?? [], jsonPaths: collected.jsonPaths ?? [] }, out);
  return out;
}
/** The findings at `pointer` or below it. */
const under = (findings: Finding[], pointer: string) => findings.filter((f) => f.pointer === pointer || f.pointer.startsWith(`${pointer}/`));
const error = (pointer: string, message: string, hint: string | undefined, at: 'key' | 'value' = 'value'): Finding => ({
  pointer,
  at,
  message,
  ...(hint ? { hint } : {}),
  severity: 'error',
});

const refreshable = connectorSchema.$defs.auth_refreshable_token ?? {};

describe('checkRules', () => {
  it('does nothing with a manifest that is not an object', () => {
    for (const value of [null, [], 'x', 5]) expect(rules(value, { jsonPaths: [{ pointer: '/x', value: '$[?(@)]' }] })).toEqual([]);
  });

  it('checks the collected template fields', () => {
    const templates: TemplateField[] = [{ pointer: '/base_url', value: 'https://{{ credentials.hots }}', scopes: ['credentials', 'env'], schema: {} }];
    expect(under(rules({ credentials: { properties: { host: {} } } }, { templates }), '/base_url')).toEqual([
      error('/base_url', 'credentials.hots is not declared', 'did you mean "host"?'),
    ]);
  });

  describe('JSONPaths', () => {
    const HINT = 'write a plain path such as $.data.items or data.token';

    it('reports each collected path that cannot be used, and ignores what is not a string', () => {
      const jsonPaths: JsonPathField[] = [
        { pointer: '/actions/a/output', value: '$.items[?(@.x)]' },
        { pointer: '/actions/b/output', value: '$.items[0' },
        { pointer: '/actions/c/output', value: 'data.items' },
        { pointer: '/actions/d/output', value: 5 },
      ];
      expect(under(rules({}, { jsonPaths }), '/actions')).toEqual([
        error('/actions/a/output', 'script and filter expressions ("?(…)", "(…)") are not allowed in JSONPaths: select by name or index', HINT),
        error('/actions/b/output', '"$.items[0" has unbalanced brackets', HINT),
      ]);
    });
  });

  describe('auth', () => {
    it('warns about the oauth2_password grant', () => {
      expect(under(rules({ auth: { type: 'oauth2_password' } }), '/auth/type')).toEqual([
        {
          pointer: '/auth/type',
          at: 'value',
          message: 'the oauth2_password grant is discouraged by RFC 9700 §2.4 (it still works)',
          hint: 'prefer oauth2_authorization_code, or oauth2_client_credentials for machine access, when the API offers them',
          severity: 'warning',
        },
      ]);
      expect(under(rules({ auth: { type: 'oauth2_client_credentials' } }), '/auth')).toEqual([]);
    });

    it('requires refreshable_token to say where the access token comes from', () => {
      expect(under(rules({ auth: { type: 'refreshable_token', response_access_token_path: null } }), '/auth')).toEqual([
        error(
          '/auth',
          'refreshable_token needs response_access_token_path, response_access_token_path_in_header or response_access_token_path_in_cookie',
          'say where the authorization response carries the access token: a JSONPath into the body, a header name or a cookie name',
          'key',
        ),
      ]);
      for (const source of ['response_access_token_path', 'response_access_token_path_in_header', 'response_access_token_path_in_cookie']) {
        expect(under(rules({ auth: { type: 'refreshable_token', [source]: 'x' } }), '/auth'), source).toEqual([]);
      }
    });

    it('requires a separate refresh endpoint to come with its request and the refresh token path', () => {
      const auth = { type: 'refreshable_token', response_access_token_path: 'a', refresh_request_url: 'https://a.example/refresh', refresh_request_headers: null };
      expect(under(rules({ auth }), '/auth')).toEqual([
        error('/auth/refresh_request_url', 'refresh_request_url needs refresh_request_body_template as well', describeProperty(refreshable, 'refresh_request_body_template'), 'key'),
        error('/auth/refresh_request_url', 'refresh_request_url needs refresh_request_headers as well', describeProperty(refreshable, 'refresh_request_headers'), 'key'),
        error(
          '/auth/refresh_request_url',
          'refresh_request_url needs response_refresh_token_path or refresh_response_refresh_token_path as well',
          describeProperty(refreshable, 'response_refresh_token_path'),
          'key',
        ),
      ]);
      expect(typeof describeProperty(refreshable, 'refresh_request_body_template')).toBe('string');
    });

    it('accepts a complete refresh section, with either refresh token path', () => {
      const auth = {
        type: 'refreshable_token',
        response_access_token_path: 'a',
        refresh_request_url: 'https://a.example/refresh',
        refresh_request_body_template: '',
        refresh_request_headers: {},
      };
      expect(under(rules({ auth: { ...auth, response_refresh_token_path: 'r' } }), '/auth')).toEqual([]);
      expect(under(rules({ auth: { ...auth, refresh_response_refresh_token_path: 'r' } }), '/auth')).toEqual([]);
      expect(under(rules({ auth: { type: 'refreshable_token', response_access_token_path: 'a', refresh_request_url: null } }), '/auth')).toEqual([]);
    });

    it('applies the refreshable_token rules to that type only, and survives an auth that is not an object', () => {
      expect(under(rules({ auth: { type: 'bearer', refresh_request_url: 'https://x' } }), '/auth')).toEqual([]);
      expect(under(rules({ auth: 'bearer' }), '/auth')).toEqual([]);
    });
  });

  describe('actions', () => {
    const action = (id: string, spec: Record<string, unknown>) => under(rules({ actions: { [id]: spec } }), '/actions');

    it('requires a path that starts with "/" or is an absolute http(s) URL', () => {
      expect(action('a/b', { path: 'v1/items' })).toEqual([
        error('/actions/a~1b/path', 'path "v1/items" must start with "/" or be an absolute http(s) URL', 'paths are resolved against base_url, e.g. "/v1/items"'),
      ]);
      expect(action('x', { path: 'ftp://files.example/x' }).map((f) => f.message)).toEqual([
        'path "ftp://files.example/x" must start with "/" or be an absolute http(s) URL',
      ]);
      for (const path of ['/', '/v1/items', 'https://other.example/x', 'HTTP://other.example/x']) {
        expect(action('x', { path }), path).toEqual([]);
      }
      expect(action('x', { path: 5 })).toEqual([]);
    });

    it('refuses body together with body_template', () => {
      expect(action('x', { path: '/x', body: {}, body_template: '' })).toEqual([
        error('/actions/x/body_template', 'body and body_template are mutually exclusive', 'keep body (JSON whose strings are templates) or body_template (one Liquid string), not both', 'key'),
      ]);
    });

    it('requires body for multipart', () => {
      expect(action('x', { path: '/x', body_format: 'multipart' })).toEqual([
        error('/actions/x/body_format', 'body_format "multipart" needs body: an object of form fields', 'file parts come from input fields marked "x-binary"'),
      ]);
      expect(action('x', { path: '/x', body_format: 'multipart', body: { f: '{{ input.f }}' } })).toEqual([]);
    });

    it('requires the required input fields to be declared, unless the input is open', () => {
      const input = { type: 'object', required: ['id', 'nme', 'zzzzzz', 5], properties: { id: {}, name: {} } };
      expect(action('x', { path: '/x', input })).toEqual([
        error('/actions/x/input/required/1', 'required field "nme" is not declared in properties', 'did you mean "name"?'),
        error('/actions/x/input/required/2', 'required field "zzzzzz" is not declared in properties', 'declare it under properties or remove it from required'),
      ]);
      expect(action('x', { path: '/x', input: { ...input, additionalProperties: true } })).toEqual([]);
    });

    it('checks the patterns of the input schema', () => {
      expect(action('x', { path: '/x', input: { type: 'object', properties: { id: { type: 'string', pattern: '^(a+)+$' } } } })).toEqual([
        error(
          '/actions/x/input/properties/id/pattern',
          'pattern "^(a+)+$" repeats a group that itself repeats or alternates, which can take exponential time on some inputs',
          'write the pattern without a repeated group that itself repeats or alternates, e.g. ^a+$ instead of ^(a+)+$',
        ),
      ]);
    });

    it('skips actions and an actions section that are not objects', () => {
      expect(under(rules({ actions: { x: 'GET /x', y: null } }), '/actions')).toEqual([]);
      expect(under(rules({ actions: [{ path: 'v1' }] }), '/actions')).toEqual([]);
    });
  });

  it('checks the scenarios', () => {
    expect(under(rules({ tests: [{ name: 'a' }, { name: 'a' }] }), '/tests')).toEqual([
      error('/tests/1/name', 'scenario name "a" is already used by tests[0]', 'give every scenario its own name: --scenario picks one by name'),
    ]);
  });

  it('checks required names and patterns of every credentials schema', () => {
    const manifest = {
      credentials: { type: 'object', required: ['api_key', 'secret'], properties: { api_key: { type: 'string', pattern: '(a|a)*' } } },
      environments: { 'dev/1': { credentials: { type: 'object', required: ['tokn'], properties: { token: {} } } } },
    };
    const findings = rules(manifest);
    expect(under(findings, '/credentials')).toEqual([
      error('/credentials/required/1', 'required field "secret" is not declared in properties', 'declare it under properties or remove it from required'),
      error(
        '/credentials/properties/api_key/pattern',
        'pattern "(a|a)*" repeats a group that itself repeats or alternates, which can take exponential time on some inputs',
        'write the pattern without a repeated group that itself repeats or alternates, e.g. ^a+$ instead of ^(a+)+$',
      ),
    ]);
    expect(under(findings, '/environments')).toEqual([
      error('/environments/dev~11/credentials/required/0', 'required field "tokn" is not declared in properties', 'did you mean "token"?'),
    ]);
  });
});
