/**
 * Locoia's `auth_form` (what the end user enters) as the manifest's `credentials` JSON Schema:
 * the current array of fields and the older object keyed by field name; `type: password`
 * becomes `x-secret: true`, a label the title, `required: true` the required list. Each form
 * type maps to the schema that accepts the same values; a type without one is reported.
 */
import type { CredentialsSchema, DataSchema } from '../manifest/types.gen.js';
import { objectOf, pointerTo, type ImportContext } from './import-context.js';

/** The manifest's credential names (schema propertyNames). */
const CREDENTIAL_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,63}$/;

/** Form keys that only shape the form on screen. */
const SCREEN_ONLY = new Set(['rows', 'step', 'placeholder', 'order', 'order_rank', 'hidden', 'width']);
/** Form keys the mapping reads. */
const READ = new Set(['name', 'title', 'label', 'type', 'required', 'description', 'help', 'default', 'enum', 'multiple', 'min', 'max', 'minLength', 'maxLength']);

interface FormField {
  name: string;
  spec: Record<string, unknown>;
  pointer: string;
}

/**
 * Reads the form at `pointer` (array or object) and records its field names in `ctx.fields`.
 *
 * @example
 * credentialsOf(ctx, [{ name: 'password', title: 'client_secret', type: 'password', required: true }], '/refreshable_token/auth_form');
 * // { type: 'object', required: ['password'], properties: { password: { type: 'string', title: 'client_secret', 'x-secret': true } } }
 */
export function credentialsOf(ctx: ImportContext, form: unknown, pointer: string): CredentialsSchema {
  const schema: CredentialsSchema = { type: 'object', required: [], properties: {} };
  for (const field of fieldsOf(ctx, form, pointer)) {
    if (!CREDENTIAL_NAME.test(field.name)) {
      const hint = 'credential names are letters, digits and _, not starting with a digit; rename it (and its uses in templates)';
      ctx.report(field.pointer, 'error', `the field name "${field.name}" is not a credential name`, hint);
      continue;
    }
    const property = propertyOf(ctx, field);
    if (!property) continue;
    ctx.fields.add(field.name);
    schema.properties[field.name] = property;
    if (field.spec.required === true) schema.required?.push(field.name);
    for (const key of Object.keys(field.spec)) {
      if (!READ.has(key) && !SCREEN_ONLY.has(key)) ctx.report(pointerTo(field.pointer, key), 'warning', `"${key}" of the auth form is not imported`, undefined, 'key');
    }
  }
  if (schema.required?.length === 0) delete schema.required;
  return schema;
}

function fieldsOf(ctx: ImportContext, form: unknown, pointer: string): FormField[] {
  if (form === undefined || form === null) return [];
  if (Array.isArray(form)) {
    return form.flatMap((item, index) => {
      const spec = objectOf(item);
      const at = pointerTo(pointer, index);
      if (!spec || typeof spec.name !== 'string') {
        ctx.report(at, 'error', 'an auth form field without a "name"', 'each field is an object with a name, a title and a type');
        return [];
      }
      return [{ name: spec.name, spec, pointer: at }];
    });
  }
  const keyed = objectOf(form);
  if (!keyed) {
    ctx.report(pointer, 'error', 'auth_form is neither a list of fields nor an object keyed by field name');
    return [];
  }
  // The older form: { "username": { "label": …, "type": … } }.
  return Object.entries(keyed).flatMap(([name, item]) => {
    const spec = objectOf(item);
    if (!spec) {
      ctx.report(pointerTo(pointer, name), 'error', `the auth form field "${name}" is not an object`);
      return [];
    }
    return [{ name, spec, pointer: pointerTo(pointer, name) }];
  });
}

function propertyOf(ctx: ImportContext, { spec, pointer }: FormField): DataSchema | undefined {
  const type = spec.type === undefined ? 'text' : spec.type;
  if (spec.type === undefined) ctx.report(pointer, 'warning', 'a field without a "type": read as text', undefined, 'key');
  const base = typeof type === 'string' && Object.hasOwn(TYPES, type) ? TYPES[type]?.(spec) : undefined;
  if (!base) {
    const at = spec.type === undefined ? pointer : pointerTo(pointer, 'type');
    ctx.report(at, 'error', `the form type ${JSON.stringify(type)} has no credentials schema`, `known: ${Object.keys(TYPES).join(', ')}`);
    return undefined;
  }
  const title = typeof spec.title === 'string' ? spec.title : typeof spec.label === 'string' ? spec.label : undefined;
  const description = typeof spec.description === 'string' ? spec.description : typeof spec.help === 'string' ? spec.help : undefined;
  const { 'x-secret': secret, ...schema } = base;
  return {
    ...schema,
    ...(title !== undefined && { title }),
    ...(description !== undefined && { description }),
    ...(spec.default !== undefined && { default: spec.default as DataSchema['default'] }),
    ...(secret === true && { 'x-secret': true }),
  };
}

type Spec = Record<string, unknown>;

const numberOf = (value: unknown): number | undefined => (typeof value === 'number' ? value : undefined);

function text(spec: Spec): DataSchema {
  const minLength = numberOf(spec.minLength);
  const maxLength = numberOf(spec.maxLength);
  return { type: 'string', ...(minLength !== undefined && { minLength }), ...(maxLength !== undefined && { maxLength }) };
}

function select(spec: Spec): DataSchema | undefined {
  if (!Array.isArray(spec.enum) || spec.enum.length === 0) return undefined;
  const one: DataSchema = { enum: spec.enum as [unknown, ...unknown[]] };
  return spec.multiple === true ? { type: 'array', items: one } : one;
}

/** Locoia's form types (ui_form_schema) and the schema of the values each accepts. */
const TYPES: Record<string, (spec: Spec) => DataSchema | undefined> = {
  text,
  password: (spec) => ({ ...text(spec), 'x-secret': true }),
  email: () => ({ type: 'string', format: 'email' }),
  number: (spec) => {
    const minimum = numberOf(spec.min);
    const maximum = numberOf(spec.max);
    return { type: 'number', ...(minimum !== undefined && { minimum }), ...(maximum !== undefined && { maximum }) };
  },
  switch: () => ({ type: 'boolean' }),
  select,
  date: () => ({ type: 'string', format: 'date' }),
  datetime: () => ({ type: 'string', format: 'date-time' }),
};
