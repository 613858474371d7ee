/**
 * Unit tests of sdk/manifest/schema-validator.ts, a thin wrapper around the generated validator.
 * Its contract: ajv's raw errors (empty when the manifest matches), and every template field
 * (with the scopes the schema allows there) and JSONPath the validation passed, collected
 * afresh on every call.
 */
import { describe, expect, it } from 'vitest';
import { checkSchema } from '../../sdk/manifest/schema-validator.js';

const manifest = () => ({
  id: 'x',
  name: 'X',
  version: '1.0.0',
  base_url: 'https://{{ credentials.host }}',
  credentials: { type: 'object', properties: { host: { type: 'string' }, token: { type: 'string', 'x-secret': true } } },
  headers: { 'X-A': '{{ env }}' },
  auth: { type: 'bearer', token: '{{ credentials.token }}' },
  actions: {
    get: {
      method: 'GET',
      path: '/a/{{ input.id }}',
      output: '$.data',
      input: { type: 'object', properties: { id: { type: 'string' } } },
      pagination: { type: 'cursor', param: 'c', cursor_path: '$.next' },
    },
  },
});

describe('checkSchema', () => {
  it('returns no errors for a valid manifest, and the template fields with their scopes', () => {
    const check = checkSchema(manifest());
    expect(check.errors).toEqual([]);
    expect(check.templates.map(({ pointer, value, scopes }) => ({ pointer, value, scopes }))).toEqual([
      { pointer: '/base_url', value: 'https://{{ credentials.host }}', scopes: ['credentials', 'auth', 'env'] },
      { pointer: '/headers/X-A', value: '{{ env }}', scopes: ['credentials', 'env'] },
      { pointer: '/auth/token', value: '{{ credentials.token }}', scopes: ['credentials', 'env'] },
      { pointer: '/actions/get/path', value: '/a/{{ input.id }}', scopes: ['credentials', 'input', 'auth', 'env', 'now'] },
    ]);
  });

  it('hands over the schema node of each template field', () => {
    const [baseUrl] = checkSchema(manifest()).templates;
    expect(baseUrl?.schema['x-template']).toEqual(['credentials', 'auth', 'env']);
    expect(typeof baseUrl?.schema.description).toBe('string');
  });

  it('collects the JSONPaths', () => {
    expect(checkSchema(manifest()).jsonPaths).toEqual([
      { pointer: '/actions/get/output', value: '$.data' },
      { pointer: '/actions/get/pagination/cursor_path', value: '$.next' },
    ]);
  });

  it("returns ajv's raw errors, and still collects what it passed", () => {
    const check = checkSchema({ ...manifest(), name: 5 });
    expect(check.errors.map(({ keyword, instancePath, schemaPath }) => ({ keyword, instancePath, schemaPath }))).toEqual([
      { keyword: 'type', instancePath: '/name', schemaPath: '#/properties/name/type' },
    ]);
    expect(check.templates.map((t) => t.pointer)).toEqual(['/base_url', '/headers/X-A', '/auth/token', '/actions/get/path']);
  });

  it('collects afresh on every call, and an earlier result stays as it was', () => {
    const first = checkSchema({ ...manifest(), name: 5 });
    const second = checkSchema({ ...manifest(), version: 'x', headers: {} });
    expect(first.errors.map((e) => e.instancePath)).toEqual(['/name']);
    expect(first.templates).toHaveLength(4);
    expect(second.errors.map((e) => e.instancePath)).toEqual(['/version']);
    expect(second.templates).toHaveLength(3);
  });

  it('reports a manifest that is not an object as one type error at the root', () => {
    for (const value of [[], null, 'x', 5]) {
      const check = checkSchema(value);
      expect(check.errors.map(({ keyword, instancePath }) => ({ keyword, instancePath }))).toEqual([{ keyword: 'type', instancePath: '' }]);
      expect(check.templates).toEqual([]);
      expect(check.jsonPaths).toEqual([]);
    }
  });
});
