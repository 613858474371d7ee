/**
 * Values the authorization callback carries besides code and state, which say where the user's
 * data lives: Zoho's `accounts-server` and `location`, QuickBooks' `realmId`. They are read with
 * the rest of the callback (before its state is spent), kept in the token record as
 * `auth.extras.<name>`, and may choose the token and revocation URLs. A value with host_patterns
 * must be an http(s) URL whose host one of them matches — when the callback arrives, and again
 * before every refresh reuses the stored copy (a store is not trusted to be unchanged).
 */
import { AuthError } from '../errors.js';
import type { CallbackValue, CallbackValues } from '../manifest/types.gen.js';
import { escapePointerToken } from '../json-pointer.js';
import type { TemplateScope } from '../template/liquid.js';
import type { TokenRecord } from '../store/token-store.js';
import { checkValueHost, compileHostPatterns, type CompiledValue } from './step-values.js';

export interface CallbackValueReader {
  /** The declared values of a callback's parameters; an AuthError when one is missing, repeated or on a host not allowed. */
  read(params: URLSearchParams, scope: TemplateScope): Record<string, string>;
  /** Checks the stored copies in a record again, before a refresh or revocation sends anything. */
  checkStored(record: TokenRecord, scope: TemplateScope): void;
}

interface CompiledCallbackValue extends Pick<CompiledValue, 'name' | 'pointer' | 'hostPatterns'> {
  readonly param: string;
  readonly optional: boolean;
}

/**
 * @example
 * const reader = compileCallbackValues({ accounts_server: { param: 'accounts-server', host_patterns: ['accounts.zoho.{com,eu}'] } }, '/auth/callback_values');
 * reader.read(new URLSearchParams('code=c&state=s&accounts-server=https%3A%2F%2Faccounts.zoho.eu'), scope); // { accounts_server: 'https://accounts.zoho.eu' }
 */
export function compileCallbackValues(spec: CallbackValues | undefined, pointer: string): CallbackValueReader {
  const declared = Object.entries(spec ?? {}).filter((entry): entry is [string, CallbackValue] => entry[1] !== undefined);
  const values: CompiledCallbackValue[] = declared.map(([name, value]) => {
    const at = `${pointer}/${escapePointerToken(name)}`;
    return {
      name,
      pointer: at,
      param: value.param,
      optional: value.optional === true,
      ...(value.host_patterns ? { hostPatterns: compileHostPatterns(value.host_patterns, `${at}/host_patterns`) } : {}),
    };
  });
  return {
    read(params, scope) {
      const out: Record<string, string> = {};
      for (const value of values) {
        const found = params.getAll(value.param);
        if (found.length > 1) throw new AuthError(`the authorization callback carries "${value.param}" more than once (${value.pointer}): refused`);
        const text = found[0];
        if (text === undefined || text === '') {
          if (value.optional) continue;
          throw new AuthError(`the authorization callback carries no "${value.param}", which ${value.pointer} requires: start again with authorizationUrl()`);
        }
        checkValueHost(value, text, scope, 'the authorization callback');
        out[value.name] = text;
      }
      return out;
    },
    checkStored(record, scope) {
      for (const value of values) {
        const held = record.extras[value.name];
        if (typeof held === 'string') checkValueHost(value, held, scope, 'the stored authorization callback');
      }
    },
  };
}
