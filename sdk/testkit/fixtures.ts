/**
 * Recorded fixtures: `connector record` saves an action's exchanges with the real API in
 * `<manifest-basename>.fixtures.json` next to the manifest, one named set per recording, every
 * secret replaced by a placeholder; a scenario's `fixtures` serves a set's responses again, per
 * route and in recorded order. A set is only written once no known secret is left in clear.
 */
import { readFile, rename, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import type { TestResponse, TestRoutes } from '../manifest/types.gen.js';
import type { RecordedExchange } from '../http/recording-dispatcher.js';
import { routeOf } from './routes.js';
import type { SecretScrubber } from './scrub.js';

export interface FixtureFile {
  $comment?: string;
  connector: string;
  fixtures: Record<string, FixtureSet>;
}

export interface FixtureSet {
  action: string;
  /** ISO date of the recording. */
  recorded_at: string;
  exchanges: FixtureExchange[];
}

export interface FixtureExchange {
  request: { method: string; path: string; headers: Record<string, string>; body?: string; body_base64?: string };
  /** Absent when the request failed before an answer arrived. */
  response?: TestResponse & { truncated?: true };
}

/** Request headers the transport adds or that say nothing about the connector. */
const TRANSPORT_HEADERS = new Set(['host', 'content-length', 'connection', 'keep-alive', 'transfer-encoding', 'x-connector-test-origin']);
/** Response headers worth keeping: what a client reads. Date, Server, Content-Length and the like go. */
const KEPT_RESPONSE_HEADERS = new Set([
  'content-type',
  'content-disposition',
  'content-encoding',
  'content-language',
  'link',
  'location',
  'retry-after',
  'www-authenticate',
  'cache-control',
  'pragma',
  'etag',
  'last-modified',
]);
/** Media types kept as text; any other body (PDF, images, archives) is saved in base64. */
const TEXT_TYPE = /^\s*(?:text\/|application\/(?:json|xml|x-www-form-urlencoded|javascript|problem\+json|[\w.-]+\+(?:json|xml))\b)/i;
/** Parameter and JSON key names whose values are credentials whatever they hold. */
const SECRET_NAME = /(?:^|[_-])(?:password|passwd|secret|token|api[_-]?key|apikey|signature|assertion|code_verifier)$/i;

/** `connectors/snov-io.json` → `connectors/snov-io.fixtures.json`. */
export function fixturePathFor(manifestPath: string): string {
  return join(dirname(manifestPath), `${basename(manifestPath).replace(/\.json$/i, '')}.fixtures.json`);
}

export async function readFixtureFile(path: string): Promise<FixtureFile | undefined> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  const parsed = JSON.parse(text) as unknown;
  if (parsed === null || typeof parsed !== 'object' || typeof (parsed as FixtureFile).fixtures !== 'object') {
    throw new Error(`${path} is not a fixture file (no "fixtures" object)`);
  }
  return parsed as FixtureFile;
}

/** Adds (or replaces) one named set in the file, creating it if needed; written atomically. */
export async function saveFixtureSet(path: string, connector: string, name: string, set: FixtureSet): Promise<void> {
  const file: FixtureFile = (await readFixtureFile(path)) ?? {
    $comment: 'Recorded by `connector record`: secrets, tokens and cookies are placeholders. Served by scenarios that name a set in "fixtures".',
    connector,
    fixtures: {},
  };
  file.fixtures[name] = set;
  const temporary = `${path}.${process.pid}.tmp`;
  await writeFile(temporary, `${JSON.stringify(file, null, 2)}\n`, { mode: 0o644 });
  await rename(temporary, path);
}

/**
 * The recorded exchanges as a fixture set, scrubbed. Throws if a known secret would still be
 * written in clear (an encoding the scrubber does not know): nothing is written then.
 */
export function fixtureSet(action: string, exchanges: readonly RecordedExchange[], scrubber: SecretScrubber, recordedAt: number): FixtureSet {
  const set: FixtureSet = {
    action,
    recorded_at: new Date(recordedAt).toISOString(),
    exchanges: exchanges.map((exchange) => scrubExchange(exchange, scrubber)),
  };
  const leaks = scrubber.leaks(JSON.stringify(set));
  if (leaks.length > 0) {
    throw new Error(`refusing to write the fixtures: ${[...new Set(leaks)].join(', ')} would still be in clear (in an encoding the recorder does not know)`);
  }
  return set;
}

/** The routes a set serves: each route's recorded responses in order. */
export function fixtureRoutes(set: FixtureSet): TestRoutes {
  const routes: Record<string, TestResponse[]> = {};
  for (const { request, response } of set.exchanges) {
    if (!response) continue;
    const { truncated: _truncated, ...served } = response;
    (routes[routeOf(request.method, request.path)] ??= []).push(served);
  }
  return routes as TestRoutes;
}

function scrubExchange({ request, response }: RecordedExchange, scrubber: SecretScrubber): FixtureExchange {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(request.headers)) {
    if (TRANSPORT_HEADERS.has(name)) continue;
    if (name === 'cookie') headers[name] = scrubCookiePairs(value, scrubber);
    else if (name === 'authorization' || name === 'proxy-authorization') headers[name] = scrubAuthorization(value, scrubber);
    else headers[name] = SECRET_NAME.test(name) ? placeholderFor(value, scrubber, name) : scrubber.text(value);
  }
  const out: FixtureExchange = { request: { method: request.method, path: scrubPath(request.path, scrubber), headers } };
  if (request.body === 'stream') out.request.body = '[streamed body, not recorded]';
  else if (request.body !== undefined) Object.assign(out.request, scrubBody(request.body, headers['content-type'], scrubber));
  if (!response) return out;
  const kept: Record<string, string> = {};
  let setCookies: string[] = [];
  // Cookie dates are relative to the server's clock: its Date header, else our arrival time (both to the second).
  const dated = Date.parse(String(response.headers.date ?? ''));
  const answeredAt = Number.isFinite(dated) ? dated : Math.floor(response.receivedAt / 1000) * 1000;
  for (const [name, value] of Object.entries(response.headers)) {
    if (name === 'set-cookie') setCookies = (Array.isArray(value) ? value : [value]).map((line) => scrubSetCookie(line, scrubber, answeredAt));
    else if (KEPT_RESPONSE_HEADERS.has(name) || name.startsWith('x-') || name.startsWith('ratelimit')) {
      kept[name] = scrubber.text(Array.isArray(value) ? value.join(', ') : value);
    }
  }
  const served: FixtureExchange['response'] = { status: response.status };
  if (Object.keys(kept).length > 0) served.headers = kept;
  if (setCookies.length > 0) served.set_cookies = setCookies;
  Object.assign(served, scrubBody(response.body, kept['content-type'], scrubber));
  if (response.truncated) served.truncated = true;
  out.response = served;
  return out;
}

/** JSON stays JSON (secret-named keys made placeholders), text stays text, anything else base64. */
function scrubBody(body: Buffer, contentType: string | undefined, scrubber: SecretScrubber): { json?: unknown; body?: string; body_base64?: string } {
  if (body.length === 0) return {};
  const text = body.toString('utf8');
  const textual = contentType === undefined || TEXT_TYPE.test(contentType);
  const isText = textual && Buffer.from(text, 'utf8').equals(body) && !/[\0-\x08\x0e-\x1f]/.test(text);
  if (!isText) return { body_base64: body.toString('base64') };
  if (/json/i.test(contentType ?? '') || /^\s*[[{]/.test(text)) {
    try {
      return { json: scrubJsonKeys(scrubber.json(JSON.parse(text)), scrubber) };
    } catch {
      // Not JSON after all: kept as text.
    }
  }
  if (/x-www-form-urlencoded/i.test(contentType ?? '')) return { body: scrubForm(text, scrubber) };
  return { body: scrubber.text(text) };
}

function scrubJsonKeys(value: unknown, scrubber: SecretScrubber): unknown {
  if (Array.isArray(value)) return value.map((item) => scrubJsonKeys(item, scrubber));
  if (value === null || typeof value !== 'object') return value;
  const out: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) {
    out[key] = typeof item === 'string' && SECRET_NAME.test(key) ? placeholderFor(item, scrubber, key) : scrubJsonKeys(item, scrubber);
  }
  return out;
}

/** The value as a placeholder: the scrubbed text if it already is one, else one named after its field. */
function placeholderFor(value: string, scrubber: SecretScrubber, name: string): string {
  const scrubbed = scrubber.text(value);
  // Already nothing but placeholders (a known secret): keep them, they say which secret it was.
  if (scrubbed.replace(/\{\{[^{}]*\}\}/g, '').trim() === '') return scrubbed;
  const lower = name.toLowerCase();
  if (lower === 'access_token') return '{{access_token}}';
  if (lower === 'refresh_token') return '{{refresh_token}}';
  return `{{secret:${lower.replace(/[^a-z0-9_]/g, '_')}}}`;
}

function scrubPath(path: string, scrubber: SecretScrubber): string {
  const mark = path.indexOf('?');
  if (mark === -1) return scrubber.text(path);
  return `${scrubber.text(path.slice(0, mark))}?${scrubForm(path.slice(mark + 1), scrubber)}`;
}

/** `a=1&b=2`: secret-named values become placeholders, the rest is scrubbed as text. */
function scrubForm(form: string, scrubber: SecretScrubber): string {
  return form
    .split('&')
    .map((pair) => {
      const eq = pair.indexOf('=');
      if (eq === -1) return scrubber.text(pair);
      const name = pair.slice(0, eq);
      let decodedName = name;
      try {
        decodedName = decodeURIComponent(name.replace(/\+/g, ' '));
      } catch {
        // Kept as sent.
      }
      const value = pair.slice(eq + 1);
      return `${scrubber.text(name)}=${SECRET_NAME.test(decodedName) && value !== '' ? placeholderFor(value, scrubber, decodedName) : scrubber.text(value)}`;
    })
    .join('&');
}

/** `Bearer <token>` keeps its scheme; whatever credential is left after scrubbing becomes {{authorization}}. */
function scrubAuthorization(value: string, scrubber: SecretScrubber): string {
  const scrubbed = scrubber.text(value);
  const match = /^(\S+)\s+(.*)$/.exec(scrubbed);
  const credential = match ? match[2]! : scrubbed;
  if (/^\{\{[^{}]+\}\}$/.test(credential.trim())) return scrubbed;
  return match ? `${match[1]} {{authorization}}` : '{{authorization}}';
}

/** `a=1; b=2`: every value a placeholder, the access token's its own. */
function scrubCookiePairs(header: string, scrubber: SecretScrubber): string {
  return header
    .split(';')
    .map((pair) => pair.trim())
    .filter(Boolean)
    .map((pair) => {
      const eq = pair.indexOf('=');
      if (eq === -1) return scrubber.text(pair);
      const name = pair.slice(0, eq).trim();
      return `${name}=${cookieValue(pair.slice(eq + 1).trim(), name, scrubber)}`;
    })
    .join('; ');
}

/**
 * A Set-Cookie line with its value a placeholder and a future `expires` made relative to the
 * virtual clock (`{{http_date+N}}`), so a replay gives the cookie the lifetime it had.
 */
function scrubSetCookie(line: string, scrubber: SecretScrubber, answeredAt: number): string {
  const [pair = '', ...attributes] = line.split(';');
  const eq = pair.indexOf('=');
  if (eq === -1) return scrubber.text(line);
  const name = pair.slice(0, eq).trim();
  const value = pair.slice(eq + 1).trim();
  const rest = attributes.map((attribute) => {
    const trimmed = attribute.trim();
    if (/^expires\s*=/i.test(trimmed)) {
      const at = Date.parse(trimmed.slice(trimmed.indexOf('=') + 1).trim());
      if (Number.isFinite(at) && at > answeredAt) return ` expires={{http_date+${Math.round((at - answeredAt) / 1000)}}}`;
    }
    return ` ${scrubber.text(trimmed)}`;
  });
  return [`${name}=${cookieValue(value, name, scrubber)}`, ...rest].join(';');
}

function cookieValue(value: string, name: string, scrubber: SecretScrubber): string {
  if (value === '') return value;
  const known = scrubber.placeholderOf(value);
  return known ?? `{{cookie:${name}}}`;
}
