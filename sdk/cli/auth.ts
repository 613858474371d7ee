/**
 * `connector auth <manifest>`: obtains a token with the given credentials and says what it
 * got (type, expiry, refresh token, cookies) — never the token itself.
 */
import type { TokenInfo } from '../runtime/connection.js';
import { failure, formatOption, parseCommandLine, readFormat, usageError } from './command-line.js';
import { connectionOptions, connectionOptionsHelp, openConnection } from './connection-options.js';
import { debugTrace } from './debug-trace.js';
import { EXIT_TABLE } from './exit-status.js';
import { Printer } from './output.js';

export const usage = `Usage: connector auth <manifest> --credentials <file> [options]

Obtains a token and shows its type and expiry (never its value).

Options:
  --format text|json         text lines (default), or one JSON document on stdout
                             ({"tokenInfo": …} or {"error": {code, message, …}})
${connectionOptionsHelp}

${EXIT_TABLE}`;

export async function run(argv: string[]): Promise<number> {
  const out = new Printer();
  const parsed = parseCommandLine('auth', usage, argv, { ...connectionOptions, ...formatOption }, out);
  if (typeof parsed === 'number') return parsed;
  const { values, positionals } = parsed;
  const [manifest, ...extra] = positionals;
  const format = readFormat('auth', usage, values, out);
  if (typeof format === 'number') return format;
  out.format = format;
  if (!manifest || extra.length > 0) return usageError('auth', usage, 'give exactly one manifest', out);
  try {
    const { connector, connection } = await openConnection(manifest, values, out, debugTrace(out));
    try {
      const info = await connection.ensureToken();
      // Not under "token": the redactor masks whatever a key of that name holds.
      if (format === 'json') out.json({ tokenInfo: tokenJson(info) });
      else out.out(tokenText(info));
      return 0;
    } finally {
      await connector.close();
    }
  } catch (error) {
    return failure('auth', usage, error, out);
  }
}

/**
 * What a token is, in lines for the operator (never the token itself); `import --check` prints it too.
 *
 * @example
 * out.out(tokenText(await connection.ensureToken())); // "token obtained: Bearer, expires …"
 */
export function tokenText(info: TokenInfo): string {
  if (!info.managed) return 'this auth type sends the credentials themselves: there is no token to obtain\n';
  const expires =
    info.expiresAt === undefined
      ? 'no known expiry (renewed when the API refuses it)'
      : `expires ${new Date(info.expiresAt).toISOString()} (in ${Math.round((info.expiresAt - Date.now()) / 1000)} s)`;
  const lines = [
    `token obtained: ${info.tokenType ?? 'type not stated'}, ${expires}`,
    `refresh token: ${info.hasRefreshToken ? 'yes' : 'no'}`,
    `cookies: ${info.cookieNames.length ? info.cookieNames.join(', ') : 'none'}`,
  ];
  return `${lines.join('\n')}\n`;
}

/**
 * What `tokenText` says, as fields: never the token, only what it is (names kept clear of the redactor's secret keys).
 *
 * @example
 * out.json({ tokenInfo: tokenJson(await connection.ensureToken()) });
 */
export function tokenJson(info: TokenInfo): Record<string, unknown> {
  if (!info.managed) return { managed: false };
  return {
    managed: true,
    type: info.tokenType ?? null,
    expiresAt: info.expiresAt === undefined ? null : new Date(info.expiresAt).toISOString(),
    hasRefreshToken: info.hasRefreshToken,
    cookieNames: info.cookieNames,
  };
}
