/**
 * `connector login <manifest>`: the authorization code grant for an operator (RFC 8252 style),
 * or OAuth 1.0a's three-legged flow (its callback_url). The manifest's redirect URI must be a loopback one (http://127.0.0.1:PORT/path); a listener
 * on that address catches the callback, the code is exchanged and the tokens are kept in the
 * store, so `connector run` with the same store works afterwards.
 */
import { createServer, type Server } from 'node:http';
import { tokenJson } from './auth.js';
import { failure, formatOption, parseCommandLine, readFormat, usageError, UsageError } from './command-line.js';
import { connectionOptions, connectionOptionsHelp, openConnection } from './connection-options.js';
import { debugTrace } from './debug-trace.js';
import { EXIT_TABLE } from './exit-status.js';
import { Printer } from './output.js';

export const usage = `Usage: connector login <manifest> --credentials <file> --store file:<path> [options]

Runs the authorization code flow (or OAuth 1.0a's three-legged flow): prints the URL to open
in a browser, waits for the provider to redirect back to the manifest's loopback redirect_uri
or callback_url (http://127.0.0.1:PORT/…), exchanges the code (the verifier) and keeps the
tokens in the store.

Options:
  --timeout <seconds>        how long to wait for the browser (default: 300)
  --format text|json         text lines (default), or one JSON object on stdout:
                             {"authorized": {connectionId, store, type, expiresAt, …}} (never
                             a token) or {"error": {code, message, …}}; the URL to open then
                             goes to stderr
${connectionOptionsHelp}

${EXIT_TABLE}`;

const LOOPBACK = new Set(['127.0.0.1', '[::1]', 'localhost']);

export async function run(argv: string[]): Promise<number> {
  const out = new Printer();
  const parsed = parseCommandLine('login', usage, argv, { ...connectionOptions, ...formatOption, timeout: { type: 'string', default: '300' } }, out);
  if (typeof parsed === 'number') return parsed;
  const { values, positionals } = parsed;
  const format = readFormat('login', usage, values, out);
  if (typeof format === 'number') return format;
  out.format = format;
  const [manifest, ...extra] = positionals;
  if (!manifest || extra.length > 0) return usageError('login', usage, 'give exactly one manifest', out);
  const timeoutMs = Number(values.timeout) * 1000;
  if (!Number.isFinite(timeoutMs) || timeoutMs <= 0) return usageError('login', usage, '--timeout must be a positive number of seconds', out);
  try {
    const { connector, connection } = await openConnection(manifest, values, out, debugTrace(out));
    try {
      const authorizationUrl = await connection.authorizationUrl();
      // OAuth 2's URL carries its redirect_uri; OAuth 1.0a sent its callback_url with the temporary-credentials request.
      const redirect = new URL(connection.callbackUrl() ?? new URL(authorizationUrl).searchParams.get('redirect_uri') ?? '');
      if (redirect.protocol !== 'http:' || !LOOPBACK.has(redirect.hostname) || redirect.port === '') {
        throw new UsageError(`login needs a loopback redirect_uri with a port (http://127.0.0.1:PORT/callback); the manifest gives ${redirect.origin}`);
      }
      if ((values.store ?? 'memory') === 'memory') {
        out.err('connector login: --store memory keeps the tokens only until this command ends; give --store file:<path>\n');
      }
      const callback = await waitForCallback(redirect, authorizationUrl, timeoutMs, out);
      await connection.completeAuthorization(callback);
      const info = await connection.ensureToken();
      if (format === 'json') {
        out.json({ authorized: { connectionId: values['connection-id'], store: values.store, ...tokenJson(info) } });
        return 0;
      }
      const expires = info.expiresAt === undefined ? 'no stated expiry' : `expires ${new Date(info.expiresAt).toISOString()}`;
      out.out(`authorized: ${info.tokenType ?? 'token'}, ${expires}, refresh token: ${info.hasRefreshToken ? 'yes' : 'no'}\n`);
      return 0;
    } finally {
      await connector.close();
    }
  } catch (error) {
    return failure('login', usage, error, out);
  }
}

/** Listens on the redirect URI's address until the provider sends the browser back; resolves with the callback URL. */
function waitForCallback(redirect: URL, authorizationUrl: string, timeoutMs: number, out: Printer): Promise<URL> {
  return new Promise((resolve, reject) => {
    let server: Server | undefined;
    const timer = setTimeout(() => finish(new Error(`no callback within ${timeoutMs / 1000} s`)), timeoutMs);
    const finish = (outcome: URL | Error): void => {
      clearTimeout(timer);
      server?.close();
      server?.closeAllConnections();
      if (outcome instanceof URL) resolve(outcome);
      else reject(outcome);
    };
    server = createServer((request, response) => {
      const url = new URL(request.url ?? '/', redirect.origin);
      if (url.pathname !== redirect.pathname) {
        response.writeHead(404).end();
        return;
      }
      response.writeHead(200, { 'content-type': 'text/html; charset=utf-8', connection: 'close' });
      response.end('<!doctype html><title>connector login</title><p>Done: you can close this window and return to the terminal.</p>');
      finish(url);
    });
    server.once('error', (error: NodeJS.ErrnoException) => finish(new Error(`cannot listen on ${redirect.host} (${error.code ?? 'error'})`)));
    server.listen(Number(redirect.port), redirect.hostname === 'localhost' ? '127.0.0.1' : redirect.hostname.replace(/^\[|\]$/g, ''), () => {
      const prompt = `Open this URL in a browser to authorize:\n${authorizationUrl}\nWaiting for the redirect to ${redirect.origin}${redirect.pathname} …\n`;
      // With --format json, stdout holds the one result object: the operator's prompt goes to stderr.
      if (out.format === 'json') out.err(prompt);
      else out.out(prompt);
    });
  });
}
