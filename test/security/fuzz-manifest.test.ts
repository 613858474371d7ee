/**
 * Property: the validator never throws, whatever it is given. Manifests are derived from the
 * connector schema itself (types, enums, required keys, patterns, examples) with hostile
 * deviations at every level; others are the valid sample manifests with random subtrees
 * replaced or their text cut and spliced. Every answer is a well-formed diagnostics list; text
 * and parsed forms agree; and every manifest the validator accepts also compiles (no manifest
 * is "valid" yet unloadable).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Connector, ConnectorError, validateManifest, type ConnectorManifest } from '../../sdk/index.js';
import { fuzz } from './support/fuzz.js';
import { schemaArbitrary } from './support/schema-arbitrary.js';

const schema = JSON.parse(readFileSync('schemas/connector.schema.json', 'utf8')) as Record<string, unknown>;

const corpus = [
  ...readdirSync('test/manifest/valid').map((name) => join('test/manifest/valid', name)),
  ...readdirSync('connectors').filter((name) => name.endsWith('.json')).map((name) => join('connectors', name)),
].map((file) => readFileSync(file, 'utf8'));

function checkAnswer(input: unknown): { valid: boolean } {
  let result: ReturnType<typeof validateManifest>;
  try {
    result = validateManifest(input);
  } catch (error) {
    throw new Error(`validateManifest threw: ${(error as Error).stack}`);
  }
  expect(typeof result.valid).toBe('boolean');
  expect(Array.isArray(result.diagnostics)).toBe(true);
  for (const diagnostic of result.diagnostics) {
    expect(typeof diagnostic.pointer).toBe('string');
    expect(diagnostic.pointer === '' || diagnostic.pointer.startsWith('/')).toBe(true);
    expect(diagnostic.message.length).toBeGreaterThan(0);
    expect(['error', 'warning']).toContain(diagnostic.severity);
    expect(Number.isInteger(diagnostic.line) && Number.isInteger(diagnostic.column)).toBe(true);
  }
  expect(result.valid).toBe(!result.diagnostics.some((d) => d.severity === 'error'));
  if (result.valid) {
    // Accepted means loadable: compiling must not fail.
    expect(() => new Connector(structuredClone(result.manifest as ConnectorManifest))).not.toThrow();
  }
  return result;
}

/** Replaces the value at a random path of a JSON value. */
function replaceAt(value: unknown, steps: number[], replacement: unknown): unknown {
  if (steps.length === 0 || value === null || typeof value !== 'object') return replacement;
  const [step = 0, ...rest] = steps;
  if (Array.isArray(value)) {
    if (value.length === 0) return replacement;
    const copy = [...value];
    const index = step % copy.length;
    copy[index] = replaceAt(copy[index], rest, replacement);
    return copy;
  }
  const keys = Object.keys(value);
  if (keys.length === 0) return replacement;
  const key = keys[step % keys.length] as string;
  return { ...(value as Record<string, unknown>), [key]: replaceAt((value as Record<string, unknown>)[key], rest, replacement) };
}

describe('validateManifest under fuzzing', () => {
  it('schema-derived manifests: never throws; text and object agree; valid ones compile', async () => {
    let valid = 0;
    await fuzz(
      'manifest: schema-derived',
      [schemaArbitrary(schema, { hostility: 0.04, maxDepth: 7 })],
      (manifest) => {
        const fromObject = checkAnswer(manifest);
        const text = JSON.stringify(manifest);
        if (text !== undefined) expect(checkAnswer(text).valid).toBe(fromObject.valid);
        if (fromObject.valid) valid++;
      },
      2000,
    );
    expect(valid).toBeGreaterThan(0);
    console.log(`fuzz: schema-derived manifests accepted as valid (and compiled): ${valid}`);
  });

  it('sample manifests with a random subtree replaced: never throws; valid ones compile', async () => {
    const hostile = fc.oneof(
      fc.jsonValue({ maxDepth: 3 }),
      fc.constantFrom('{{ credentials.constructor }}', '$..[?(@)]', "$['(1)']", '{% include "x" %}', '^(a+)+$', '', null, [], {}, -1, 1e308),
    );
    let valid = 0;
    await fuzz(
      'manifest: sample manifests, subtree replaced',
      [fc.constantFrom(...corpus), fc.array(fc.nat(50), { minLength: 1, maxLength: 6 }), hostile],
      (text, steps, replacement) => {
        if (checkAnswer(replaceAt(JSON.parse(text), steps, replacement)).valid) valid++;
      },
      600,
    );
    // Enough of them stay valid for "valid means loadable" to be exercised.
    expect(valid).toBeGreaterThan(50);
    console.log(`fuzz: mutated sample manifests accepted as valid (and compiled): ${valid}`);
  });

  it('sample manifest texts cut, spliced and garbled: never throws', async () => {
    await fuzz(
      'manifest: sample texts garbled',
      [fc.constantFrom(...corpus), fc.nat(), fc.nat(200), fc.string({ maxLength: 8, unit: fc.constantFrom('{', '}', '[', ']', '"', ',', ':', '\\', '/', '*', 'x', '\u0000', '\uD800', ' ') })],
      (text, at, length, insert) => {
        const start = at % (text.length + 1);
        checkAnswer(text.slice(0, start) + insert + text.slice(start + length));
      },
      600,
    );
  });

  it('any JSON value or string: never throws', async () => {
    await fuzz(
      'manifest: arbitrary JSON and text',
      [fc.oneof(fc.jsonValue({ maxDepth: 4 }), fc.string({ maxLength: 200 }), fc.constantFrom(undefined, Symbol('x'), () => 1, new Date(0), new Map(), 1n))],
      (value) => {
        try {
          checkAnswer(value);
        } catch (error) {
          // Only non-JSON host values (a symbol, a function, a bigint) may be refused by throwing, and only typed.
          if (!['symbol', 'function', 'bigint'].includes(typeof value)) throw error;
          expect(ConnectorError.isConnectorError(error) || error instanceof TypeError).toBe(true);
        }
      },
      300,
    );
  });
});
