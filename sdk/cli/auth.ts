/**
 * `connector auth <manifest>`: obtains a token with the given credentials and says what it
 * got (type, expiry, refresh token, cookies) — never the token itself.
 */
import { failure, parseCommandLine, usageError } from './command-line.js';
import { connectionOptions, connectionOptionsHelp, openConnection } from './connection-options.js';

export const usage = `Usage: connector auth <manifest> --credentials <file> [options]

Obtains a token and shows its type and expiry (never its value).

Options:
${connectionOptionsHelp}

Exit status: 0 authorized, 1 authorization failed, 2 usage error, 3 invalid manifest.`;

export async function run(argv: string[]): Promise<number> {
  const parsed = parseCommandLine('auth', usage, argv, connectionOptions);
  if (typeof parsed === 'number') return parsed;
  const { values, positionals } = parsed;
  const [manifest, ...extra] = positionals;
  if (!manifest || extra.length > 0) return usageError('auth', usage, 'give exactly one manifest');
  try {
    const { connector, connection } = await openConnection(manifest, values);
    try {
      const info = await connection.ensureToken();
      if (!info.managed) {
        process.stdout.write('this auth type sends the credentials themselves: there is no token to obtain\n');
        return 0;
      }
      const expires =
        info.expiresAt === undefined
          ? 'no known expiry (renewed when the API refuses it)'
          : `expires ${new Date(info.expiresAt).toISOString()} (in ${Math.round((info.expiresAt - Date.now()) / 1000)} s)`;
      const lines = [
        `token obtained: ${info.tokenType ?? 'type not stated'}, ${expires}`,
        `refresh token: ${info.hasRefreshToken ? 'yes' : 'no'}`,
        `cookies: ${info.cookieNames.length ? info.cookieNames.join(', ') : 'none'}`,
      ];
      process.stdout.write(`${lines.join('\n')}\n`);
      return 0;
    } finally {
      await connector.close();
    }
  } catch (error) {
    return failure('auth', usage, error);
  }
}
