/**
 * Unit tests of sdk/manifest/data-validator.ts: problems name the field by its dotted path
 * (JSON-pointer escapes ~0 and ~1 undone), never the value; defaults are filled in; x-secret and
 * x-binary are reported; the SDK's formats; x-binary fields accept file content only.
 */
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { compileDataSchema } from '../../sdk/manifest/data-validator.js';
import type { DataSchema } from '../../sdk/manifest/types.gen.js';

const schema = {
  type: 'object',
  required: ['a', 'b/c'],
  additionalProperties: false,
  properties: {
    a: { type: 'string', 'x-secret': true },
    'b/c': {
      type: 'object',
      properties: {
        'd~e': { type: 'integer' },
        'f/g': { type: 'object', required: ['h~/'], properties: { 'h~/': { type: 'string' } } },
      },
    },
    file: { type: 'string', 'x-binary': true },
    n: { type: 'integer', default: 7 },
    token: { type: 'string', 'x-secret': false },
  },
} as DataSchema;

const validator = compileDataSchema(schema);
const valid = () => ({ a: 'secret-value', 'b/c': {} }) as Record<string, unknown>;

describe('compileDataSchema', () => {
  it('lists the declared, secret and binary top-level properties', () => {
    expect(validator.declared).toEqual(['a', 'b/c', 'file', 'n', 'token']);
    expect(validator.secrets).toEqual(['a']);
    expect(validator.binaries).toEqual(['file']);
  });

  it('accepts a valid value and fills in defaults in place', () => {
    const value = valid();
    expect(validator.validate(value)).toEqual([]);
    expect(value).toEqual({ a: 'secret-value', 'b/c': {}, n: 7 });
  });

  it('names a missing required field', () => {
    expect(validator.validate({ 'b/c': {} })).toEqual([{ field: 'a', message: '"a" is required' }]);
  });

  it('names nested fields by their unescaped names (~1 → "/", ~0 → "~")', () => {
    expect(validator.validate({ ...valid(), 'b/c': { 'd~e': 'not a number' } })).toEqual([{ field: 'b/c.d~e', message: '"b/c.d~e" must be integer' }]);
    expect(validator.validate({ ...valid(), 'b/c': { 'f/g': {} } })).toEqual([{ field: 'b/c.f/g.h~/', message: '"b/c.f/g.h~/" is required' }]);
  });

  it('names an unknown field', () => {
    expect(validator.validate({ ...valid(), extra: 1 })).toEqual([{ field: 'extra', message: '"extra" is not a known field' }]);
  });

  it('never puts the value in a message', () => {
    const problems = validator.validate({ a: 12345, 'b/c': {} });
    expect(problems).toEqual([{ field: 'a', message: '"a" must be string' }]);
    expect(JSON.stringify(problems)).not.toContain('12345');
  });

  it('calls the whole value "value" when it is the problem', () => {
    expect(compileDataSchema({ type: 'string' } as DataSchema).validate(5 as unknown as Record<string, unknown>)).toEqual([
      { field: '', message: '"value" must be string' },
    ]);
  });

  it('accepts anything in an object when there is no schema', () => {
    const open = compileDataSchema(undefined);
    expect(open.declared).toEqual([]);
    expect(open.validate({ anything: 1 })).toEqual([]);
  });

  describe('x-binary', () => {
    it.each([
      ['a Buffer', Buffer.from('x')],
      ['a Uint8Array', new Uint8Array(2)],
      ['a Blob', new Blob(['x'])],
      ['a stream', Readable.from(['x'])],
    ])('accepts %s, whatever the declared type', (_, file) => {
      expect(validator.validate({ ...valid(), file })).toEqual([]);
    });

    it.each([
      ['a string', 'not binary'],
      ['a plain object', { pipe: 'not a function' }],
      ['an array', [1, 2]],
    ])('refuses %s', (_, file) => {
      expect(validator.validate({ ...valid(), file })).toEqual([
        { field: 'file', message: '"file" must be file content (Buffer, Uint8Array, Blob or stream)' },
      ]);
    });

    it('checks nested binary fields too, though only top-level ones are listed', () => {
      const nested = compileDataSchema({ type: 'object', properties: { o: { type: 'object', properties: { f: { type: 'string', 'x-binary': true } } } } } as DataSchema);
      expect(nested.binaries).toEqual([]);
      expect(nested.validate({ o: { f: Buffer.from('x') } })).toEqual([]);
      expect(nested.validate({ o: { f: 'text' } })).toEqual([{ field: 'o.f', message: '"o.f" must be file content (Buffer, Uint8Array, Blob or stream)' }]);
    });
  });

  describe('formats', () => {
    const formats = compileDataSchema({
      type: 'object',
      properties: Object.fromEntries(['email', 'uri', 'date', 'date-time', 'hostname', 'uuid'].map((format) => [format, { type: 'string', format }])),
    } as DataSchema);

    it.each([
      ['email', 'a@b.co', true],
      ['email', 'a@b', false],
      ['email', `${'x'.repeat(315)}@b.co`, true],
      ['email', `${'x'.repeat(316)}@b.co`, false],
      ['uri', 'https://x', true],
      ['uri', 'nope', false],
      ['date', '2024-01-02', true],
      ['date', '2024-1-2', false],
      ['date-time', '2024-01-02T03:04:05Z', true],
      ['date-time', '2024-01-02', false],
      ['date-time', '2024-13-45T00:00:00Z', false],
      ['hostname', 'api.example.com', true],
      ['hostname', 'api.example.com:8080', true],
      ['hostname', '-bad.com', false],
      ['hostname', `${'a'.repeat(64)}.com`, false],
      ['uuid', '123E4567-e89b-12d3-a456-426614174000', true],
      ['uuid', '123e4567e89b12d3a456426614174000', false],
    ])('%s %j → %s', (format, value, ok) => {
      expect(formats.validate({ [format]: value })).toEqual(ok ? [] : [{ field: format, message: `"${format}" must match format "${format}"` }]);
    });

    it('refuses a long email by its length before the pattern can backtrack', () => {
      // Without the length check the pattern takes about a second on this text (quadratic).
      const started = performance.now();
      expect(formats.validate({ email: `a@${'.'.repeat(40_000)}@` })).toEqual([{ field: 'email', message: '"email" must match format "email"' }]);
      expect(performance.now() - started).toBeLessThan(5_000);
    });
  });

  it('reuses the compiled validator for an identical schema', () => {
    const again = compileDataSchema(JSON.parse(JSON.stringify(schema)) as DataSchema);
    expect(again.validate({ 'b/c': {} })).toEqual([{ field: 'a', message: '"a" is required' }]);
  });
});
