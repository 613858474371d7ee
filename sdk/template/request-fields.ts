/**
 * The fields of the `request` template variable that signing templates see (auth type
 * request_signature; auth/request-view.ts builds it per hop). Data shared by the runtime, which
 * fills them, and the validator, which checks the names a manifest uses.
 */
export const REQUEST_VIEW_FIELDS = [
  'method',
  'scheme',
  'host',
  'hostname',
  'path',
  'query',
  'canonical_query',
  'canonical_form',
  'body',
  'body_sha256',
  'body_sha512',
  'timestamp',
  'timestamp_ms',
  'date',
  'iso8601',
  'nonce',
] as const;

export type RequestViewField = (typeof REQUEST_VIEW_FIELDS)[number];

/**
 * Whether `name` is a field of the `request` view.
 *
 * @example
 * isRequestViewField('canonical_query'); // true
 */
export function isRequestViewField(name: string): name is RequestViewField {
  return (REQUEST_VIEW_FIELDS as readonly string[]).includes(name);
}
