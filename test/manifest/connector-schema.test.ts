/**
 * Unit tests of sdk/manifest/connector-schema.ts: the schema as the generated validator's own
 * object tree, `resolve` following `#/$defs/` references by identity, and `describeProperty`.
 */
import { describe, expect, it } from 'vitest';
import { connectorSchema, describeProperty, resolve } from '../../sdk/manifest/connector-schema.js';
import { connectorSchema as generated } from '../../sdk/manifest/schema-validator.gen.js';

type Node = Record<string, unknown>;
const properties = connectorSchema.properties as Record<string, Node>;
const defs = connectorSchema.$defs;

describe('connectorSchema', () => {
  // That it equals schemas/connector.schema.json is schema-validator-gen.test.ts's business.
  it("is the generated validator's very object, so ajv's errors name its nodes", () => {
    expect(connectorSchema).toBe(generated);
  });
});

describe('resolve', () => {
  it('returns the very definition a $ref names', () => {
    expect(properties.auth).toEqual({ $ref: '#/$defs/auth' });
    expect(resolve(properties.auth)).toBe(defs.auth);
  });

  it('returns a node without $ref as it is', () => {
    expect(resolve(properties.name)).toBe(properties.name);
    const node = { $ref: 'https://elsewhere.example/schema.json', type: 'string' };
    expect(resolve(node)).toBe(node);
  });

  it('returns {} for an unknown definition and for what is not an object', () => {
    expect(resolve({ $ref: '#/$defs/no_such_definition' })).toEqual({});
    expect(resolve(null)).toEqual({});
    expect(resolve('auth')).toEqual({});
    expect(resolve([{ $ref: '#/$defs/auth' }])).toEqual({});
  });
});

describe('describeProperty', () => {
  it("returns a property's own description", () => {
    expect(describeProperty(connectorSchema, 'name')).toBe(properties.name?.description);
    expect(typeof describeProperty(connectorSchema, 'name')).toBe('string');
  });

  it('falls back to the description of the definition the property refers to', () => {
    expect(describeProperty(connectorSchema, 'auth')).toBe(defs.auth?.description);
    expect(typeof defs.auth?.description).toBe('string');
  });

  it('prefers the property\'s own description over its definition\'s', () => {
    expect(describeProperty({ properties: { p: { $ref: '#/$defs/auth', description: 'own' } } }, 'p')).toBe('own');
  });

  it('is undefined for an unknown property, a schema without properties or a description that is not a string', () => {
    expect(describeProperty(connectorSchema, 'no_such_property')).toBeUndefined();
    expect(describeProperty({}, 'name')).toBeUndefined();
    expect(describeProperty({ properties: [] }, '0')).toBeUndefined();
    expect(describeProperty({ properties: { p: { description: 5 } } }, 'p')).toBeUndefined();
    expect(describeProperty({ properties: { p: true } }, 'p')).toBeUndefined();
  });
});
