/**
 * Colour in the CLI's text output: only on a terminal, never with NO_COLOR (https://no-color.org)
 * or TERM=dumb, so a pipe, a file, a CI log or an editor's problem matcher gets plain text.
 * Only labels are painted (error:, warning:, pass, FAIL), never text that may hold a value.
 */

/** The styles the CLI uses: an error, a warning, a success. */
export type Style = 'red' | 'yellow' | 'green';

/** Paints a label in a style, or returns it unchanged when colour is off. */
export type Paint = (text: string, style: Style) => string;

const CODES: Readonly<Record<Style, string>> = { red: '31', yellow: '33', green: '32' };

/** No colour: what every formatter paints with unless told otherwise. */
export const plain: Paint = (text) => text;

const ansi: Paint = (text, style) => `\u001b[${CODES[style]}m${text}\u001b[39m`;

/**
 * The paint for a stream: ANSI colours on a terminal, unless NO_COLOR is set (to anything but
 * the empty string) or TERM is "dumb".
 *
 * @example
 * const paint = paintFor(process.stdout);
 * process.stdout.write(`${paint('error:', 'red')} …`);
 */
export function paintFor(stream: { isTTY?: boolean }, env: NodeJS.ProcessEnv = process.env): Paint {
  const noColour = (env.NO_COLOR !== undefined && env.NO_COLOR !== '') || env.TERM === 'dumb';
  return stream.isTTY === true && !noColour ? ansi : plain;
}
