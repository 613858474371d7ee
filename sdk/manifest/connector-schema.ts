/**
 * The connector schema as a document to read: diagnostics quote its descriptions and list the
 * branches of its unions. It is the generated validator's own copy, the very objects ajv names
 * in an error's `schema` and `parentSchema`, so a branch is recognised by identity.
 */
import { isRecord } from './json-value.js';
import { connectorSchema } from './schema-validator.gen.js';

export type Schema = Record<string, unknown>;

export { connectorSchema };

/** A schema node, or the definition its `$ref` names. */
export function resolve(node: unknown): Schema {
  if (!isRecord(node)) return {};
  const ref = node.$ref;
  if (typeof ref === 'string' && ref.startsWith('#/$defs/')) return connectorSchema.$defs[ref.slice(8)] ?? {};
  return node;
}

/** A property's own description, else that of the definition it refers to. */
export function describeProperty(parent: Schema, property: string): string | undefined {
  const node = isRecord(parent.properties) ? parent.properties[property] : undefined;
  if (!isRecord(node)) return undefined;
  const description = node.description ?? resolve(node).description;
  return typeof description === 'string' ? description : undefined;
}
