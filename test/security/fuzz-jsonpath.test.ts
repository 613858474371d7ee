/**
 * Property: the JSONPath fast path (plain member paths walked without jsonpath-plus) returns
 * exactly what jsonpath-plus returns, on random JSON with awkward keys (`__proto__`, `length`,
 * quotes, brackets, `*`, `~`, `..`, `@`, `,`, `:`), in every notation (dot, single and double
 * quoted brackets, indexes, Locoia's form without `$`). Paths the validator refuses are skipped;
 * where jsonpath-plus throws (names starting with `@`, a lone `~`), the SDK reads the name
 * literally or fails with its own typed error.
 * A second property: nothing the validator accepts ever reaches the library as a script.
 */
import fc from 'fast-check';
import { JSONPath } from 'jsonpath-plus';
import { describe, expect, it } from 'vitest';
import { ConnectorError } from '../../sdk/errors.js';
import { checkJsonPath, compileJsonPath, normalizeJsonPath } from '../../sdk/extract/json-path.js';
import { fuzz } from './support/fuzz.js';

const keyChar = fc.constantFrom('a', 'b', 'Z', '_', '$', '-', '0', '1', ' ', '.', '*', '@', '^', '~', '`', "'", '"', '[', ']', '(', ')', '?', ':', ',', '\\', 'é', '%', '#', '/', ';');
const key = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom('a', 'b', 'id', 'data', 'length', '0', '1', 'items', '__proto__', 'constructor', 'toString', '@odata.nextLink', 'a.b', '') },
  { weight: 3, arbitrary: fc.string({ unit: keyChar, maxLength: 4 }) },
);
/** JSON as a server sends it: parsed from text, so `__proto__` is an own key. */
const jsonValue = fc
  .letrec((tie) => ({
    value: fc.oneof(
      { depthSize: 'small' },
      fc.constant(null),
      fc.boolean(),
      fc.integer(),
      fc.string({ maxLength: 4 }),
      fc.array(tie('value'), { maxLength: 3 }),
      fc.dictionary(key, tie('value'), { maxKeys: 4 }),
    ),
  }))
  .value.map((value) => JSON.parse(JSON.stringify(value)) as unknown);
const root = fc.oneof(fc.array(jsonValue, { maxLength: 3 }), fc.dictionary(key, jsonValue, { maxKeys: 4 })).map((value) => JSON.parse(JSON.stringify(value)) as unknown);

type Segment = { name: string; form: 'dot' | 'single' | 'double' | 'index' };
const segment: fc.Arbitrary<Segment> = fc.oneof(
  key.map((name) => ({ name, form: 'dot' as const })),
  key.map((name) => ({ name, form: 'single' as const })),
  key.map((name) => ({ name, form: 'double' as const })),
  fc.nat(3).map((n) => ({ name: String(n), form: 'index' as const })),
);

function pathOf(segments: Segment[], locoia: boolean): string {
  let out = locoia ? '' : '$';
  segments.forEach(({ name, form }, i) => {
    if (form === 'dot') out += `${locoia && i === 0 ? '' : '.'}${name}`;
    else if (form === 'single') out += `['${name}']`;
    else if (form === 'double') out += `["${name}"]`;
    else out += `[${name}]`;
  });
  return out;
}

function library(path: string, json: unknown): { values?: unknown[]; threw?: string } {
  try {
    return { values: (JSONPath({ path: normalizeJsonPath(path), json: json as object, eval: false, wrap: true, resultType: 'value' }) ?? []) as unknown[] };
  } catch (error) {
    return { threw: (error as Error).message };
  }
}

describe('JSONPath fast path ≡ jsonpath-plus', () => {
  it('agrees on random JSON and simple paths', async () => {
    let compared = 0;
    await fuzz(
      'jsonpath fast path agrees with jsonpath-plus',
      [root, fc.array(segment, { maxLength: 4 }), fc.boolean()],
      (json, segments, locoia) => {
        const path = pathOf(segments, locoia && segments.length > 0);
        if (checkJsonPath(path) !== undefined) return;
        const compiled = compileJsonPath(path);
        const expected = library(path, json);
        if (expected.threw !== undefined) {
          // Where jsonpath-plus fails (names starting with "@", a lone "~"), the SDK either reads
          // the name literally (fast path) or fails with its own typed error, never the library's.
          try {
            compiled.all(json);
          } catch (error) {
            expect(ConnectorError.isConnectorError(error), String(error)).toBe(true);
          }
          return;
        }
        compared++;
        expect(compiled.all(json), path).toEqual(expected.values);
        expect(compiled.first(json), path).toEqual(expected.values?.[0]);
      },
      3_000,
    );
    expect(compared).toBeGreaterThan(1_000);
  });

  it('no path the validator accepts reaches jsonpath-plus as a script, whatever it is made of', async () => {
    const scriptish = fc.string({ unit: fc.constantFrom('$', '.', '..', '[', ']', "'", '"', '(', ')', '?', '@', 'a', '0', ',', '*', ' ', '`', '=', ';'), maxLength: 16 });
    await fuzz(
      'jsonpath: accepted paths never evaluate scripts',
      [scriptish, root],
      (path, json) => {
        if (checkJsonPath(path) !== undefined) return;
        const outcome = library(path, json);
        expect(outcome.threw ?? '', path).not.toMatch(/Eval .* prevented/);
      },
      2_000,
    );
  });
});
