/**
 * Whether a template variable is in scope. The schema says which roots each template field may
 * use (`credentials`, `input`, `auth`, `env`, `now`, `steps`); a variable must also name something
 * the manifest declares: a credential, a field of the action's input schema, an auth extra, a
 * value of a token chain step that runs before (chain-rules.ts).
 */
import type { Schema } from './connector-schema.js';
import { suggest } from './did-you-mean.js';
import { isRecord } from './json-value.js';
import { escapePointerToken } from '../json-pointer.js';
import { cut, show } from './message-text.js';
import { gatherChain, stepsProblem, type ChainFacts, type ChainPlace } from './chain-rules.js';
import { isRequestViewField, REQUEST_VIEW_FIELDS } from '../template/request-fields.js';

const AUTH_VALUES = ['access_token', 'refresh_token', 'token_type', 'expires_at', 'cookies', 'extras'];

/** What templates may refer to in one manifest. */
export interface ScopeFacts {
  credentials: Set<string>;
  secrets: Set<string>;
  /** A credentials schema allows undeclared fields. */
  openCredentials: boolean;
  authExtras: Set<string>;
  actions: Record<string, unknown>;
  /** The auth type obtains tokens: base_url may use auth.extras. */
  tokenAuth: boolean;
  /** allowed_host_patterns is declared: a base_url built from auth.extras needs it. */
  allowedHostPatterns: boolean;
  /** The steps of a token_chain auth block. */
  chain?: ChainFacts;
  /** The authorization code grant's callback values: name → whether it declares host_patterns. */
  callbackValues: Map<string, boolean>;
}

/** Auth types that obtain no token: their auth view is empty. */
const STATIC_AUTH = ['none', 'api_key', 'basic', 'bearer', 'request_signature', 'aws_sigv4', 'oauth1'];

/** One template field under check: what it may use and, in an action, that action's input. */
export interface FieldContext {
  scopes: readonly string[];
  description?: string;
  action?: { id: string; input: unknown };
  /** An action's path or query: secrets there end up in logs. */
  inUrl: boolean;
  /** base_url (or an environment's): only auth.extras may choose it, with allowed_host_patterns. */
  inBaseUrl?: boolean;
  /** The token chain step the field belongs to. */
  chainStep?: ChainPlace;
  /** The authorization code grant's token_url or revocation_url: auth means its callback values only. */
  inGrantUrl?: boolean;
}

export type Problem = { message: string; hint?: string } | undefined;

/** Gathered once per manifest: every field of it is checked against the same facts. */
export function gatherFacts(manifest: Schema): ScopeFacts {
  const auth = isRecord(manifest.auth) ? manifest.auth : {};
  // A token chain names its extras in token.extras.
  const extras = auth.type === 'token_chain' ? (isRecord(auth.token) ? auth.token.extras : undefined) : auth.extras;
  const callbackValues = new Map(
    Object.entries(auth.type === 'oauth2_authorization_code' && isRecord(auth.callback_values) ? auth.callback_values : {}).map(
      ([name, value]) => [name, isRecord(value) && Array.isArray(value.host_patterns)] as const,
    ),
  );
  const facts: ScopeFacts = {
    credentials: new Set(),
    secrets: new Set(),
    openCredentials: false,
    authExtras: new Set([...(isRecord(extras) ? Object.keys(extras) : []), ...callbackValues.keys()]),
    actions: isRecord(manifest.actions) ? manifest.actions : {},
    tokenAuth: typeof auth.type === 'string' && !STATIC_AUTH.includes(auth.type),
    allowedHostPatterns: Array.isArray(manifest.allowed_host_patterns),
    chain: gatherChain(auth),
    callbackValues,
  };
  for (const [, credentials] of credentialSchemas(manifest)) {
    if (credentials.additionalProperties === true) facts.openCredentials = true;
    if (!isRecord(credentials.properties)) continue;
    for (const [name, field] of Object.entries(credentials.properties)) {
      facts.credentials.add(name);
      if (isRecord(field) && field['x-secret'] === true) facts.secrets.add(name);
    }
  }
  return facts;
}

/** The top-level credentials schema and each environment's. */
export function credentialSchemas(manifest: Schema): [string, Schema][] {
  const out: [string, Schema][] = [];
  if (isRecord(manifest.credentials)) out.push(['/credentials', manifest.credentials]);
  const environments = isRecord(manifest.environments) ? manifest.environments : {};
  for (const [name, environment] of Object.entries(environments)) {
    if (isRecord(environment) && isRecord(environment.credentials)) {
      out.push([`/environments/${escapePointerToken(name)}/credentials`, environment.credentials]);
    }
  }
  return out;
}

/** What is wrong with one variable (as its path of segments) in a field, or undefined. */
export function variableProblem(variable: readonly string[], context: FieldContext, facts: ScopeFacts): Problem {
  // `input.items[input.index]` comes as [input, items, "input.index"]: a computed key ends what can be checked.
  // Under input a dotted segment may instead be a declared name (`input["a.b"]`): inputProblem tells them apart.
  if (variable[0] === 'input' && context.scopes.includes('input')) return context.action ? inputProblem(variable.slice(1), context.action) : undefined;
  const dynamic = variable.findIndex((segment) => segment.includes('.'));
  const segments = dynamic === -1 ? variable : variable.slice(0, dynamic);
  const [root = '', first, second] = segments;
  if (!context.scopes.includes(root)) {
    return { message: `variable ${cut(segments.join('.'))} is not available here: this field may use ${context.scopes.join(', ')}` };
  }
  switch (root) {
    case 'credentials':
      if (first === undefined || facts.openCredentials || facts.credentials.has(first)) return undefined;
      return {
        message: `credentials.${cut(first)} is not declared`,
        hint: suggest(first, [...facts.credentials]) ?? 'declare it under credentials.properties',
      };
    case 'input':
      return context.action ? inputProblem(segments.slice(1), context.action) : undefined;
    case 'steps':
      return stepsProblem(segments, context.chainStep, facts.chain);
    case 'auth':
      if (context.inBaseUrl) return baseUrlAuthProblem(first, second, facts);
      if (context.inGrantUrl) return grantUrlAuthProblem(first, second, facts);
      if (first === undefined) return undefined;
      if (!AUTH_VALUES.includes(first)) {
        return { message: `auth.${cut(first)} does not exist: auth has ${AUTH_VALUES.join(', ')}`, hint: suggest(first, AUTH_VALUES) };
      }
      if (first === 'extras' && second !== undefined && !facts.authExtras.has(second)) {
        return {
          message: `auth.extras.${cut(second)} is not declared in auth.extras`,
          hint: suggest(second, [...facts.authExtras]) ?? `add "${cut(second)}": "<JSONPath>" to auth.extras`,
        };
      }
      return undefined;
    case 'request':
      if (first === undefined) return undefined;
      if (isRequestViewField(first)) return second === undefined ? undefined : { message: `request.${cut(first)} is a plain value and has no property ${show(second)}` };
      return { message: `request.${cut(first)} does not exist`, hint: suggest(first, [...REQUEST_VIEW_FIELDS]) ?? `request has ${REQUEST_VIEW_FIELDS.join(', ')}` };
    default:
      // env (the environment name) and now (the current time) are plain values.
      return first === undefined ? undefined : { message: `${root} is a plain value and has no property ${show(first)}` };
  }
}

/**
 * base_url may be chosen by the token answer (Salesforce's instance_url), but only through a
 * declared extra and only with allowed_host_patterns: a token in a URL would end up in logs, and a
 * host a server names must be checked before credentials go there.
 */
function baseUrlAuthProblem(first: string | undefined, second: string | undefined, facts: ScopeFacts): Problem {
  if (first !== 'extras' || second === undefined) {
    return { message: `auth${first === undefined ? '' : `.${cut(first)}`} cannot choose the base URL: only auth.extras.<name> may`, hint: 'name the value in the auth block\'s extras (e.g. instance_url) and write {{ auth.extras.instance_url }}' };
  }
  if (!facts.authExtras.has(second)) {
    return { message: `auth.extras.${cut(second)} is not declared in the auth block's extras`, hint: suggest(second, [...facts.authExtras]) ?? `declare the extra "${cut(second)}"` };
  }
  if (!facts.allowedHostPatterns) {
    return { message: `base_url uses auth.extras.${cut(second)}, so a server chooses its host, but allowed_host_patterns is not declared`, hint: 'declare allowed_host_patterns: the hosts the base URL may point at, e.g. ["*.my.salesforce.com"]' };
  }
  return undefined;
}

/**
 * The code exchange sends the code and the client secret to token_url before any token exists, so
 * only a callback value may choose it, and only one whose host is checked (host_patterns).
 */
function grantUrlAuthProblem(first: string | undefined, second: string | undefined, facts: ScopeFacts): Problem {
  const names = [...facts.callbackValues.keys()];
  if (first !== 'extras' || second === undefined) {
    return { message: `auth${first === undefined ? '' : `.${cut(first)}`} cannot be used here: only auth.extras.<name> of a callback value may`, hint: 'declare the callback parameter under callback_values and write {{ auth.extras.<name> }}' };
  }
  const checked = facts.callbackValues.get(second);
  if (checked === undefined) {
    return { message: `auth.extras.${cut(second)} is not a callback value: only values of callback_values exist when the code is exchanged`, hint: suggest(second, names) ?? `declare "${cut(second)}" under callback_values` };
  }
  if (!checked) {
    return { message: `auth.extras.${cut(second)} chooses this URL, so the authorization callback chooses where the code and client secret go, but callback_values.${cut(second)} has no host_patterns`, hint: 'add host_patterns to the callback value, e.g. ["accounts.zoho.{com,eu,in}"]' };
  }
  return undefined;
}

/** input.X must be declared in the action's input schema, and deeper segments where the schema declares them. */
function inputProblem(path: readonly string[], action: { id: string; input: unknown }): Problem {
  let node = action.input;
  for (let i = 0; i < path.length; i++) {
    const segment = path[i] as string;
    if (!isRecord(node)) return i === 0 ? undeclaredInput(path, 1, action.id, []) : undefined;
    const properties = isRecord(node.properties) ? node.properties : i === 0 ? {} : undefined;
    if (properties && Object.hasOwn(properties, segment)) {
      node = properties[segment];
    } else if (segment.includes('.')) {
      return undefined; // a computed key (`input.items[input.index]`): nothing more to check
    } else if (isRecord(node.items) && (/^\d+$/.test(segment) || segment === 'first' || segment === 'last')) {
      node = node.items;
    } else if (segment === 'size' || !properties || node.additionalProperties === true) {
      return undefined; // Liquid's size, or nothing declared this deep
    } else {
      return undeclaredInput(path, i + 1, action.id, Object.keys(properties));
    }
  }
  return undefined;
}

function undeclaredInput(path: readonly string[], depth: number, id: string, known: string[]): Problem {
  return {
    message: `${cut(`input${accessPath(path.slice(0, depth))}`)} is not declared in the input schema of action ${show(id)}`,
    hint: suggest(path[depth - 1] as string, known) ?? `declare it under actions.${cut(id)}.input.properties`,
  };
}

/** How a template writes the path: `.name` for an identifier, `["page[size]"]` for any other name. */
function accessPath(path: readonly string[]): string {
  return path.map((name) => (/^[A-Za-z_][A-Za-z0-9_]*$/.test(name) ? `.${name}` : `[${JSON.stringify(name)}]`)).join('');
}
