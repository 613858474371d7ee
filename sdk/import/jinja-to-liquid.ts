/**
 * Rewrites one Jinja template (a Locoia field) as the Liquid template a manifest holds: outputs
 * `{{ … }}` through jinja-expression.ts, `{% if / elif / else / endif %}` blocks (a lone
 * `not x` becomes `{% unless %}`), comments dropped, whitespace control (`{{-`, `-}}`) kept.
 * Anything else is a problem with its offset in the template; a template with an error is
 * given back unchanged, never half translated.
 */
import { ExpressionTranslator, Untranslatable, type NameResolver } from './jinja-expression.js';

/** Something in a template that did not translate (error) or translates with a caveat (warning). */
export interface TemplateProblem {
  /** Offset in the template text (UTF-16 code units). */
  offset: number;
  message: string;
  hint?: string;
  severity: 'error' | 'warning';
}

/** jinjaToLiquid's answer. */
export interface Translation {
  /** The Liquid template, or the source unchanged when any problem is an error. */
  text: string;
  problems: TemplateProblem[];
}

const CLOSERS: Record<string, string> = { '{': '}}', '%': '%}', '#': '#}' };

/** Jinja tags and what to call them in a message. */
const TAG_NAMES: Record<string, string> = {
  for: 'a `{% for %}` loop',
  set: 'a `{% set %}` assignment',
  macro: 'a `{% macro %}`',
  call: 'a `{% call %}` block',
  filter: 'a `{% filter %}` block',
  with: 'a `{% with %}` block',
  raw: 'a `{% raw %}` block',
  include: 'an `{% include %}`',
  import: 'an `{% import %}`',
  block: 'a `{% block %}`',
  extends: 'an `{% extends %}`',
};

interface OpenBlock {
  kind: 'if' | 'unless';
  offset: number;
}

/**
 * @example
 * jinjaToLiquid("{{ password|default('x') }}", (name) => `credentials.${name}`).text
 * // "{{ credentials.password | default: 'x' }}"
 */
export function jinjaToLiquid(source: string, resolve: NameResolver): Translation {
  const problems: TemplateProblem[] = [];
  const open: OpenBlock[] = [];
  let out = '';
  let from = 0;
  const opening = /\{([{%#])/g;
  for (let match = opening.exec(source); match; match = opening.exec(source)) {
    const kind = match[1] as string;
    const start = match.index;
    const end = closingOf(source, start + 2, CLOSERS[kind] as string);
    if (end < 0) {
      problems.push({ offset: start, message: `\`{${kind}\` is never closed`, severity: 'error' });
      break;
    }
    out += source.slice(from, start);
    from = end + 2;
    opening.lastIndex = from;
    const tag = { start, inner: source.slice(start + 2, end) };
    if (kind === '#') continue;
    out += kind === '{' ? output(tag, resolve, problems) : statement(tag, resolve, problems, open);
    // An untranslatable block is reported once: its body is not read for more problems.
    const skipTo = kind === '%' ? endOfBlock(source, tag.inner, from) : from;
    from = skipTo;
    opening.lastIndex = skipTo;
  }
  out += source.slice(from);
  for (const block of open) problems.push({ offset: block.offset, message: '`{% if %}` without its `{% endif %}`', severity: 'error' });
  return { text: problems.some((p) => p.severity === 'error') ? source : out, problems };
}

/** Jinja blocks with an end tag, which Liquid here does not take. */
const BLOCKS = new Set(['for', 'macro', 'call', 'filter', 'with', 'raw', 'block']);

/** Where reading resumes after a tag: past the matching `{% end… %}` of an untranslatable block, else right after the tag. */
function endOfBlock(source: string, inner: string, from: number): number {
  const word = /^-?\s*([A-Za-z_]*)/.exec(inner)?.[1] ?? '';
  if (!BLOCKS.has(word)) return from;
  const end = new RegExp(`\\{%-?\\s*end${word}\\s*-?%\\}`, 'g');
  end.lastIndex = from;
  const match = end.exec(source);
  return match ? match.index + match[0].length : source.length;
}

/** Index of `closer` after `from`, skipping quoted strings (and their backslash escapes); -1 when there is none. */
function closingOf(source: string, from: number, closer: string): number {
  let quote: string | undefined;
  for (let i = from; i < source.length - 1; i++) {
    const char = source[i];
    if (quote) {
      if (char === '\\') i++;
      else if (char === quote) quote = undefined;
    } else if (char === '"' || char === "'") quote = char;
    else if (source.startsWith(closer, i)) return i;
  }
  return -1;
}

interface Tag {
  /** Offset of the `{` in the template. */
  start: number;
  /** Between the delimiters, whitespace-control dashes included. */
  inner: string;
}

/** The tag's body without its whitespace-control dashes, and the Liquid delimiters that keep them. */
function trimmed(tag: Tag, open: string, close: string): { body: string; bodyOffset: number; wrap: (text: string) => string } {
  const left = tag.inner.startsWith('-') ? '-' : '';
  const right = tag.inner.endsWith('-') && tag.inner.length > left.length ? '-' : '';
  const body = tag.inner.slice(left.length, tag.inner.length - right.length);
  return { body, bodyOffset: tag.start + 2 + left.length, wrap: (text) => `${open}${left} ${text} ${right}${close}` };
}

function output(tag: Tag, resolve: NameResolver, problems: TemplateProblem[]): string {
  const { body, bodyOffset, wrap } = trimmed(tag, '{{', '}}');
  try {
    return wrap(new ExpressionTranslator(body, resolve).output());
  } catch (error) {
    problems.push(problemOf(error, bodyOffset));
    return '';
  }
}

function statement(tag: Tag, resolve: NameResolver, problems: TemplateProblem[], open: OpenBlock[]): string {
  const { body, bodyOffset, wrap } = trimmed(tag, '{%', '%}');
  const word = /^\s*([A-Za-z_]*)/.exec(body)?.[1] ?? '';
  const restOffset = bodyOffset + body.indexOf(word) + word.length;
  const rest = body.slice(restOffset - bodyOffset);
  try {
    const liquid = blockTag(word, rest, resolve, open, { start: tag.start, relative: tag.start - restOffset }, problems);
    return wrap(liquid);
  } catch (error) {
    problems.push(problemOf(error, restOffset));
    return '';
  }
}

/** `at`: the tag's offset in the template, and relative to `rest` (where Untranslatable offsets count from). */
function blockTag(word: string, rest: string, resolve: NameResolver, open: OpenBlock[], at: { start: number; relative: number }, problems: TemplateProblem[]): string {
  const start = at.start;
  switch (word) {
    case 'if': {
      const negated = new ExpressionTranslator(rest, resolve).negated();
      open.push({ kind: negated === undefined ? 'if' : 'unless', offset: start });
      if (negated !== undefined) return truthiness(`unless ${negated}`, start, problems);
      const { liquid, bare } = new ExpressionTranslator(rest, resolve).condition();
      return bare ? truthiness(`if ${liquid}`, start, problems) : `if ${liquid}`;
    }
    case 'elif': {
      const block = open.at(-1);
      if (!block) throw new Untranslatable(at.relative, '`{% elif %}` outside an `{% if %}`');
      if (block.kind === 'unless') throw new Untranslatable(at.relative, '`{% elif %}` after `{% if not … %}`', 'Liquid `unless` takes no elsif: rewrite the condition without `not`');
      const { liquid, bare } = new ExpressionTranslator(rest, resolve).condition();
      return bare ? truthiness(`elsif ${liquid}`, start, problems) : `elsif ${liquid}`;
    }
    case 'else':
    case 'endif': {
      if (rest.trim() !== '') throw new Untranslatable(at.relative, `\`{% ${word} %}\` followed by an expression`);
      const block = word === 'endif' ? open.pop() : open.at(-1);
      if (!block) throw new Untranslatable(at.relative, `\`{% ${word} %}\` outside an \`{% if %}\``);
      return word === 'else' ? 'else' : `end${block.kind}`;
    }
    default:
      const what = Object.hasOwn(TAG_NAMES, word) ? (TAG_NAMES[word] as string) : `the tag \`{% ${word} %}\``;
      throw new Untranslatable(at.relative, what, 'Liquid here takes only if / elsif / else; rewrite it by hand');
  }
}

/** A bare value as a condition: Jinja and Liquid disagree on what is true. */
function truthiness(liquid: string, start: number, problems: TemplateProblem[]): string {
  problems.push({
    offset: start,
    message: 'a condition on a bare value: Jinja treats "" and 0 as false, Liquid treats them as true',
    hint: 'compare explicitly (`!= ""`) if empty values reach it',
    severity: 'warning',
  });
  return liquid;
}

function problemOf(error: unknown, base: number): TemplateProblem {
  if (!(error instanceof Untranslatable)) throw error;
  return { offset: base + error.offset, message: `not translated: ${error.message}`, ...(error.hint ? { hint: error.hint } : {}), severity: 'error' };
}
