/**
 * OpenAPI schemas as the manifest's data schemas: the subset the format keeps (types, enums,
 * formats, bounds, descriptions, nesting) taken from a dereferenced OpenAPI 3.x (or converted
 * Swagger 2.0) schema. `allOf` is merged, `oneOf`/`anyOf` become the union of their types, and
 * nesting stops at a depth (dereferenced documents are cyclic, and a 1 000-operation document
 * must stay a manifest of a few megabytes); what is cut is left open, never made stricter.
 */
import type { DataSchema } from '../manifest/types.gen.js';
import { patternProblem } from '../manifest/pattern-safety.js';
import { objectOf } from './import-context.js';

/** How far dataSchemaOf goes, and which side of the exchange the schema describes. */
export interface SchemaOptions {
  /** Levels of nesting kept; deeper values are any value. */
  depth: number;
  /** A request drops readOnly properties, a response writeOnly ones. */
  direction: 'request' | 'response';
  /** Keep descriptions (the input's; output schemas leave them out to stay small). */
  descriptions: boolean;
}

const TYPES = new Set(['string', 'number', 'integer', 'boolean', 'object', 'array', 'null']);
const FORMATS = new Set(['email', 'uri', 'date', 'date-time', 'hostname', 'uuid']);
const COPIED = ['minLength', 'maxLength', 'minItems', 'maxItems'] as const;
/** What the manifest allows for a property name (schemas/connector.schema.json, data_schema). */
const PROPERTY_NAME = /^(?!(?:__proto__|constructor|prototype)$)[^\u0000-\u001f\u007f]{1,128}$/;
const MAX_PROPERTIES = 200;
const MAX_ENUM = 1000;

/**
 * The data schema of an OpenAPI schema (already dereferenced).
 *
 * @example
 * dataSchemaOf({ type: 'integer', format: 'int64', nullable: true }, { depth: 4, direction: 'request', descriptions: true });
 * // { type: ['integer', 'null'] }
 */
export function dataSchemaOf(value: unknown, options: SchemaOptions, level = 0): DataSchema {
  const schema = flatten(objectOf(value) ?? {});
  const out: DataSchema = {};
  const type = typeOf(schema);
  if (type !== undefined) out.type = type;
  if (options.descriptions && typeof schema.description === 'string' && schema.description !== '') out.description = schema.description;
  copyValues(schema, out);
  if (schema.format === 'binary' && options.direction === 'request') return { 'x-binary': true, ...(out.description && { description: out.description }) };
  if (level >= options.depth) return out;
  const items = objectOf(schema.items);
  if (items) out.items = dataSchemaOf(items, options, level + 1);
  const properties = objectOf(schema.properties);
  if (properties) {
    out.properties = {};
    for (const [name, property] of Object.entries(properties).slice(0, MAX_PROPERTIES)) {
      if (!PROPERTY_NAME.test(name) || skipped(property, options)) continue;
      out.properties[name] = dataSchemaOf(property, options, level + 1);
    }
    const required = Array.isArray(schema.required) ? schema.required.filter((name): name is string => typeof name === 'string' && Object.hasOwn(out.properties ?? {}, name)) : [];
    if (required.length > 0) out.required = [...new Set(required)];
  }
  if (typeof schema.additionalProperties === 'boolean' && Object.keys(properties ?? {}).length <= MAX_PROPERTIES) out.additionalProperties = schema.additionalProperties;
  return out;
}

/** readOnly properties are not sent, writeOnly ones not answered. */
function skipped(property: unknown, options: SchemaOptions): boolean {
  const schema = objectOf(property) ?? {};
  return options.direction === 'request' ? schema.readOnly === true : schema.writeOnly === true;
}

function copyValues(schema: Record<string, unknown>, out: DataSchema): void {
  if (Array.isArray(schema.enum) && schema.enum.length > 0 && schema.enum.length <= MAX_ENUM) out.enum = schema.enum as DataSchema['enum'];
  if (Object.hasOwn(schema, 'const')) out.const = schema.const as DataSchema['const'];
  if (schema.default !== undefined) out.default = schema.default as DataSchema['default'];
  if (typeof schema.format === 'string' && FORMATS.has(schema.format)) out.format = schema.format as DataSchema['format'];
  // A pattern the validator would refuse (exponential backtracking) is left out: the schema gets looser, never wrong.
  if (typeof schema.pattern === 'string' && schema.pattern.length <= 512 && patternProblem(schema.pattern) === undefined) out.pattern = schema.pattern;
  for (const key of COPIED) if (typeof schema[key] === 'number' && (schema[key] as number) >= 0) out[key] = schema[key] as number;
  if (typeof schema.minimum === 'number') out.minimum = schema.minimum;
  if (typeof schema.maximum === 'number') out.maximum = schema.maximum;
}

/**
 * One schema from allOf (every part must hold: properties and required lists merged) and from
 * oneOf/anyOf (any part may hold: only their types are kept, as a union).
 */
function flatten(schema: Record<string, unknown>): Record<string, unknown> {
  const parts = Array.isArray(schema.allOf) ? schema.allOf.map((part) => flatten(objectOf(part) ?? {})) : [];
  let merged: Record<string, unknown> = { ...schema };
  for (const part of parts) {
    merged = {
      ...part,
      ...merged,
      properties: { ...(objectOf(part.properties) ?? {}), ...(objectOf(merged.properties) ?? {}) },
      required: [...(Array.isArray(part.required) ? part.required : []), ...(Array.isArray(merged.required) ? merged.required : [])],
    };
  }
  const alternatives = [schema.oneOf, schema.anyOf].find(Array.isArray)?.map((part) => flatten(objectOf(part) ?? {}));
  if (alternatives && merged.type === undefined) {
    const types = alternatives.map(typeOf);
    if (types.every((type) => type !== undefined)) merged.type = [...new Set(types.flat())];
    // A union whose parts are all objects (or all arrays) keeps what they share: the container.
    if (types.every((type) => type === 'object')) merged.properties ??= {};
  }
  delete merged.allOf;
  return merged;
}

/** The type, with OpenAPI 3.0's `nullable` as the 3.1 union with null. */
function typeOf(schema: Record<string, unknown>): DataSchema['type'] | undefined {
  const listed = Array.isArray(schema.type) ? schema.type : typeof schema.type === 'string' ? [schema.type] : [];
  const types = listed.filter((type): type is string => typeof type === 'string' && TYPES.has(type));
  if (types.length === 0) return undefined;
  if (schema.nullable === true && !types.includes('null')) types.push('null');
  const unique = [...new Set(types)] as NonNullable<Exclude<DataSchema['type'], string>>;
  return unique.length === 1 ? unique[0] : unique;
}
