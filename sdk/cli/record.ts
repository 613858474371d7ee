/**
 * `connector record <manifest> <action>`: runs an action against the real API, as `run` does,
 * and saves every exchange (token requests included) as a named fixture set in
 * `<manifest-basename>.fixtures.json` next to the manifest, for scenarios to replay offline.
 * Secrets never reach the disk: credentials marked x-secret, every token and cookie the
 * connection obtained, Authorization values and credential parameters become placeholders, and
 * the file is not written if any known secret would remain in clear.
 */
import type { Readable } from 'node:stream';
import { createRecordingDispatcher, type RecordedExchange } from '../http/recording-dispatcher.js';
import type { ConnectorManifest } from '../manifest/types.gen.js';
import type { Redactor } from '../redact.js';
import { loadConnector, type Environment } from '../runtime/connector.js';
import { fixturePathFor, fixtureSet, saveFixtureSet, type FixtureSet } from '../testkit/fixtures.js';
import { RecordingTokenStore, type SecretSink } from '../testkit/recording-store.js';
import { SecretScrubber } from '../testkit/scrub.js';
import { secretCredentials } from '../testkit/secrets.js';
import { failure, formatOption, parseCommandLine, readFormat, usageError, UsageError } from './command-line.js';
import { environmentOf, readCredentials } from './connection-options.js';
import { EXIT_TABLE } from './exit-status.js';
import { Printer } from './output.js';
import { readInput } from './run.js';

export const usage = `Usage: connector record <manifest> <action> --credentials <file> [options]

Runs an action against the real API and saves its exchanges (token requests included) as a
fixture set in <manifest-basename>.fixtures.json next to the manifest, secrets replaced by
placeholders ({{secret:NAME}}, {{access_token}}, {{refresh_token}}, {{cookie:NAME}}).
A scenario replays the set with "fixtures": "<name>" (see connector test).

Options:
  --credentials <file>       JSON file with the credentials the manifest declares (required)
  --input '<json>'           the action's input
  --input-file <file>        the action's input, from a JSON file
  --name <name>              name of the fixture set (default: the action id); replaces a set of that name
  --env live|dev             environment (default: live)
  --allow-private-network    allow loopback and private addresses (local sandboxes)
  --allow-insecure-http      allow plain-http token endpoints for the OAuth grants (local test servers only)
  --format text|json         text lines (default), or one JSON object on stdout:
                             {"recorded": {name, file, exchanges}}, or {"error": {code, message, …}}
                             (with "recorded" beside it when the action failed but was recorded)
  -h, --help                 show this help

${EXIT_TABLE}`;

export async function run(argv: string[]): Promise<number> {
  const out = new Printer();
  const parsed = parseCommandLine('record', usage, argv, {
    ...formatOption,
    credentials: { type: 'string' },
    input: { type: 'string' },
    'input-file': { type: 'string' },
    name: { type: 'string' },
    env: { type: 'string', default: 'live' },
    'allow-private-network': { type: 'boolean', default: false },
    'allow-insecure-http': { type: 'boolean', default: false },
  }, out);
  if (typeof parsed === 'number') return parsed;
  const { values, positionals } = parsed;
  const format = readFormat('record', usage, values, out);
  if (typeof format === 'number') return format;
  out.format = format;
  const [manifestPath, action, ...extra] = positionals;
  if (!manifestPath || !action || extra.length > 0) return usageError('record', usage, 'give exactly one manifest and one action', out);
  const name = values.name ?? action;
  try {
    if (!values.credentials) throw new UsageError('--credentials <file> is required');
    const environment = environmentOf(values.env);
    if (name.trim() === '' || name.length > 200) throw new UsageError('--name must be 1 to 200 characters');
    const credentials = await readCredentials(values.credentials);
    const input = await readInput(values.input, values['input-file']);
    const connector = await loadConnector(manifestPath);
    for (const [, value] of secretCredentials(connector.manifest, environment, credentials)) out.redactor.add(value);
    const allowPrivateNetwork = values['allow-private-network'] ?? false;
    const store = new RecordingTokenStore();
    const recording = createRecordingDispatcher({ allowPrivateNetwork });
    let outcome: { status: number } | { error: unknown };
    try {
      const connection = connector.connect({ connectionId: 'record', credentials, environment, store, dispatcher: recording.dispatcher, allowPrivateNetwork, allowInsecureHttp: values['allow-insecure-http'] ?? false });
      try {
        const result = await connection.execute(action, input);
        if (isStream(result.data)) for await (const _chunk of result.data) { /* read whole: the recorder keeps its beginning */ }
        outcome = { status: result.status };
      } catch (error) {
        outcome = { error };
      }
    } finally {
      await recording.close();
      await connector.close();
    }
    const scrubber = new SecretScrubber();
    registerSecrets(alsoMasked(scrubber, out.redactor), connector.manifest, environment, credentials, store, recording.exchanges);
    const set = fixtureSet(action, recording.exchanges, scrubber, Date.now());
    const path = fixturePathFor(manifestPath);
    await saveFixtureSet(path, connector.id, name, set);
    return report(out, { name, file: path, set }, outcome);
  } catch (error) {
    return failure('record', usage, error, out);
  }
}

/**
 * What was recorded and where — one line per exchange, or `{"recorded"}` with --format json —
 * and, when the action failed, its error (beside "recorded" in JSON).
 */
function report(out: Printer, saved: { name: string; file: string; set: FixtureSet }, outcome: { status: number } | { error: unknown }): number {
  // Queries are cut: what identifies an exchange is its method, path and status.
  const exchanges = saved.set.exchanges.map(({ request, response }) => ({ method: request.method, path: request.path.replace(/\?.*$/, '?…'), status: response?.status ?? null }));
  const recorded = { name: saved.name, file: saved.file, exchanges };
  if (out.format === 'text') {
    const lines = exchanges.map(({ method, path, status }) => `  ${method} ${path}  ${status ?? 'no response'}`);
    out.out(`recorded ${exchanges.length} exchange${exchanges.length === 1 ? '' : 's'} as "${saved.name}" in ${saved.file}\n${lines.join('\n')}\n`);
  }
  if ('error' in outcome) {
    if (out.format === 'text') out.err(`the action failed; its exchanges are recorded all the same\n`);
    return failure('record', usage, outcome.error, out, { recorded });
  }
  if (out.format === 'json') out.json({ recorded });
  return 0;
}

/**
 * Every secret the recording may hold, with its placeholder: tokens and cookies first (a cookie
 * that is the access token becomes {{access_token}}), then the x-secret credentials, then
 * whatever Authorization values and credential query parameters still carry.
 */
function registerSecrets(
  sink: SecretSink,
  manifest: Readonly<ConnectorManifest>,
  environment: Environment,
  credentials: Record<string, unknown>,
  store: RecordingTokenStore,
  exchanges: readonly RecordedExchange[],
): void {
  store.registerSecrets(sink);
  for (const [field, value] of secretCredentials(manifest, environment, credentials)) sink.add(value, `{{secret:${field}}}`);
  const auth = manifest.auth as { type: string; in?: string; name?: string; apply?: { query?: Record<string, unknown> } };
  const params = [...(auth.type === 'api_key' && auth.in === 'query' && auth.name ? [auth.name] : []), ...Object.keys(auth.apply?.query ?? {})];
  for (const { request } of exchanges) {
    const authorization = /^\S+\s+(.+)$/.exec(request.headers.authorization ?? '')?.[1];
    sink.add(authorization, '{{authorization}}');
    const query = new URL(request.path, 'http://recorded').searchParams;
    for (const param of params) sink.add(query.get(param) ?? undefined, `{{secret:${param.replace(/[^A-Za-z0-9_]/g, '_')}}}`);
  }
}

/** The scrubber, and the printer's redactor with it: what the fixtures must not hold, the output must not show. */
function alsoMasked(scrubber: SecretScrubber, redactor: Redactor): SecretSink {
  return {
    add(value, placeholder) {
      scrubber.add(value, placeholder);
      redactor.add(value);
    },
  };
}

function isStream(value: unknown): value is Readable {
  return typeof value === 'object' && value !== null && typeof (value as Readable).pipe === 'function';
}
