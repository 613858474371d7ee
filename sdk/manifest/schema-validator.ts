/**
 * The connector schema as a validator. ajv compiles it ahead of time
 * (scripts/generate-schema-validator.ts writes schema-validator.gen.ts): compiling it at start-up
 * cost every CLI run well over 100 ms, importing ajv included. The schema's x-template and x-jsonpath
 * keywords check nothing: they collect every template field (with the variable scopes the schema
 * allows there) and every JSONPath, so the rules beyond the schema know where to look without
 * walking the manifest a second time.
 */
import type { AnySchemaObject, ErrorObject } from 'ajv/dist/2020.js';
import { validate } from './schema-validator.gen.js';

/** A value the schema marks "x-template": a Liquid template, or JSON whose strings are templates. */
export interface TemplateField {
  pointer: string;
  value: unknown;
  scopes: readonly string[];
  schema: AnySchemaObject;
}

export interface JsonPathField {
  pointer: string;
  value: unknown;
}

export interface SchemaCheck {
  /** ajv's raw errors, empty when the manifest matches the schema. */
  errors: readonly ErrorObject[];
  templates: TemplateField[];
  jsonPaths: JsonPathField[];
}

/** Validates a parsed manifest against the connector schema. */
export function checkSchema(value: unknown): SchemaCheck {
  // The keywords push onto `this`: what they saw in this validation.
  const collected: Pick<SchemaCheck, 'templates' | 'jsonPaths'> = { templates: [], jsonPaths: [] };
  const errors = validate.call(collected, value) ? [] : (validate.errors ?? []);
  return { errors, ...collected };
}
