/**
 * What every part of the Locoia importer shares: the source with its positions (for reports)
 * and the names a Jinja template may use. A Locoia template reads the auth form's fields by
 * their bare names (`{{ username }}`); the manifest reads `credentials.username`, so every
 * template is translated here with the form's fields as its names, plus the names the field
 * itself adds (`token` in the header block).
 */
import { escapePointerToken } from '../json-pointer.js';
import { Untranslatable } from './jinja-expression.js';
import { jinjaToLiquid } from './jinja-to-liquid.js';
import type { Severity, SourceText } from './source-text.js';

/** Names a field adds to the auth form's: name → the Liquid path, and a warning to give when it is used. */
export type ExtraNames = Record<string, { path: string; warning?: string }>;

/**
 * @example
 * const ctx = new ImportContext(source);
 * ctx.fields.add('username');
 * ctx.translate('/config/url', 'https://x/?u={{ username }}'); // 'https://x/?u={{ credentials.username }}'
 */
export class ImportContext {
  readonly source: SourceText;
  /** The auth form's field names, which are the credential names. */
  readonly fields = new Set<string>();

  constructor(source: SourceText) {
    this.source = source;
  }

  /** A diagnostic at `pointer` of the source (see SourceText.report). */
  report(pointer: string, severity: Severity, message: string, hint?: string, at: 'key' | 'value' | number = 'value'): void {
    this.source.report(pointer, severity, message, hint, at);
  }

  /**
   * The Liquid for the Jinja `text` found at `pointer` in the source; every construct that does
   * not translate is reported there (line and column of the construct) and the text is kept as it was.
   * `offset`: where `text` starts in the source string (a part of it).
   */
  translate(pointer: string, text: string, extra: ExtraNames = {}, offset = 0): string {
    const warned = new Set<string>();
    const resolve = (name: string, offset: number): string => {
      if (Object.hasOwn(extra, name)) {
        const { path, warning } = extra[name] as ExtraNames[string];
        if (warning && !warned.has(name)) warned.add(name);
        return path;
      }
      if (this.fields.has(name)) return `credentials.${name}`;
      const known = [...this.fields, ...Object.keys(extra)].map((field) => `\`${field}\``).join(', ');
      throw new Untranslatable(offset, `the name \`${name}\``, known ? `it is no field of the auth form; known here: ${known}` : 'the auth form declares no fields');
    };
    const { text: liquid, problems } = jinjaToLiquid(text, resolve);
    for (const problem of problems) this.report(pointer, problem.severity, problem.message, problem.hint, offset + problem.offset);
    for (const name of warned) this.report(pointer, 'warning', `\`{{ ${name} }}\` read as \`{{ ${extra[name]?.path} }}\``, extra[name]?.warning);
    return liquid;
  }

  /** translate() for an optional string; other values are kept (null stays null). */
  translateValue<T>(pointer: string, value: T, extra?: ExtraNames): T | string {
    return typeof value === 'string' ? this.translate(pointer, value, extra) : value;
  }
}

/**
 * `base` extended by property names or array indexes (RFC 6901).
 *
 * @example
 * pointerTo('/auth_config', 'oauth2', 'config'); // '/auth_config/oauth2/config'
 */
export function pointerTo(base: string, ...names: (string | number)[]): string {
  return base + names.map((name) => `/${escapePointerToken(String(name))}`).join('');
}

/**
 * A plain object, or undefined.
 *
 * @example
 * objectOf([]); // undefined
 */
export function objectOf(value: unknown): Record<string, unknown> | undefined {
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
}
