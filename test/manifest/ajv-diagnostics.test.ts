/**
 * Unit tests of sdk/manifest/ajv-diagnostics.ts: ajv's errors reworded for authors, at the right
 * pointer (key or value), with the schema's description or a "did you mean" as the hint, and the
 * noise of anyOf/oneOf and discriminators pruned. Errors come from the real connector schema
 * (checkSchema) where a manifest can produce them, and are built by hand for the other keywords.
 * Hints quoted from the schema are read from it, so editing a description does not break these.
 */
import type { ErrorObject } from 'ajv';
import { describe, expect, it } from 'vitest';
import { schemaFindings } from '../../sdk/manifest/ajv-diagnostics.js';
import { connectorSchema, resolve } from '../../sdk/manifest/connector-schema.js';
import type { Finding } from '../../sdk/manifest/finding.js';
import { checkSchema } from '../../sdk/manifest/schema-validator.js';

type Node = Record<string, unknown>;
const properties = connectorSchema.properties as Record<string, Node>;
const defs = connectorSchema.$defs;
const description = (node: unknown) => resolve(node).description as string;
const tags = (union: string) => ((defs[union]?.oneOf ?? []) as unknown[]).map((branch) => (resolve(branch).properties as Record<string, Node>).type?.const).join(', ');
const AUTH_TYPES = tags('auth');
const PAGINATION_TYPES = tags('pagination');

const base = (): Record<string, unknown> => ({
  id: 'x',
  name: 'X',
  version: '1.0.0',
  base_url: 'https://api.example.com',
  auth: { type: 'none' },
  actions: { get: { method: 'GET', path: '/a' } },
});
const refreshable = (extra: Node) => ({
  type: 'refreshable_token',
  authorization_request_url: 'https://a.example/t',
  authorization_request_body_template: '',
  authorization_request_headers: {},
  response_access_token_path: 'access_token',
  ...extra,
});

function findingsOf(change: (manifest: Record<string, unknown>) => void): Finding[] {
  const manifest = base();
  change(manifest);
  return schemaFindings(checkSchema(manifest).errors);
}
const error = (pointer: string, message: string, hint: string | undefined, at: 'key' | 'value' = 'value'): Finding => ({
  pointer,
  at,
  message,
  ...(hint ? { hint } : {}),
  severity: 'error',
});

describe('schemaFindings on errors of the connector schema', () => {
  it('finds nothing in a valid manifest', () => {
    expect(findingsOf(() => {})).toEqual([]);
  });

  it('reports a missing property at the key, with the property description', () => {
    expect(findingsOf((m) => delete m.version)).toEqual([error('', 'missing required property "version"', description(properties.version), 'key')]);
  });

  it('reports an unknown property at its escaped key, suggesting a close name', () => {
    expect(findingsOf((m) => (m.descripton = 'd'))).toEqual([error('/descripton', 'unknown property "descripton"', 'did you mean "description"?', 'key')]);
  });

  it('lists at most 12 known properties when no name is close', () => {
    const known = Object.keys(properties);
    expect(known.length).toBeGreaterThan(12);
    expect(findingsOf((m) => (m['a/b~c'] = 1))).toEqual([
      error('/a~1b~0c', 'unknown property "a/b~c"', `known properties: ${known.slice(0, 12).join(', ')}, …`, 'key'),
    ]);
  });

  describe('discriminated unions', () => {
    it('names the allowed tags and suggests a close one', () => {
      expect(findingsOf((m) => (m.auth = { type: 'bearr' }))).toEqual([
        error('/auth/type', `auth.type "bearr" is not one of: ${AUTH_TYPES}`, 'did you mean "bearer"?'),
      ]);
    });

    it("falls back to the union's description", () => {
      expect(findingsOf((m) => (m.auth = { type: 'zzzzzz' }))).toEqual([
        error('/auth/type', `auth.type "zzzzzz" is not one of: ${AUTH_TYPES}`, description(defs.auth)),
      ]);
    });

    it('reports a missing tag once, at the key, without the required error for it', () => {
      expect(findingsOf((m) => (m.auth = {}))).toEqual([error('/auth', `auth.type is missing: set it to one of: ${AUTH_TYPES}`, description(defs.auth), 'key')]);
    });

    it('reports a tag that is not a string', () => {
      expect(findingsOf((m) => (m.auth = { type: 3 }))).toEqual([
        error('/auth/type', `auth.type must be a string, one of: ${AUTH_TYPES}`, description(defs.auth)),
      ]);
    });

    it('names a nested union by its owner', () => {
      expect(findingsOf((m) => ((m.actions as Record<string, Node>).get!.pagination = { type: 'cursr' }))).toEqual([
        error('/actions/get/pagination/type', `pagination.type "cursr" is not one of: ${PAGINATION_TYPES}`, 'did you mean "cursor"?'),
      ]);
    });
  });

  it('reports a property name that does not match, once, at the key', () => {
    const pattern = (resolve(properties.actions).propertyNames as Node).pattern as string;
    expect(findingsOf((m) => ((m.actions as Node)['Get It'] = { method: 'GET', path: '/a' }))).toEqual([
      error('/actions/Get It', `"Get It" is not a valid name in actions: it must match ${pattern}`, description(properties.actions), 'key'),
    ]);
  });

  it.each([
    ['type', (m: Node) => (m.name = 5), error('/name', 'name must be a string, not an integer', description(properties.name))],
    ['minLength 1', (m: Node) => (m.name = ''), error('/name', 'name must not be empty', description(properties.name))],
    ['maxLength', (m: Node) => (m.name = 'n'.repeat(201)), error('/name', 'name is longer than 200 characters', description(properties.name))],
    ['minProperties 1', (m: Node) => (m.actions = {}), error('/actions', 'actions must not be empty', description(properties.actions))],
    ['format uri', (m: Node) => (m.docs_url = 'nope'), error('/docs_url', 'docs_url "nope" is not a valid absolute URI', description(properties.docs_url))],
    ['pattern', (m: Node) => (m.id = 'Bad Id'), error('/id', `id "Bad Id" does not match ${properties.id?.pattern as string}`, description(properties.id))],
    [
      'uniqueItems',
      (m: Node) => (m.allowed_hosts = ['a.com', 'b.com', 'a.com']),
      error('/allowed_hosts/2', 'allowed_hosts lists the same value twice (items 0 and 2)', description(properties.allowed_hosts)),
    ],
    [
      'maxItems',
      (m: Node) => (m.allowed_hosts = Array.from({ length: 51 }, (_, i) => `h${i}.com`)),
      error('/allowed_hosts', 'allowed_hosts has more than 50 entries', description(properties.allowed_hosts)),
    ],
    [
      'maximum',
      (m: Node) => (m.rate_limit = { requests: 2_000_000, per_seconds: 1 }),
      error('/rate_limit/requests', 'requests must be at most 1000000', description((defs.rate_limit?.properties as Node).requests)),
    ],
    [
      'const',
      (m: Node) => (m.credentials = { type: 'array', properties: {} }),
      error('/credentials/type', 'type must be "object"', description((defs.credentials_schema?.properties as Node).type)),
    ],
    [
      'enum with a close value',
      (m: Node) => ((m.actions as Record<string, Node>).get!.method = 'GTE'),
      error('/actions/get/method', 'method "GTE" is not one of: GET, POST, PUT, PATCH, DELETE, HEAD', 'did you mean "GET"?'),
    ],
    [
      'enum with a number',
      (m: Node) => ((m.actions as Record<string, Node>).get!.method = 5),
      error('/actions/get/method', 'method 5 is not one of: GET, POST, PUT, PATCH, DELETE, HEAD', description((defs.action?.properties as Node).method)),
    ],
    [
      'minItems 1',
      (m: Node) => ((m.actions as Record<string, Node>).get!.expected_status = []),
      error('/actions/get/expected_status', 'expected_status must not be empty', description((defs.action?.properties as Node).expected_status)),
    ],
  ])('rewords %s', (_, change, expected) => {
    expect(findingsOf(change)).toEqual([expected]);
  });

  it('rewords minimum and exclusiveMinimum', () => {
    const rate = defs.rate_limit?.properties as Node;
    expect(findingsOf((m) => (m.rate_limit = { requests: 0, per_seconds: 0 }))).toEqual([
      error('/rate_limit/requests', 'requests must be at least 1', description(rate.requests)),
      error('/rate_limit/per_seconds', 'per_seconds must be greater than 0', description(rate.per_seconds)),
    ]);
  });

  it('rewords dependentRequired at the key, with the missing property as the hint', () => {
    const expired = defs.expired_when as Node;
    expect(findingsOf((m) => (m.auth = { type: 'bearer', token: 'x', expired_when: { body_path: 'a' } }))).toEqual([
      error('/auth/expired_when', '"body_path" needs "body_values" as well', description((expired.properties as Node).body_values), 'key'),
    ]);
  });

  it('rewords the root type error', () => {
    const errors = checkSchema([]).errors;
    expect(schemaFindings(errors)).toEqual([error('', 'the manifest must be an object, not an array', connectorSchema.description as string)]);
  });

  describe('anyOf', () => {
    const headers = description(defs.locoia_headers);

    it('replaces every branch by one "must be" when no branch takes the value type', () => {
      const errors = checkSchema({ ...base(), auth: refreshable({ authorization_request_headers: 5 }) }).errors;
      expect(errors.map((e) => e.keyword)).toEqual(['type', 'type', 'type', 'anyOf']);
      expect(schemaFindings(errors)).toEqual([error('/auth/authorization_request_headers', 'authorization_request_headers must be an object, a string or null, not an integer', headers)]);
    });

    it('keeps only the errors of the branch that takes the value type', () => {
      const errors = checkSchema({ ...base(), auth: refreshable({ authorization_request_headers: { 'bad header': 'x' } }) }).errors;
      const pattern = (resolve(defs.header_name) as Node).pattern as string;
      expect(schemaFindings(errors)).toEqual([
        error(
          '/auth/authorization_request_headers/bad header',
          `"bad header" is not a valid name in authorization_request_headers: it must match ${pattern}`,
          description(defs.request_headers),
          'key',
        ),
      ]);
    });

    it('takes an enum branch as accepting the type of its values', () => {
      const input = { type: 'object', properties: { a: { type: 'strng' } } };
      const errors = checkSchema({ ...base(), actions: { get: { method: 'GET', path: '/a', input } } }).errors;
      expect(schemaFindings(errors)).toEqual([
        error('/actions/get/input/properties/a/type', 'type "strng" is not one of: string, number, integer, boolean, object, array, null', 'did you mean "string"?'),
      ]);
    });
  });
});

describe('schemaFindings on hand-built errors', () => {
  const at = (keyword: string, params: Record<string, unknown>, extra: Partial<ErrorObject> = {}): ErrorObject => ({
    keyword,
    instancePath: '/list',
    schemaPath: `#/${keyword}`,
    params,
    parentSchema: { description: 'A list.' },
    ...extra,
  });

  it.each([
    ['minLength', at('minLength', { limit: 3 }), '/list', 'list must be at least 3 characters long'],
    ['minItems', at('minItems', { limit: 2 }), '/list', 'list must have at least 2 entries'],
    ['minProperties', at('minProperties', { limit: 1 }), '/list', 'list must not be empty'],
    ['maxProperties', at('maxProperties', { limit: 9 }), '/list', 'list has more than 9 entries'],
    ['maximum', at('maximum', { comparison: '<=', limit: 5 }), '/list', 'list must be at most 5'],
    ['exclusiveMaximum', at('exclusiveMaximum', { comparison: '<', limit: 5 }), '/list', 'list must be less than 5'],
    ['format', at('format', { format: 'email' }, { data: 'x' }), '/list', 'list "x" is not a valid email'],
    ['uniqueItems', at('uniqueItems', { i: 3, j: 1 }), '/list/3', 'list lists the same value twice (items 1 and 3)'],
    ['type', at('type', { type: 'string,array' }, { data: null }), '/list', 'list must be a string or an array, not null'],
    ['type', at('type', { type: 'object' }, { data: 1.5 }), '/list', 'list must be an object, not a number'],
    ['not', at('not', {}, { message: 'must NOT be valid' }), '/list', 'list must NOT be valid'],
    ['not', at('not', {}), '/list', 'list is invalid'],
  ])('rewords %s', (_, e, pointer, message) => {
    expect(schemaFindings([e])).toEqual([error(pointer, message, 'A list.')]);
  });

  it('leaves the hint out when the schema node has no description', () => {
    expect(schemaFindings([at('minLength', { limit: 1 }, { parentSchema: {} })])).toEqual([error('/list', 'list must not be empty', undefined)]);
  });

  it('leaves out errors about a property name, keeping the propertyNames error', () => {
    const inner = at('pattern', { pattern: '^a$' }, { propertyName: 'B' });
    const outer = at('propertyNames', { propertyName: 'B' }, { parentSchema: { propertyNames: { maxLength: 3 } } });
    expect(schemaFindings([inner, outer])).toEqual([error('/list/B', '"B" is not a valid name in list', undefined, 'key')]);
  });

  it('names a discriminator tag at the root by the tag alone', () => {
    const parent = { oneOf: [{ properties: { kind: { const: 'a' } } }, { properties: { kind: { const: 'b' } } }, {}] };
    const e: ErrorObject = { keyword: 'discriminator', instancePath: '', schemaPath: '#/discriminator', params: { error: 'mapping', tag: 'kind', tagValue: 'zzz' }, parentSchema: parent };
    expect(schemaFindings([e])).toEqual([error('/kind', 'kind "zzz" is not one of: a, b, ?', undefined)]);
  });
});
