/**
 * ajv's errors in an author's words: `auth.type "oauth3" is not one of: none, api_key, …`
 * instead of "must be equal to one of the allowed values", with the schema's description or a
 * "did you mean" as the hint. Also prunes the noise of anyOf/oneOf, where ajv reports every
 * branch that failed.
 */
import type { AnySchemaObject, ErrorObject } from 'ajv/dist/2020.js';
import { describeProperty, resolve, type Schema } from './connector-schema.js';
import { closest } from './did-you-mean.js';
import { error, type Finding } from './finding.js';
import { isRecord, jsonType } from './json-value.js';
import { escapePointerToken } from '../json-pointer.js';
import { show, subjectOf } from './message-text.js';

/**
 * ajv reports every failed branch of an anyOf and a generic "must match a schema in anyOf".
 * Only the branches that fit the value's JSON type are worth reading; when none fits, one
 * "must be a string or an object" replaces them all.
 */
export function schemaFindings(errors: readonly ErrorObject[]): Finding[] {
  const byPath = new Map<string, ErrorObject[]>();
  for (const e of errors) {
    const siblings = byPath.get(e.instancePath);
    if (siblings) siblings.push(e);
    else byPath.set(e.instancePath, [e]);
  }
  const dropped = new Set<ErrorObject>();
  for (const e of errors) {
    if (e.keyword === 'anyOf' || e.keyword === 'oneOf') {
      const branches = (e.schema as unknown[]).map(resolve);
      const type = jsonType(e.data);
      const fits = branches.some((branch) => accepts(branch, type));
      if (fits) dropped.add(e);
      for (const sibling of byPath.get(e.instancePath) ?? []) {
        const branch = sibling.parentSchema;
        if (sibling !== e && branch && branches.includes(branch) && !(fits && accepts(branch, type))) {
          dropped.add(sibling);
        }
      }
    } else if (e.keyword === 'if') {
      // "must match the then schema": the errors of the then branch itself say what is missing.
      dropped.add(e);
    } else if (e.keyword === 'discriminator' && e.params.error === 'tag' && e.params.tagValue === undefined) {
      // "auth.type is missing" says it; ajv's own required error for the tag would repeat it.
      for (const sibling of byPath.get(e.instancePath) ?? []) {
        if (sibling.keyword === 'required' && sibling.params.missingProperty === e.params.tag) dropped.add(sibling);
      }
    }
  }
  const out: Finding[] = [];
  for (const e of errors) {
    // Errors inside propertyNames describe the name; the propertyNames error itself says it better.
    if (!dropped.has(e) && e.propertyName === undefined) out.push(translate(e));
  }
  return out;
}

/** What every translation reads of an ajv error. */
interface SchemaError {
  readonly e: ErrorObject;
  readonly path: string;
  /** How the message names the value: the last step of its pointer. */
  readonly subject: string;
  readonly parent: AnySchemaObject;
  /** The schema's description of the value, when it has one. */
  readonly hint: string | undefined;
  readonly params: Record<string, unknown>;
}

type Translation = (context: SchemaError) => Finding;

function translate(e: ErrorObject): Finding {
  const parent = e.parentSchema ?? {};
  const context: SchemaError = {
    e,
    path: e.instancePath,
    subject: subjectOf(e.instancePath),
    parent,
    hint: typeof parent.description === 'string' ? parent.description : undefined,
    params: e.params as Record<string, unknown>,
  };
  const translation = Object.hasOwn(TRANSLATIONS, e.keyword) ? TRANSLATIONS[e.keyword] : undefined;
  return (translation ?? otherKeyword)(context);
}

function otherKeyword({ e, path, subject, hint }: SchemaError): Finding {
  return error(path, `${subject} ${e.message ?? 'is invalid'}`, hint);
}

function unknownProperty({ path, parent, params }: SchemaError): Finding {
  const name = String(params.additionalProperty);
  const known = Object.keys(isRecord(parent.properties) ? parent.properties : {});
  const suggestion = closest(name, known);
  const help = suggestion ? `did you mean "${suggestion}"?` : known.length ? `known properties: ${list(known)}` : undefined;
  return error(`${path}/${escapePointerToken(name)}`, `unknown property ${show(name)}`, help, 'key');
}

function invalidPropertyName({ path, subject, parent, hint, params }: SchemaError): Finding {
  const name = String(params.propertyName);
  const rule = resolve(parent.propertyNames);
  const pattern = isRecord(rule) && typeof rule.pattern === 'string' ? `: it must match ${rule.pattern}` : '';
  return error(`${path}/${escapePointerToken(name)}`, `${show(name)} is not a valid name in ${subject}${pattern}`, hint, 'key');
}

function noBranchFits({ e, path, subject, hint }: SchemaError): Finding {
  const branches = (e.schema as unknown[]).map(resolve);
  return error(path, `${subject} must be ${typeNames(branches)}, not ${article(jsonType(e.data))}`, hint);
}

function notAllowed({ e, path, subject, hint, params }: SchemaError): Finding {
  const allowed = (params.allowedValues as unknown[]).map((v) => (typeof v === 'string' ? v : JSON.stringify(v)));
  const suggestion = typeof e.data === 'string' ? closest(e.data, allowed) : undefined;
  return error(path, `${subject} ${show(e.data)} is not one of: ${allowed.join(', ')}`, suggestion ? `did you mean "${suggestion}"?` : hint);
}

function outOfRange({ path, subject, hint, params }: SchemaError): Finding {
  return error(path, `${subject} must be ${COMPARISONS[String(params.comparison)] ?? String(params.comparison)} ${String(params.limit)}`, hint);
}

function tooFewEntries({ path, subject, hint, params }: SchemaError): Finding {
  return error(path, params.limit === 1 ? `${subject} must not be empty` : `${subject} must have at least ${String(params.limit)} entries`, hint);
}

function tooManyEntries({ path, subject, hint, params }: SchemaError): Finding {
  return error(path, `${subject} has more than ${String(params.limit)} entries`, hint);
}

function repeatedItem({ path, subject, hint, params }: SchemaError): Finding {
  const [first, later] = [Number(params.i), Number(params.j)].sort((a, b) => a - b);
  return error(`${path}/${later}`, `${subject} lists the same value twice (items ${first} and ${later})`, hint);
}

/** ajv's keyword → the finding in an author's words; a keyword not listed keeps ajv's message. */
const TRANSLATIONS: Readonly<Record<string, Translation>> = {
  required: ({ path, parent, params }) => {
    const missing = String(params.missingProperty);
    return error(path, `missing required property "${missing}"`, describeProperty(parent, missing), 'key');
  },
  additionalProperties: unknownProperty,
  discriminator: ({ e, parent }) => discriminatorFinding(e, parent),
  propertyNames: invalidPropertyName,
  anyOf: noBranchFits,
  oneOf: noBranchFits,
  type: ({ e, path, subject, hint, params }) =>
    error(path, `${subject} must be ${orList(String(params.type).split(',').map(article))}, not ${article(jsonType(e.data))}`, hint),
  enum: notAllowed,
  const: ({ path, subject, hint, params }) => error(path, `${subject} must be ${JSON.stringify(params.allowedValue)}`, hint),
  pattern: ({ e, path, subject, hint, params }) => error(path, `${subject} ${show(e.data)} does not match ${String(params.pattern)}`, hint),
  format: ({ e, path, subject, hint, params }) =>
    error(path, `${subject} ${show(e.data)} is not a valid ${params.format === 'uri' ? 'absolute URI' : String(params.format)}`, hint),
  minLength: ({ path, subject, hint, params }) =>
    error(path, params.limit === 1 ? `${subject} must not be empty` : `${subject} must be at least ${String(params.limit)} characters long`, hint),
  maxLength: ({ path, subject, hint, params }) => error(path, `${subject} is longer than ${String(params.limit)} characters`, hint),
  minimum: outOfRange,
  maximum: outOfRange,
  exclusiveMinimum: outOfRange,
  exclusiveMaximum: outOfRange,
  minItems: tooFewEntries,
  minProperties: tooFewEntries,
  maxItems: tooManyEntries,
  maxProperties: tooManyEntries,
  uniqueItems: repeatedItem,
  dependentRequired: ({ path, parent, params }) =>
    error(path, `${show(params.property)} needs ${show(params.missingProperty)} as well`, describeProperty(parent, String(params.missingProperty)), 'key'),
};

const COMPARISONS: Record<string, string> = { '>=': 'at least', '<=': 'at most', '>': 'greater than', '<': 'less than' };

/** `auth.type "oauth3" is not one of: none, api_key, …` instead of ajv's "value of tag must be in oneOf". */
function discriminatorFinding(e: ErrorObject, parent: AnySchemaObject): Finding {
  const tag = String((e.params as { tag: unknown }).tag);
  const tagValue = (e.params as { tagValue?: unknown }).tagValue;
  const owner = subjectOf(e.instancePath);
  const name = e.instancePath === '' ? tag : `${owner}.${tag}`;
  const allowed = (Array.isArray(parent.oneOf) ? parent.oneOf : []).map((branch) => {
    const properties = resolve(branch).properties;
    return isRecord(properties) && isRecord(properties[tag]) ? String(properties[tag].const) : '?';
  });
  const description = typeof parent.description === 'string' ? parent.description : undefined;
  if (tagValue === undefined) {
    return error(e.instancePath, `${name} is missing: set it to one of: ${allowed.join(', ')}`, description, 'key');
  }
  const pointer = `${e.instancePath}/${escapePointerToken(tag)}`;
  if (typeof tagValue !== 'string') return error(pointer, `${name} must be a string, one of: ${allowed.join(', ')}`, description);
  const suggestion = closest(tagValue, allowed);
  return error(pointer, `${name} ${show(tagValue)} is not one of: ${allowed.join(', ')}`, suggestion ? `did you mean "${suggestion}"?` : description);
}

function accepts(branch: unknown, type: string): boolean {
  if (!isRecord(branch)) return true;
  const declared = branch.type ?? ('const' in branch ? jsonType(branch.const) : Array.isArray(branch.enum) ? branch.enum.map(jsonType) : undefined);
  if (declared === undefined) return true;
  const types = Array.isArray(declared) ? declared : [declared];
  return types.includes(type) || (type === 'integer' && types.includes('number'));
}

/** Called only when no branch accepts the value, so every branch declares its types. */
function typeNames(branches: readonly Schema[]): string {
  const names = new Set<string>();
  for (const branch of branches) {
    const declared = branch.type ?? (Array.isArray(branch.enum) ? branch.enum.map(jsonType) : jsonType(branch.const));
    for (const type of Array.isArray(declared) ? declared : [declared]) names.add(article(String(type)));
  }
  return orList([...names]);
}

function article(type: string): string {
  if (type === 'null') return 'null';
  return /^[aeiou]/.test(type) ? `an ${type}` : `a ${type}`;
}

function orList(items: readonly string[]): string {
  return items.length <= 1 ? (items[0] ?? '') : `${items.slice(0, -1).join(', ')} or ${items.at(-1)}`;
}

function list(names: readonly string[]): string {
  return names.length > 12 ? `${names.slice(0, 12).join(', ')}, …` : names.join(', ');
}
