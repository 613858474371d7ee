/**
 * snov.io reads a parameter wherever a client put it: query string, form, multipart or JSON body
 * (its docs' PHP, Python and n8n samples use all of these). This module merges them into one bag
 * and reads values in the spellings PHP clients produce: `emails[]=a`, `emails[0]=a`,
 * `socialLinks[linkedIn]=…`, or JSON arrays and objects.
 */
import type { IncomingMessage } from 'node:http';
import { readRequestBody } from '../request-body.js';

/** Parameter name → value: a string, repeated strings, or any JSON value from a JSON body. */
export type Params = Record<string, unknown>;

/**
 * The query parameters of `url` overlaid with the body's fields, or why the body is unreadable.
 *
 * @example
 * const params = await readParams(req, url);
 * if ('invalid' in params) // answer 400
 */
export async function readParams(req: IncomingMessage, url: URL): Promise<{ params: Params } | { invalid: string }> {
  const params: Params = {};
  for (const [name, value] of url.searchParams) add(params, name, value);
  const body = await readRequestBody(req);
  switch (body.type) {
    case 'empty':
      break;
    case 'json':
      if (typeof body.value !== 'object' || body.value === null || Array.isArray(body.value)) {
        return { invalid: 'the JSON body must be an object' };
      }
      Object.assign(params, body.value);
      break;
    case 'form':
      // No snov.io endpoint takes a file; a file part is no parameter.
      for (const [name, value] of body.fields) if (typeof value === 'string') add(params, name, value);
      break;
    case 'invalid':
      return { invalid: body.reason };
    case 'unsupported':
      return { invalid: `unsupported Content-Type ${body.mediaType}` };
    default:
      return body satisfies never;
  }
  return { params };
}

/**
 * One value as text: `text(p, 'domain')`, or a nested one, `text(p, 'socialLinks', 'linkedIn')`
 * (form `socialLinks[linkedIn]` or JSON `{"socialLinks": {"linkedIn": …}}`). Empty is absent.
 */
export function text(params: Params, name: string, key?: string): string | undefined {
  const value =
    key === undefined ? params[name] : (params[`${name}[${key}]`] ?? nestedValue(params[name], key));
  const first = Array.isArray(value) ? (value as unknown[])[0] : value;
  if (typeof first === 'string') return first === '' ? undefined : first;
  if (typeof first === 'number' || typeof first === 'boolean') return String(first);
  return undefined;
}

/** Every value of a list parameter: `name`, `name[]` and `name[0]`, `name[1]`… in order. */
export function list(params: Params, name: string): string[] {
  const values: string[] = [];
  for (const [key, value] of Object.entries(params)) {
    if (key !== name && !new RegExp(`^${escapeRegExp(name)}\\[\\d*\\]$`).test(key)) continue;
    for (const item of Array.isArray(value) ? (value as unknown[]) : [value]) {
      if (typeof item === 'string' && item !== '') values.push(item);
    }
  }
  return values;
}

/** A boolean flag as PHP reads one: `1`, `true`, `on`, `yes` (and JSON true). */
export function flag(params: Params, name: string): boolean {
  return ['1', 'true', 'on', 'yes'].includes(text(params, name)?.toLowerCase() ?? '');
}

function add(params: Params, name: string, value: string): void {
  const existing = params[name];
  if (existing === undefined) params[name] = value;
  else params[name] = [...(Array.isArray(existing) ? (existing as unknown[]) : [existing]), value];
}

function nestedValue(container: unknown, key: string): unknown {
  return typeof container === 'object' && container !== null ? (container as Record<string, unknown>)[key] : undefined;
}

function escapeRegExp(value: string): string {
  return value.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
