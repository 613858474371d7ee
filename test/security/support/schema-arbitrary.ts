/**
 * fast-check arbitraries derived from a JSON Schema (the connector schema): values that mostly
 * follow it (types, enums, consts, required properties, patterns, examples, bounds) with a share
 * of hostile deviations at every level (wrong types, missing required keys, unknown keys, odd
 * strings). Depth is bounded; recursive definitions bottom out in small values.
 */
import fc from 'fast-check';

type Schema = Record<string, unknown>;

const ABSENT = Symbol('absent');

const HOSTILE_STRINGS = [
  '',
  ' ',
  '{{',
  '{{ }}',
  '{% for %}',
  '{{ credentials.constructor }}',
  '{{ x | valueOf }}',
  "{% include '/etc/passwd' %}",
  '$..[?(@.constructor)]',
  "$['?(@)']",
  '$[(1)]',
  '__proto__',
  'constructor',
  '../..',
  'http://169.254.169.254/',
  '\u0000',
  '\r\nX: y',
  'é'.repeat(70),
  '^(a+)+$',
  '(',
];

/** Strings an author might write in template or JSONPath fields, plus hostile ones. */
const templateLike = fc.oneof(
  fc.constantFrom(
    '{{ credentials.api_key }}',
    '{{ credentials.client_id }}',
    '{{ input.id }}',
    '{{ auth.access_token }}',
    '{{ env }}',
    '{{ now }}',
    '/v1/items',
    '/v1/items/{{ input.id | url_encode }}',
    'https://api.example.com/token',
    'Bearer {{ auth.access_token }}',
    '$.data',
    'access_token',
    '$.items[0].id',
    '$..token',
  ),
  fc.constantFrom(...HOSTILE_STRINGS),
  fc.string({ maxLength: 12 }),
);

export interface SchemaArbitraryOptions {
  /** Share of hostile deviations per node, 0…1. */
  hostility: number;
  maxDepth: number;
}

export function schemaArbitrary(root: Schema, options: SchemaArbitraryOptions): fc.Arbitrary<unknown> {
  const defs = (root.$defs ?? {}) as Record<string, Schema>;
  const resolve = (schema: Schema): Schema => {
    let current = schema;
    for (let hops = 0; typeof current.$ref === 'string' && hops < 20; hops++) {
      const name = current.$ref.replace('#/$defs/', '');
      const { $ref: _ref, ...rest } = current;
      current = { ...(defs[name] ?? {}), ...rest };
    }
    return current;
  };

  const hostile = fc.oneof(
    fc.constant(null),
    fc.boolean(),
    fc.integer({ min: -1e6, max: 1e12 }),
    fc.constantFrom(...HOSTILE_STRINGS),
    fc.constant([]),
    fc.constant({}),
    fc.jsonValue({ maxDepth: 2 }),
  );

  const build = (input: Schema, depth: number): fc.Arbitrary<unknown> => {
    const schema = resolve(input);
    const conforming = conform(schema, depth);
    if (options.hostility <= 0) return conforming;
    const weight = Math.max(1, Math.round(options.hostility * 100));
    return fc.oneof({ weight: 100 - weight, arbitrary: conforming }, { weight, arbitrary: hostile });
  };

  const conform = (schema: Schema, depth: number): fc.Arbitrary<unknown> => {
    if ('const' in schema) return fc.constant(schema.const);
    if (Array.isArray(schema.enum) && schema.enum.length > 0) return fc.constantFrom(...(schema.enum as unknown[]));
    const branches = (schema.oneOf ?? schema.anyOf) as Schema[] | undefined;
    if (Array.isArray(branches) && branches.length > 0) {
      const { oneOf: _o, anyOf: _a, discriminator: _d, ...base } = schema;
      return fc.oneof(...branches.map((branch) => build({ ...base, ...resolve(branch) }, depth)));
    }
    const types = Array.isArray(schema.type) ? (schema.type as string[]) : typeof schema.type === 'string' ? [schema.type] : [];
    const type = types.length > 0 ? types : schema.properties ? ['object'] : ['string'];
    return fc.oneof(...type.map((t) => ofType(t, schema, depth)));
  };

  const ofType = (type: string, schema: Schema, depth: number): fc.Arbitrary<unknown> => {
    const examples = Array.isArray(schema.examples) ? (schema.examples as unknown[]) : [];
    switch (type) {
      case 'null':
        return fc.constant(null);
      case 'boolean':
        return fc.boolean();
      case 'integer':
      case 'number': {
        const min = typeof schema.minimum === 'number' ? schema.minimum : -1000;
        const max = typeof schema.maximum === 'number' ? schema.maximum : Math.max(min + 1000, 1000);
        const integer = fc.integer({ min: Math.ceil(min), max: Math.floor(Math.min(max, Number.MAX_SAFE_INTEGER)) });
        return type === 'integer' ? integer : fc.oneof(integer, fc.double({ min, max, noNaN: true }));
      }
      case 'string': {
        const stringExamples = examples.filter((e): e is string => typeof e === 'string');
        const minLength = Number(schema.minLength ?? 0);
        const maxLength = Number(schema.maxLength ?? 200);
        const choices: fc.WeightedArbitrary<string>[] = [];
        if (stringExamples.length > 0) choices.push({ weight: 4, arbitrary: fc.constantFrom(...stringExamples) });
        if (typeof schema.pattern === 'string') {
          try {
            const matching = fc.stringMatching(new RegExp(schema.pattern)).filter((s) => s.length >= minLength && s.length <= maxLength);
            choices.push({ weight: 4, arbitrary: matching });
          } catch {
            // A pattern fast-check cannot generate from: examples and free strings instead.
          }
        } else {
          if (schema['x-template'] !== undefined || schema['x-jsonpath'] !== undefined) choices.push({ weight: 1, arbitrary: templateLike });
          choices.push({ weight: 1, arbitrary: fc.string({ minLength, maxLength: Math.max(minLength, Math.min(maxLength, 10)) }) });
        }
        return choices.length > 0 ? fc.oneof(...choices) : fc.string({ maxLength: 10 });
      }
      case 'array': {
        if (depth >= options.maxDepth) return fc.constant([]);
        const items = (schema.items ?? {}) as Schema;
        const minItems = Number(schema.minItems ?? 0);
        const maxItems = Math.max(minItems, Math.min(Number(schema.maxItems ?? 3), 3));
        return fc.array(build(items, depth + 1), { minLength: minItems, maxLength: maxItems });
      }
      case 'object':
      default: {
        if (depth >= options.maxDepth) return fc.constant({});
        const properties = (schema.properties ?? {}) as Record<string, Schema>;
        const required = new Set(Array.isArray(schema.required) ? (schema.required as string[]) : []);
        // Optional properties appear one time in four: whole-schema objects would mostly break
        // cross-field rules, and small manifests are the ones that can be valid.
        const record: Record<string, fc.Arbitrary<unknown>> = {};
        for (const [name, property] of Object.entries(properties)) {
          const value = build(property, depth + 1);
          record[name] = required.has(name) ? value : fc.oneof({ weight: 3, arbitrary: fc.constant(ABSENT) }, { weight: 1, arbitrary: value });
        }
        const extras = extraProperties(schema, depth);
        return fc.tuple(fc.record(record), extras).map(([known, extra]) => {
          const out: Record<string, unknown> = { ...extra };
          for (const [name, value] of Object.entries(known)) if (value !== ABSENT) out[name] = value;
          return out;
        });
      }
    }
  };

  /** additionalProperties / propertyNames: keyed maps such as actions, headers, properties. */
  const extraProperties = (schema: Schema, depth: number): fc.Arbitrary<Record<string, unknown>> => {
    const additional = schema.additionalProperties;
    if (additional === false || additional === undefined) {
      return options.hostility > 0 ? fc.oneof({ weight: 9, arbitrary: fc.constant({}) }, { weight: 1, arbitrary: fc.dictionary(fc.constantFrom('unknown', 'typo_field', '__proto__'), hostile, { maxKeys: 1 }) }) : fc.constant({});
    }
    const names = resolve((schema.propertyNames ?? {}) as Schema);
    let key: fc.Arbitrary<string> = fc.string({ minLength: 1, maxLength: 8 });
    if (typeof names.pattern === 'string') {
      try {
        key = fc.stringMatching(new RegExp(names.pattern)).map((s) => s.slice(0, 40) || 'k');
      } catch {
        // free keys
      }
    }
    const value = additional === true ? fc.jsonValue({ maxDepth: 1 }) : build(additional as Schema, depth + 1);
    const minKeys = Number(schema.minProperties ?? 0);
    return fc.dictionary(key, value, { minKeys, maxKeys: Math.max(minKeys, 3) });
  };

  return build(root, 0);
}
