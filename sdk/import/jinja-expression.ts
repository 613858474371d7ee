/**
 * Jinja expressions, as far as Liquid can say the same thing: a name path with literal
 * subscripts, string / number / boolean / none literals, filters with positional arguments, and
 * `==`-style comparisons. Everything else (method calls, arithmetic, `~`, inline if, list and
 * dict literals, keyword arguments, tests with `is`) is refused with an `Untranslatable` naming
 * the construct and where it starts: the importer reports it rather than guess a meaning.
 */

/**
 * A construct Liquid cannot express; `offset` is relative to the expression's text.
 *
 * @example
 * throw new Untranslatable(3, 'the name `x`', 'it is no field of the auth form');
 */
export class Untranslatable extends Error {
  readonly offset: number;
  readonly hint: string | undefined;
  constructor(offset: number, message: string, hint?: string) {
    super(message);
    this.offset = offset;
    this.hint = hint;
  }
}

type TokenKind = 'name' | 'number' | 'string' | 'op' | 'end';
interface Token {
  kind: TokenKind;
  text: string;
  offset: number;
}

/** Top-level name → the Liquid path it stands for (`username` → `credentials.username`); throws Untranslatable for an unknown name. */
export type NameResolver = (name: string, offset: number) => string;

const OPERATORS = ['**', '//', '==', '!=', '<=', '>=', '(', ')', '[', ']', '{', '}', '.', ',', '|', ':', '<', '>', '+', '-', '*', '/', '%', '~', '='];
const NAME = /[A-Za-z_][A-Za-z0-9_]*/y;
const NUMBER = /\d+(?:\.\d+)?/y;

function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const char = text[i] as string;
    if (/\s/.test(char)) {
      i++;
      continue;
    }
    const word = matchAt(NAME, text, i) ?? matchAt(NUMBER, text, i);
    if (word !== undefined) {
      tokens.push({ kind: /\d/.test(char) ? 'number' : 'name', text: word, offset: i });
      i += word.length;
    } else if (char === '"' || char === "'") {
      const end = closingQuote(text, i);
      if (end < 0) throw new Untranslatable(i, 'a string literal that is not closed');
      const literal = text.slice(i, end + 1);
      if (literal.includes('\\')) throw new Untranslatable(i, `the string literal ${literal} uses a backslash escape`, 'Liquid strings have no escapes');
      tokens.push({ kind: 'string', text: literal, offset: i });
      i = end + 1;
    } else {
      const op = OPERATORS.find((candidate) => text.startsWith(candidate, i));
      if (op === undefined) throw new Untranslatable(i, `the character ${JSON.stringify(char)}`);
      tokens.push({ kind: 'op', text: op, offset: i });
      i += op.length;
    }
  }
  tokens.push({ kind: 'end', text: '', offset: text.length });
  return tokens;
}

/** Index of the quote that closes the string literal opening at `start`, past backslash escapes; -1 when none. */
function closingQuote(text: string, start: number): number {
  for (let i = start + 1; i < text.length; i++) {
    if (text[i] === '\\') i++;
    else if (text[i] === text[start]) return i;
  }
  return -1;
}

function matchAt(pattern: RegExp, text: string, at: number): string | undefined {
  pattern.lastIndex = at;
  return pattern.exec(text)?.[0];
}

/** Jinja filters with a Liquid filter that does the same; `args` is how many positional arguments translate. */
const FILTERS: Record<string, { liquid: string; args: readonly number[]; defaultArgs?: string }> = {
  jsonify: { liquid: 'json', args: [0] },
  tojson: { liquid: 'json', args: [0] },
  default: { liquid: 'default', args: [1] },
  d: { liquid: 'default', args: [1] },
  upper: { liquid: 'upcase', args: [0] },
  lower: { liquid: 'downcase', args: [0] },
  trim: { liquid: 'strip', args: [0] },
  length: { liquid: 'size', args: [0] },
  count: { liquid: 'size', args: [0] },
  first: { liquid: 'first', args: [0] },
  last: { liquid: 'last', args: [0] },
  // Jinja joins with "" by default, Liquid with " ": the separator is always written out.
  join: { liquid: 'join', args: [0, 1], defaultArgs: "''" },
  replace: { liquid: 'replace', args: [2] },
};

/** Jinja filters that look translatable but are not the same in Liquid: said why. */
const FILTER_HINTS: Record<string, string> = {
  urlencode: 'Jinja keeps "/" and writes %20 for spaces; Liquid url_encode writes +, uri_encode also encodes "/": choose one by hand',
  capitalize: 'Jinja lowers the rest of the text, Liquid capitalize does not: write `| downcase | capitalize` if that is meant',
  b64encode: 'write `| base64_encode` if the value is text',
};

const COMPARISONS = new Set(['==', '!=', '<', '>', '<=', '>=']);

/**
 * Parses one expression and writes it in Liquid.
 *
 * @example
 * new ExpressionTranslator("x|default('a')", (name) => `credentials.${name}`).output(); // "credentials.x | default: 'a'"
 */
export class ExpressionTranslator {
  readonly #tokens: Token[];
  readonly #resolve: NameResolver;
  #at = 0;

  constructor(text: string, resolve: NameResolver) {
    this.#tokens = tokenize(text);
    this.#resolve = resolve;
  }

  /** `{{ … }}`: a filtered value and nothing after it. */
  output(): string {
    const value = this.#filtered();
    this.#expectEnd();
    return value;
  }

  /** `{% if … %}`: comparisons joined by only `and` or only `or` (Liquid groups them right to left, Jinja by precedence). */
  condition(): { liquid: string; bare: boolean } {
    const parts = [this.#comparison()];
    let joiner: string | undefined;
    while (this.#peek().text === 'and' || this.#peek().text === 'or') {
      const token = this.#next();
      if (joiner !== undefined && joiner !== token.text) {
        throw new Untranslatable(token.offset, '`and` mixed with `or`', 'Liquid evaluates and/or right to left without precedence: split the condition');
      }
      joiner = token.text;
      parts.push(this.#comparison());
    }
    this.#expectEnd();
    return { liquid: parts.map((part) => part.liquid).join(` ${joiner ?? ''} `), bare: parts.some((part) => part.bare) };
  }

  /** `not <value>` alone, for `{% unless %}`; undefined when the condition is anything else. */
  negated(): string | undefined {
    if (this.#peek().text !== 'not') return undefined;
    this.#next();
    const value = this.#filtered();
    this.#expectEnd();
    return value;
  }

  #comparison(): { liquid: string; bare: boolean } {
    const not = this.#peek();
    if (not.text === 'not') throw new Untranslatable(not.offset, '`not` inside a condition', 'Liquid has no `not`: only `{% if not x %}` alone becomes `{% unless x %}`');
    const left = this.#filtered();
    const op = this.#peek();
    if (op.kind === 'op' && COMPARISONS.has(op.text)) {
      this.#next();
      return { liquid: `${left} ${op.text} ${this.#filtered()}`, bare: false };
    }
    return { liquid: left, bare: true };
  }

  #filtered(): string {
    let value = this.#primary();
    while (this.#peek().text === '|') {
      this.#next();
      value = `${value} | ${this.#filter()}`;
    }
    return value;
  }

  #filter(): string {
    const name = this.#next();
    if (name.kind !== 'name') throw new Untranslatable(name.offset, 'a filter without a name');
    const args = this.#peek().text === '(' ? this.#arguments() : [];
    const known = Object.hasOwn(FILTERS, name.text) ? FILTERS[name.text] : undefined;
    if (!known) {
      const hint = Object.hasOwn(FILTER_HINTS, name.text) ? FILTER_HINTS[name.text] : 'see docs/templates.md for the filters Liquid has here';
      throw new Untranslatable(name.offset, `the filter \`| ${name.text}\``, hint);
    }
    if (!known.args.includes(args.length)) {
      throw new Untranslatable(name.offset, `the filter \`| ${name.text}\` with ${args.length} argument(s)`, `it translates with ${known.args.join(' or ')}`);
    }
    const written = args.length > 0 ? args : known.defaultArgs ? [known.defaultArgs] : [];
    return written.length > 0 ? `${known.liquid}: ${written.join(', ')}` : known.liquid;
  }

  #arguments(): string[] {
    this.#next();
    const args: string[] = [];
    while (this.#peek().text !== ')') {
      if (args.length > 0) this.#expect(',');
      const keyword = this.#tokens[this.#at + 1];
      if (this.#peek().kind === 'name' && keyword?.text === '=') throw new Untranslatable(this.#peek().offset, `the keyword argument \`${this.#peek().text}=\``);
      args.push(this.#primary());
    }
    this.#next();
    return args;
  }

  #primary(): string {
    const token = this.#next();
    if (token.kind === 'string' || token.kind === 'number') return this.#notCalled(token.text);
    if (token.kind === 'name') {
      const literal = Object.hasOwn(LITERALS, token.text) ? LITERALS[token.text] : undefined;
      if (literal !== undefined) return literal;
      if (token.text === 'not' || token.text === 'and' || token.text === 'or') throw new Untranslatable(token.offset, `\`${token.text}\` here`);
      return this.#path(this.#resolve(token.text, token.offset));
    }
    if (token.text === '[' || token.text === '{') throw new Untranslatable(token.offset, token.text === '[' ? 'a list literal' : 'a dict literal');
    if (token.text === '(') throw new Untranslatable(token.offset, 'parentheses', 'Liquid has no grouping: split the expression');
    throw new Untranslatable(token.offset, token.kind === 'end' ? 'a missing value' : `\`${token.text}\``);
  }

  #path(root: string): string {
    let path = root;
    for (;;) {
      const token = this.#peek();
      if (token.text === '.') {
        this.#next();
        const name = this.#next();
        if (name.kind !== 'name') throw new Untranslatable(name.offset, 'a `.` not followed by a name');
        if (this.#peek().text === '(') throw new Untranslatable(token.offset, `the Python method call \`.${name.text}()\``, 'Liquid has no method calls: use a filter (docs/templates.md)');
        path += `.${name.text}`;
      } else if (token.text === '[') {
        this.#next();
        const key = this.#next();
        if (key.kind !== 'string' && key.kind !== 'number') throw new Untranslatable(key.offset, 'a subscript that is not a literal');
        this.#expect(']');
        path += `[${key.text}]`;
      } else if (token.text === '(') {
        throw new Untranslatable(token.offset, `the function call \`${path.split('.').pop() ?? path}()\``, 'Liquid has no function calls');
      } else {
        return path;
      }
    }
  }

  #notCalled(literal: string): string {
    const next = this.#peek();
    if (next.text === '.') throw new Untranslatable(next.offset, `a method call on the literal ${literal}`, 'Liquid has no method calls: use a filter');
    return literal;
  }

  #expectEnd(): void {
    const token = this.#peek();
    if (token.kind === 'end') return;
    if (token.text === 'if') throw new Untranslatable(token.offset, 'an inline `if … else` expression', 'write a {% if %} block');
    if (token.text === 'is' || token.text === 'in') throw new Untranslatable(token.offset, `the \`${token.text}\` operator`);
    const arithmetic = ['+', '-', '*', '/', '//', '%', '**'].includes(token.text);
    const what = arithmetic ? `the arithmetic operator \`${token.text}\`` : token.text === '~' ? 'string concatenation with `~`' : `\`${token.text}\``;
    throw new Untranslatable(token.offset, what, token.text === '~' ? 'write the parts side by side or use `| append:`' : undefined);
  }

  #expect(text: string): void {
    const token = this.#next();
    if (token.text !== text) throw new Untranslatable(token.offset, `\`${token.text || 'the end'}\` where \`${text}\` belongs`);
  }

  #peek(): Token {
    return this.#tokens[this.#at] as Token;
  }

  #next(): Token {
    const token = this.#peek();
    if (token.kind !== 'end') this.#at++;
    return token;
  }
}

/** Jinja literals and constants, in Liquid. */
const LITERALS: Record<string, string> = {
  true: 'true',
  True: 'true',
  false: 'false',
  False: 'false',
  none: 'nil',
  None: 'nil',
};
