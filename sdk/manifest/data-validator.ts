/**
 * Validators for the data a manifest describes: the credentials an end user enters and each
 * action's input. Compiled once per schema at load; problems name the field, never its value.
 */
import { Ajv2020 } from 'ajv/dist/2020.js';
import type { ErrorObject, ValidateFunction } from 'ajv';
import type { DataSchema } from './types.gen.js';
import { unescapePointerToken } from '../json-pointer.js';

export interface DataProblem {
  /** Dotted path of the offending field ("" for the whole value). */
  field: string;
  message: string;
}

export interface DataValidator {
  /** Validates `value` in place: defaults from the schema are filled in. */
  validate(value: Record<string, unknown>): readonly DataProblem[];
  /** Properties the schema declares at the top level (optional ones become null in templates). */
  readonly declared: readonly string[];
  /** Top-level properties marked "x-secret". */
  readonly secrets: readonly string[];
  /** Top-level properties marked "x-binary" (file content: never validated as JSON). */
  readonly binaries: readonly string[];
}

const FORMATS = {
  // The length check first: the pattern backtracks quadratically on a long string of dots.
  email: (value: string) => value.length <= 320 && /^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(value),
  uri: (value: string) => URL.canParse(value),
  date: /^\d{4}-\d{2}-\d{2}$/,
  'date-time': (value: string) => !Number.isNaN(Date.parse(value)) && /^\d{4}-\d{2}-\d{2}T/.test(value),
  hostname: /^(?=.{1,253}$)[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*(?::\d{1,5})?$/,
  uuid: /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i,
} as const;

const ajv = new Ajv2020({
  allErrors: false,
  strict: false,
  useDefaults: true,
  coerceTypes: false,
  $data: false,
  validateFormats: true,
  code: { esm: true },
});
ajv.addKeyword({ keyword: 'x-secret', schemaType: 'boolean' });
ajv.addKeyword({
  keyword: 'x-binary',
  schemaType: 'boolean',
  // File content (Buffer, stream, Blob) is whatever the host hands over.
  validate: (enabled: boolean, data: unknown) => !enabled || isBinary(data),
  errors: false,
});
for (const format of ['email', 'uri', 'date', 'date-time', 'hostname', 'uuid']) {
  ajv.addFormat(format, FORMATS[format as keyof typeof FORMATS]);
}

const cache = new Map<string, ValidateFunction>();
/** What a valid value has: one frozen array, not a new one per call on the hot path. */
const NO_PROBLEMS: readonly DataProblem[] = Object.freeze([]);

export function compileDataSchema(schema: DataSchema | undefined): DataValidator {
  const effective: DataSchema = schema ?? { type: 'object', properties: {} };
  const key = JSON.stringify(effective);
  const fn = cache.get(key) ?? ajv.compile(binaryTypesRelaxed(effective));
  cache.set(key, fn);
  const properties = fieldsOf(effective);
  return {
    declared: properties.map(([name]) => name),
    secrets: properties.filter(([, field]) => field['x-secret'] === true).map(([name]) => name),
    binaries: properties.filter(([, field]) => field['x-binary'] === true).map(([name]) => name),
    validate(value) {
      if (fn(value)) return NO_PROBLEMS;
      return (fn.errors ?? []).map(describe);
    },
  };
}

function describe(error: ErrorObject): DataProblem {
  const base = error.instancePath.split('/').slice(1).map(unescapePointerToken);
  switch (error.keyword) {
    case 'required': {
      const missing = String((error.params as { missingProperty: string }).missingProperty);
      return { field: [...base, missing].join('.'), message: `"${[...base, missing].join('.')}" is required` };
    }
    case 'additionalProperties': {
      const extra = String((error.params as { additionalProperty: string }).additionalProperty);
      return { field: [...base, extra].join('.'), message: `"${[...base, extra].join('.')}" is not a known field` };
    }
    case 'x-binary':
      return { field: base.join('.'), message: `"${base.join('.')}" must be file content (Buffer, Uint8Array, Blob or stream)` };
    default: {
      const field = base.join('.');
      return { field, message: `"${field || 'value'}" ${error.message ?? 'is invalid'}` };
    }
  }
}

/** A field marked x-binary carries no JSON type: drop `type` there so ajv only runs the binary check. */
function binaryTypesRelaxed(schema: DataSchema): DataSchema {
  if (!schema.properties) return schema;
  const properties = Object.fromEntries(
    fieldsOf(schema).map(([name, field]) => {
      if (field['x-binary'] !== true) return [name, binaryTypesRelaxed(field)];
      const { type: _type, ...rest } = field;
      return [name, rest];
    }),
  );
  return { ...schema, properties };
}

function fieldsOf(schema: DataSchema): [string, DataSchema][] {
  return Object.entries(schema.properties ?? {}).filter((entry): entry is [string, DataSchema] => entry[1] !== undefined);
}

function isBinary(value: unknown): boolean {
  if (value instanceof Uint8Array || value instanceof Blob) return true;
  return typeof value === 'object' && value !== null && typeof (value as { pipe?: unknown }).pipe === 'function';
}
