/**
 * One exit-status table for every command, so scripts can tell a failed call from a mistake
 * in how the command was called and from a manifest that needs fixing.
 */
import { CredentialsError, InputError, ManifestError, ManifestUnreadableError, UnknownActionError } from '../errors.js';

export const EXIT = {
  /** The command did what it was asked. */
  ok: 0,
  /** The call, its authentication, or a scenario failed. */
  failed: 1,
  /** The command line is wrong: an unknown option, action or file, invalid input, a missing credential. */
  usage: 2,
  /** A manifest is invalid. */
  invalidManifest: 3,
} as const;

/** The table as every `--help` prints it. */
export const EXIT_TABLE = `Exit status: 0 ok; 1 the call, its authentication or a scenario failed;
  2 usage error (an unknown option, action or file, invalid input, a missing credential);
  3 invalid manifest.`;

/** The status a command's error ends it with. */
export function exitStatusOf(error: unknown): number {
  if (error instanceof ManifestError) return EXIT.invalidManifest;
  // What the caller typed is wrong, not the call: the same as an unknown option.
  if (error instanceof UnknownActionError || error instanceof InputError || error instanceof CredentialsError || error instanceof ManifestUnreadableError) return EXIT.usage;
  return EXIT.failed;
}
